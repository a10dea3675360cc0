/**
 * Onboarding people who are on no roster (issue 10 §7): a one-time role invite made by an officer
 * (chat) or an admin (CLI), claimed from the person's own account in a private chat — the same on
 * the simulator, Zalo and Telegram. Codes are single use, expire after 7 days, and wrong attempts
 * are rate-limited. `roles grant --phone` makes the person when no one has that phone.
 */
import { main } from '../../src/cli/index';
import type { MessageEvent, Platform } from '../../src/chat/types';
import type { DemoSummary } from '../../src/app/demo-seed';
import { auditEntries } from '../../src/store/audit';
import { grantsOf } from '../../src/store/grants';
import { allOutbox } from '../../src/outbox/store';
import { findIdentity, findPersonByPhone } from '../../src/store/people';
import { getUnit } from '../../src/store/units';
import { groupOf, seed, simDriver, testApp, type TestApp } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;
const sim = simDriver(() => app, () => s);
let commune: number;
let officer: string;
const CODE = /([A-Z2-9]{4}-[A-Z2-9]{4})/;

beforeAll(async () => {
  app = await testApp({}, '2026-12-10T09:00:00+07:00');
  s = await seed(app, 'ca-mau-2023');
  commune = s.unitsByLevel.commune![0]!; // Xã Tân Lộc
  officer = s.people.officer.find((p) => p.unitId === commune)!.simulatorId!;
  await sim.say(groupOf(commune), 'sim-admin', `/lienket ${(await getUnit(app.handle.db, commune))!.code}`);
});
afterAll(() => app.cleanup());

async function inviteInPrivate(text: string): Promise<string> {
  const out = await sim.say(`dm-${officer}`, officer, text);
  return CODE.exec(out.at(-1)!.text)![1]!;
}

let n = 0;
async function dm(platform: Platform, user: string, text: string): Promise<string> {
  const before = (await allOutbox(app.handle.db, platform)).length;
  const e: MessageEvent = {
    type: 'message', platform, eventId: `inv-${++n}`, messageId: `m${n}`, chat: { id: `dm-${user}`, kind: 'private' },
    sender: { id: user, displayName: 'Trần Văn Chủ' }, text, at: app.clock.now(),
  };
  await app.core.handle(e);
  return (await allOutbox(app.handle.db, platform)).slice(before).map((r) => (JSON.parse(r.payload) as { text: string }).text).join('\n');
}

describe('an officer invites the commune chairman as approver', () => {
  let code = '';

  it('never shows the code in the group: asks for a private chat first, then sends it there', async () => {
    expect((await sim.say(groupOf(commune), officer, '/moi phê duyệt')).map((m) => m.text)).toEqual([
      'Mã mời không hiện trong nhóm (ai trong nhóm cũng có thể dùng trước). Hãy mở chat riêng với bot, gõ /start một lần, rồi gõ lại lệnh ở đây hoặc trong chat riêng.',
    ]);
    await sim.say(`dm-${officer}`, officer, '/start');
    const inGroup = await sim.say(groupOf(commune), officer, '/moi phê duyệt');
    expect(inGroup.map((m) => m.text)).toEqual(['🎟️ Đã gửi mã mời làm người phê duyệt tại Xã Tân Lộc vào tin nhắn riêng của bạn với bot.']);
    const privateText = sim.lastBot(`dm-${officer}`).text;
    code = CODE.exec(privateText)![1]!;
    expect(privateText).toBe(
      `🎟️ Mã mời làm người phê duyệt tại Xã Tân Lộc: ${code}\nDùng một lần, hết hạn lúc 09:00 17/12/2026.\n` +
        `Gửi mã này riêng cho người được mời (đừng đăng vào nhóm). Họ mở chat riêng với bot trên Zalo hoặc Telegram và gõ:\n/nhanma ${code}`,
    );
  });

  it('the chairman, refused /duyet before, claims the code from his own account and may then use it; the officer is told', async () => {
    const before = await sim.say(groupOf(commune), 'sim-chair', '/duyet');
    expect(before[0]!.text).toContain('Bạn không có quyền dùng lệnh này ở đây.');
    const claimed = await sim.say('dm-sim-chair', 'sim-chair', `/nhanma ${code.toLowerCase().replace('-', ' ')}`);
    expect(claimed.map((m) => m.text)).toEqual(['✅ Bạn đã nhận quyền người phê duyệt tại Xã Tân Lộc. Gõ /trogiup để xem các lệnh.']);
    expect(sim.lastBot(`dm-${officer}`).text).toMatch(new RegExp(`^✅ .+ đã dùng mã mời ${code}: nay là người phê duyệt tại Xã Tân Lộc\\.$`));
    const after = await sim.say(groupOf(commune), 'sim-chair', '/duyet');
    expect(after.map((m) => m.text)).toEqual(['Không có đề nghị nào đang chờ duyệt ở Xã Tân Lộc.']);
    const made = (await auditEntries(app.handle.db, 'role.invite')).at(-1)!;
    const claim = (await auditEntries(app.handle.db, 'role.invite_claimed')).at(-1)!;
    expect(JSON.parse(made.details!)).toMatchObject({ role: 'approver', via: 'chat' });
    expect(JSON.parse(claim.details!)).toMatchObject({ role: 'approver', invite: JSON.parse(made.details!).invite });
    expect(claim.actor_person_id).not.toBe(made.actor_person_id);
  });

  it('a used code is refused', async () => {
    expect((await sim.say('dm-sim-other', 'sim-other', `/nhanma ${code}`)).map((m) => m.text)).toEqual([
      'Mã mời này đã được dùng. Mỗi mã chỉ dùng một lần; nhờ người mời tạo mã mới bằng /moi.',
    ]);
  });

  it('a code typed in a group is not looked at', async () => {
    expect((await sim.say(groupOf(commune), 'sim-other', `/nhanma ${code}`))[0]!.text).toBe(
      'Hãy gửi mã mời trong tin nhắn riêng với bot, không gửi trong nhóm: /nhanma <mã>',
    );
  });
});

it('an expired code is refused', async () => {
  const code = await inviteInPrivate('/moi theo doi');
  app.clock.advance(7 * 86_400_000 + 60_000);
  expect((await sim.say('dm-sim-late', 'sim-late', `/nhanma ${code}`)).map((m) => m.text)).toEqual([
    'Mã mời này đã hết hạn. Nhờ người mời tạo mã mới bằng /moi.',
  ]);
});

it('wrong codes are limited per person: after 5, even a right code waits 15 minutes', async () => {
  const code = await inviteInPrivate('/moi can bo');
  for (let i = 0; i < 5; i++) {
    expect((await sim.say('dm-sim-guess', 'sim-guess', `/nhanma AAAA-AAA${i + 2}`))[0]!.text).toBe(
      'Mã mời không đúng. Kiểm tra lại mã (8 ký tự, ví dụ ABCD-EFGH) hoặc nhờ người mời tạo mã mới.',
    );
  }
  expect((await sim.say('dm-sim-guess', 'sim-guess', `/nhanma ${code}`))[0]!.text).toBe('Bạn đã nhập sai mã quá nhiều lần. Hãy thử lại sau 15 phút.');
  app.clock.advance(15 * 60_000 + 1000);
  expect((await sim.say('dm-sim-guess', 'sim-guess', `/nhanma ${code}`))[0]!.text).toBe('✅ Bạn đã nhận quyền cán bộ tại Xã Tân Lộc. Gõ /trogiup để xem các lệnh.');
});

it('officers invite only within their subtree; a village leader may not invite', async () => {
  expect((await sim.say(`dm-${officer}`, officer, '/moi can bo Tan Hung Dong'))[0]!.text).toBe(
    'Không tìm thấy đơn vị "Tan Hung Dong" thuộc Xã Tân Lộc. Thử mã đơn vị hoặc tên đầy đủ hơn.',
  );
  const village = s.unitsByLevel.village![0]!;
  const leader = s.people.leader.find((p) => p.unitId === village && p.simulatorId)!.simulatorId!;
  await sim.say(groupOf(village), 'sim-admin', `/lienket ${(await getUnit(app.handle.db, village))!.code}`);
  expect((await sim.say(groupOf(village), leader, '/moi theo doi'))[0]!.text).toBe(
    'Bạn không có quyền dùng lệnh này ở đây. Chỉ cán bộ của Ấp Tân Thành hoặc cấp trên, hoặc quản trị viên được cấp quyền.',
  );
});

it('works the same from Zalo and from Telegram (/start CODE, the deep link)', async () => {
  const forZalo = await inviteInPrivate('/moi theo doi');
  expect(await dm('zalo', 'za-chair', `/nhanma ${forZalo}`)).toBe('✅ Bạn đã nhận quyền người theo dõi tại Xã Tân Lộc. Gõ /trogiup để xem các lệnh.');
  const forTelegram = await inviteInPrivate('/moi theo doi');
  expect(await dm('telegram', 'tg-chair', `/start ${forTelegram}`)).toBe('✅ Bạn đã nhận quyền người theo dõi tại Xã Tân Lộc. Gõ /trogiup để xem các lệnh.');
  for (const [platform, id] of [['zalo', 'za-chair'], ['telegram', 'tg-chair']] as const) {
    const person = (await findIdentity(app.handle.db, platform, id))!.personId;
    expect((await grantsOf(app.handle.db, person)).map((g) => [g.role, g.unitId])).toEqual([['observer', commune]]);
  }
});

describe('CLI', () => {
  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, env: { DATABASE_URL: app.config.DATABASE_URL }, now: () => app.clock.now() });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('roles invite prints a code (and a t.me link) that a Telegram account claims', async () => {
    const unitCode = (await getUnit(app.handle.db, commune))!.code!;
    const r = await cli('roles', 'invite', '--role', 'approver', '--unit', unitCode, '--telegram-bot', 'cnscd_bot');
    expect(r.code).toBe(0);
    const code = CODE.exec(r.out)![1]!;
    expect(r.out).toContain(`/nhanma ${code}`);
    expect(r.out).toContain(`https://t.me/cnscd_bot?start=${code}`);
    expect(await dm('telegram', 'tg-cli', `/nhanma ${code}`)).toBe('✅ Bạn đã nhận quyền người phê duyệt tại Xã Tân Lộc. Gõ /trogiup để xem các lệnh.');
  });

  it('roles grant --phone makes a new person, grants the role and prints a code that attaches their account', async () => {
    const unitCode = (await getUnit(app.handle.db, commune))!.code!;
    expect(await findPersonByPhone(app.handle.db, '+84912000111')).toBeUndefined();
    const r = await cli('roles', 'grant', '--role', 'officer', '--phone', '0912 000 111', '--name', 'Ngô Thị Mới', '--unit', unitCode);
    expect(r.code).toBe(0);
    const person = (await findPersonByPhone(app.handle.db, '+84912000111'))!;
    expect(person.display_name).toBe('Ngô Thị Mới');
    expect(r.out).toContain(`Đã tạo người mới Ngô Thị Mới (mã người ${person.id})`);
    expect(r.out).toContain('Đã cấp quyền officer tại Xã Tân Lộc cho Ngô Thị Mới (granted)');
    expect((await grantsOf(app.handle.db, person.id)).map((g) => g.role)).toEqual(['officer']);
    const code = CODE.exec(r.out)![1]!;
    expect(await dm('zalo', 'za-moi', `/nhanma ${code}`)).toBe('✅ Tài khoản này đã được gắn với Ngô Thị Mới trong hệ thống. Gõ /trogiup để xem các lệnh.');
    expect((await findIdentity(app.handle.db, 'zalo', 'za-moi'))!.personId).toBe(person.id);
    // the same phone again: no second person
    const again = await cli('roles', 'grant', '--role', 'observer', '--phone', '0912000111', '--unit', unitCode);
    expect(again.out).not.toContain('Đã tạo người mới');
    expect(again.out).not.toMatch(CODE);
  });
});

it('a leader invite files a join request for the approver; the rules still apply', async () => {
  const villages = [];
  for (const v of s.unitsByLevel.village!) if ((await getUnit(app.handle.db, v))!.parent_id === commune) villages.push((await getUnit(app.handle.db, v))!);
  const [withLeader, empty] = [villages[0]!, villages[1]!];
  // the second village's team loses its members (a team being rebuilt)
  const team = s.teams.find((t) => t.unitId === empty.id)!;
  await app.handle.db.updateTable('memberships').set({ until: app.clock.now().toISOString() }).where('team_id', '=', team.id).execute();

  const refusedCode = await inviteInPrivate(`/moi to truong ${withLeader.code}`);
  const refused = (await sim.say('dm-sim-newlead', 'sim-newlead', `/nhanma ${refusedCode}`))[0]!.text;
  expect(refused.split('\n')[0]).toBe(`Chưa nhận được mã mời làm tổ trưởng ${s.teams.find((t) => t.unitId === withLeader.id)!.name}:`);

  const code = await inviteInPrivate(`/moi tổ trưởng ${empty.code}`);
  const filed = (await sim.say('dm-sim-newlead', 'sim-newlead', `/nhanma ${code}`))[0]!.text;
  expect(filed).toMatch(new RegExp(`^✅ Đã nhận mã mời\\. Đề nghị #\\d+: bạn làm tổ trưởng ${team.name} — đang chờ Xã Tân Lộc phê duyệt\\.$`));
  expect(sim.lastBot(groupOf(commune)).text).toContain('Tổ trưởng');
});
