/** The people who answer for units (team leaders, grant holders) with their platform identities, in batches. */
import type { Db } from '../db';
import type { Contact } from './reminders';

const CHUNK = 500;

/** Current holders of these team roles in the active teams of each unit, with identities. */
export async function teamContacts(db: Db, unitIds: readonly number[], roles: readonly string[]): Promise<Map<number, Contact[]>> {
  const out = new Map<number, Contact[]>();
  const people = new Map<number, Contact>();
  const ids = [...new Set(unitIds)];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db
      .selectFrom('memberships as m')
      .innerJoin('teams as t', (j) => j.onRef('t.id', '=', 'm.team_id').on('t.active', '=', 1))
      .innerJoin('people as p', 'p.id', 'm.person_id')
      .leftJoin('identities as i', 'i.person_id', 'p.id')
      .select(['t.unit_id', 'm.role', 'p.id as pid', 'p.display_name as pname', 'i.platform as ip', 'i.external_id as ie', 'i.private_chat_id as ipc'])
      .where('t.unit_id', 'in', ids.slice(i, i + CHUNK))
      .where('m.until', 'is', null)
      .where('m.role', 'in', [...roles])
      .orderBy('m.id')
      .execute();
    for (const r of rows) {
      let c = people.get(r.pid);
      if (!c) people.set(r.pid, (c = { personId: r.pid, name: r.pname, role: r.role, identities: [] }));
      const list = out.get(r.unit_id) ?? [];
      if (!list.includes(c)) list.push(c);
      out.set(r.unit_id, list);
      if (r.ip !== null && r.ie !== null && !c.identities.some((x) => x.platform === r.ip && x.externalId === r.ie)) {
        c.identities.push({ platform: r.ip, externalId: r.ie, privateChatId: r.ipc });
      }
    }
  }
  for (const list of out.values()) list.sort((a, b) => (a.role === 'leader' ? 0 : 1) - (b.role === 'leader' ? 0 : 1) || a.personId - b.personId);
  return out;
}
