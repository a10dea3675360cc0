/**
 * Reminders: the sent-reminders record (exactly once), admin-added one-off deadlines, and the batch
 * reads the planner needs for every unit of one level at once (a point may concern 100,000 villages,
 * so nothing here runs a query per unit).
 */
import type { Db } from '../db';
import type { OneOffDeadline } from '../domain/profile';

const CHUNK = 500;

function chunks<T>(xs: readonly T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

// ───────────────────────────── sent-reminders record ─────────────────────────────

/**
 * Claims keys: inserts each into reminders_sent unless already there and returns the ones this call
 * inserted. Call it inside the transaction that queues the messages, before queuing them: a key
 * another process claimed first is skipped, and a rollback releases the claim with the messages.
 */
export async function claimKeys(db: Db, keys: readonly string[], at: Date): Promise<Set<string>> {
  const won = new Set<string>();
  const ts = at.toISOString();
  for (const part of chunks([...new Set(keys)])) {
    const rows = await db
      .insertInto('reminders_sent')
      .values(part.map((key) => ({ key, sent_at: ts })))
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .execute();
    for (const r of rows) won.add(r.key);
  }
  return won;
}

/** Which of these keys are already recorded. */
export async function recordedKeys(db: Db, keys: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks([...new Set(keys)])) {
    const rows = await db.selectFrom('reminders_sent').select('key').where('key', 'in', part).execute();
    for (const r of rows) out.add(r.key);
  }
  return out;
}

// ───────────────────────────── profiles in use, one-offs ─────────────────────────────

/** Profiles of the active units in the database: the ones the scheduler serves. */
export async function activeProfileIds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('units').select('profile').where('active', '=', 1).distinct().orderBy('profile').execute();
  return rows.map((r) => r.profile);
}

export async function addOneOff(db: Db, profile: string, d: OneOffDeadline, at: Date): Promise<void> {
  await db
    .insertInto('oneoff_deadlines')
    .values({
      profile,
      id: d.id,
      level: d.level,
      title_vi: d.title.vi,
      title_en: d.title.en,
      due_local: d.dueLocal,
      source: d.source,
      created_at: at.toISOString(),
    })
    .execute();
}

export async function removeOneOff(db: Db, profile: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('oneoff_deadlines').where('profile', '=', profile).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Admin-added one-off deadlines, per profile id. */
export async function oneOffsByProfile(db: Db): Promise<Map<string, OneOffDeadline[]>> {
  const rows = await db.selectFrom('oneoff_deadlines').selectAll().orderBy('profile').orderBy('due_local').orderBy('id').execute();
  const out = new Map<string, OneOffDeadline[]>();
  for (const r of rows) {
    const list = out.get(r.profile) ?? [];
    list.push({ id: r.id, level: r.level, title: { vi: r.title_vi, en: r.title_en }, dueLocal: r.due_local, source: r.source });
    out.set(r.profile, list);
  }
  return out;
}

// ───────────────────────────── batch reads for one level ─────────────────────────────

export interface LevelUnit {
  id: number;
  name: string;
  parentId: number | null;
  path: string;
}

/** Active units of a profile at a level. */
export async function unitsAtLevel(db: Db, profile: string, level: string): Promise<LevelUnit[]> {
  const rows = await db
    .selectFrom('units')
    .select(['id', 'name', 'parent_id', 'path'])
    .where('profile', '=', profile)
    .where('level', '=', level)
    .where('active', '=', 1)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, parentId: r.parent_id, path: r.path }));
}

export async function unitsById(db: Db, ids: readonly number[]): Promise<Map<number, LevelUnit>> {
  const out = new Map<number, LevelUnit>();
  for (const part of chunks([...new Set(ids)])) {
    const rows = await db.selectFrom('units').select(['id', 'name', 'parent_id', 'path']).where('id', 'in', part).execute();
    for (const r of rows) out.set(r.id, { id: r.id, name: r.name, parentId: r.parent_id, path: r.path });
  }
  return out;
}

/** Units of a profile at a level that have an active team. */
export async function teamedUnitsAtLevel(db: Db, profile: string, level: string): Promise<Set<number>> {
  const rows = await db
    .selectFrom('teams as t')
    .innerJoin('units as u', 'u.id', 't.unit_id')
    .select('t.unit_id')
    .where('u.profile', '=', profile)
    .where('u.level', '=', level)
    .where('t.active', '=', 1)
    .execute();
  return new Set(rows.map((r) => r.unit_id));
}

/**
 * Units of a profile at a level that have reported for a period: some version of their report was
 * sent up (the lowest level's reports are sent up when confirmed) — the rule of rollups.statusOf.
 */
export async function reportedUnitsAtLevel(db: Db, profile: string, level: string, period: string, kind: string): Promise<Set<number>> {
  const rows = await db
    .selectFrom('reports as r')
    .innerJoin('units as u', 'u.id', 'r.unit_id')
    .select('r.unit_id')
    .where('u.profile', '=', profile)
    .where('u.level', '=', level)
    .where('r.period', '=', period)
    .where('r.kind', '=', kind)
    .where('r.sent_up_at', 'is not', null)
    .distinct()
    .execute();
  return new Set(rows.map((r) => r.unit_id));
}

export interface Contact {
  personId: number;
  name: string;
  /** platform identities: for mentions, and private chats where the person opened one */
  identities: { platform: string; externalId: string; privateChatId: string | null }[];
}

async function attachIdentities(db: Db, people: Map<number, Contact>): Promise<void> {
  for (const part of chunks([...people.keys()])) {
    const rows = await db
      .selectFrom('identities')
      .select(['person_id', 'platform', 'external_id', 'private_chat_id'])
      .where('person_id', 'in', part)
      .execute();
    for (const r of rows) people.get(r.person_id)?.identities.push({ platform: r.platform, externalId: r.external_id, privateChatId: r.private_chat_id });
  }
}

/** Current team leaders (and other roles asked for) of the units of a profile at a level, per unit. */
export async function teamContactsAtLevel(db: Db, profile: string, level: string, roles: readonly string[]): Promise<Map<number, Contact[]>> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .innerJoin('units as u', 'u.id', 't.unit_id')
    .innerJoin('people as p', 'p.id', 'm.person_id')
    .select(['t.unit_id', 'p.id as personId', 'p.display_name as name', 'm.role'])
    .where('u.profile', '=', profile)
    .where('u.level', '=', level)
    .where('t.active', '=', 1)
    .where('m.until', 'is', null)
    .where('m.role', 'in', [...roles])
    .orderBy('t.unit_id')
    .orderBy('m.id')
    .execute();
  return groupContacts(db, rows.map((r) => ({ unitId: r.unit_id, personId: r.personId, name: r.name, order: r.role === 'leader' ? 0 : 1 })));
}

/** People holding a grant (officer, approver…) exactly at each of the given units. */
export async function grantContacts(db: Db, role: string, unitIds: readonly number[]): Promise<Map<number, Contact[]>> {
  const all: { unitId: number; personId: number; name: string; order: number }[] = [];
  for (const part of chunks([...new Set(unitIds)])) {
    const rows = await db
      .selectFrom('role_grants as g')
      .innerJoin('people as p', 'p.id', 'g.person_id')
      .select(['g.unit_id', 'p.id as personId', 'p.display_name as name'])
      .where('g.role', '=', role)
      .where('g.unit_id', 'in', part)
      .orderBy('g.id')
      .execute();
    for (const r of rows) all.push({ unitId: r.unit_id!, personId: r.personId, name: r.name, order: 0 });
  }
  return groupContacts(db, all);
}

async function groupContacts(db: Db, rows: { unitId: number; personId: number; name: string; order: number }[]): Promise<Map<number, Contact[]>> {
  const people = new Map<number, Contact>();
  const byUnit = new Map<number, Contact[]>();
  for (const r of [...rows].sort((a, b) => a.order - b.order)) {
    let c = people.get(r.personId);
    if (!c) people.set(r.personId, (c = { personId: r.personId, name: r.name, identities: [] }));
    const list = byUnit.get(r.unitId) ?? [];
    if (!list.includes(c)) list.push(c);
    byUnit.set(r.unitId, list);
  }
  await attachIdentities(db, people);
  return byUnit;
}

export interface GroupLink {
  platform: string;
  chatId: string;
}

/** Active group links of the units of a profile at a level, per unit. */
export async function linksAtLevel(db: Db, profile: string, level: string): Promise<Map<number, GroupLink[]>> {
  const rows = await db
    .selectFrom('chat_links as l')
    .innerJoin('units as u', 'u.id', 'l.unit_id')
    .select(['l.unit_id', 'l.platform', 'l.chat_id'])
    .where('u.profile', '=', profile)
    .where('u.level', '=', level)
    .where('l.active', '=', 1)
    .orderBy('l.unit_id')
    .orderBy('l.platform')
    .orderBy('l.chat_id')
    .execute();
  const out = new Map<number, GroupLink[]>();
  for (const r of rows) {
    const list = out.get(r.unit_id) ?? [];
    list.push({ platform: r.platform, chatId: r.chat_id });
    out.set(r.unit_id, list);
  }
  return out;
}

/** Active group links of the given units. */
export async function linksOfUnits(db: Db, unitIds: readonly number[]): Promise<Map<number, GroupLink[]>> {
  const out = new Map<number, GroupLink[]>();
  for (const part of chunks([...new Set(unitIds)])) {
    const rows = await db
      .selectFrom('chat_links')
      .select(['unit_id', 'platform', 'chat_id'])
      .where('unit_id', 'in', part)
      .where('active', '=', 1)
      .orderBy('unit_id')
      .orderBy('platform')
      .orderBy('chat_id')
      .execute();
    for (const r of rows) {
      const list = out.get(r.unit_id) ?? [];
      list.push({ platform: r.platform, chatId: r.chat_id });
      out.set(r.unit_id, list);
    }
  }
  return out;
}
