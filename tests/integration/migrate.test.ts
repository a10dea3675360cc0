import { migrateToLatest } from '../../src/db/migrate';
import { tempDb } from '../helpers/db';

describe('migrations', () => {
  it('apply once and are idempotent on a real SQLite file', async () => {
    const h = await tempDb();
    try {
      expect(await migrateToLatest(h.db)).toEqual([]);
      const tables = await h.db.introspection.getTables();
      const names = tables.map((t) => t.name).filter((n) => !n.startsWith('kysely_'));
      expect(names.sort()).toEqual(
        [
          'audit_log', 'bot_messages', 'chat_links', 'chat_members', 'dialogs', 'identities', 'inbound_updates',
          'membership_requests', 'memberships', 'oneoff_deadlines', 'outbox', 'outbox_rate', 'people', 'period_reopenings', 'reminders_sent', 'report_heads', 'reports', 'role_grants',
          'teams', 'unit_rosters', 'units',
          'one_time_codes', 'code_attempts',
        ].sort(),
      );
    } finally {
      await h.cleanup();
    }
  });
});
