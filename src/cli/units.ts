/** `units import FILE --profile NAME`: load administrative units from CSV (see src/app/import-units/). */
import { ImportError, importUnitsFile, totalCounts, type ImportProgress } from '../app/import-units';
import { CliError, requiredOption, stringOption, UsageError, type CliGroup } from './command';
import { resolveProfile } from './profile-arg';

export const unitsGroup: CliGroup = {
  name: 'units',
  summary: 'Đơn vị hành chính (administrative units)',
  commands: [
    {
      name: 'import',
      usage: 'FILE --profile NAME [--province CODE]',
      summary: 'Nhập đơn vị từ tệp CSV, cập nhật theo mã (import units from CSV, upsert by code)',
      help: [
        'Định dạng nhận theo dòng tiêu đề (format detected from the header row):',
        '  province_code,province_name,district_code,district_name,commune_code,commune_name,commune_type',
        '      danh sách 3 cấp 2024 (3-tier list), cần hồ sơ 4 cấp, vd. ca-mau-2023',
        '  province_code,province_name,commune_code,commune_name,commune_type',
        '      danh sách 2 cấp 2025 (2-tier list), cần hồ sơ 3 cấp, vd. two-tier-2025',
        '  commune_code,village_name,kind,households',
        '      thôn/bản/ấp/khóm/tổ dân phố, gắn vào xã đã nhập theo mã xã (villages, attached by commune code)',
        'Mã lưu trữ (stored codes): 2024:15, 2024:132, 2024:04249, 2025:04252; thôn: 2024:04249:thon-na-pong',
        '--profile   mã hồ sơ hoặc đường dẫn tệp hồ sơ (profile id or file)',
        '--province  chỉ nhập một tỉnh, mã 2 chữ số của chính tệp đó (only this province)',
        'Một dòng sai thì dừng và không ghi gì (a bad row stops the import; nothing is written).',
      ].join('\n'),
      positionals: 1,
      options: { profile: { type: 'string' }, province: { type: 'string' } },
      async run(ctx, args) {
        const file = args.positionals[0]!;
        const profile = resolveProfile(requiredOption(args, 'profile'));
        const province = stringOption(args, 'province');
        if (province !== undefined && !/^\d{2}$/.test(province)) {
          throw new UsageError('--province phải là mã tỉnh 2 chữ số', '--province must be a 2-digit code');
        }
        const { db } = await ctx.openDb();
        const started = Date.now();
        let lastPrint = started;
        const onProgress = (p: ImportProgress) => {
          const now = Date.now();
          const final = p.total !== undefined && p.done === p.total;
          if (!final && now - lastPrint < 1000) return;
          lastPrint = now;
          const what = p.phase === 'read' ? 'đọc (read)' : 'đọc và ghi (read and write)';
          ctx.err(`… ${what}: ${p.done.toLocaleString('vi-VN')}${p.total !== undefined ? ` / ${p.total.toLocaleString('vi-VN')}` : ''} dòng`);
        };
        let result;
        try {
          result = await importUnitsFile(db, file, {
            profile,
            at: ctx.now(),
            province,
            onProgress,
            progressEvery: 1000,
          });
        } catch (e) {
          if (e instanceof ImportError) {
            throw new CliError(
              `${e.line !== undefined ? `dòng ${e.line}: ` : ''}${e.vi}. Không có gì được ghi.`,
              `${e.line !== undefined ? `line ${e.line}: ` : ''}${e.en}; nothing was written`,
            );
          }
          throw e;
        }
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        ctx.out(
          `Đã nhập ${result.rows.toLocaleString('vi-VN')} dòng (${result.format}${result.edition ? `, mã ${result.edition}:…` : ''}) ` +
            `vào hồ sơ ${result.profile} trong ${secs} giây (imported):`,
        );
        for (const [level, c] of Object.entries(result.levels)) {
          ctx.out(`  ${level.padEnd(10)} thêm mới (inserted) ${c.inserted}, cập nhật (updated) ${c.updated}, không đổi (unchanged) ${c.unchanged}`);
        }
        const t = totalCounts(result);
        ctx.out(`  ${'tổng'.padEnd(10)} thêm mới ${t.inserted}, cập nhật ${t.updated}, không đổi ${t.unchanged}`);
      },
    },
  ],
};
