import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/index';
import { openDatabase } from '../../src/db';

const NOW = () => new Date('2026-03-01T02:00:00.000Z');
let dir: string;
let env: NodeJS.ProcessEnv;

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return main(argv, { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, env, now: NOW }).then((code) => ({
    code,
    out: out.join('\n'),
    err: err.join('\n'),
  }));
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-cli-'));
  env = { DATABASE_URL: `sqlite:${path.join(dir, 'cli.db')}` };
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it('lists the groups with --help, and refuses unknown groups and commands with exit code 2', async () => {
  const help = await run('--help');
  expect(help.code).toBe(0);
  for (const g of ['migrate', 'units import', 'demo seed']) expect(help.out).toContain(g);
  expect((await run()).code).toBe(2);
  const unknown = await run('nope');
  expect(unknown.code).toBe(2);
  expect(unknown.err).toMatch(/không có nhóm lệnh "nope" \(unknown command group\)/);
  expect((await run('units', 'nope')).code).toBe(2);
  const missing = await run('units', 'import', 'x.csv');
  expect(missing.code).toBe(2);
  expect(missing.err).toMatch(/Thiếu tùy chọn --profile \(missing option --profile\)/);
  expect((await run('units', 'import', 'x.csv', '--profile', 'ca-mau-2023', '--bogus')).code).toBe(2);
});

it('migrates, imports units, reports a bad row with its line, and seeds the demo', async () => {
  const m = await run('migrate');
  expect(m.code).toBe(0);
  expect(m.out).toContain('001_init');
  expect((await run('migrate')).out).toMatch(/already up to date/);

  const units = path.join(dir, 'units.csv');
  fs.writeFileSync(
    units,
    'province_code,province_name,commune_code,commune_name,commune_type\n' +
      '15,Tỉnh Lào Cai,04252,Phường Yên Bái,Phường\n\n' +
      '15,Tỉnh Lào Cai,04253,"Phường\nVăn Phú",Phường\n',
  );
  const imp = await run('units', 'import', units, '--profile', 'two-tier-2025');
  expect(imp.code).toBe(0);
  expect(imp.out).toMatch(/commune\s+thêm mới \(inserted\) 2/);

  // the blank line and the quoted line break count: the bad row is on line 6
  fs.appendFileSync(units, '15,Tỉnh Lào Cai,4254,Phường X,Phường\n');
  const bad = await run('units', 'import', units, '--profile', 'two-tier-2025');
  expect(bad.code).toBe(1);
  expect(bad.err).toMatch(/dòng 6: .*\(line 6: commune_code must be 5 digits; nothing was written\)/);

  const demo = await run('demo', 'seed', '--profile', 'two-tier-2025');
  expect(demo.code).toBe(0);
  expect(demo.out).toContain('sim-admin');
  expect((await run('demo', 'seed', '--profile', 'two-tier-2025')).out).toMatch(/already there/);

  const h = openDatabase(env.DATABASE_URL!);
  const codes = await h.db.selectFrom('units').select('code').where('code', 'like', '2025:%').orderBy('code').execute();
  await h.close();
  expect(codes.map((c) => c.code)).toEqual(['2025:04252', '2025:04253', '2025:15']);
});

it('works on a fresh database: every command migrates first, as `npm start` does (issue 10)', async () => {
  const units = path.join(dir, 'units.csv');
  fs.writeFileSync(units, 'province_code,province_name,commune_code,commune_name,commune_type\n15,Tỉnh Lào Cai,04252,Phường Yên Bái,Phường\n');
  const imp = await run('units', 'import', units, '--profile', 'two-tier-2025');
  expect(imp.err).not.toMatch(/no such table/);
  expect(imp.code).toBe(0);
  expect(imp.err).toMatch(/Đã cập nhật cấu trúc cơ sở dữ liệu trước \(applied \d+ migrations first\)/);
  expect((await run('migrate')).out).toMatch(/already up to date/);

  for (const argv of [
    ['reminders', 'oneoff-list'],
    ['demo', 'seed', '--profile', 'ca-mau-2023'],
  ]) {
    env = { DATABASE_URL: `sqlite:${path.join(dir, `fresh-${argv[0]}.db`)}` };
    const r = await run(...argv);
    expect(r.err).not.toMatch(/no such table/);
    expect(r.code).toBe(0);
  }
  env = { DATABASE_URL: `sqlite:${path.join(dir, 'fresh-members.db')}` };
  // an empty database: the command runs and says what is missing, not "no such table"
  const exp = await run('members', 'export', '--unit', '04252', '--out', path.join(dir, 'members.csv'));
  expect(exp.code).toBe(1);
  expect(exp.err).toMatch(/Lỗi: không có đơn vị mã "04252" \(no unit with code "04252"\)/);
});
