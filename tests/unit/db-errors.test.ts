import { dbErrorKind } from '../../src/db/errors';

const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('what a database error means', () => {
  it.each([
    ['a restart (57P01)', err('terminating connection due to administrator command', '57P01')],
    ['a server starting up (57P03)', err('the database system is starting up', '57P03')],
    ['a refused connection', err('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a connection cut mid-query', err('Connection terminated unexpectedly')],
    ['a connect that timed out', err('timeout exceeded when trying to connect')],
    ['a connection exception class (08006)', err('connection failure', '08006')],
    ['refused on every address (AggregateError)', Object.assign(new AggregateError([err('x', 'ECONNREFUSED')], 'connect failed'), {})],
    ['a wrapped cause', Object.assign(new Error('query failed'), { cause: err('x', 'ECONNRESET') })],
  ])('%s → unavailable (wait and retry)', (_label, e) => {
    expect(dbErrorKind(e)).toBe('unavailable');
  });

  it.each([
    ['a serialization failure', err('could not serialize access', '40001')],
    ['a deadlock', err('deadlock detected', '40P01')],
    ['a unique violation (a concurrent insert won)', err('duplicate key value', '23505')],
    ['SQLite busy', err('database is locked', 'SQLITE_BUSY')],
  ])('%s → conflict (retry a few times)', (_label, e) => {
    expect(dbErrorKind(e)).toBe('conflict');
  });

  it.each([
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a foreign key violation', err('violates foreign key constraint', '23503')],
    ['not an error at all', 'boom'],
  ])('%s → a real error', (_label, e) => {
    expect(dbErrorKind(e)).toBeUndefined();
  });
});
