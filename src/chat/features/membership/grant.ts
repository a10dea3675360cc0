/** /capquyen <vai trò> <SĐT | tên>: grant approver, officer or observer at this unit (officers, admins). */
import { findPersonByPhone, getPerson } from '../../../store/people';
import { grantRole, type GrantRole } from '../../../store/grants';
import { audit } from '../../../store/audit';
import { normalizePhone } from '../../../domain/membership';
import { fold } from '../../../domain/text';
import type { Ctx } from '../../context';
import { underPath } from '../../../store/subtree';

export const GRANT_WORDS: Record<string, GrantRole> = {
  'phe duyet': 'approver',
  'nguoi duyet': 'approver',
  'nguoi phe duyet': 'approver',
  duyet: 'approver',
  approver: 'approver',
  'can bo': 'officer',
  officer: 'officer',
  'theo doi': 'observer',
  'nguoi theo doi': 'observer',
  observer: 'observer',
};

/** "<vai trò> <SĐT | tên>": the longest role phrase first. */
export function parseGrantArgs(args: string): { role: GrantRole; who: string } | undefined {
  const words = args.trim().split(/\s+/);
  for (let n = Math.min(3, words.length - 1); n >= 1; n--) {
    const role = GRANT_WORDS[fold(words.slice(0, n).join(' '))];
    if (role) return { role, who: words.slice(n).join(' ').replace(/^[|:]\s*/, '') };
  }
  return undefined;
}

export async function grantCmd(ctx: Ctx, args: string): Promise<void> {
  const unit = ctx.unit;
  if (!unit || !ctx.person) return;
  const parsed = parseGrantArgs(args);
  if (!parsed || !parsed.who) return ctx.reply(ctx.t('membership:grant_usage'));
  let personId: number | undefined;
  const phone = normalizePhone(parsed.who);
  if (phone) personId = (await findPersonByPhone(ctx.db, phone))?.id;
  else {
    // by name among the people of this unit's subtree (team members) and those who talk in this chat
    const f = fold(parsed.who);
    const rows = await ctx.db
      .selectFrom('memberships as m')
      .innerJoin('teams as t', 't.id', 'm.team_id')
      .innerJoin('units as u', 'u.id', 't.unit_id')
      .innerJoin('people as p', 'p.id', 'm.person_id')
      .select(['p.id', 'p.display_name'])
      .where(underPath(ctx.db, 'u.path', unit.path))
      .where('m.until', 'is', null)
      .limit(20000)
      .execute();
    const chatPeople = await ctx.db
      .selectFrom('chat_members as c')
      .innerJoin('identities as i', (j) => j.onRef('i.platform', '=', 'c.platform').onRef('i.external_id', '=', 'c.external_id'))
      .innerJoin('people as p', 'p.id', 'i.person_id')
      .select(['p.id', 'p.display_name'])
      .where('c.platform', '=', ctx.chat.platform)
      .where('c.chat_id', '=', ctx.chat.id)
      .execute();
    const ids = [...new Set([...rows, ...chatPeople].filter((p) => fold(p.display_name) === f).map((p) => p.id))];
    if (ids.length > 1) return ctx.reply(ctx.t('membership:grant_ambiguous', { name: parsed.who }));
    personId = ids[0];
  }
  if (personId === undefined) return ctx.reply(ctx.t('membership:grant_not_found', { who: parsed.who }));
  const person = await getPerson(ctx.db, personId);
  await grantRole(ctx.db, { personId, role: parsed.role, unitId: unit.id, grantedBy: ctx.person.id }, ctx.now);
  await audit(ctx.db, { actor: ctx.person.id, action: 'role.grant', subject: `unit:${unit.id}`, details: { personId, role: parsed.role } }, ctx.now);
  ctx.reply(ctx.t('membership:granted', { name: person?.display_name ?? '', role: ctx.t(`membership:grant_${parsed.role}`), unit: unit.name }));
}
