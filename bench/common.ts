/** What every benchmark script shares. */
import fs from 'node:fs';

/** Kilobytes (as process.resourceUsage().maxRSS gives them) in whole megabytes. */
export const mb = (kb: number): string => (kb / 1024).toFixed(0);

/** Runs a benchmark step as a script: exit code 0 when within its limits, 1 when not or on error. */
export function exitWith(step: Promise<boolean | void>): void {
  step.then(
    (ok) => {
      process.exitCode = ok === false ? 1 : 0;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

/** One measured figure of a benchmark run, collected by bench/index.ts into bench/results.md. */
export interface Measure {
  bench: string;
  /** what was measured ("province roll-up", "plan one point") */
  measure: string;
  /** the figure, and its unit ("ms", "reports/s", "×") */
  value: number;
  unit: string;
  /** the baseline in the same run, when there is one, and value ÷ baseline */
  baseline?: number;
  ratio?: number;
  /** peak RSS of the measuring process, MB */
  rssMb?: number;
  /** the target in words ("≤ 2× and < 300 MB"), and whether this run met it */
  target?: string;
  ok?: boolean;
  db?: string;
}

/** Appends a measure to the file bench/index.ts gave (BENCH_OUT); printed either way. */
export function record(m: Measure): void {
  const file = process.env.BENCH_OUT;
  if (file) fs.appendFileSync(file, JSON.stringify(m) + '\n');
}

/**
 * Runs `fn` on a scratch PostgreSQL database when BENCH_DATABASE_URL names a server (created before,
 * dropped after); resolves true when no server is named.
 */
export async function onScratchPostgres(tag: string, fn: (url: string) => Promise<boolean> | boolean): Promise<boolean> {
  const server = process.env.BENCH_DATABASE_URL;
  if (!server) return true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as typeof import('pg');
  const db = `bench_${tag.replace(/\W/g, '_')}_${process.pid}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${db}`);
  const u = new URL(server);
  u.pathname = `/${db}`;
  try {
    return await fn(u.toString());
  } finally {
    await admin.query(`drop database if exists ${db} with (force)`);
    await admin.end();
  }
}
