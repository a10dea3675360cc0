/**
 * Operations (issue 11, points 5 and 7): /metrics in Prometheus format, `backup FILE`, and logs
 * that carry ids but no personal data (a PostgreSQL error's `detail` holds key values).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { policies } from '../../src/app/access';
import { createChatCore } from '../../src/chat';
import { main as cli } from '../../src/cli';
import { ManualClock } from '../../src/clock';
import { openDatabase } from '../../src/db';
import { createLogger } from '../../src/logger';
import { getProfile } from '../../src/app/profiles';
import { enqueue } from '../../src/outbox/store';
import { groupOf, seed, testApp, type TestApp } from '../helpers/app';
import { tempDb } from '../helpers/db';
import { FakeZalo, FAKE_ZALO_TOKEN } from '../helpers/fake-zalo';

/** A value of one series in the exposition text, e.g. value(text, 'cnscd_x{platform="zalo"}'). */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  let app: TestApp;
  let fake: FakeZalo | undefined;
  afterEach(async () => {
    await app?.cleanup();
    await fake?.close();
    fake = undefined;
  });

  it('serves queue depths, sends and failures by platform, reminder runs and event latency', async () => {
    fake = await new FakeZalo().start();
    app = await testApp({ ZALO_BOT_TOKEN: FAKE_ZALO_TOKEN, ZALO_API_ROOT: fake.apiRoot, SIMULATOR: 'on' });
    const s = await seed(app, 'ca-mau-2023');
    await app.simulator!.linkDemoGroups();
    const village = s.unitsByLevel.village![0]!;
    // one event through the core, answered through the simulator
    await app.simulator!.say(groupOf(village), 'sim-admin', '/trogiup');
    // three Zalo messages: one 500, one 429, one sent; one stays pending behind the failed one
    fake.failNext('sendMessage', 500, 1);
    await enqueue(app.handle.db, [{ chat: { platform: 'zalo', id: 'g-1' }, text: 'một' }, { chat: { platform: 'zalo', id: 'g-2' }, text: 'hai' }], app.clock.now());
    fake.failNext('sendMessage', 429, 1);
    await app.drainer.drainAll();
    await app.scheduler.tick();

    const res = await request(app.web).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(text).toContain('# TYPE cnscd_outbox_messages gauge');
    expect(value(text, 'cnscd_inbound_pending')).toBe(0);
    expect(value(text, 'cnscd_outbox_messages{platform="zalo",status="pending"}')).toBe(2);
    expect(value(text, 'cnscd_outbox_oldest_pending_seconds{platform="zalo"}')).toBe(0);
    expect(value(text, 'cnscd_send_failures_total{platform="zalo",kind="temporary"}')).toBe(1);
    expect(value(text, 'cnscd_send_failures_total{platform="zalo",kind="rate_limited"}')).toBe(1);
    expect(value(text, 'cnscd_send_failures_total{platform="zalo",kind="permanent"}')).toBe(0);
    expect(value(text, 'cnscd_messages_sent_total{platform="simulator"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'cnscd_event_seconds_count{platform="simulator",outcome="ok"}')).toBe(1);
    expect(text).toMatch(/cnscd_event_seconds_bucket\{le="0\.1",platform="simulator",outcome="ok"\} \d/);
    expect(value(text, 'cnscd_reminder_runs_total{outcome="ok"}')).toBe(1);
    expect(value(text, 'cnscd_reminder_runs_total{outcome="error"}')).toBe(0);
    // labels are platforms and statuses only: no chat ids, names or text
    expect(text).not.toMatch(/g-1|g-2|một|trogiup|sim-admin/);

    // the queue drains: the depth follows
    app.clock.advance(60_000);
    await app.drainer.drainAll();
    const after = (await request(app.web).get('/metrics').expect(200)).text;
    expect(value(after, 'cnscd_outbox_messages{platform="zalo",status="pending"}')).toBeUndefined();
    expect(value(after, 'cnscd_messages_sent_total{platform="zalo"}')).toBe(2);
  });

  it('asks for the bearer token when METRICS_TOKEN is set; METRICS=off serves nothing', async () => {
    app = await testApp({ METRICS_TOKEN: 'metrics-secret-1' });
    await request(app.web).get('/metrics').expect(401);
    await request(app.web).get('/metrics').set('authorization', 'Bearer wrong').expect(401);
    const ok = await request(app.web).get('/metrics').set('authorization', 'Bearer metrics-secret-1').expect(200);
    expect(ok.text).toContain('cnscd_reminder_runs_total');
    await app.cleanup();
    app = await testApp({ METRICS: 'off' });
    expect(app.metrics).toBeUndefined();
    await request(app.web).get('/metrics').expect(404);
  });
});

describe('backup FILE', () => {
  it('copies the live SQLite database into a file that opens and has the rows; PostgreSQL is told to use pg_dump', async () => {
    const app = await testApp();
    try {
      const out: string[] = [];
      const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(`ERR ${l}`) };
      const summary = await seed(app, 'ca-mau-2023');
      const target = path.join(app.dir, 'backups', 'cnscd-2026-12-10.db');
      const env = { DATABASE_URL: app.config.DATABASE_URL, LOG_LEVEL: 'silent' };
      if (app.config.DATABASE_URL.startsWith('sqlite:')) {
        // the app keeps its connection open while the backup runs
        expect(await cli(['backup', target], { io, env })).toBe(0);
        expect(out.join('\n')).toMatch(/^Đã sao lưu vào .*cnscd-2026-12-10\.db \(backup written\): \d+ bảng \(tables\); units \d+, people \d+/);
        const copy = openDatabase(`sqlite:${target}`);
        try {
          const units = await copy.db.selectFrom('units').select('id').execute();
          expect(units).toHaveLength(Object.values(summary.unitsByLevel).flat().length);
          expect((await copy.db.selectFrom('people').select('id').execute()).length).toBeGreaterThan(0);
        } finally {
          await copy.close();
        }
        // an existing file is not overwritten without --force
        out.length = 0;
        expect(await cli(['backup', target], { io, env })).toBe(1);
        expect(out.join('\n')).toContain('đã có; thêm --force để ghi đè');
        expect(await cli(['backup', target, '--force'], { io, env })).toBe(0);
      } else {
        expect(await cli(['backup', target], { io, env })).toBe(1);
        expect(out.join('\n')).toContain('Với PostgreSQL hãy dùng pg_dump');
        expect(fs.existsSync(target)).toBe(false);
      }
    } finally {
      await app.cleanup();
    }
  });
});

describe('logs', () => {
  it('an event that fails logs ids and the error code, never the key values of a database error or the message text', async () => {
    const h = await tempDb();
    try {
      const lines: string[] = [];
      const sink = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) });
      const log = createLogger('debug', sink);
      const clock = new ManualClock('2026-12-10T09:00:00+07:00');
      const core = createChatCore({
        db: h.db,
        clock,
        log,
        profile: getProfile,
        defaultLocale: 'vi',
        features: [
          {
            commands: [
              {
                names: ['trung'],
                allow: policies.anyone,
                at: 'chat',
                // a duplicate key carrying a phone number: PostgreSQL's `detail` names the key's values
                async run(ctx) {
                  const row = { platform: 'zalo', external_id: '0912345678', person_id: ctx.person!.id, display_name: 'Nguyễn Văn A', private_chat_id: null, created_at: '2026-12-10' };
                  await ctx.db.insertInto('identities').values(row).execute();
                  await ctx.db.insertInto('identities').values(row).execute();
                },
              },
            ],
          },
        ],
      });
      await core.handle({
        type: 'message',
        platform: 'simulator',
        eventId: 'ev-42',
        chat: { id: 'dm-7', kind: 'private' },
        sender: { id: 'sim-7', displayName: 'Trần Thị Bình' },
        text: '/trung 0987654321',
        at: clock.now(),
      });
      const failed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'event handling failed');
      expect(failed).toMatchObject({ platform: 'simulator', eventId: 'ev-42', eventType: 'message', chatKind: 'private' });
      const err = failed!.err as Record<string, unknown>;
      // a unique violation: PostgreSQL's 23505 or SQLite's constraint code
      expect(err).toMatchObject({ type: expect.any(String), code: expect.stringMatching(/^(23505|SQLITE_CONSTRAINT)/) });
      expect(err.detail).toBeUndefined();
      const all = lines.join('');
      for (const personal of ['0912345678', '0987654321', 'Nguyễn Văn A', 'Trần Thị Bình', '/trung']) expect(all).not.toContain(personal);
      // the person got the apology, in the same chat
      const queued = await h.db.selectFrom('outbox').select(['chat_id', 'payload']).execute();
      expect(queued.map((q) => q.chat_id)).toEqual(['dm-7']);
    } finally {
      await h.cleanup();
    }
  });
});
