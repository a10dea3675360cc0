/**
 * `npm run bench [-- NAME…]`: runs every benchmark below BENCH_RUNS times (default 3), each in its
 * own child process so that its peak RSS is its own. A benchmark module exports `name` and
 * `run(): Promise<boolean>` (false = over its limits), runs itself when executed directly, and
 * records its figures with `record()` (bench/common.ts): each against a baseline measured in the
 * same process run, so machine noise cancels in the ratio. Writes bench/results.md — or, for a run
 * of some of them, bench/results-<names>.md — (min / median / max over the runs, with the machine's
 * cores, load average and Node version), prints which targets hold (a target holds when the median
 * run meets it) and exits 1 when one is missed. SQLite always; PostgreSQL too when
 * BENCH_DATABASE_URL names a server.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Measure } from './common';

const BENCHES: { name: string; file: string }[] = [
  { name: 'rollup', file: 'rollup.ts' },
  { name: 'reminders', file: 'reminders.ts' },
  { name: 'webhook', file: 'webhook.ts' },
  { name: 'report-ingest', file: 'report-ingest.ts' },
  { name: 'import-units', file: 'import-units.ts' },
  { name: 'members-import', file: 'members-import.ts' },
];

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => {
  const s = sorted(xs);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: number[]) => (xs.length ? `${fmt(sorted(xs)[0]!)} / ${fmt(median(xs))} / ${fmt(sorted(xs).at(-1)!)}` : '–');

function main(): number {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
  if (unknown.length) {
    console.error(`Không có benchmark (unknown benchmark): ${unknown.join(', ')}; có (known): ${BENCHES.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3) || 3);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-bench-')), 'measures.jsonl');
  fs.writeFileSync(out, '');
  const started = new Date();
  const loadBefore = load();
  const failedRuns: string[] = [];
  for (let i = 1; i <= runs; i++) {
    for (const b of BENCHES.filter((x) => wanted.length === 0 || wanted.includes(x.name))) {
      console.log(`\n=== ${b.name}, run ${i}/${runs} (load average ${load()}) ===`);
      // the same node flags tsx started us with, so the child runs TypeScript too
      const r = spawnSync(process.execPath, [...process.execArgv, path.join(__dirname, b.file)], { stdio: 'inherit', env: { ...process.env, BENCH_OUT: out } });
      if (r.status !== 0) failedRuns.push(`${b.name} run ${i} (exit ${r.status ?? r.signal})`);
    }
  }
  const loadAfter = load();
  const measures = fs
    .readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Measure);
  const groups = new Map<string, Measure[]>();
  for (const m of measures) {
    const k = `${m.bench}|${m.db ?? ''}|${m.measure}`;
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  const lines = [
    '# Benchmark results',
    '',
    `\`npm run bench${wanted.length ? ` -- ${wanted.join(' ')}` : ''}\`, ${runs} run(s), ${started.toISOString()} → ${new Date().toISOString()}${process.env.BENCH_DATABASE_URL ? ', with PostgreSQL (BENCH_DATABASE_URL)' : ''}.`,
    '',
    `- machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GB RAM, ${os.platform()} ${os.release()}`,
    `- Node ${process.version}`,
    `- load average (1 / 5 / 15 min): ${loadBefore} at the start, ${loadAfter} at the end`,
    '',
    'Each figure is min / median / max over the runs; the ratio is against the baseline measured in',
    'the same process run; a target holds when the median run meets it.',
    '',
    '| benchmark | db | measure | value | baseline | ratio | peak RSS MB | target | holds |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const verdicts: string[] = [];
  let missed = 0;
  for (const ms of groups.values()) {
    const m = ms[0]!;
    const oks = ms.map((x) => !!x.ok);
    // a figure without a target (a latency printed beside a throughput) is shown, not judged
    const judged = m.target !== undefined;
    const holds = !judged || oks.filter(Boolean).length * 2 > oks.length || (oks.length === 2 && oks.every(Boolean)) || (oks.length === 1 && oks[0]!);
    if (!holds) missed++;
    const ratios = ms.filter((x) => x.ratio !== undefined).map((x) => x.ratio!);
    const bases = ms.filter((x) => x.baseline !== undefined).map((x) => x.baseline!);
    const rss = ms.filter((x) => x.rssMb !== undefined).map((x) => x.rssMb!);
    lines.push(
      `| ${m.bench} | ${m.db ?? ''} | ${m.measure} | ${spread(ms.map((x) => x.value))} ${m.unit} | ${bases.length ? spread(bases) : '–'} | ${ratios.length ? spread(ratios) + '×' : '–'} | ${spread(rss)} | ${m.target ?? ''} | ${!judged ? '–' : holds ? 'yes' : `**no** (${oks.filter(Boolean).length}/${oks.length} runs)`} |`,
    );
    verdicts.push(`${!judged ? '      ' : holds ? 'OK    ' : 'MISSED'} ${m.bench}${m.db ? ` (${m.db})` : ''}: ${m.measure} — ${fmt(median(ms.map((x) => x.value)))} ${m.unit}${ratios.length ? `, ${fmt(median(ratios))}×` : ''}${rss.length ? `, ${fmt(median(rss))} MB` : ''}; target ${m.target ?? '–'}`);
  }
  if (failedRuns.length) lines.push('', `Runs that exited non-zero: ${failedRuns.join('; ')}.`);
  lines.push('');
  // a run of some benchmarks writes its own file, leaving the whole table of the last full run alone
  const chosen = BENCHES.filter((b) => wanted.length === 0 || wanted.includes(b.name)).map((b) => b.name);
  const file = chosen.length === BENCHES.length ? 'results.md' : `results-${chosen.join('-')}.md`;
  fs.writeFileSync(path.join(__dirname, file), lines.join('\n'));
  console.log(`\n${lines.slice(4, 7).join('\n')}\n`);
  for (const v of verdicts) console.log(v);
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return missed || groups.size === 0 ? 1 : 0;
}

process.exitCode = main();
