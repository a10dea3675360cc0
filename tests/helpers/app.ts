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
import { freshDatabaseUrl } from './db';

export interface TestApp extends App {
  clock: ManualClock;
  dir: string;
  cleanup(): Promise<void>;
}

export async function testApp(env: Record<string, string> = {}, start = '2026-12-10T09:00:00+07:00'): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-app-'));
  const fresh = await freshDatabaseUrl(dir);
  const config = loadConfig(
    {
      DATABASE_URL: fresh.url,
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
      await fresh.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}

export function seed(app: App, profile: string): Promise<DemoSummary> {
  return seedDemo(app.handle.db, profile, app.clock.now());
}

/** The simulator's group chat id of a unit. */
export const groupOf = (unitId: number) => `g${unitId}`;

/** Talking to the bot through the simulator as a person would, and reading what it answered. */
export function simDriver(getApp: () => App, getSummary: () => DemoSummary | undefined = () => undefined) {
  const sim = () => getApp().simulator!;
  const botAfter = (chat: string, before: number) => sim().messages(chat).slice(before).filter((m) => m.from.bot);
  return {
    botTexts: (chat: string) => sim().messages(chat).filter((m) => m.from.bot).map((m) => m.text),
    lastBot: (chat: string) => sim().messages(chat).filter((m) => m.from.bot).at(-1)!,
    /** a message typed by `user`; returns the bot's answers */
    async say(chat: string, user: string, text: string, replyTo?: string) {
      const before = sim().messages(chat).length;
      await sim().say(chat, user, text, replyTo);
      return botAfter(chat, before);
    },
    /** presses the newest button labelled `label`; returns the bot's answers */
    async press(chat: string, user: string, label: string) {
      const msg = [...sim().messages(chat)].reverse().find((m) => m.buttons?.flat().some((b) => b.label === label));
      if (!msg) throw new Error(`no button ${label} in ${chat}`);
      const b = msg.buttons!.flat().find((x) => x.label === label)!;
      const before = sim().messages(chat).length;
      await sim().press(chat, user, msg.id, b.data);
      return botAfter(chat, before);
    },
    /** the demo person holding `role` at `unitId` who has a simulator identity */
    person(role: keyof DemoSummary['people'], unitId: number) {
      const p = getSummary()?.people[role].find((x) => x.unitId === unitId && x.simulatorId);
      if (!p) throw new Error(`no ${role} at ${unitId}`);
      return p;
    },
  };
}
