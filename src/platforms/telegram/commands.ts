/**
 * The command menu Telegram shows (setMyCommands): Vietnamese names and descriptions by default,
 * English aliases for users whose Telegram is in English; separate lists for groups and private
 * chats. The core accepts both names whatever the menu shows.
 */
import type { Api } from 'grammy';
import type { BotCommand, BotCommandScope, LanguageCode } from 'grammy/types';
import { t } from '../../i18n';

interface CommandDef {
  vi: string;
  en: string;
  where: 'group' | 'private' | 'both';
}

/** The menu; descriptions are in locales/<lang>/commands.json under the Vietnamese name. */
export const COMMANDS: readonly CommandDef[] = [
  { vi: 'baocao', en: 'report', where: 'both' },
  { vi: 'mau', en: 'template', where: 'both' },
  { vi: 'tiendo', en: 'progress', where: 'both' },
  { vi: 'tonghop', en: 'summary', where: 'both' },
  { vi: 'thanhvien', en: 'members', where: 'both' },
  { vi: 'themtv', en: 'addmember', where: 'both' },
  { vi: 'roitv', en: 'removemember', where: 'both' },
  { vi: 'vaitro', en: 'role', where: 'both' },
  { vi: 'duyet', en: 'approve', where: 'both' },
  { vi: 'tuchoi', en: 'reject', where: 'both' },
  { vi: 'capquyen', en: 'grant', where: 'both' },
  { vi: 'moi', en: 'invite', where: 'both' },
  { vi: 'lienket', en: 'link', where: 'group' },
  { vi: 'hanchot', en: 'deadlines', where: 'both' },
  { vi: 'moky', en: 'reopen', where: 'both' },
  { vi: 'guilen', en: 'sendup', where: 'both' },
  { vi: 'toila', en: 'iam', where: 'group' },
  { vi: 'lienketid', en: 'linkid', where: 'private' },
  { vi: 'nhanma', en: 'redeem', where: 'private' },
  { vi: 'trogiup', en: 'help', where: 'both' },
  { vi: 'start', en: 'start', where: 'private' },
];

export interface CommandMenu {
  scope: BotCommandScope;
  language_code?: LanguageCode;
  commands: BotCommand[];
}

export function commandMenus(): CommandMenu[] {
  const menus: CommandMenu[] = [];
  for (const [scopeType, where] of [
    ['all_group_chats', 'group'],
    ['all_private_chats', 'private'],
  ] as const) {
    const defs = COMMANDS.filter((c) => c.where === 'both' || c.where === where);
    const scope = { type: scopeType } as BotCommandScope;
    menus.push({ scope, commands: defs.map((c) => ({ command: c.vi, description: t('vi', `commands:${c.vi}`) })) });
    menus.push({ scope, language_code: 'en', commands: defs.map((c) => ({ command: c.en, description: t('en', `commands:${c.vi}`) })) });
  }
  return menus;
}

export async function registerCommands(api: Api): Promise<void> {
  for (const m of commandMenus()) {
    await api.setMyCommands(m.commands, { scope: m.scope, ...(m.language_code ? { language_code: m.language_code } : {}) });
  }
}
