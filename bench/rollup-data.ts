/**
 * The national-scale data set of the roll-up benchmark (set up untimed): one province of the
 * two-tier-2025 profile, 1,000 communes of 100 villages (100,000), a team of 4 in every village,
 * and a report from EVERY village for 2026-Q4 (1 in 10 amended once, 1 in 8 late, 1 in 20 with a
 * note, 1 in 50 without households), plus the communes' own lines.
 */
import { sql } from 'kysely';
import type { Db } from '../src/db';
import { isPostgres } from '../src/store/subtree';

export const COMMUNES = 1_000;
export const PER_COMMUNE = 100;
export const PERIOD = '2026-Q4';
export const PROFILE = 'two-tier-2025';
export const MEMBERS_PER_TEAM = 4;

async function insertMany<T>(db: Db, rows: T[], insert: (trx: Db, part: T[]) => Promise<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 400) await insert(trx, rows.slice(i, i + 400));
  });
}

const KINDS = ['thôn', 'ấp', 'bản', 'khóm', 'tổ dân phố'];

export async function buildRollupData(db: Db): Promise<{ villages: number }> {
  const at = '2026-01-01T00:00:00.000Z';
  const unit = (id: number, level: string, kind: string | null, name: string, parent: number | null, p: string, households: number | null) => ({
    id,
    code: `b${id}`,
    name,
    short_name: name,
    search_name: name.toLowerCase(),
    level,
    kind,
    parent_id: parent,
    path: p,
    profile: PROFILE,
    households,
    active: 1,
    created_at: at,
  });
  const units = [unit(1, 'province', 'Tỉnh', 'Tỉnh Thử Nghiệm', null, '/1/', null)];
  const villages: number[] = [];
  const communes: number[] = [];
  let id = 2;
  for (let c = 0; c < COMMUNES; c++) {
    const cid = id++;
    communes.push(cid);
    units.push(unit(cid, 'commune', c % 7 === 0 ? 'Phường' : 'Xã', `Xã Số ${c + 1}`, 1, `/1/${cid}/`, null));
    for (let v = 0; v < PER_COMMUNE; v++) {
      const vid = id++;
      villages.push(vid);
      units.push(unit(vid, 'village', KINDS[v % KINDS.length]!, `Thôn ${v + 1} xã ${c + 1}`, cid, `/1/${cid}/${vid}/`, vid % 50 === 0 ? null : 150 + (vid % 200)));
    }
  }
  await insertMany(db, units, (trx, part) => trx.insertInto('units').values(part).execute());
  await insertMany(db, villages, (trx, part) =>
    trx.insertInto('teams').values(part.map((v) => ({ id: v, unit_id: v, name: `Tổ ${v}`, kind: 'community', active: 1, created_at: at }))).execute(),
  );
  const people: number[] = [];
  for (let i = 1; i <= villages.length * MEMBERS_PER_TEAM; i++) people.push(i);
  await insertMany(db, people, (trx, part) =>
    trx.insertInto('people').values(part.map((p) => ({ id: p, display_name: `Người ${p}`, phone: null, locale: 'vi', created_at: at }))).execute(),
  );
  await insertMany(db, people, (trx, part) =>
    trx
      .insertInto('memberships')
      .values(part.map((p) => ({ team_id: villages[(p - 1) % villages.length]!, person_id: p, role: p <= villages.length ? 'leader' : 'member', occupation: null, since: at, until: null })))
      .execute(),
  );
  const reports: unknown[] = [];
  const due = '2026-12-16T00:00:00.000Z';
  for (const v of villages) {
    const hh = 150 + (v % 200);
    const values: Record<string, number | string> = {
      households_supported: Math.round(hh * (0.5 + (v % 50) / 100)),
      people_supported: 100 + (v % 300),
      vneid_l2: 50 + (v % 120),
      dvc_dossiers: v % 40,
      payment_accounts: 20 + (v % 90),
      ecommerce_accounts: v % 15,
      sessions_held: 1 + (v % 6),
      bdhvs_completed: v % 25,
    };
    if (v % 50 !== 1) values.households_total = hh;
    if (v % 20 === 0) values.difficulties = `Thiếu điện thoại thông minh ở thôn ${v}`;
    const late = v % 8 === 0;
    const submitted = late ? '2026-12-18T02:00:00.000Z' : '2026-12-10T02:00:00.000Z';
    const row = (version: number, vals: Record<string, number | string>, when: string) => ({
      unit_id: v,
      team_id: v,
      period: PERIOD,
      kind: 'periodic',
      version,
      values: JSON.stringify(vals),
      source: 'own',
      submitted_by: null,
      submitted_at: when,
      due_at: due,
      late: when >= due ? 1 : 0,
      sent_up_at: when,
    });
    reports.push(row(1, v % 10 === 0 ? { ...values, households_supported: 1 } : values, submitted));
    if (v % 10 === 0) reports.push(row(2, values, '2026-12-20T02:00:00.000Z'));
  }
  for (const c of communes) {
    reports.push({
      unit_id: c, team_id: null, period: PERIOD, kind: 'periodic', version: 1, values: JSON.stringify({ sessions_held: 2, highlights: `Xã ${c} tổ chức ngày hội số` }),
      source: 'own', submitted_by: null, submitted_at: '2026-12-12T02:00:00.000Z', due_at: null, late: 0, sent_up_at: null,
    });
  }
  await insertMany(db, reports, (trx, part) => trx.insertInto('reports').values(part as never).execute());
  // the rows above carry their ids: PostgreSQL's sequences must move past them for later inserts
  if (isPostgres(db)) for (const t of ['units', 'teams', 'people']) await sql.raw(`select setval(pg_get_serial_sequence('${t}', 'id'), (select max(id) from ${t}))`).execute(db);
  return { villages: villages.length };
}
