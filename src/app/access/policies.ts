/**
 * One named rule per action: who may do it at a unit. Commands declare theirs (`allow`) next to
 * their names and the chat core checks it before running them; buttons, replies and dialog steps
 * that act later check the same rule again. Admins may do everything. Pure: roles in, yes or no out.
 */
import type { Unit } from '../../db/schema';
import { teamRuleFor, type Profile } from '../../domain/profile';
import { leads, mayRead, type RolesAt } from './roles';

export interface Policy {
  /** the action's name, for audit and tests */
  readonly name: string;
  /** locale key of the sentence naming who may (gets {{unit}}) */
  readonly who: string;
  allows(r: RolesAt, unit: Pick<Unit, 'level'>, profile: Profile): boolean;
}

/** Admins always; everyone else by the policy. */
export function permits(policy: Policy, r: RolesAt, unit: Pick<Unit, 'level'>, profile: Profile): boolean {
  return r.admin || policy.allows(r, unit, profile);
}

function deputyActs(unit: Pick<Unit, 'level'>, profile: Profile): boolean {
  return teamRuleFor(profile, unit.level)?.deputy.actsAsLeader ?? false;
}

/** Leads a team of this very unit (leader, or deputy where the profile lets deputies act). */
const leadsHere = (r: RolesAt, unit: Pick<Unit, 'level'>, profile: Profile) => leads(r, deputyActs(unit, profile));

function policy(name: string, who: string, allows: Policy['allows']): Policy {
  return { name, who, allows };
}

/** Everyone, strangers included (help, deadlines, claiming a code). */
export const anyone = policy('anyone', 'common:who_admin', () => true);

/** Only admins. */
export const adminOnly = policy('adminOnly', 'common:who_admin', () => false);

/** A report for the unit: its team's leader; at levels without teams, the unit's officers. */
export const submitReport = policy('submitReport', 'common:who_leader', (r, unit, profile) => {
  const rule = teamRuleFor(profile, unit.level);
  return leadsHere(r, unit, profile) || r.grantsHere.has('officer') || (!rule && r.grants.has('officer'));
});

/** Progress, summaries, rosters: anyone with a role at the unit or above. */
export const readProgress = policy('readProgress', 'common:who_reader', (r) => mayRead(r));

/** Sending the unit's roll-up to the level above: its leader or its own officer. */
export const sendUp = policy('sendUp', 'common:who_leader_officer_admin', (r, unit, profile) => leadsHere(r, unit, profile) || r.grantsHere.has('officer'));

/** Reopening a period for a unit below: checked at the unit that sent up (officers there or above, its leader). */
export const reopen = policy('reopen', 'common:who_leader_officer_admin', (r, unit, profile) => leadsHere(r, unit, profile) || r.grants.has('officer'));

/** Linking a group to the unit (and, when re-linking, away from the unit it is linked to now). */
export const linkGroup = policy('linkGroup', 'common:who_leader_officer_admin', (r, unit, profile) => r.grants.has('officer') || leadsHere(r, unit, profile));

/** Proposing a new member or a role change in the unit's team: its leader. */
export const proposeMember = policy('proposeMember', 'common:who_leader', (r, unit, profile) => leadsHere(r, unit, profile));

/** Leaving (oneself) or proposing a removal: a member of the unit's team (the leader for others). */
export const memberAction = policy('memberAction', 'membership:who_member', (r) => r.teamRoles.size > 0);

/** Listing and deciding membership requests: approvers (officers may list). Deciding is approver-only, at the approval unit. */
export const approve = policy('approve', 'membership:who_approver_list', (r) => r.grants.has('approver') || r.grants.has('officer'));

/** Granting approver/officer/observer at the unit, or inviting someone to a role: officers of the unit or above. */
export const grantRole = policy('grantRole', 'membership:who_grant', (r) => r.grants.has('officer'));

/** Confirming that a new account is a roster entry: the team's leader, an officer or approver above. */
export const confirmClaim = policy('confirmClaim', 'claim:who', (r, unit, profile) => r.grants.has('officer') || r.grants.has('approver') || leadsHere(r, unit, profile));

/** Comparing the roster with the group's members: leaders, anyone with a grant at the unit or above. */
export const checkRoster = policy('checkRoster', 'common:who_leader_officer_admin', (r, unit, profile) => r.grants.size > 0 || leadsHere(r, unit, profile));
