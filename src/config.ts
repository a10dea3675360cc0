/**
 * Configuration, read once from the environment (and `.env` when present) and validated with zod.
 * A bad variable stops start-up with a message naming it.
 */
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z
    .string()
    .default('sqlite:data/cnscd.db')
    .refine((v) => /^(sqlite:|postgres(ql)?:\/\/)/.test(v), 'phải bắt đầu bằng sqlite: hoặc postgres://'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  TZ_NAME: z.string().default('Asia/Ho_Chi_Minh'),
  DEFAULT_LOCALE: z.enum(['vi', 'en']).default('vi'),
  DEFAULT_PROFILE: z.string().default('two-tier-2025'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** first admin: "telegram:12345" or "zalo:abc…" (comma-separated for several) */
  ADMIN_IDS: optionalString,
  PUBLIC_URL: optionalString.refine((v) => v === undefined || /^https:\/\//.test(v), 'phải là địa chỉ https://'),
  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_API_ROOT: z.string().url().default('https://api.telegram.org'),
  TELEGRAM_WEBHOOK_SECRET: optionalString.refine(
    (v) => v === undefined || /^[A-Za-z0-9_-]{8,256}$/.test(v),
    '8–256 ký tự A-Z a-z 0-9 _ -',
  ),
  ZALO_BOT_TOKEN: optionalString,
  ZALO_API_ROOT: z.string().url().default('https://bot-api.zaloplatforms.com'),
  ZALO_WEBHOOK_SECRET: optionalString.refine((v) => v === undefined || (v.length >= 8 && v.length <= 256), '8–256 ký tự'),
  ZALO_RATE_PER_SECOND: z.coerce.number().positive().default(5),
  /** a message still failing (429, 5xx, network) this many hours after it was queued is given up */
  OUTBOX_MAX_AGE_HOURS: z.coerce.number().positive().default(24),
  /** the Zalo bot's name as members see it ("Bot CNS"), stripped from "@Bot CNS …" in groups */
  ZALO_BOT_NAME: optionalString,
  /**
   * on: the bot may sit in Zalo groups (linked groups get the units' messages); off: the bot is in
   * no Zalo group (Bot Platform groups are still Beta) — every message goes to people's private chats
   */
  ZALO_GROUPS: z.enum(['on', 'off']).default('on'),
  /** the link (or QR page) that opens a private chat with the Zalo bot, shown in invite codes */
  ZALO_BOT_LINK: optionalString.refine((v) => v === undefined || /^https:\/\//.test(v), 'phải là địa chỉ https://'),
  /** run the local web simulator even when a platform token is set */
  SIMULATOR: z.enum(['auto', 'on', 'off']).default('auto'),
  /** seed the demo province when the database is empty (default: when the simulator runs) */
  DEMO_SEED: z.enum(['auto', 'on', 'off']).default('auto'),
  SCHEDULER: z.enum(['on', 'off']).default('on'),
  /** retention (Law 91/2025), applied once a day at RETENTION_HOUR local time when SCHEDULER=on */
  RETENTION_INBOUND_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  RETENTION_OUTBOX_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  RETENTION_DIALOG_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  RETENTION_BOT_MESSAGE_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  RETENTION_HOUR: z.coerce.number().int().min(0).max(23).default(3),
  /** Prometheus metrics at /metrics: on | off */
  METRICS: z.enum(['on', 'off']).default('on'),
  /** when set, /metrics asks for "Authorization: Bearer <token>" */
  METRICS_TOKEN: optionalString,
  /** seconds a SIGTERM/SIGINT waits for in-flight work before closing anyway */
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().positive().max(600).default(25),
  /** how long an instance's claim on a stored update holds; after a crash another instance (or the restarted one) takes it over */
  INBOUND_LEASE_SECONDS: z.coerce.number().positive().max(3600).default(30),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, useDotenv = true): Config {
  if (useDotenv) loadDotenv({ quiet: true });
  const r = ConfigSchema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Cấu hình không hợp lệ (Invalid configuration):\n${lines.join('\n')}`);
  }
  return r.data;
}
