/**
 * Table types. Timestamps are ISO-8601 UTC strings ("2026-12-15T17:00:00.000Z"), which sort and
 * compare the same on SQLite and PostgreSQL; structured data is JSON text.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface UnitTable {
  id: Generated<number>;
  /** official GSO code where one exists */
  code: string | null;
  name: string;
  /** short name without the type prefix ("Yên Thịnh" for "Phường Yên Thịnh") */
  short_name: string;
  /** folded name for diacritics-insensitive search */
  search_name: string;
  /** the level key from the unit's profile */
  level: string;
  /** local kind (Xã, Phường, thôn, ấp…) */
  kind: string | null;
  parent_id: number | null;
  /** materialised path of ids, "/1/23/456/", for subtree queries */
  path: string;
  profile: string;
  households: number | null;
  active: number;
  created_at: string;
}

export interface PersonTable {
  id: Generated<number>;
  display_name: string;
  phone: string | null;
  locale: string | null;
  created_at: string;
}

export interface IdentityTable {
  platform: string;
  external_id: string;
  person_id: number;
  display_name: string;
  /** a private chat with the bot exists (for private nudges) */
  private_chat_id: string | null;
  created_at: string;
}

export interface TeamTable {
  id: Generated<number>;
  unit_id: number;
  name: string;
  kind: string;
  active: number;
  created_at: string;
}

export interface MembershipTable {
  id: Generated<number>;
  team_id: number;
  person_id: number;
  role: string;
  occupation: string | null;
  since: string;
  until: string | null;
}

export interface MembershipRequestTable {
  id: Generated<number>;
  team_id: number;
  /** join | leave | role */
  kind: string;
  /** existing person for leave/role, or null for a join of someone new */
  person_id: number | null;
  /** JSON: name, phone, role, occupation */
  payload: string;
  proposed_by: number;
  status: string;
  decided_by: number | null;
  reason: string | null;
  created_at: string;
  decided_at: string | null;
  last_reminded_at: string | null;
}

export interface ChatLinkTable {
  platform: string;
  chat_id: string;
  unit_id: number;
  team_id: number | null;
  title: string | null;
  active: number;
  linked_by: number | null;
  linked_at: string;
}

export interface ChatMemberTable {
  platform: string;
  chat_id: string;
  external_id: string;
  display_name: string;
  present: number;
  updated_at: string;
}

/** Per (unit, period, kind): its latest version and its first version sent up (kept by a trigger, migration 012). */
export interface ReportHeadTable {
  unit_id: number;
  period: string;
  kind: string;
  latest_id: number;
  latest_version: number;
  /** when the first version sent up was stored (null: none sent up yet), and whether it was late */
  first_at: string | null;
  first_version: number | null;
  first_late: number | null;
  /** the latest version holds a text line */
  has_text: number;
  /** the latest version's numbers only: binary JSON (SQLite JSONB, PostgreSQL jsonb), read by SQL only */
  nums: unknown;
}

/** Per unit: active teams and distinct current members (kept by triggers, migration 012). */
export interface UnitRosterTable {
  unit_id: number;
  teams: number;
  members: number;
}

export interface ReportTable {
  id: Generated<number>;
  unit_id: number;
  team_id: number | null;
  /** "2026-11", "2026-Q4", or an ad-hoc request key */
  period: string;
  /** periodic | adhoc:<id> | members */
  kind: string;
  version: number;
  /** JSON object indicator key → number | string */
  values: string;
  /** own | rollup: a level's report that includes its children */
  source: string;
  submitted_by: number | null;
  submitted_at: string;
  due_at: string | null;
  late: number;
  /** for roll-ups: the instant it was sent to the parent group; closes the children's period */
  sent_up_at: string | null;
}

/** A period reopened for a unit after its parent's roll-up (migrations/003_period_reopenings.ts). */
export interface PeriodReopeningTable {
  unit_id: number;
  period: string;
  kind: string;
  /** the parent's sent-up report (roll-up) that had closed the period; a newer one closes it again */
  closed_report_id: number;
  reopened_by: number | null;
  reopened_at: string;
}

export interface ReminderSentTable {
  /** profile|period|level|unit|point */
  key: string;
  sent_at: string;
}

/** One-off deadlines added by an admin (migrations/002_oneoff_deadlines.ts). */
export interface OneOffDeadlineTable {
  profile: string;
  id: string;
  level: string;
  title_vi: string;
  title_en: string;
  /** local wall time, "2026-12-20T24:00" */
  due_local: string;
  source: string;
  created_at: string;
}

export interface OutboxTable {
  id: Generated<number>;
  platform: string;
  chat_id: string;
  /** JSON of Outgoing */
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  /** platform message ids, JSON array, once sent */
  message_ids: string | null;
  /** the drainer instance holding the row (status claimed or sending) */
  claimed_by: Generated<string | null>;
  /** the claim expires at this instant; any instance may then reclaim the row */
  lease_until: Generated<string | null>;
  /** when the send call began (status sending) */
  send_started_at: Generated<string | null>;
  /** 1 once a send's outcome was lost (reclaimed from sending): resent once, then never again */
  maybe_sent: Generated<number>;
}

/** Shared send-rate state (migrations/006): one sliding window per platform, chat or group. */
export interface OutboxRateTable {
  key: string;
  /** JSON array of recent send instants, epoch ms */
  times: string;
  /** the newest instant, epoch ms (PostgreSQL bigint arrives as a string) */
  last_ms: number | string | bigint;
}

/** A platform update as received, stored before it is acknowledged (src/inbound). */
export interface InboundTable {
  id: Generated<number>;
  platform: string;
  event_id: string;
  chat_key: string;
  received_at: string;
  /** JSON of the raw update */
  payload: string;
  /** 'pending' | 'done' */
  status: string;
  processed_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
}

export interface DialogTable {
  platform: string;
  chat_id: string;
  user_id: string;
  /** JSON state */
  state: string;
  updated_at: string;
}

export interface BotMessageTable {
  platform: string;
  chat_id: string;
  message_id: string;
  /** JSON ReplyContext */
  context: string;
  created_at: string;
}

export interface RoleGrantTable {
  id: Generated<number>;
  person_id: number;
  /** admin | officer | approver | observer */
  role: string;
  unit_id: number | null;
  granted_by: number | null;
  created_at: string;
}

export interface OneTimeCodeTable {
  id: Generated<number>;
  /** identity | invite */
  kind: string;
  code: string;
  created_by: number | null;
  /** JSON */
  payload: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  used_by: number | null;
}

export interface CodeAttemptTable {
  id: Generated<number>;
  key: string;
  kind: string;
  at: string;
}

export interface AuditTable {
  id: Generated<number>;
  at: string;
  actor_person_id: number | null;
  action: string;
  subject: string | null;
  /** JSON details: ids and counts, never phone numbers */
  details: string | null;
}

export interface Database {
  units: UnitTable;
  people: PersonTable;
  identities: IdentityTable;
  teams: TeamTable;
  memberships: MembershipTable;
  membership_requests: MembershipRequestTable;
  chat_links: ChatLinkTable;
  chat_members: ChatMemberTable;
  reports: ReportTable;
  report_heads: ReportHeadTable;
  unit_rosters: UnitRosterTable;
  reminders_sent: ReminderSentTable;
  period_reopenings: PeriodReopeningTable;
  oneoff_deadlines: OneOffDeadlineTable;
  outbox: OutboxTable;
  outbox_rate: OutboxRateTable;
  inbound_updates: InboundTable;
  dialogs: DialogTable;
  bot_messages: BotMessageTable;
  role_grants: RoleGrantTable;
  audit_log: AuditTable;
  one_time_codes: OneTimeCodeTable;
  code_attempts: CodeAttemptTable;
}

export type Unit = Selectable<UnitTable>;
export type NewUnit = Insertable<UnitTable>;
export type Person = Selectable<PersonTable>;
export type Team = Selectable<TeamTable>;
export type Membership = Selectable<MembershipTable>;
export type Report = Selectable<ReportTable>;
export type ChatLink = Selectable<ChatLinkTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type InboundRow = Selectable<InboundTable>;
export type MembershipRequest = Selectable<MembershipRequestTable>;
export type UnitUpdate = Updateable<UnitTable>;
