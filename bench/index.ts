/**
 * `npm run bench [-- NAME…]`: runs every benchmark below, each in its own child process so that
 * its peak RSS is its own. A benchmark module exports `name` and `run(): Promise<boolean>` (false =
 * over its limits) and runs itself when executed directly. Add yours to BENCHES.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BENCHES: { name: string; file: string }[] = [
  { name: 'import-units', file: 'import-units.ts' },
  { name: 'report-ingest', file: 'report-ingest.ts' },
  { name: 'members-import', file: 'members-import.ts' },
  { name: 'reminders', file: 'reminders.ts' },
];

function main(): number {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
  if (unknown.length) {
    console.error(`Không có benchmark (unknown benchmark): ${unknown.join(', ')}; có (known): ${BENCHES.map((b) => b.name).join(', ')}`);
    return 2;
  }
  let failed = 0;
  for (const b of BENCHES.filter((x) => wanted.length === 0 || wanted.includes(x.name))) {
    // the same node flags tsx started us with, so the child runs TypeScript too
    const r = spawnSync(process.execPath, [...process.execArgv, path.join(__dirname, b.file)], { stdio: 'inherit' });
    if (r.status !== 0) {
      failed++;
      console.error(`[${b.name}] thất bại (failed), exit ${r.status ?? r.signal}`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
