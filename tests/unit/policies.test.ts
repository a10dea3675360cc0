/** The named permission rules (app/access/policies) and their declaration on every command. */
import type { RolesAt } from '../../src/app/access';
import { permits, type Policy } from '../../src/app/access/policies';
import * as policies from '../../src/app/access/policies';
import { getProfile } from '../../src/app/profiles';
import { FEATURES } from '../../src/chat';

const profile = getProfile('ca-mau-2023');
const village = { level: 'village' };
const commune = { level: 'commune' };

function roles(p: Partial<{ admin: boolean; grants: string[]; here: string[]; team: string[] }> = {}): RolesAt {
  return {
    admin: p.admin ?? false,
    grants: new Set((p.grants ?? []) as never[]),
    grantsHere: new Set((p.here ?? []) as never[]),
    teamRoles: new Set((p.team ?? []) as never[]),
    teamIds: [],
  };
}

const cases: [string, Policy, RolesAt, { level: string }, boolean][] = [
  ['a leader submits for the village', policies.submitReport, roles({ team: ['leader'] }), village, true],
  ['a plain member may not submit', policies.submitReport, roles({ team: ['member'] }), village, false],
  ['an officer above may not submit for a village with a team', policies.submitReport, roles({ grants: ['officer'] }), village, false],
  ['an observer reads progress', policies.readProgress, roles({ grants: ['observer'] }), commune, true],
  ['a stranger reads nothing', policies.readProgress, roles(), commune, false],
  ['the commune officer sends up', policies.sendUp, roles({ grants: ['officer'], here: ['officer'] }), commune, true],
  ['a province officer does not send up for the commune', policies.sendUp, roles({ grants: ['officer'] }), commune, false],
  ['a province officer may link at the commune', policies.linkGroup, roles({ grants: ['officer'] }), commune, true],
  ['an approver may not link', policies.linkGroup, roles({ grants: ['approver'] }), commune, false],
  ['an officer grants and invites', policies.grantRole, roles({ grants: ['officer'] }), village, true],
  ['a leader may not grant', policies.grantRole, roles({ team: ['leader'] }), village, false],
  ['an admin passes every rule', policies.adminOnly, roles({ admin: true }), village, true],
  ['anyone is anyone', policies.anyone, roles(), village, true],
];

it.each(cases)('%s', (_name, policy, r, unit, expected) => {
  expect(permits(policy, r, unit, profile)).toBe(expected);
});

it('every command declares its rule, one of the named policies', () => {
  const named = new Set(Object.values(policies).filter((p): p is Policy => typeof p === 'object' && p !== null && 'allows' in p));
  for (const f of FEATURES) for (const c of f.commands ?? []) expect([c.names[0], named.has(c.allow)]).toEqual([c.names[0], true]);
});
