import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * What roll-ups read per unit, kept by the database on every write (issue 12), so a province roll-up
 * reads one row per village instead of searching its versions and counting its roster:
 * - `report_heads`: per (unit, period, kind) the latest version (id, number, whether it holds a
 *   text line) and the first version sent up (when, stored late or not) — what decides "on time",
 *   "late" or "missing". Kept by a trigger on `reports` (versions are never changed or deleted).
 * - `unit_rosters`: per unit, its active teams and the distinct people in them now. Kept by
 *   triggers on `teams` and `memberships` (row triggers on SQLite; statement triggers over the
 *   changed rows on PostgreSQL, so a bulk import recounts each unit once per statement).
 * - `report_heads.nums`: the latest version's numbers only, as binary JSON (JSONB on SQLite, jsonb on
 *   PostgreSQL), summed by roll-ups without parsing text.
 * - PostgreSQL: `reports.values` becomes `jsonb` (read without re-parsing; the driver still hands
 *   the text to the code, src/db/index.ts).
 * Existing rows are carried over.
 */
const HEAD_SET = `
    latest_id = case when excluded.latest_version >= report_heads.latest_version then excluded.latest_id else report_heads.latest_id end,
    has_text = case when excluded.latest_version >= report_heads.latest_version then excluded.has_text else report_heads.has_text end,
    nums = case when excluded.latest_version >= report_heads.latest_version then excluded.nums else report_heads.nums end,
    latest_version = case when excluded.latest_version >= report_heads.latest_version then excluded.latest_version else report_heads.latest_version end,
    first_at = case when excluded.first_version is not null and (report_heads.first_version is null or excluded.first_version < report_heads.first_version) then excluded.first_at else report_heads.first_at end,
    first_late = case when excluded.first_version is not null and (report_heads.first_version is null or excluded.first_version < report_heads.first_version) then excluded.first_late else report_heads.first_late end,
    first_version = case when excluded.first_version is not null and (report_heads.first_version is null or excluded.first_version < report_heads.first_version) then excluded.first_version else report_heads.first_version end`;

const HEAD_COLUMNS = 'unit_id, period, kind, latest_id, latest_version, first_at, first_version, first_late, has_text, nums';

/** Per database: whether a version's values hold a text line, and the object of its numbers only. */
interface ValuesSql {
  hasText(v: string): string;
  nums(v: string): string;
}
const SQLITE_VALUES: ValuesSql = {
  hasText: (v) => `exists (select 1 from json_each(${v}) e where e.type = 'text')`,
  // binary JSON (SQLite's JSONB): read without parsing text
  nums: (v) => `(select jsonb_group_object(e.key, e.value) from json_each(${v}) e where e.type in ('integer', 'real'))`,
};
const PG_VALUES: ValuesSql = {
  hasText: (v) => `exists (select 1 from jsonb_each(${v}) e where jsonb_typeof(e.value) = 'string')::int`,
  nums: (v) => `coalesce((select jsonb_object_agg(e.key, e.value) from jsonb_each(${v}) e where jsonb_typeof(e.value) = 'number'), '{}'::jsonb)`,
};

/**
 * The head row of the latest version `r`, its first version sent up being `first(column)` (NEW in
 * the trigger: NEW itself when it was sent up).
 */
const headValues = (r: string, first: (col: string) => string, x: ValuesSql) =>
  `${r}.unit_id, ${r}.period, ${r}.kind, ${r}.id, ${r}.version,
   ${first('sent_up_at')}, ${first('version')}, ${first('late')}, ${x.hasText(`${r}."values"`)}, ${x.nums(`${r}."values"`)}`;
const newIfSentUp = (col: string) => `case when new.sent_up_at is not null then new.${col} end`;

/** Active teams and distinct current members of the units `ids` (a subquery of unit ids). */
const rosterOf = (ids: string) => `
  select x.id as unit_id,
    (select count(*) from teams t where t.unit_id = x.id and t.active = 1) as teams,
    (select count(distinct m.person_id) from teams t join memberships m on m.team_id = t.id
      where t.unit_id = x.id and t.active = 1 and m.until is null) as members
  from (${ids}) x`;
const ROSTER_UPSERT = `on conflict (unit_id) do update set teams = excluded.teams, members = excluded.members`;

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('report_heads')
    .addColumn('unit_id', 'integer', (c) => c.notNull())
    .addColumn('period', 'varchar(32)', (c) => c.notNull())
    .addColumn('kind', 'varchar(64)', (c) => c.notNull())
    .addColumn('latest_id', 'integer', (c) => c.notNull())
    .addColumn('latest_version', 'integer', (c) => c.notNull())
    .addColumn('first_at', 'varchar(32)')
    .addColumn('first_version', 'integer')
    .addColumn('first_late', 'integer')
    .addColumn('has_text', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('nums', pg ? 'jsonb' : 'blob', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_heads_pk', ['unit_id', 'period', 'kind'])
    .$call((t) => (pg ? t : t.modifyEnd(sql`without rowid`)))
    .execute();
  await sql`create index report_heads_text on report_heads (period, kind, unit_id) where has_text = 1`.execute(db);
  await db.schema
    .createTable('unit_rosters')
    .addColumn('unit_id', 'integer', (c) => c.primaryKey())
    .addColumn('teams', 'integer', (c) => c.notNull())
    .addColumn('members', 'integer', (c) => c.notNull())
    .execute();

  if (pg) {
    await sql`alter table reports alter column "values" type jsonb using "values"::jsonb`.execute(db);
    await sql
      .raw(
        `create function report_heads_keep() returns trigger language plpgsql as $$
        begin
          insert into report_heads (${HEAD_COLUMNS}) values (${headValues('new', newIfSentUp, PG_VALUES)})
          on conflict (unit_id, period, kind) do update set ${HEAD_SET};
          return null;
        end $$`,
      )
      .execute(db);
    await sql`create trigger reports_head after insert on reports for each row execute function report_heads_keep()`.execute(db);
    // statement triggers: the units touched by the statement, recounted once
    const touched: Record<string, string> = {
      teams: `select unit_id as id from changed`,
      memberships: `select t.unit_id as id from changed c join teams t on t.id = c.team_id`,
    };
    for (const [table, ids] of Object.entries(touched)) {
      await sql
        .raw(
          // EXECUTE: planned at each statement, not once per session — a plan cached while the tables
          // were small scanned them whole for every unit once they had grown (a 400,000-member import
          // spent 55 s on its first 30,000 rows)
          `create function ${table}_roster_keep() returns trigger language plpgsql as $$
          begin
            if tg_op in ('INSERT', 'UPDATE') then
              execute $q$ insert into unit_rosters (unit_id, teams, members)
              ${rosterOf(`select distinct id from (${ids.replace('changed', 'new_rows')}) n`)} ${ROSTER_UPSERT} $q$;
            end if;
            if tg_op in ('UPDATE', 'DELETE') then
              execute $q$ insert into unit_rosters (unit_id, teams, members)
              ${rosterOf(`select distinct id from (${ids.replace('changed', 'old_rows')}) o`)} ${ROSTER_UPSERT} $q$;
            end if;
            return null;
          end $$`,
        )
        .execute(db);
      await sql.raw(`create trigger ${table}_roster_ins after insert on ${table} referencing new table as new_rows for each statement execute function ${table}_roster_keep()`).execute(db);
      await sql.raw(`create trigger ${table}_roster_upd after update on ${table} referencing old table as old_rows new table as new_rows for each statement execute function ${table}_roster_keep()`).execute(db);
      await sql.raw(`create trigger ${table}_roster_del after delete on ${table} referencing old table as old_rows for each statement execute function ${table}_roster_keep()`).execute(db);
    }
  } else {
    await sql
      .raw(
        `create trigger reports_head after insert on reports begin
          insert into report_heads (${HEAD_COLUMNS}) values (${headValues('new', newIfSentUp, SQLITE_VALUES)})
          on conflict (unit_id, period, kind) do update set ${HEAD_SET};
        end`,
      )
      .execute(db);
    const recount = (unit: string) => `insert into unit_rosters (unit_id, teams, members) ${rosterOf(`select ${unit} as id`)} where x.id is not null ${ROSTER_UPSERT};`;
    const teamUnit = (row: string) => `(select unit_id from teams where id = ${row}.team_id)`;
    const triggers: [string, string][] = [
      ['teams_roster_ins after insert on teams', recount('new.unit_id')],
      ['teams_roster_upd after update on teams', recount('old.unit_id') + recount('new.unit_id')],
      ['teams_roster_del after delete on teams', recount('old.unit_id')],
      ['memberships_roster_ins after insert on memberships', recount(teamUnit('new'))],
      ['memberships_roster_upd after update on memberships', recount(teamUnit('old')) + recount(teamUnit('new'))],
      ['memberships_roster_del after delete on memberships', recount(teamUnit('old'))],
    ];
    for (const [head, body] of triggers) await sql.raw(`create trigger ${head} begin ${body} end`).execute(db);
  }

  // carry existing reports and rosters over
  await sql
    .raw(
      `insert into report_heads (${HEAD_COLUMNS})
      select ${headValues('l', (col) => `f.${col}`, pg ? PG_VALUES : SQLITE_VALUES)}
      from reports l
      left join reports f on f.unit_id = l.unit_id and f.period = l.period and f.kind = l.kind
        and f.version = (select min(x.version) from reports x where x.unit_id = l.unit_id and x.period = l.period and x.kind = l.kind and x.sent_up_at is not null)
      where l.version = (select max(x.version) from reports x where x.unit_id = l.unit_id and x.period = l.period and x.kind = l.kind)`,
    )
    .execute(db);
  await sql.raw(`insert into unit_rosters (unit_id, teams, members) ${rosterOf('select distinct unit_id as id from teams')}`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const t of ['teams', 'memberships']) {
    for (const op of ['ins', 'upd', 'del']) await sql.raw(`drop trigger if exists ${t}_roster_${op}${pg ? ` on ${t}` : ''}`).execute(db);
    if (pg) await sql.raw(`drop function if exists ${t}_roster_keep()`).execute(db);
  }
  await sql.raw(`drop trigger if exists reports_head${pg ? ' on reports' : ''}`).execute(db);
  if (pg) {
    await sql`drop function if exists report_heads_keep()`.execute(db);
    await sql`alter table reports alter column "values" type text`.execute(db);
  }
  await db.schema.dropTable('unit_rosters').ifExists().execute();
  await db.schema.dropTable('report_heads').ifExists().execute();
}
