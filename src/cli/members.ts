/**
 * `members import FILE [--dry-run]`, `members export --unit CODE --out FILE [--format xlsx|csv]`
 * `roles grant --role ROLE (--phone PHONE [--name NAME] | --person PHONE|ID) [--unit CODE]` and
 * `roles invite --role ROLE --unit CODE`.
 */
import fs from 'node:fs';
import { exportMembers } from '../app/export-members';
import { importMembersFile, MemberImportError, type ImportProgress } from '../app/import-members';
import { translator } from '../i18n';
import { violationText, warningText } from '../chat/features/membership/text';
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import { maskPhone, normalizePhone } from '../domain/membership';
import { createInvite, INVITE_DAYS, INVITE_ROLES, inviteLinks, type Invite, type InviteRole } from '../app/invites';
import { audit } from '../store/audit';
import { grantRole, type GrantRole } from '../store/grants';
import { createPerson, findPersonByPhone, getPerson, identitiesOf } from '../store/people';
import { teamsOfUnit } from '../store/teams';
import { unitsByCode } from '../store/units';
import { CliError, requiredOption, stringOption, UsageError, type CliGroup } from './command';

async function unitArg(db: Db, code: string): Promise<Unit> {
  const found = await unitsByCode(db, code);
  if (found.length === 0) throw new CliError(`không có đơn vị mã "${code}"`, `no unit with code "${code}"`);
  if (found.length > 1) {
    throw new CliError(
      `mã "${code}" khớp nhiều đơn vị: ${found.map((u) => u.code).join(', ')}; dùng mã đầy đủ`,
      `code "${code}" matches several units; use the full code`,
    );
  }
  return found[0]!;
}

const vi = translator('vi');

export const membersGroup: CliGroup = {
  name: 'members',
  summary: 'Thành viên tổ: nhập, xuất danh sách (team members: import, export)',
  commands: [
    {
      name: 'import',
      usage: 'FILE [--dry-run]',
      summary: 'Nhập thành viên từ .csv hoặc .xlsx, kiểm tra theo quy định (import members, checked by the profile rules)',
      help: [
        'Cột (columns): unit_code, team (không bắt buộc/optional), name, phone, role, occupation',
        '  hoặc tiếng Việt: ma_don_vi, to, ho_ten, so_dien_thoai, vai_tro, nghe_nghiep',
        'unit_code: mã lưu trữ (2024:04249, 2024:04249:thon-na-pong) hoặc mã chính thức (04249)',
        'role: tổ trưởng, tổ phó, thành viên (mặc định/default), cộng tác viên',
        'Mỗi tổ nhập trọn hoặc không: một dòng sai thì cả tổ không được nhập (all or nothing per team).',
        'Danh sách dòng bị từ chối kèm số dòng và lý do (rejected rows with line numbers and reasons).',
        '--dry-run  chỉ kiểm tra, không ghi (check only)',
      ].join('\n'),
      positionals: 1,
      options: { 'dry-run': { type: 'boolean' } },
      async run(ctx, args) {
        const file = args.positionals[0]!;
        if (!fs.existsSync(file)) throw new CliError(`không có tệp ${file}`, `no such file ${file}`);
        const { db } = await ctx.openDb();
        const started = Date.now();
        let lastPrint = 0;
        const onProgress = (p: ImportProgress) => {
          const now = Date.now();
          if (now - lastPrint < 1000 && p.done !== p.total) return;
          lastPrint = now;
          const what = { read: 'đọc (read)', check: 'kiểm tra (check)', write: 'ghi (write)' }[p.phase];
          ctx.err(`… ${what}: ${p.done.toLocaleString('vi-VN')}${p.total !== undefined ? ` / ${p.total.toLocaleString('vi-VN')}` : ''} dòng`);
        };
        let r;
        try {
          r = await importMembersFile(db, file, {
            at: ctx.now(),
            onProgress,
            dryRun: args.values['dry-run'] === true,
            describe: (v) => violationText(vi, v),
            describeWarning: (w) => warningText(vi, w),
          });
        } catch (e) {
          if (e instanceof MemberImportError) throw new CliError(e.vi, e.en);
          throw e;
        }
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        const dry = args.values['dry-run'] === true;
        ctx.out(
          `${dry ? 'Kiểm tra' : 'Đã nhập'} ${r.rows.toLocaleString('vi-VN')} dòng trong ${secs} giây (${dry ? 'checked' : 'imported'}): ` +
            `${dry ? '' : `${r.teamsImported} tổ (${r.teamsCreated} tổ mới), ${r.membersInserted} thành viên, ${r.peopleCreated} người mới; `}` +
            `${r.teamsRejected} tổ bị từ chối (teams rejected), ${r.rejected.length} dòng bị từ chối (rows rejected)`,
        );
        for (const x of r.rejected.slice(0, 200)) ctx.out(`  dòng ${x.line} (${x.unitCode}, ${x.name || '?'}): ${x.reason}`);
        if (r.rejected.length > 200) ctx.out(`  … và ${r.rejected.length - 200} dòng khác (and more)`);
        for (const w of r.warnings.slice(0, 50)) ctx.out(`  ⚠️ ${w.unitCode} ${w.team}: ${w.text}`);
        if (r.warnings.length > 50) ctx.out(`  ⚠️ … và ${r.warnings.length - 50} cảnh báo khác (and more warnings)`);
        return r.rejected.length ? 1 : 0;
      },
    },
    {
      name: 'export',
      usage: '--unit CODE --out FILE [--format xlsx|csv]',
      summary: 'Xuất danh sách thành viên và bảng tổng hợp theo đơn vị (export rosters and the per-unit roll-up)',
      help: [
        'xlsx: trang "Thành viên" và "Tổng hợp"; csv: FILE và FILE-tong-hop.csv',
        'Có số điện thoại: dữ liệu cá nhân, chỉ dùng đúng mục đích (contains phone numbers: personal data)',
      ].join('\n'),
      options: { unit: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' } },
      async run(ctx, args) {
        const format = stringOption(args, 'format');
        if (format !== undefined && format !== 'xlsx' && format !== 'csv') throw new UsageError('--format là xlsx hoặc csv', '--format is xlsx or csv');
        const { db } = await ctx.openDb();
        const unit = await unitArg(db, requiredOption(args, 'unit'));
        const out = requiredOption(args, 'out');
        const r = await exportMembers(db, unit, out, format ? { format } : {});
        await audit(db, { actor: null, action: 'members.export', subject: `unit:${unit.id}`, details: { members: r.members, units: r.units } }, ctx.now());
        ctx.out(`Đã xuất ${r.members.toLocaleString('vi-VN')} thành viên của ${unit.name}, tổng hợp ${r.units} đơn vị (exported): ${r.files.join(', ')}`);
      },
    },
  ],
};

const GRANTABLE: GrantRole[] = ['approver', 'officer', 'observer', 'admin'];

function inviteLines(code: string, expiresAt: string, telegramBot?: string): string[] {
  const links = inviteLinks(code, telegramBot);
  return [
    `  Mã (code): ${code} — dùng một lần, hết hạn (expires) ${expiresAt}`,
    `  Người được mời mở chat riêng với bot (Zalo hoặc Telegram) và gõ (the person sends the bot, in a private chat): ${links.command}`,
    ...(links.telegram ? [`  Telegram: ${links.telegram}`] : []),
  ];
}

export const rolesGroup: CliGroup = {
  name: 'roles',
  summary: 'Quyền: người phê duyệt, cán bộ, người theo dõi, quản trị (role grants)',
  commands: [
    {
      name: 'grant',
      usage: '--role approver|officer|observer|admin (--phone PHONE [--name NAME] | --person PHONE|ID) [--unit CODE]',
      summary: 'Cấp quyền tại một đơn vị (grant a role at a unit; admin without --unit)',
      help: [
        '--phone   số điện thoại; chưa có ai dùng số này thì tạo người mới (a new person when no one has it)',
        '--name    họ tên của người mới (the new person\'s name)',
        '--person  số điện thoại hoặc mã người đã có (an existing person\'s phone or id)',
        '--unit    mã đơn vị; bắt buộc trừ quyền admin (required except for admin)',
        'Người chưa có tài khoản chat nhận một mã để gắn tài khoản Zalo/Telegram (someone with no chat account gets a code to attach it).',
        'Ví dụ (example): npm run cli -- roles grant --role approver --phone 0912345678 --name "Nguyễn Văn A" --unit 2024:04249',
      ].join('\n'),
      options: { role: { type: 'string' }, person: { type: 'string' }, phone: { type: 'string' }, name: { type: 'string' }, unit: { type: 'string' }, 'telegram-bot': { type: 'string' } },
      async run(ctx, args) {
        const role = requiredOption(args, 'role') as GrantRole;
        if (!GRANTABLE.includes(role)) throw new UsageError(`--role là một trong ${GRANTABLE.join(', ')}`, `--role must be one of ${GRANTABLE.join(', ')}`);
        const phoneArg = stringOption(args, 'phone');
        const who = phoneArg ?? stringOption(args, 'person');
        if (!who) throw new UsageError('thiếu --phone hoặc --person', 'missing --phone or --person');
        const unitCode = stringOption(args, 'unit');
        if (role !== 'admin' && !unitCode) throw new UsageError('thiếu --unit', 'missing --unit');
        const { db } = await ctx.openDb();
        const phone = normalizePhone(who);
        if (phoneArg !== undefined && !phone) throw new UsageError(`số điện thoại không hợp lệ: ${phoneArg}`, 'invalid phone number');
        let person = phone ? await findPersonByPhone(db, phone) : /^\d+$/.test(who) ? await getPerson(db, Number(who)) : undefined;
        if (!person && !phoneArg) throw new CliError(`không tìm thấy người "${who}"`, `person "${who}" not found`);
        const unit = unitCode ? await unitArg(db, unitCode) : undefined;
        const at = ctx.now();
        let created = false;
        let invite: Invite | undefined;
        await db.transaction().execute(async (trx) => {
          if (!person) {
            person = await createPerson(trx, { displayName: stringOption(args, 'name')?.trim() || `SĐT ${maskPhone(phone!)}`, phone: phone! }, at);
            created = true;
            await audit(trx, { actor: null, action: 'person.create', subject: `person:${person.id}`, details: { via: 'cli' } }, at);
          }
          await grantRole(trx, { personId: person.id, role, unitId: unit?.id ?? null, grantedBy: null }, at);
          await audit(trx, { actor: null, action: 'role.grant', subject: unit ? `unit:${unit.id}` : 'global', details: { personId: person.id, role, via: 'cli' } }, at);
          if ((await identitiesOf(trx, person.id)).length === 0) {
            invite = await createInvite(trx, { role: null, unit: null, personId: person.id, by: null, via: 'cli' }, at);
          }
        });
        const p = person!;
        if (created) ctx.out(`Đã tạo người mới ${p.display_name} (mã người ${p.id}) (created a new person)`);
        ctx.out(`Đã cấp quyền ${role} ${unit ? `tại ${unit.name} ` : ''}cho ${p.display_name} (granted)`);
        if (invite) {
          ctx.out(`${p.display_name} chưa có tài khoản Zalo/Telegram trong hệ thống; gửi cho họ mã sau để gắn tài khoản (no chat account yet; send them this code):`);
          for (const l of inviteLines(invite.code, invite.expiresAt, stringOption(args, 'telegram-bot'))) ctx.out(l);
        }
      },
    },
    {
      name: 'invite',
      usage: '--role officer|approver|observer|leader --unit CODE [--days N] [--telegram-bot NAME]',
      summary: 'Tạo mã mời nhận quyền, dùng một lần (make a one-time invite code for a role)',
      help: [
        'Người được mời gửi mã cho bot trong chat riêng, từ tài khoản Zalo hoặc Telegram của mình: /nhanma MÃ',
        '(the invited person sends the code to the bot in a private chat from their own account)',
        'leader: làm tổ trưởng của tổ tại đơn vị; tạo đề nghị chờ người phê duyệt (files a join request for the approver)',
        '--days          số ngày hiệu lực, mặc định 7 (days valid, default 7)',
        '--telegram-bot  tên bot Telegram để in đường dẫn t.me (the bot\'s username, for a t.me deep link)',
        'Ví dụ (example): npm run cli -- roles invite --role approver --unit 2024:04249',
      ].join('\n'),
      options: { role: { type: 'string' }, unit: { type: 'string' }, days: { type: 'string' }, 'telegram-bot': { type: 'string' } },
      async run(ctx, args) {
        const role = requiredOption(args, 'role') as InviteRole;
        if (!INVITE_ROLES.includes(role)) throw new UsageError(`--role là một trong ${INVITE_ROLES.join(', ')}`, `--role must be one of ${INVITE_ROLES.join(', ')}`);
        const daysArg = stringOption(args, 'days');
        const days = daysArg === undefined ? INVITE_DAYS : Number(daysArg);
        if (!Number.isInteger(days) || days < 1 || days > 60) throw new UsageError('--days là số ngày từ 1 đến 60', '--days must be 1 to 60');
        const { db } = await ctx.openDb();
        const unit = await unitArg(db, requiredOption(args, 'unit'));
        if (role === 'leader' && (await teamsOfUnit(db, unit.id)).length === 0) throw new CliError(`${unit.name} chưa có tổ`, 'the unit has no team');
        const invite = await db.transaction().execute((trx) => createInvite(trx, { role, unit, by: null, days, via: 'cli' }, ctx.now()));
        ctx.out(`Mã mời ${role} tại ${unit.name} (invite code):`);
        for (const l of inviteLines(invite.code, invite.expiresAt, stringOption(args, 'telegram-bot'))) ctx.out(l);
      },
    },
  ],
};
