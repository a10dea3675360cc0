/** The audit log: who did what to which record. Details carry ids and counts, never phone numbers. */
import type { Db } from '../db';

export async function audit(
  db: Db,
  e: { actor: number | null; action: string; subject?: string; details?: Record<string, unknown> },
  at: Date,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: at.toISOString(),
      actor_person_id: e.actor,
      action: e.action,
      subject: e.subject ?? null,
      details: e.details ? JSON.stringify(e.details) : null,
    })
    .execute();
}

export async function auditEntries(db: Db, action?: string) {
  let q = db.selectFrom('audit_log').selectAll().orderBy('id');
  if (action) q = q.where('action', '=', action);
  return q.execute();
}
