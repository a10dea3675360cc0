/** One person on Telegram and Zalo: a one-time code made on one platform, typed on the other. */
import type { MessageEvent, Platform } from '../../src/chat/types';
import { allOutbox } from '../../src/store/outbox';
import { findIdentity } from '../../src/store/people';
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
