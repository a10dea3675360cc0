/**
 * Every command checks who may run it: the wrong role gets a refusal naming who may, and nothing
 * changes in the store. Commands anyone may use answer everyone.
 */
import { getUnit } from '../../src/store/units';
import type { DemoSummary } from '../../src/app/demo-seed';
import { groupOf, seed, testApp, type TestApp } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;
let village: number;
let commune: number;
let other: number;

beforeAll(async () => {
  app = await testApp({}, '2026-12-10T09:00:00+07:00');
  s = await seed(app, 'ca-mau-2023');
  village = s.unitsByLevel.village![0]!;
  other = s.unitsByLevel.village![1]!;
  commune = (await getUnit(app.handle.db, village))!.parent_id!;
  const admin = 'sim-admin';
  for (const id of [village, commune]) await app.simulator!.say(groupOf(id), admin, `/lienket ${(await getUnit(app.handle.db, id))!.code}`);
});
afterAll(() => app.cleanup());

const who = (role: keyof DemoSummary['people'], unitId: number) => s.people[role].find((p) => p.unitId === unitId && p.simulatorId)!.simulatorId!;

async function snapshot() {
  const db = app.handle.db;
  const count = async (t: 'reports' | 'chat_links' | 'dialogs' | 'outbox') =>
    Number((await db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())!.n);
  const links = await db.selectFrom('chat_links').selectAll().orderBy('chat_id').execute();
  return { reports: await count('reports'), dialogs: await count('dialogs'), links: JSON.stringify(links) };
}

async function replyTo(chat: string, user: string, text: string): Promise<string> {
  const before = app.simulator!.messages(chat).length;
  await app.simulator!.say(chat, user, text);
  return app.simulator!.messages(chat).slice(before).filter((m) => m.from.bot).map((m) => m.text).join('\n');
}

describe('refusals', () => {
  const linkOther = async () => `/lienket ${(await getUnit(app.handle.db, other))!.code}`;
  const cases: [string, () => [chat: string, user: string], string | (() => Promise<string>), string][] = [
    ['/baocao by a plain member', () => [groupOf(village), who('member', village)], '/baocao\nho huong dan: 5', 'tổ trưởng'],
    ['/baocao by another village\'s leader', () => [groupOf(village), who('leader', other)], '/baocao\nho huong dan: 5', 'tổ trưởng'],
    ['/report (alias) by a stranger', () => [groupOf(village), 'sim-stranger'], '/report\nho huong dan: 5', 'tổ trưởng'],
    ['/mau by a plain member', () => [groupOf(village), who('member', village)], '/mau', 'tổ trưởng'],
    ['/template by the approver', () => [groupOf(village), who('approver', commune)], '/template', 'tổ trưởng'],
    ['/tiendo by a stranger', () => [groupOf(commune), 'sim-stranger'], '/tiendo', 'Chỉ thành viên tổ'],
    ['/progress by another commune\'s member', () => [groupOf(commune), who('member', s.unitsByLevel.village!.at(-1)!)], '/progress', 'Chỉ thành viên tổ'],
    ['/tonghop by a stranger', () => [groupOf(commune), 'sim-stranger'], '/tonghop', 'Chỉ thành viên tổ'],
    ['/guilen by a village leader in the commune group', () => [groupOf(commune), who('leader', village)], '/guilen', 'cán bộ'],
    ['/sendup by a plain member', () => [groupOf(village), who('member', village)], '/sendup', 'cán bộ'],
    ['/lienket by a plain member', () => [groupOf(other), who('member', other)], linkOther, 'tổ trưởng'],
    ['/link by a village leader for another village', () => [groupOf(other), who('leader', village)], linkOther, 'tổ trưởng'],
  ];

  it.each(cases)('%s is refused and changes nothing', async (_name, actor, text, whoMay) => {
    const [chat, user] = actor();
    const cmd = typeof text === 'string' ? text : await text();
    const before = await snapshot();
    const out = await replyTo(chat, user, cmd);
    expect(out).toContain('Bạn không có quyền');
    expect(out).toContain(whoMay);
    expect(await snapshot()).toEqual(before);
  });
});

describe('open to everyone', () => {
  it.each(['/trogiup', '/help', '/start', '/hanchot', '/deadlines'])('%s answers a stranger', async (cmd) => {
    const out = await replyTo(groupOf(village), 'sim-stranger', cmd);
    expect(out).not.toContain('Bạn không có quyền');
    expect(out.length).toBeGreaterThan(20);
  });

  it('commands of later versions say so', async () => {
    expect(await replyTo(groupOf(village), 'sim-stranger', '/thongbao xin chào')).toContain('chưa có');
  });

  it('an unlinked group is told how to link it', async () => {
    expect(await replyTo('g-unlinked', who('leader', village), '/baocao')).toContain('/lienket');
  });
});

describe('membership requests stay private to those who may see them (issue 11 §5)', () => {
  it('/duyet N from a stranger answers exactly as /duyet of a number never used', async () => {
    const filed = await replyTo(groupOf(village), who('leader', village), '/themtv Lâm Văn Khách | 0912 555 666 | thành viên');
    const id = Number(/#(\d+)/.exec(filed)![1]);
    const db = app.handle.db;
    const status = async () => (await db.selectFrom('membership_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
    const forExisting = await replyTo(groupOf(village), 'sim-stranger', `/duyet ${id}`);
    const forMissing = await replyTo(groupOf(village), 'sim-stranger', '/duyet 999');
    expect(forExisting).toBe(`Không có đề nghị #${id} nào chờ bạn duyệt. Gõ /duyet để xem các đề nghị bạn được duyệt.`);
    expect(forMissing).toBe('Không có đề nghị #999 nào chờ bạn duyệt. Gõ /duyet để xem các đề nghị bạn được duyệt.');
    expect(await replyTo(groupOf(village), 'sim-stranger', `/tuchoi ${id} không`)).toBe(forExisting);
    expect(await status()).toBe('pending');
  });
});
