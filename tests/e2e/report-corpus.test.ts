/**
 * The report corpus (tests/corpus/reports.yaml): messages typed the way village heads type them, run
 * through the real bot (simulator → core → features) in a village group, asserting the bot's full
 * answer. Prints the share handled exactly right; fails below 95 %.
 *
 * CORPUS_RECORD=1 writes the bot's current answers into the file instead (review the diff!).
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import type { DemoSummary } from '../../src/app/demo-seed';
import { getUnit } from '../../src/store/units';
import { groupOf, seed, testApp, type TestApp } from '../helpers/app';

const FILE = path.join(__dirname, '..', 'corpus', 'reports.yaml');
const Step = z.object({ say: z.string(), reply: z.string() });
const Case = z.object({
  id: z.number().int(),
  profile: z.string().default('ca-mau-2023'),
  text: z.string(),
  reply: z.string(),
  then: z.array(Step).default([]),
});
const Corpus = z.object({ cases: z.array(Case).min(150) });

const doc = YAML.parseDocument(fs.readFileSync(FILE, 'utf8'));
const corpus = Corpus.parse(doc.toJS());
const RECORD = process.env.CORPUS_RECORD === '1';
const AT = '2026-12-10T09:00:00+07:00';

interface Village {
  app: TestApp;
  chat: string;
  leader: string;
}
const villages = new Map<string, Village>();

async function village(profile: string): Promise<Village> {
  let v = villages.get(profile);
  if (v) return v;
  const app = await testApp({}, AT);
  const s: DemoSummary = await seed(app, profile);
  const id = s.unitsByLevel.village![0]!;
  const leader = s.people.leader.find((p) => p.unitId === id && p.simulatorId)!.simulatorId!;
  const chat = groupOf(id);
  v = { app, chat, leader };
  villages.set(profile, v);
  await say(v, `/lienket ${(await getUnit(app.handle.db, id))!.code}`);
  return v;
}

async function say(v: Village, text: string): Promise<string> {
  const sim = v.app.simulator!;
  // the simulator keeps the last 500 messages of a chat: what came after, by sequence number
  const before = sim.messages(v.chat).at(-1)?.seq ?? -1;
  await sim.say(v.chat, v.leader, text);
  return sim
    .messages(v.chat)
    .filter((m) => m.seq > before && m.from.bot)
    .map((m) => m.text)
    .join('\n---\n');
}

afterAll(async () => {
  for (const v of villages.values()) await v.app.cleanup();
});

it(`answers the ${corpus.cases.length} corpus messages exactly as written (≥ 95 %)`, async () => {
  const wrong: string[] = [];
  const got: { reply: string; then: string[] }[] = [];
  for (const c of corpus.cases) {
    const v = await village(c.profile);
    const reply = await say(v, c.text);
    const then: string[] = [];
    for (const step of c.then) then.push(await say(v, step.say));
    // whatever dialog is left open is closed, so the next message starts afresh
    await say(v, 'hủy');
    got.push({ reply, then });
    const ok = reply === c.reply && c.then.every((s, i) => s.reply === then[i]);
    if (!ok) wrong.push(`#${c.id} ${JSON.stringify(c.text)}\n  expected: ${JSON.stringify(c.reply)}\n  got:      ${JSON.stringify(reply)}` + c.then.map((s, i) => (s.reply === then[i] ? '' : `\n  then ${JSON.stringify(s.say)}\n    expected: ${JSON.stringify(s.reply)}\n    got:      ${JSON.stringify(then[i])}`)).join(''));
  }
  if (RECORD) {
    const cases = doc.get('cases') as YAML.YAMLSeq;
    cases.items.forEach((item, i) => {
      const node = item as YAML.YAMLMap;
      node.set('text', scalar(corpus.cases[i]!.text));
      node.set('reply', scalar(got[i]!.reply));
      const steps = node.get('then') as YAML.YAMLSeq | undefined;
      steps?.items.forEach((s, j) => {
        (s as YAML.YAMLMap).set('say', scalar(corpus.cases[i]!.then[j]!.say));
        (s as YAML.YAMLMap).set('reply', scalar(got[i]!.then[j]!));
      });
    });
    fs.writeFileSync(FILE, doc.toString({ lineWidth: 0, doubleQuotedAsJSON: true }));
    return;
  }
  const right = corpus.cases.length - wrong.length;
  const share = right / corpus.cases.length;
  console.log(`report corpus: ${right}/${corpus.cases.length} messages handled exactly right (${(share * 100).toFixed(1)} %)` + (wrong.length ? '\n' + wrong.join('\n') : ''));
  expect(share).toBeGreaterThanOrEqual(0.95);
});

function scalar(text: string): YAML.Scalar {
  const s = new YAML.Scalar(text);
  // block literals read best; quoted where a block would lose trailing spaces or odd characters
  s.type = /^[ \t\n]|[ \t]$|[ \t]\n|\n\n\n|[^\S \n]|[\u00a0\u200b\ufeff\u0300-\u036f]/.test(text) || !text.includes('\n') ? 'QUOTE_DOUBLE' : 'BLOCK_LITERAL';
  return s;
}
