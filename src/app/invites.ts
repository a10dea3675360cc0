/**
 * Role invites: the one way to bring in people who are on no roster (a commune chairman, an
 * officer), the same on Zalo and Telegram. An admin or an officer makes a one-time code for a role
 * at a unit of their subtree (officer, approver, observer; or leader of the unit's team); the person
 * sends it to the bot from their own account in a private chat. Codes are unique, live 7 days, are
 * spent once, and wrong attempts are limited (app/codes). An invite may also carry a person made
 * beforehand (`roles grant --phone` for a new phone): claiming it attaches the account to them.
 * A later "Zalo without groups" flow can hand out the same codes (see `inviteLinks`).
 */
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import { audit } from '../store/audit';
import { createCode, spendCode, type OneTimeCode } from '../store/codes';
import { grantRole, type GrantRole } from '../store/grants';
import { mergePeople } from '../store/people';
import { inviteCode } from './codes';

export type InviteRole = Exclude<GrantRole, 'admin'> | 'leader';
export const INVITE_ROLES: readonly InviteRole[] = ['officer', 'approver', 'observer', 'leader'];
export const INVITE_DAYS = 7;
const DAY = 86_400_000;

export interface InvitePayload {
  /** the role it gives, or null when it only attaches an account to `personId` */
  role: InviteRole | null;
  unitId: number | null;
  /** the person made beforehand (by phone) whom the claiming account becomes */
  personId?: number | null;
  /** the chat the inviter made it in, told when it is claimed */
  origin?: { platform: string; chatId: string } | null;
}

export type Invite = OneTimeCode<InvitePayload>;

export async function createInvite(
  db: Db,
  i: { role: InviteRole | null; unit: Unit | null; personId?: number | null; by: number | null; origin?: InvitePayload['origin']; days?: number; via: 'chat' | 'cli' },
  at: Date,
): Promise<Invite> {
  const invite = await createCode<InvitePayload>(
    db,
    {
      kind: 'invite',
      createdBy: i.by,
      payload: { role: i.role, unitId: i.unit?.id ?? null, personId: i.personId ?? null, origin: i.origin ?? null },
      expiresAt: new Date(at.getTime() + (i.days ?? INVITE_DAYS) * DAY),
      draw: inviteCode,
    },
    at,
  );
  await audit(db, { actor: i.by, action: 'role.invite', subject: i.unit ? `unit:${i.unit.id}` : `person:${i.personId}`, details: { role: i.role, invite: invite.id, via: i.via } }, at);
  return invite;
}

/**
 * Spends the invite for `claimant` and gives what it holds (leader invites are filed by the chat
 * as a join request instead). Returns the person the account now belongs to, or undefined when the
 * invite was spent meanwhile.
 */
export async function applyInvite(db: Db, invite: Invite, claimant: number, at: Date): Promise<number | undefined> {
  const p = invite.payload;
  const personId = p.personId ?? claimant;
  if (!(await spendCode(db, invite.id, personId, at))) return undefined;
  if (personId !== claimant) await mergePeople(db, personId, claimant);
  if (p.role && p.role !== 'leader' && p.unitId !== null) {
    await grantRole(db, { personId, role: p.role, unitId: p.unitId, grantedBy: invite.createdBy }, at);
  }
  await audit(db, { actor: personId, action: 'role.invite_claimed', subject: p.unitId !== null ? `unit:${p.unitId}` : `person:${personId}`, details: { role: p.role, invite: invite.id, merged: personId !== claimant ? claimant : null } }, at);
  return personId;
}

/** Ready-made ways to claim: the command, and Telegram's deep link when the bot's username is known. */
export function inviteLinks(code: string, telegramBot?: string): { command: string; telegram?: string } {
  return { command: `/nhanma ${code}`, ...(telegramBot ? { telegram: `https://t.me/${telegramBot.replace(/^@/, '')}?start=${code}` } : {}) };
}
