/** Every migration, in order. Add new ones here (Kysely applies them by name, sorted). */
import type { Migration } from 'kysely';
import * as m001 from './001_init';
import * as m002 from './002_oneoff_deadlines';
import * as m007 from './007_inbound_updates';

export const migrations: Record<string, Migration> = {
  '001_init': m001,
  '002_oneoff_deadlines': m002,
  '007_inbound_updates': m007,
};
