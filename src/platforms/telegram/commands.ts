/**
 * The command menu Telegram shows (setMyCommands): Vietnamese names and descriptions by default,
 * English aliases for users whose Telegram is in English; separate lists for groups and private
 * chats. The core accepts both names whatever the menu shows.
 */
import type { Api } from 'grammy';
import type { BotCommand, BotCommandScope, LanguageCode } from 'grammy/types';

interface CommandDef {
  vi: string;
  en: string;
  viDescription: string;
  enDescription: string;
  where: 'group' | 'private' | 'both';
}

export const COMMANDS: readonly CommandDef[] = [
  { vi: 'baocao', en: 'report', viDescription: 'Gửi báo cáo của tổ', enDescription: "Submit the team's report", where: 'both' },
  { vi: 'mau', en: 'template', viDescription: 'Xem mẫu báo cáo', enDescription: 'Show the report template', where: 'both' },
  { vi: 'tiendo', en: 'progress', viDescription: 'Xem tiến độ báo cáo', enDescription: 'Show reporting progress', where: 'both' },
  { vi: 'tonghop', en: 'summary', viDescription: 'Xem tổng hợp cấp dưới', enDescription: 'Show the roll-up of the units below', where: 'both' },
  { vi: 'thanhvien', en: 'members', viDescription: 'Xem danh sách thành viên', enDescription: 'Show the team roster', where: 'both' },
  { vi: 'themtv', en: 'addmember', viDescription: 'Đề nghị thêm thành viên', enDescription: 'Propose a new member', where: 'both' },
  { vi: 'roitv', en: 'removemember', viDescription: 'Đề nghị cho thành viên rời tổ', enDescription: 'Propose a member leaves', where: 'both' },
  { vi: 'vaitro', en: 'role', viDescription: 'Đề nghị đổi vai trò trong tổ', enDescription: "Propose a member's role change", where: 'both' },
  { vi: 'duyet', en: 'approve', viDescription: 'Phê duyệt đề nghị', enDescription: 'Approve a request', where: 'both' },
  { vi: 'tuchoi', en: 'reject', viDescription: 'Từ chối đề nghị', enDescription: 'Reject a request', where: 'both' },
  { vi: 'capquyen', en: 'grant', viDescription: 'Cấp quyền phê duyệt, cán bộ, theo dõi', enDescription: 'Grant approver, officer or observer', where: 'both' },
  { vi: 'lienket', en: 'link', viDescription: 'Liên kết nhóm với đơn vị', enDescription: 'Link this group to a unit', where: 'group' },
  { vi: 'hanchot', en: 'deadlines', viDescription: 'Xem các hạn chót', enDescription: 'Show upcoming deadlines', where: 'both' },
  { vi: 'guilen', en: 'sendup', viDescription: 'Gửi báo cáo tổng hợp lên cấp trên', enDescription: 'Send the roll-up to the level above', where: 'both' },
  { vi: 'thongbao', en: 'announce', viDescription: 'Gửi thông báo xuống cấp dưới', enDescription: 'Announce to the groups below', where: 'both' },
  { vi: 'dotxuat', en: 'adhoc', viDescription: 'Báo cáo đột xuất', enDescription: 'Ad-hoc report', where: 'both' },
  { vi: 'dangnhap', en: 'login', viDescription: 'Đăng nhập trang quản lý', enDescription: 'Log in to the dashboard', where: 'private' },
  { vi: 'trogiup', en: 'help', viDescription: 'Hướng dẫn sử dụng', enDescription: 'How to use the bot', where: 'both' },
  { vi: 'start', en: 'start', viDescription: 'Bắt đầu', enDescription: 'Start', where: 'private' },
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
    menus.push({ scope, commands: defs.map((c) => ({ command: c.vi, description: c.viDescription })) });
    menus.push({ scope, language_code: 'en', commands: defs.map((c) => ({ command: c.en, description: c.enDescription })) });
  }
  return menus;
}

export async function registerCommands(api: Api): Promise<void> {
  for (const m of commandMenus()) {
    await api.setMyCommands(m.commands, { scope: m.scope, ...(m.language_code ? { language_code: m.language_code } : {}) });
  }
}
