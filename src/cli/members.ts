/**
 * `members import FILE [--dry-run]`, `members export --unit CODE --out FILE [--format xlsx|csv]`
 * and `roles grant --role ROLE --person PHONE|ID [--unit CODE]`.
 */
import fs from 'node:fs';
import { exportMembers } from '../app/export-members';
import { importMembersFile, MemberImportError, type ImportProgress } from '../app/import-members';
import { translator } from '../chat/i18n';
import { violationText, warningText } from '../chat/features/membership-text';
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import { normalizePhone } from '../domain/membership';
import { audit } from '../store/audit';
import { grantRole, type GrantRole } from '../store/grants';
import { findPersonByPhone, getPerson } from '../store/people';
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

export const rolesGroup: CliGroup = {
  name: 'roles',
  summary: 'Quyền: người phê duyệt, cán bộ, người theo dõi, quản trị (role grants)',
  commands: [
    {
      name: 'grant',
      usage: '--role approver|officer|observer|admin --person PHONE|ID [--unit CODE]',
      summary: 'Cấp quyền tại một đơn vị (grant a role at a unit; admin without --unit)',
      help: [
        '--person  số điện thoại (0912345678, +84…) hoặc mã người (person id)',
        '--unit    mã đơn vị; bắt buộc trừ quyền admin (required except for admin)',
        'Ví dụ (example): npm run cli -- roles grant --role approver --person 0912345678 --unit 2024:04249',
      ].join('\n'),
      options: { role: { type: 'string' }, person: { type: 'string' }, unit: { type: 'string' } },
      async run(ctx, args) {
        const role = requiredOption(args, 'role') as GrantRole;
        if (!GRANTABLE.includes(role)) throw new UsageError(`--role là một trong ${GRANTABLE.join(', ')}`, `--role must be one of ${GRANTABLE.join(', ')}`);
        const who = requiredOption(args, 'person');
        const unitCode = stringOption(args, 'unit');
        if (role !== 'admin' && !unitCode) throw new UsageError('thiếu --unit', 'missing --unit');
        const { db } = await ctx.openDb();
        const phone = normalizePhone(who);
        const person = phone ? await findPersonByPhone(db, phone) : /^\d+$/.test(who) ? await getPerson(db, Number(who)) : undefined;
        if (!person) throw new CliError(`không tìm thấy người "${who}"`, `person "${who}" not found`);
        const unit = unitCode ? await unitArg(db, unitCode) : undefined;
        await db.transaction().execute(async (trx) => {
          await grantRole(trx, { personId: person.id, role, unitId: unit?.id ?? null, grantedBy: null }, ctx.now());
          await audit(trx, { actor: null, action: 'role.grant', subject: unit ? `unit:${unit.id}` : 'global', details: { personId: person.id, role, via: 'cli' } }, ctx.now());
        });
        ctx.out(`Đã cấp quyền ${role} ${unit ? `tại ${unit.name} ` : ''}cho ${person.display_name} (granted)`);
      },
    },
  ],
};
