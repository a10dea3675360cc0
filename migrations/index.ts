/** Every migration, in order. Add new ones here (Kysely applies them by name, sorted). */
import type { Migration } from 'kysely';
import * as m001 from './001_init';
import * as m002 from './002_oneoff_deadlines';
import * as m003 from './003_period_reopenings';
import * as m004 from './004_one_time_codes';
import * as m006 from './006_outbox_leases';
import * as m007 from './007_inbound_updates';
import * as m008 from './008_retention_indexes';
import * as m011 from './011_scale';
import * as m012 from './012_report_heads';
import * as m013 from './013_level_pieces';

export const migrations: Record<string, Migration> = {
  '001_init': m001,
  '002_oneoff_deadlines': m002,
  '003_period_reopenings': m003,
  '004_one_time_codes': m004,
  '006_outbox_leases': m006,
  '007_inbound_updates': m007,
  '008_retention_indexes': m008,
  '011_scale': m011,
  '012_report_heads': m012,
  '013_level_pieces': m013,
};
