/**
 * Retention (issue 11, point 6): the daily job removes processed inbound updates, finished outbox
 * messages, dialogs nobody continued and old bot-message contexts after their periods, on the app's
 * clock; everything younger, and every message still waiting to be sent, stays.
 */
import { pruneExpired } from '../../src/app/retention';
import { rememberBotMessage } from '../../src/store/bot-messages';
import { saveDialog } from '../../src/store/dialogs';
import { recordProcessed } from '../../src/inbound/store';
import { allOutbox, enqueue, markSent } from '../../src/outbox/store';
import type { Db } from '../../src/db';
import { loadConfig } from '../../src/config';
import { testApp, type TestApp } from '../helpers/app';
import { tempDb } from '../helpers/db';

const DAY = 86_400_000;
const days = (start: Date, n: number) => new Date(start.getTime() + n * DAY);

/** One row of each kind at `at`; the outbox gets a sent, a failed and a pending message. */
async function rowsAt(db: Db, at: Date, tag: string): Promise<void> {
  await recordProcessed(db, 'telegram', `u-${tag}`, `c-${tag}`, at);
  await enqueue(
    db,
    ['sent', 'failed', 'pending'].map((k) => ({ chat: { platform: 'telegram' as const, id: `c-${tag}-${k}` }, text: `SĐT 0912 345 678 (${k})` })),
    at,
  );
  const rows = (await allOutbox(db)).filter((r) => r.chat_id.startsWith(`c-${tag}-`));
  await markSent(db, rows.find((r) => r.chat_id.endsWith('-sent'))!.id, ['1'], at);
  await db.updateTable('outbox').set({ status: 'failed', attempts: 1, last_error: 'blocked' }).where('id', '=', rows.find((r) => r.chat_id.endsWith('-failed'))!.id).execute();
  await saveDialog(db, 'telegram', `c-${tag}`, 'u1', { flow: 'report', data: { phone: '0912345678' } }, at);
  await rememberBotMessage(db, 'telegram', `c-${tag}`, [`m-${tag}`], { flow: 'report', data: {} }, at);
}

async function remaining(db: Db) {
  return {
    inbound: (await db.selectFrom('inbound_updates').select('event_id').orderBy('event_id').execute()).map((r) => r.event_id),
    outbox: (await db.selectFrom('outbox').select('chat_id').orderBy('chat_id').execute()).map((r) => r.chat_id),
    dialogs: (await db.selectFrom('dialogs').select('chat_id').orderBy('chat_id').execute()).map((r) => r.chat_id),
    botMessages: (await db.selectFrom('bot_messages').select('message_id').orderBy('message_id').execute()).map((r) => r.message_id),
  };
}

describe('pruneExpired', () => {
  it('removes each kind of row after its own period and keeps younger rows and unsent messages', async () => {
    const h = await tempDb();
    try {
      const now = new Date('2026-12-31T20:00:00.000Z');
      await rowsAt(h.db, days(now, -200), 'd200');
      await rowsAt(h.db, days(now, -40), 'd40');
      await rowsAt(h.db, days(now, -10), 'd10');
      await rowsAt(h.db, days(now, -1), 'd1');
      const r = await pruneExpired(h.db, now, { inboundDays: 30, outboxDays: 30, dialogDays: 7, botMessageDays: 180 });
      expect(r).toEqual({ inbound: 2, outbox: 4, dialogs: 3, botMessages: 1 });
      expect(await remaining(h.db)).toEqual({
        inbound: ['u-d1', 'u-d10'],
        // a message never sent is kept whatever its age: it is still work to do
        outbox: ['c-d1-failed', 'c-d1-pending', 'c-d1-sent', 'c-d10-failed', 'c-d10-pending', 'c-d10-sent', 'c-d200-pending', 'c-d40-pending'],
        dialogs: ['c-d1'],
        botMessages: ['m-d1', 'm-d10', 'm-d40'],
      });
      // a second run the same day finds nothing more
      expect(await pruneExpired(h.db, now, { inboundDays: 30, outboxDays: 30, dialogDays: 7, botMessageDays: 180 })).toEqual({ inbound: 0, outbox: 0, dialogs: 0, botMessages: 0 });
    } finally {
      await h.cleanup();
    }
  });
});

describe('the daily retention job in the app', () => {
  let app: TestApp;
  afterEach(async () => app?.cleanup());

  it('uses the RETENTION_* periods from configuration and the app clock', async () => {
    app = await testApp({ RETENTION_OUTBOX_DAYS: '2', RETENTION_DIALOG_DAYS: '1', RETENTION_INBOUND_DAYS: '3', RETENTION_BOT_MESSAGE_DAYS: '5' }, '2026-12-01T09:00:00+07:00');
    const db = app.handle.db;
    await rowsAt(db, app.clock.now(), 'a');
    // a day later nothing is old enough but the dialog
    app.clock.advance(DAY + 60_000);
    expect(await app.retention.run()).toEqual({ inbound: 0, outbox: 0, dialogs: 1, botMessages: 0 });
    app.clock.advance(DAY);
    expect(await app.retention.run()).toEqual({ inbound: 0, outbox: 2, dialogs: 0, botMessages: 0 });
    app.clock.advance(DAY);
    expect(await app.retention.run()).toEqual({ inbound: 1, outbox: 0, dialogs: 0, botMessages: 0 });
    app.clock.advance(2 * DAY);
    expect(await app.retention.run()).toEqual({ inbound: 0, outbox: 0, dialogs: 0, botMessages: 1 });
    expect(await remaining(db)).toEqual({ inbound: [], outbox: ['c-a-pending'], dialogs: [], botMessages: [] });
    // the metrics count what went
    const text = (await app.metrics!.render()).body;
    expect(text).toContain('cnscd_retention_deleted_rows_total{table="outbox"} 2');
    expect(text).toContain('cnscd_retention_deleted_rows_total{table="dialogs"} 1');
  });

  it('refuses a period below one day at start-up, naming the variable', async () => {
    expect(() => loadConfig({ RETENTION_OUTBOX_DAYS: '0' }, false)).toThrow(/RETENTION_OUTBOX_DAYS/);
  });
});
