/**
 * Role invites in chat (app/invites):
 *   /moi <vai trò> [đơn vị]   an admin or officer makes a one-time code for a role at this unit or
 *                             one below it (cán bộ, phê duyệt, theo dõi; tổ trưởng of its team);
 *                             the code is only ever shown in the inviter's private chat
 *   /nhanma <mã>              the invited person claims it from their own account, in a private
 *                             chat (Telegram's /start <mã> deep link too); the inviter is told
 */
import { DateTime } from 'luxon';
import type { Unit } from '../../db/schema';
import { policies } from '../../app/access';
import { attemptKeys, normalizeInvite, redeem } from '../../app/codes';
import { applyInvite, createInvite, inviteLinks, type Invite, type InvitePayload, type InviteRole } from '../../app/invites';
import { proposeJoin, teamScope } from '../../app/membership';
import { fold } from '../../domain/text';
import { audit } from '../../store/audit';
import { spendCode } from '../../store/codes';
import { getPerson } from '../../store/people';
import { teamsOfUnit } from '../../store/teams';
import { getUnit, searchUnits, unitsByCode } from '../../store/units';
import type { Ctx } from '../context';
import type { Feature } from '../feature';
import type { Platform } from '../types';
import { allowed } from '../scope';
import { GRANT_WORDS, postRequest, rulesReply } from './membership';

const CHOOSE = 'invite-unit';

const INVITE_WORDS: Record<string, InviteRole> = {
  ...(Object.fromEntries(Object.entries(GRANT_WORDS).filter(([, r]) => r !== 'admin')) as Record<string, InviteRole>),
  canbo: 'officer',
  pheduyet: 'approver',
  theodoi: 'observer',
  'to truong': 'leader',
  totruong: 'leader',
  leader: 'leader',
};

/** "<vai trò> [đơn vị]": the longest role phrase first. */
export function parseInviteArgs(args: string): { role: InviteRole; unit: string } | undefined {
  const words = args.trim().split(/\s+/).filter(Boolean);
  for (let n = Math.min(3, words.length); n >= 1; n--) {
    const role = INVITE_WORDS[fold(words.slice(0, n).join(' '))];
    if (role) return { role, unit: words.slice(n).join(' ').replace(/^[|:]\s*/, '') };
  }
  return undefined;
}

function roleName(ctx: Ctx, role: InviteRole | null): string {
  return role === 'leader' ? ctx.t('invite:role_leader') : role ? ctx.t(`membership:grant_${role}`) : '';
}

/** The unit named after the role, among this unit and those below it. */
async function targetUnit(ctx: Ctx, base: Unit, query: string): Promise<Unit | Unit[] | undefined> {
  if (!query) return base;
  const byCode = /\s/.test(query) ? [] : await unitsByCode(ctx.db, query);
  const found = (byCode.length ? byCode : await searchUnits(ctx.db, query, 30)).filter((u) => u.path.startsWith(base.path));
  if (found.length === 0) return undefined;
  return found.length === 1 ? found[0]! : found.slice(0, 8);
}

async function makeInvite(ctx: Ctx, role: InviteRole, unit: Unit): Promise<void> {
  if (!ctx.person || !(await allowed(ctx, unit, policies.grantRole))) {
    return ctx.reply(ctx.t('common:denied', { who: ctx.t(policies.grantRole.who, { unit: unit.name }) }));
  }
  if (role === 'leader' && (await teamsOfUnit(ctx.db, unit.id)).length === 0) return ctx.reply(ctx.t('invite:no_team', { unit: unit.name }));
  // the code goes to the inviter's private chat only: in a group anyone could claim it first
  const privateChat = ctx.isGroup ? ctx.identity?.privateChatId : ctx.chat.id;
  if (!privateChat) return ctx.reply(ctx.t('invite:need_private'));
  const to = { platform: ctx.chat.platform, id: privateChat };
  const invite = await createInvite(ctx.db, { role, unit, by: ctx.person.id, origin: { platform: to.platform, chatId: to.id }, via: 'chat' }, ctx.now);
  const tz = ctx.svc.profile(unit.profile).timezone;
  ctx.send(
    to,
    ctx.t('invite:created', {
      role: roleName(ctx, role),
      unit: unit.name,
      code: invite.code,
      expires: DateTime.fromISO(invite.expiresAt).setZone(tz).toFormat('HH:mm dd/MM/yyyy'),
      command: inviteLinks(invite.code).command,
    }),
  );
  if (ctx.isGroup) ctx.reply(ctx.t('invite:sent_private', { role: roleName(ctx, role), unit: unit.name }));
}

async function inviteCmd(ctx: Ctx, args: string): Promise<void> {
  const base = ctx.unit;
  if (!base) return;
  const parsed = parseInviteArgs(args);
  if (!parsed) return ctx.reply(ctx.t('invite:usage'));
  const target = await targetUnit(ctx, base, parsed.unit);
  if (!target) return ctx.reply(ctx.t('invite:unit_not_found', { query: parsed.unit, unit: base.name }));
  if (!Array.isArray(target)) return makeInvite(ctx, parsed.role, target);
  await ctx.ask(
    ctx.t('invite:choose', { query: parsed.unit }),
    CHOOSE,
    { role: parsed.role },
    target.map((u) => ({ label: u.name, value: String(u.id) })),
  );
}

/** `/nhanma <mã>` (and `/start <mã>`): the invited person's own account claims the invite. */
export async function claimInvite(ctx: Ctx, args: string): Promise<void> {
  if (ctx.isGroup) return ctx.reply(ctx.t('invite:private_only'));
  if (!ctx.person) return;
  const typed = normalizeInvite(args);
  if (!typed) return ctx.reply(ctx.t('invite:usage_claim'));
  const r = await redeem<InvitePayload>(ctx.db, 'invite', typed, attemptKeys(ctx.person.id, ctx.chat.platform, ctx.chat.id), ctx.now);
  if (r.status === 'limited') return ctx.reply(ctx.t('invite:limited', { minutes: r.minutes }));
  if (r.status !== 'ok') {
    await audit(ctx.db, { actor: ctx.person.id, action: 'role.invite_refused', details: { status: r.status } }, ctx.now);
    return ctx.reply(ctx.t(`invite:${r.status}`));
  }
  const invite = r.code;
  const unit = invite.payload.unitId !== null ? await getUnit(ctx.db, invite.payload.unitId) : undefined;
  if (invite.payload.role === 'leader' && unit) return claimLeader(ctx, invite, unit);
  const personId = await applyInvite(ctx.db, invite, ctx.person.id, ctx.now);
  if (personId === undefined) return ctx.reply(ctx.t('invite:used'));
  const name = ctx.person.display_name;
  if (!invite.payload.role || !unit) {
    const p = await getPerson(ctx.db, personId);
    return ctx.reply(ctx.t('invite:attached', { name: p?.display_name ?? name }));
  }
  const role = roleName(ctx, invite.payload.role);
  ctx.reply(ctx.t('invite:granted', { role, unit: unit.name }));
  tellInviter(ctx, invite, ctx.t('invite:told_inviter', { name, code: invite.code, role, unit: unit.name }));
}

/** A team leader is a roster change: filed as a join request for the approver, as /themtv would. */
async function claimLeader(ctx: Ctx, invite: Invite, unit: Unit): Promise<void> {
  const teams = await teamsOfUnit(ctx.db, unit.id);
  const s = teams[0] ? await teamScope(ctx.db, teams[0].id, (id) => ctx.svc.profile(id)) : undefined;
  if (!s || !ctx.person) return ctx.reply(ctx.t('invite:no_team', { unit: unit.name }));
  const name = ctx.person.display_name;
  const res = await proposeJoin(
    ctx.db,
    s,
    { name, phone: null, role: 'leader', occupation: null, personId: ctx.person.id },
    invite.createdBy ?? ctx.person.id,
    ctx.now,
    { requirePhone: false },
  );
  if (res.status === 'refused') return ctx.reply(rulesReply(ctx.t, ctx.t('invite:leader_refused', { team: s.team.name }), res.check));
  await spendCode(ctx.db, invite.id, ctx.person.id, ctx.now);
  await audit(ctx.db, { actor: ctx.person.id, action: 'role.invite_claimed', subject: `unit:${unit.id}`, details: { role: 'leader', invite: invite.id, request: res.request.id } }, ctx.now);
  ctx.reply(ctx.t('invite:leader_filed', { id: res.request.id, team: s.team.name, approval: s.approvalUnit.name }));
  tellInviter(ctx, invite, ctx.t('invite:told_inviter_leader', { name, code: invite.code, team: s.team.name, id: res.request.id }));
  await postRequest(ctx, s, res.request);
}

function tellInviter(ctx: Ctx, invite: Invite, text: string): void {
  const o = invite.payload.origin;
  if (o && !(o.platform === ctx.chat.platform && o.chatId === ctx.chat.id)) ctx.send({ platform: o.platform as Platform, id: o.chatId }, text);
}

export const invites: Feature = {
  commands: [
    // checked at the chat's unit; a unit named in the arguments must lie below it and is checked too
    { names: ['moi', 'invite'], allow: policies.grantRole, run: inviteCmd },
    { names: ['nhanma', 'redeem'], allow: policies.anyone, at: 'chat', run: claimInvite },
  ],
  flows: {
    [CHOOSE]: {
      onOption: async (ctx, state, value) => {
        await ctx.endDialog();
        const unit = await getUnit(ctx.db, Number(value));
        if (unit) await makeInvite(ctx, state.data.role as InviteRole, unit);
      },
    },
  },
};
