/**
 * A point planned in pieces (Reminders.runPoint, CHUNK_PARENTS parents at a time, constant memory)
 * queues exactly what one whole plan queues: the same keys, the same messages, the point marked
 * handled once at the end — for a reminder before the deadline and for the overdue point with the
 * commune chairmen; a second run queues nothing.
 */
import { getProfile } from '../../src/app/profiles';
import { CHUNK_PARENTS, Reminders } from '../../src/app/reminders';
import type { Db } from '../../src/db';
import { allPointsBetween, localInstant } from '../../src/domain/calendar';
import { tempDb } from '../helpers/db';

const COMMUNES = CHUNK_PARENTS + 23;
const AT = '2026-01-01T00:00:00.000Z';

async function build(db: Db): Promise<void> {
  const profile = 'two-tier-2025';
  const unit = (id: number, level: string, name: string, parent: number | null, path: string) => ({
    id, code: `c${id}`, name, short_name: name, search_name: name.toLowerCase(), level, kind: null, parent_id: parent, path, profile, households: 100, active: 1, created_at: AT,
  });
  await db.insertInto('units').values(unit(1, 'province', 'Tỉnh', null, '/1/')).execute();
  let id = 2;
  let person = 1;
  for (let c = 0; c < COMMUNES; c++) {
    const cid = id++;
    await db.insertInto('units').values(unit(cid, 'commune', `Xã ${c + 1}`, 1, `/1/${cid}/`)).execute();
    // a chairman per commune, some with a private chat, some communes with a group
    const chair = person++;
    await db.insertInto('people').values({ id: chair, display_name: `Chủ tịch ${c + 1}`, phone: null, locale: 'vi', created_at: AT }).execute();
    await db.insertInto('identities').values({ platform: 'telegram', external_id: `u${chair}`, person_id: chair, display_name: `Chủ tịch ${c + 1}`, private_chat_id: c % 3 === 0 ? `p${chair}` : null, created_at: AT }).execute();
    await db.insertInto('role_grants').values({ person_id: chair, role: 'approver', unit_id: cid, granted_by: null, created_at: AT }).execute();
    if (c % 4 !== 1) await db.insertInto('chat_links').values({ platform: 'telegram', chat_id: `g${cid}`, unit_id: cid, team_id: null, title: null, active: 1, linked_by: null, linked_at: AT }).execute();
    for (let v = 0; v < 2 + (c % 3); v++) {
      const vid = id++;
      await db.insertInto('units').values(unit(vid, 'village', `Thôn ${v + 1} xã ${c + 1}`, cid, `/1/${cid}/${vid}/`)).execute();
      if ((c + v) % 7 === 3) continue; // no team: not expected
      await db.insertInto('teams').values({ id: vid, unit_id: vid, name: `Tổ ${vid}`, kind: 'community', active: 1, created_at: AT }).execute();
      const leader = person++;
      await db.insertInto('people').values({ id: leader, display_name: `Trưởng thôn ${vid}`, phone: null, locale: 'vi', created_at: AT }).execute();
      await db.insertInto('identities').values({ platform: 'telegram', external_id: `u${leader}`, person_id: leader, display_name: `Trưởng thôn ${vid}`, private_chat_id: vid % 2 ? `p${leader}` : null, created_at: AT }).execute();
      await db.insertInto('memberships').values({ team_id: vid, person_id: leader, role: 'leader', occupation: null, since: AT, until: null }).execute();
      if (vid % 5 !== 0) await db.insertInto('chat_links').values({ platform: 'telegram', chat_id: `g${vid}`, unit_id: vid, team_id: null, title: null, active: 1, linked_by: null, linked_at: AT }).execute();
      if (vid % 4 === 0) {
        await db.insertInto('reports').values({ unit_id: vid, team_id: vid, period: '2026-Q4', kind: 'periodic', version: 1, values: '{}', source: 'own', submitted_by: null, submitted_at: AT, due_at: null, late: 0, sent_up_at: AT }).execute();
      }
    }
  }
}

async function queued(db: Db): Promise<{ keys: string[]; messages: string[] }> {
  const keys = (await db.selectFrom('reminders_sent').select('key').execute()).map((r) => r.key).sort();
  const messages = (await db.selectFrom('outbox').select(['chat_id', 'payload']).execute()).map((r) => `${r.chat_id} ${r.payload}`).sort();
  return { keys, messages };
}

it.each(['before-3', 'overdue'])('the %s point in pieces queues what one whole plan queues, once', async (pointId) => {
  const profile = getProfile('two-tier-2025');
  const tz = profile.timezone;
  const sp = allPointsBetween(profile, localInstant('2026-12-01', tz), localInstant('2026-12-17', tz)).find((p) => p.level === 'village' && (pointId === 'overdue' ? p.point.kind === 'overdue' : p.point.id === pointId))!;
  const now = sp.point.at;
  const [whole, pieces] = [await tempDb(), await tempDb()];
  try {
    await build(whole.db);
    await build(pieces.db);
    const r1 = new Reminders({ db: whole.db });
    const plan = await r1.planPoint(profile, sp, now);
    const c1 = await r1.commit(plan, now);
    const r2 = new Reminders({ db: pieces.db });
    const c2 = await r2.runPoint(profile, sp, now);

    expect(plan.missing).toBeGreaterThan(0);
    expect(c2).toMatchObject({ queuedItems: c1.queuedItems, queuedMessages: c1.queuedMessages, skippedItems: 0 });
    expect(c2.plan).toMatchObject({ expected: plan.expected, reported: plan.reported, missing: plan.missing, items: [] });
    expect(c2.plan.unreachable).toEqual(expect.arrayContaining(plan.unreachable));
    expect(c2.plan.parentsWithoutGroup.length).toBe(plan.parentsWithoutGroup.length);
    expect(await queued(pieces.db)).toEqual(await queued(whole.db));
    // again: every key taken, nothing queued
    expect(await new Reminders({ db: pieces.db }).runPoint(profile, sp, now)).toMatchObject({ queuedItems: 0, queuedMessages: 0 });
  } finally {
    await whole.cleanup();
    await pieces.cleanup();
  }
});
