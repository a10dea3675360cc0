/**
 * One-time codes (identity links, role invites) and the wrong attempts made at typing them.
 * A code is unique among all stored codes; a spent or expired one is deleted when its text is
 * drawn again, so the table never blocks a fresh code.
 */
import type { Db } from '../db';
import type { Selectable } from 'kysely';
import type { OneTimeCodeTable } from '../db/schema';

export type CodeKind = 'identity' | 'invite';

export interface OneTimeCode<P = unknown> {
  id: number;
  kind: CodeKind;
  code: string;
  createdBy: number | null;
  payload: P;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  usedBy: number | null;
}

function toCode<P>(r: Selectable<OneTimeCodeTable>): OneTimeCode<P> {
  return {
    id: r.id,
    kind: r.kind as CodeKind,
    code: r.code,
    createdBy: r.created_by,
    payload: JSON.parse(r.payload) as P,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
    usedBy: r.used_by,
  };
}

/** Stores a new code drawn by `draw` (drawn again while the text belongs to a live code). */
export async function createCode<P>(
  db: Db,
  c: { kind: CodeKind; createdBy: number | null; payload: P; expiresAt: Date; draw: () => string },
  at: Date,
): Promise<OneTimeCode<P>> {
  for (let i = 0; i < 20; i++) {
    const code = c.draw();
    const existing = await db.selectFrom('one_time_codes').select(['id', 'used_at', 'expires_at']).where('code', '=', code).executeTakeFirst();
    if (existing) {
      if (existing.used_at === null && existing.expires_at > at.toISOString()) continue;
      await db.deleteFrom('one_time_codes').where('id', '=', existing.id).execute();
    }
    const row = await db
      .insertInto('one_time_codes')
      .values({
        kind: c.kind,
        code,
        created_by: c.createdBy,
        payload: JSON.stringify(c.payload),
        created_at: at.toISOString(),
        expires_at: c.expiresAt.toISOString(),
        used_at: null,
        used_by: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toCode<P>(row);
  }
  throw new Error('no free one-time code');
}

export async function findCode<P>(db: Db, kind: CodeKind, code: string): Promise<OneTimeCode<P> | undefined> {
  const r = await db.selectFrom('one_time_codes').selectAll().where('kind', '=', kind).where('code', '=', code).executeTakeFirst();
  return r && toCode<P>(r);
}

/** Marks the code used; false when someone else used it first. */
export async function spendCode(db: Db, id: number, by: number, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('one_time_codes')
    .set({ used_at: at.toISOString(), used_by: by })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Withdraws a person's live codes of a kind (a new identity code replaces the previous one). */
export async function withdrawCodes(db: Db, kind: CodeKind, createdBy: number, at: Date): Promise<void> {
  await db
    .deleteFrom('one_time_codes')
    .where('kind', '=', kind)
    .where('created_by', '=', createdBy)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at.toISOString())
    .execute();
}

export async function recordAttempt(db: Db, keys: string[], kind: CodeKind, at: Date): Promise<void> {
  if (keys.length === 0) return;
  await db.insertInto('code_attempts').values(keys.map((key) => ({ key, kind, at: at.toISOString() }))).execute();
}

/** Wrong attempts under `key` since `since`, oldest first (their instants). */
export async function attemptsSince(db: Db, key: string, kind: CodeKind, since: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('code_attempts')
    .select('at')
    .where('key', '=', key)
    .where('kind', '=', kind)
    .where('at', '>', since.toISOString())
    .orderBy('at')
    .execute();
  return rows.map((r) => r.at);
}
