/**
 * Fixed-shape queries built and compiled once per dialect instead of once per call: on the
 * per-event path (store an update, finish it, mark a message sending or sent) building and
 * compiling the query cost more than running it. `build` is called once with placeholder values
 * standing for the arguments, which it must use as they are (no slicing, formatting or branching
 * on them); later calls send the same SQL with the arguments in their places.
 */
import type { CompiledQuery, Compilable, QueryResult } from 'kysely';
import type { Db } from './index';

type Slot = { arg: number } | { value: unknown };
interface Prepared {
  query: CompiledQuery;
  slots: Slot[];
}

const cache = new Map<string, Prepared>();
const mark = (i: number): string => `\u0000arg${i}\u0000`;

export function prepared<A extends unknown[]>(name: string, build: (db: Db, ...args: A) => Compilable<unknown>): (db: Db, ...args: A) => Promise<QueryResult<unknown>> {
  return (db, ...args) => {
    const key = `${db.getExecutor().adapter.constructor.name}|${name}`;
    let p = cache.get(key);
    if (!p) {
      const marks = args.map((_, i) => mark(i)) as unknown as A;
      const query = build(db, ...marks).compile();
      const slots = query.parameters.map((v): Slot => {
        const i = typeof v === 'string' ? marks.indexOf(v) : -1;
        return i >= 0 ? { arg: i } : { value: v };
      });
      const used = new Set(slots.flatMap((s) => ('arg' in s ? [s.arg] : [])));
      if (used.size !== args.length) throw new Error(`prepared query ${name}: every argument must be a parameter of the query`);
      p = { query, slots };
      cache.set(key, p);
    }
    const parameters = p.slots.map((s) => ('arg' in s ? args[s.arg] : s.value));
    return db.executeQuery({ ...p.query, parameters });
  };
}
