/**
 * "This unit and everything below it" as a predicate on a materialised path column ("/1/23/456/")
 * that an index answers on both databases:
 * - SQLite: a range `path >= '/1/23/' and path < '/1/230'` on the binary `units_path` index (its
 *   case-insensitive LIKE never uses that index);
 * - PostgreSQL: `path like '/1/23/%'`, answered by `units_path_pattern` (text_pattern_ops, migration
 *   011) whatever the database's collation; a range under a linguistic collation would be wrong.
 * Paths hold only digits and slashes, so the prefix needs no LIKE escaping.
 */
import { PostgresAdapter, sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';

export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** The first string after every path that starts with `prefix` (binary order: '/' + 1 = '0'). */
export function pathUpperBound(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** `column` (e.g. "u.path") lies under `prefix` (a unit's path, ending in "/"). */
export function underPath(db: Kysely<any>, column: string, prefix: string): RawBuilder<SqlBool> {
  if (!/^[0-9/]+\/$/.test(prefix)) throw new Error(`not a unit path: ${prefix}`);
  const col = sql.ref(column);
  if (isPostgres(db)) return sql<SqlBool>`${col} like ${prefix + '%'}`;
  return sql<SqlBool>`(${col} >= ${prefix} and ${col} < ${pathUpperBound(prefix)})`;
}

/**
 * `column` is one of `ids` (or none of them, `negate`), the ids sent as ONE parameter however many
 * there are: a JSON array read by json_each on SQLite, an int[] on PostgreSQL. Saves building and
 * binding thousands of placeholders per query.
 */
export function idIn(db: Kysely<any>, column: string, ids: readonly number[], negate = false): RawBuilder<SqlBool> {
  const col = sql.ref(column);
  if (isPostgres(db)) return negate ? sql<SqlBool>`not (${col} = any(${[...ids]}::int[]))` : sql<SqlBool>`${col} = any(${[...ids]}::int[])`;
  const list = sql`(select value from json_each(${JSON.stringify(ids)}))`;
  return negate ? sql<SqlBool>`${col} not in ${list}` : sql<SqlBool>`${col} in ${list}`;
}
