/**
 * The whole application on a temporary SQLite file with a manual clock, for end-to-end tests.
 * Platform adapters are configured by passing their env variables (pointing at local fakes).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/clock';
import { buildApp, type App } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logger';
import { seedDemo, type DemoSummary } from '../../src/app/demo-seed';

export interface TestApp extends App {
  clock: ManualClock;
  dir: string;
  cleanup(): Promise<void>;
}

export async function testApp(env: Record<string, string> = {}, start = '2026-12-10T09:00:00+07:00'): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-app-'));
  const config = loadConfig(
    {
      DATABASE_URL: `sqlite:${path.join(dir, 'app.db')}`,
      PORT: '0',
      DEMO_SEED: 'off',
      SCHEDULER: 'off',
      LOG_LEVEL: 'silent',
      SIMULATOR: 'on',
      ...env,
    },
    false,
  );
  const clock = new ManualClock(start);
  const app = await buildApp(config, { log: silentLogger, clock, pollMs: 50 });
  return Object.assign(app, {
    clock,
    dir,
    async cleanup() {
      await app.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}

export function seed(app: App, profile: string): Promise<DemoSummary> {
  return seedDemo(app.handle.db, profile, app.clock.now());
}

/** The simulator's group chat id of a unit. */
export const groupOf = (unitId: number) => `g${unitId}`;
