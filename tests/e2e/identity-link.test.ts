/** One person on Telegram and Zalo: a one-time code made on one platform, typed on the other. */
import type { MessageEvent, Platform } from '../../src/chat/types';
import { allOutbox } from '../../src/outbox/store';
import { createCode, findCode } from '../../src/store/codes';
import { grantRole, grantsOf } from '../../src/store/grants';
import { findIdentity, getPerson } from '../../src/store/people';
import { membershipsOf } from '../../src/store/teams';
import { seed, testApp, type TestApp } from '../helpers/app';

let app: TestApp;
let n = 0;
beforeAll(async () => {
  app = await testApp();
});
afterAll(() => app.cleanup());

async function dm(platform: Platform, user: string, text: string): Promise<string> {
  const before = (await allOutbox(app.handle.db, platform)).length;
  const e: MessageEvent = {
    type: 'message', platform, eventId: `id-${++n}`, chat: { id: `dm-${user}`, kind: 'private' },
    sender: { id: user, displayName: 'Nguyễn Văn Thử' }, text, at: app.clock.now(),
  };
  await app.core.handle(e);
  const rows = (await allOutbox(app.handle.db, platform)).slice(before);
  return rows.map((r) => (JSON.parse(r.payload) as { text: string }).text).join('\n');
}

it('links a Zalo identity to the Telegram person who leads a team', async () => {
  const s = await seed(app, 'two-tier-2025');
  const leader = s.people.leader[0]!;
  // the leader's Telegram identity belongs to the seeded person
  await app.handle.db.insertInto('identities').values({ platform: 'telegram', external_id: 'tg-1', person_id: leader.personId, display_name: leader.name, private_chat_id: null, created_at: app.clock.now().toISOString() }).execute();

  const made = await dm('telegram', 'tg-1', '/lienketid');
  const code = /(\d{8})/.exec(made)![1]!;
  expect(await dm('telegram', 'tg-1', `/lienketid ${code}`)).toContain('nền tảng kia');
  expect(await dm('zalo', 'za-1', '/lienketid 000000')).toContain('không đúng');
  expect(await dm('zalo', 'za-1', `/linkid ${code}`)).toContain('✅ Đã liên kết');

  const zalo = await findIdentity(app.handle.db, 'zalo', 'za-1');
  expect(zalo!.personId).toBe(leader.personId);
  expect((await membershipsOf(app.handle.db, leader.personId)).some((m) => m.role === 'leader')).toBe(true);
  // the code is single-use
  expect(await dm('zalo', 'za-2', `/lienketid ${code}`)).toBe('Mã này đã được dùng rồi. Gõ /lienketid (không kèm mã) trên nền tảng kia để nhận mã mới.');
});

it('refuses an expired code', async () => {
  const code = /(\d{8})/.exec(await dm('telegram', 'tg-9', '/lienketid'))![1]!;
  app.clock.advance(11 * 60_000);
  expect(await dm('zalo', 'za-9', `/lienketid ${code}`)).toContain('hết hạn');
});

describe('link codes are unique, personal, expiring and rate-limited (issue 11 §5)', () => {
  it("a new code never replaces another person's pending code, only the asker's own previous one", async () => {
    const a1 = /(\d{8})/.exec(await dm('telegram', 'tg-a', '/lienketid'))![1]!;
    const b = /(\d{8})/.exec(await dm('telegram', 'tg-b', '/lienketid'))![1]!;
    const a2 = /(\d{8})/.exec(await dm('telegram', 'tg-a', '/lienketid'))![1]!;
    expect(new Set([a1, b, a2]).size).toBe(3);
    // a1 was withdrawn by a2; b still works for its owner
    expect(await dm('zalo', 'za-a', `/lienketid ${a1}`)).toBe('Mã không đúng hoặc đã hết hạn. Gõ /lienketid (không kèm mã) để nhận mã mới.');
    expect(await dm('zalo', 'za-b', `/lienketid ${b}`)).toContain('✅ Đã liên kết');
    expect((await findIdentity(app.handle.db, 'zalo', 'za-b'))!.personId).toBe((await findIdentity(app.handle.db, 'telegram', 'tg-b'))!.personId);
    expect(await dm('zalo', 'za-a', `/lienketid ${a2}`)).toContain('✅ Đã liên kết');
  });

  it('draws again when a live code already has the text drawn', async () => {
    const at = app.clock.now();
    const p = (await findIdentity(app.handle.db, 'telegram', 'tg-a'))!.personId;
    const draws = ['11112222', '11112222', '33334444'];
    const first = await createCode(app.handle.db, { kind: 'identity', createdBy: p, payload: { platform: 'telegram' }, expiresAt: new Date(at.getTime() + 60_000), draw: () => draws.shift()! }, at);
    const second = await createCode(app.handle.db, { kind: 'identity', createdBy: null, payload: { platform: 'zalo' }, expiresAt: new Date(at.getTime() + 60_000), draw: () => draws.shift()! }, at);
    expect([first.code, second.code]).toEqual(['11112222', '33334444']);
    expect((await findCode(app.handle.db, 'identity', '11112222'))!.createdBy).toBe(p);
  });

  it('after 5 wrong codes from a person, even the right one waits; the chat counts too', async () => {
    const code = /(\d{8})/.exec(await dm('telegram', 'tg-r', '/lienketid'))![1]!;
    for (let i = 0; i < 5; i++) expect(await dm('zalo', 'za-r', `/lienketid 9999000${i}`)).toContain('Mã không đúng');
    expect(await dm('zalo', 'za-r', `/lienketid ${code}`)).toBe('Bạn đã nhập sai mã quá nhiều lần. Hãy thử lại sau 15 phút.');
    app.clock.advance(15 * 60_000 + 1000);
    // the window has passed (and so has the 10-minute code): a fresh code works
    const fresh = /(\d{8})/.exec(await dm('telegram', 'tg-r', '/lienketid'))![1]!;
    expect(await dm('zalo', 'za-r', `/lienketid ${fresh}`)).toContain('✅ Đã liên kết');

    // two accounts taking turns in one chat share the chat's limit
    const inChat = async (user: string, text: string) => {
      const before = (await allOutbox(app.handle.db, 'zalo')).length;
      await app.core.handle({ type: 'message', platform: 'zalo', eventId: `id-${++n}`, chat: { id: 'shared', kind: 'private' }, sender: { id: user, displayName: 'X' }, text, at: app.clock.now() });
      return (await allOutbox(app.handle.db, 'zalo')).slice(before).map((r) => (JSON.parse(r.payload) as { text: string }).text).join('\n');
    };
    for (let i = 0; i < 5; i++) await inChat(i % 2 ? 'za-u' : 'za-v', `/lienketid 8888000${i}`);
    expect(await inChat('za-w', '/lienketid 12345678')).toBe('Bạn đã nhập sai mã quá nhiều lần. Hãy thử lại sau 15 phút.');
  });

  it('links an officer who granted roles (mergePeople moves role_grants.granted_by; no FOREIGN KEY error)', async () => {
    const s = await seed(app, 'ca-mau-2023');
    const officer = s.people.officer[0]!;
    const target = s.people.leader[0]!;
    await app.handle.db.insertInto('identities').values({ platform: 'telegram', external_id: 'tg-off', person_id: officer.personId, display_name: officer.name, private_chat_id: null, created_at: app.clock.now().toISOString() }).execute();
    await grantRole(app.handle.db, { personId: target.personId, role: 'observer', unitId: officer.unitId, grantedBy: officer.personId }, app.clock.now());
    // the code is made on the new Zalo account and typed on the Telegram account that granted: that person is merged away
    const code = /(\d{8})/.exec(await dm('zalo', 'za-off', '/lienketid'))![1]!;
    expect(await dm('telegram', 'tg-off', `/lienketid ${code}`)).toBe('✅ Đã liên kết: tài khoản Zalo và Telegram của bạn giờ là một người trong hệ thống.');
    const merged = (await findIdentity(app.handle.db, 'zalo', 'za-off'))!.personId;
    expect((await findIdentity(app.handle.db, 'telegram', 'tg-off'))!.personId).toBe(merged);
    expect((await grantsOf(app.handle.db, merged)).map((g) => g.role)).toEqual(['officer']);
    const g = await app.handle.db.selectFrom('role_grants').selectAll().where('person_id', '=', target.personId).where('role', '=', 'observer').executeTakeFirstOrThrow();
    expect(g.granted_by).toBe(merged);
    expect(await getPerson(app.handle.db, officer.personId)).toBeUndefined();
  });
});
