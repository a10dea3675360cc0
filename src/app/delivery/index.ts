/**
 * Where a unit's message goes: THE one place that decides between a unit's linked group chats and
 * the private chats of the people concerned (issue 13, "Zalo without groups").
 *
 * A unit's message goes to its active group links on every platform whose groups the deployment
 * uses (ZALO_GROUPS=off drops Zalo's). Whoever among the people concerned cannot be reached by one
 * of those groups — no identity on a platform where the unit has a group — gets the message in
 * their private chat with the bot instead, on each platform where they opened one. People with
 * neither are `unreached`: the caller lists them to the officer (they must open a chat with the
 * bot first). So a unit whose group is linked hears as before, and a unit without one (or a
 * deployment without groups) hears the same news privately.
 *
 * Audiences: `leaders` — the unit's team leaders (and deputies where the profile lets deputies
 * act; the unit's officers where its level has no teams); `officers` — the unit's officers and its
 * team leaders (progress, roll-ups sent up, "all have reported"); `approvers` — the unit's approvers
 * (escalations, membership requests).
 */
import type { Db } from '../../db';
import { teamRuleFor, type Profile } from '../../domain/profile';
import { PLATFORMS, type ChatRef, type Platform } from '../../outbox/types';
import { teamContacts } from '../../store/contacts';
import { grantContacts, linksOfUnits, type Contact, type GroupLink } from '../../store/reminders';

export type { Contact } from '../../store/reminders';

export interface DeliveryPolicy {
  /** platforms whose groups this deployment does not use (ZALO_GROUPS=off → ['zalo']) */
  groupsOff?: readonly string[];
}

export type Audience = 'leaders' | 'officers' | 'approvers';

export interface PrivateTarget {
  chat: ChatRef;
  personId: number;
  name: string;
}

export interface Route {
  /** the unit's group chats that get the message */
  groups: ChatRef[];
  /** private chats of the people no group reaches */
  privates: PrivateTarget[];
  /** people no group reaches who have not opened a private chat with the bot */
  unreached: { personId: number; name: string }[];
}

const isPlatform = (p: string): p is Platform => (PLATFORMS as readonly string[]).includes(p);

/** The group links this deployment posts to (known platforms whose groups are in use). */
export function usableGroups(links: readonly GroupLink[], policy: DeliveryPolicy = {}): ChatRef[] {
  // called once per unit of a reminder point (100,000 at national scale): loops, no Sets or closures
  const off = policy.groupsOff;
  let out: ChatRef[] | undefined;
  for (const l of links) {
    if (!isPlatform(l.platform) || (off && off.includes(l.platform))) continue;
    if (out && hasChat(out, l.platform, l.chatId)) continue;
    const c: ChatRef = { platform: l.platform, id: l.chatId };
    if (out) out.push(c);
    else out = [c];
  }
  return out ?? [];
}

function hasChat(chats: readonly ChatRef[], platform: string, id: string): boolean {
  for (const c of chats) if (c.platform === platform && c.id === id) return true;
  return false;
}

/** Does this deployment post into groups of this platform? */
export function groupsUsed(platform: string, policy: DeliveryPolicy = {}): boolean {
  return !(policy.groupsOff ?? []).includes(platform);
}

/** The decision, on data already loaded: groups, then private chats for whoever no group reaches. */
export function route(links: readonly GroupLink[], people: readonly Contact[], policy: DeliveryPolicy = {}): Route {
  const groups = usableGroups(links, policy);
  const r: Route = { groups, privates: [], unreached: [] };
  for (let n = 0; n < people.length; n++) {
    const p = people[n]!;
    if (seenBefore(people, n)) continue;
    // a person with an account on a platform where the unit has a group reads it there
    if (readsAGroup(p, groups)) continue;
    let reached = false;
    for (const i of p.identities) {
      if (!i.privateChatId || !isPlatform(i.platform)) continue;
      if (hasPrivate(r.privates, i.platform, i.privateChatId)) continue;
      r.privates.push({ chat: { platform: i.platform, id: i.privateChatId }, personId: p.personId, name: p.name });
      reached = true;
    }
    // with a group somewhere, people without any account are assumed to read the group
    if (!reached && (groups.length === 0 || p.identities.length > 0)) r.unreached.push({ personId: p.personId, name: p.name });
  }
  return r;
}

/** Has the person an account on a platform where one of these groups is? */
function readsAGroup(p: Contact, groups: readonly ChatRef[]): boolean {
  for (const i of p.identities) for (const g of groups) if (g.platform === i.platform) return true;
  return false;
}

function hasPrivate(privates: readonly PrivateTarget[], platform: string, id: string): boolean {
  for (const x of privates) if (x.chat.platform === platform && x.chat.id === id) return true;
  return false;
}

/** Is people[n] listed earlier (the same person twice)? Lists are a few people long. */
function seenBefore(people: readonly Contact[], n: number): boolean {
  for (let k = 0; k < n; k++) if (people[k]!.personId === people[n]!.personId) return true;
  return false;
}

/** The people of an audience at each unit (batch: one query per kind of role). */
export async function audienceOf(db: Db, units: readonly { id: number; level: string; profile: string }[], audience: Audience, profileOf: (id: string) => Profile): Promise<Map<number, Contact[]>> {
  const out = new Map<number, Contact[]>();
  if (units.length === 0) return out;
  const ids = units.map((u) => u.id);
  const add = (m: Map<number, Contact[]>) => {
    for (const [id, list] of m) {
      const cur = out.get(id) ?? [];
      for (const c of list) if (!cur.some((x) => x.personId === c.personId)) cur.push(c);
      out.set(id, cur);
    }
  };
  if (audience === 'approvers') {
    add(await grantContacts(db, 'approver', ids));
    return out;
  }
  if (audience === 'officers') add(await grantContacts(db, 'officer', ids));
  // leaders: deputies too where one level's profile lets them act
  const withTeams = units.filter((u) => teamRuleFor(profileOf(u.profile), u.level));
  const deputies = withTeams.filter((u) => teamRuleFor(profileOf(u.profile), u.level)!.deputy.actsAsLeader).map((u) => u.id);
  const plain = withTeams.filter((u) => !deputies.includes(u.id)).map((u) => u.id);
  if (plain.length) add(await teamContacts(db, plain, ['leader']));
  if (deputies.length) add(await teamContacts(db, deputies, ['leader', 'deputy']));
  if (audience === 'leaders') {
    // a level without teams is answered for by its officers
    const noTeams = units.filter((u) => !teamRuleFor(profileOf(u.profile), u.level)).map((u) => u.id);
    if (noTeams.length) add(await grantContacts(db, 'officer', noTeams));
  }
  return out;
}

/**
 * Where a unit's message for `audience` goes: its usable groups (optionally only those of one
 * team or of the whole unit) and the private chats of the people no group reaches.
 */
export async function recipientsForUnit(
  db: Db,
  unit: { id: number; level: string; profile: string },
  audience: Audience,
  o: { policy?: DeliveryPolicy; profile: (id: string) => Profile; teamId?: number | null },
): Promise<Route> {
  let links = (await linksOfUnits(db, [unit.id])).get(unit.id) ?? [];
  if (o.teamId !== undefined && o.teamId !== null) {
    const ids = await teamLinkFilter(db, unit.id, o.teamId);
    links = links.filter((l) => ids.has(`${l.platform}|${l.chatId}`));
  }
  const people = (await audienceOf(db, [unit], audience, o.profile)).get(unit.id) ?? [];
  return route(links, people, o.policy);
}

/** The unit's links that belong to the whole unit or to this team. */
async function teamLinkFilter(db: Db, unitId: number, teamId: number): Promise<Set<string>> {
  const rows = await db
    .selectFrom('chat_links')
    .select(['platform', 'chat_id', 'team_id'])
    .where('unit_id', '=', unitId)
    .where('active', '=', 1)
    .execute();
  return new Set(rows.filter((r) => r.team_id === null || r.team_id === teamId).map((r) => `${r.platform}|${r.chat_id}`));
}

/** Every chat of a route (groups first). */
export function chatsOf(r: Route): ChatRef[] {
  return [...r.groups, ...r.privates.map((p) => p.chat)];
}
