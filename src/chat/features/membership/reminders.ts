/** Reminders of pending membership requests, for the scheduler. */
import type { Db } from '../../../db';
import type { Unit } from '../../../db/schema';
import { recipientsForUnit, type DeliveryPolicy } from '../../../app/delivery';
import { approvalUnitOf, type ProfileOf } from '../../../app/membership';
import { getProfile } from '../../../app/profiles';
import { audit } from '../../../store/audit';
import { holdersAt } from '../../../store/grants';
import { markReminded, stalePending, type Request } from '../../../store/requests';
import { getUnit } from '../../../store/units';
import { translator, type Locale } from '../../../i18n';
import type { Outgoing, Platform } from '../../types';
import { mentionsFor } from './routing';
import { dateOf, requestWhat } from './text';

/**
 * Pending requests older than their profile's `approval.remindAfterDays` (and not listed since),
 * listed again to the approver: in the approval unit's groups and in the approvers' private chats.
 * Marks them reminded and audits; returns the messages for the caller to enqueue in the same
 * transaction. Idempotent: a second call at the same instant returns nothing.
 */
export async function remindPendingRequests(db: Db, now: Date, profileOf: ProfileOf = getProfile, policy?: DeliveryPolicy): Promise<Outgoing[]> {
  const DAY = 86_400_000;
  const candidates = await stalePending(db, new Date(now.getTime() - DAY));
  const out: Outgoing[] = [];
  const byApprovalUnit = new Map<number, { unit: Unit; locale: Locale; tz: string; days: number; list: (Request & { unitId: number })[] }>();
  const units = new Map<number, Unit | undefined>();
  const unitOf = async (id: number) => {
    if (!units.has(id)) units.set(id, await getUnit(db, id));
    return units.get(id);
  };
  for (const r of candidates) {
    const unit = await unitOf(r.unitId);
    if (!unit) continue;
    const profile = profileOf(unit.profile);
    const before = now.getTime() - profile.approval.remindAfterDays * DAY;
    if (Date.parse(r.createdAt) > before) continue;
    if (r.lastRemindedAt && Date.parse(r.lastRemindedAt) > before) continue;
    const au = await approvalUnitOf(db, unit, profile);
    const g = byApprovalUnit.get(au.id) ?? { unit: au, locale: profile.locale, tz: profile.timezone, days: profile.approval.remindAfterDays, list: [] };
    g.list.push(r);
    byApprovalUnit.set(au.id, g);
  }
  for (const g of byApprovalUnit.values()) {
    const t = translator(g.locale);
    const approvers = await holdersAt(db, 'approver', g.unit.id);
    const lines = [t('membership:remind_title', { count: g.list.length, days: g.days, unit: g.unit.name })];
    for (const r of g.list.slice(0, 50)) {
      lines.push(`#${r.id} ${requestWhat(t, r)} — ${(await unitOf(r.unitId))?.name ?? ''} (${t('membership:since', { date: dateOf(r.createdAt, g.tz) })})`);
    }
    if (approvers.length) lines.push(t('membership:req_approvers', { names: approvers.map((a) => a.name).join(', ') }));
    lines.push(t('membership:pending_how'));
    const text = lines.join('\n');
    // the approval unit's groups (app/delivery), and the approvers in private as always
    const { groups } = await recipientsForUnit(db, g.unit, 'approvers', { policy, profile: profileOf });
    for (const chat of groups) {
      const mentions = await mentionsFor(db, chat.platform, approvers);
      out.push({ chat, text, ...(mentions.length ? { mentions } : {}) });
    }
    if (approvers.length) {
      const privates = await db
        .selectFrom('identities')
        .select(['platform', 'private_chat_id'])
        .where('person_id', 'in', approvers.map((a) => a.personId))
        .where('private_chat_id', 'is not', null)
        .execute();
      for (const p of privates) out.push({ chat: { platform: p.platform as Platform, id: p.private_chat_id! }, text });
    }
    await markReminded(db, g.list.map((r) => r.id), now);
    await audit(db, { actor: null, action: 'membership.remind', subject: `unit:${g.unit.id}`, details: { requests: g.list.map((r) => r.id) } }, now);
  }
  return out;
}
