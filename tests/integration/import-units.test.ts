import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ImportError,
  importUnitsFile,
  villageCode,
  type ImportResult,
} from '../../src/app/import-units';
import { getProfile } from '../../src/app/profiles';
import type { Unit } from '../../src/db/schema';
import { insertUnit } from '../../src/store/units';
import { tempDb } from '../helpers/db';

const DATA = path.resolve(__dirname, '../../../shared/data');
const DATA_DIR = fs.existsSync(DATA) ? DATA : '/work/shared/data';
const AT = new Date('2026-03-01T02:00:00.000Z');
const caMau = getProfile('ca-mau-2023');
const twoTier = getProfile('two-tier-2025');

let dir: string;
let db: Awaited<ReturnType<typeof tempDb>>;

function lines(file: string): string[] {
  return fs.readFileSync(path.join(DATA_DIR, file), 'utf8').split('\n').filter((l) => l !== '');
}
function write(name: string, rows: string[]): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, rows.join('\n') + '\n');
  return f;
}

/** first 300 communes (Hà Nội) plus the whole of Yên Bái (15) */
const all2024 = lines('vn-units-2024.csv');
const head2024 = all2024[0]!;
const sample2024 = [head2024, ...all2024.slice(1, 301), ...all2024.slice(301).filter((l) => l.startsWith('15,'))];
const all2025 = lines('vn-units-2025.csv');
const sample2025 = [all2025[0]!, ...all2025.slice(1, 201), ...all2025.slice(201).filter((l) => l.startsWith('15,'))];
const yenBaiCommunes = sample2024.slice(1).filter((l) => l.startsWith('15,')).map((l) => l.split(',')[4]!);

/** 3–5 villages per commune, names with and without their kind prefix, kinds from the fixed set */
function villageRows(communes: string[]): string[] {
  const kinds = ['thôn', 'bản', 'tổ dân phố'];
  const out = ['commune_code,village_name,kind,households'];
  communes.forEach((c, i) => {
    const n = 3 + (i % 3);
    for (let v = 1; v <= n; v++) {
      const kind = kinds[(i + v) % 3]!;
      const name = v % 2 === 0 ? `Nà Pồng ${v}` : `${kind === 'thôn' ? 'Thôn' : kind === 'bản' ? 'Bản' : 'Tổ dân phố'} Số ${v}`;
      out.push(`${c},${name},${kind},${v === 3 ? '' : 100 + v}`);
    }
  });
  return out;
}

async function allUnits(): Promise<Unit[]> {
  return db.db.selectFrom('units').selectAll().orderBy('id').execute();
}
async function count(): Promise<number> {
  const r = await db.db.selectFrom('units').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}
async function expectImportError(p: Promise<ImportResult>, line: number | undefined, match: RegExp): Promise<ImportError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ImportError);
  const err = e as ImportError;
  expect(err.line).toBe(line);
  expect(err.message).toMatch(match);
  return err;
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-import-'));
  db = await tempDb();
});
afterEach(async () => {
  await db.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('units import: 3-tier 2024 list', () => {
  it('imports a real sample with the right counts, names, kinds and parents', async () => {
    const file = write('sample-2024.csv', sample2024);
    const rows = sample2024.slice(1).map((l) => l.split(','));
    const r = await importUnitsFile(db.db, file, { profile: caMau, at: AT });
    expect(r.format).toBe('units-2024');
    expect(r.edition).toBe('2024');
    expect(r.rows).toBe(rows.length);
    expect(r.levels).toEqual({
      province: { inserted: new Set(rows.map((c) => c[0])).size, updated: 0, unchanged: 0 },
      district: { inserted: new Set(rows.map((c) => c[2])).size, updated: 0, unchanged: 0 },
      commune: { inserted: rows.length, updated: 0, unchanged: 0 },
    });
    expect(r.levels.province!.inserted).toBe(2);

    const units = await allUnits();
    const byId = new Map(units.map((u) => [u.id, u]));
    const byCode = new Map(units.map((u) => [u.code, u]));
    for (const [p, , d, , c, cname, ctype] of rows) {
      const commune = byCode.get(`2024:${c}`)!;
      const district = byCode.get(`2024:${d}`)!;
      const province = byCode.get(`2024:${p}`)!;
      expect(commune.name).toBe(cname);
      expect(commune.kind).toBe(ctype);
      expect(commune.level).toBe('commune');
      expect(commune.parent_id).toBe(district.id);
      expect(district.parent_id).toBe(province.id);
      expect(province.parent_id).toBeNull();
      expect(commune.path).toBe(`/${province.id}/${district.id}/${commune.id}/`);
    }
    for (const u of units) {
      expect(u.profile).toBe('ca-mau-2023');
      const parentPath = u.parent_id === null ? '/' : byId.get(u.parent_id)!.path;
      expect(u.path).toBe(`${parentPath}${u.id}/`);
    }
    expect(byCode.get('2024:04249')).toMatchObject({
      name: 'Phường Yên Thịnh',
      short_name: 'Yên Thịnh',
      search_name: 'phuong yen thinh',
      kind: 'Phường',
      created_at: AT.toISOString(),
    });
    expect(byCode.get('2024:132')).toMatchObject({ name: 'Thành phố Yên Bái', short_name: 'Yên Bái', kind: 'Thành phố', level: 'district' });
    expect(byCode.get('2024:15')).toMatchObject({ name: 'Tỉnh Yên Bái', kind: 'Tỉnh', level: 'province' });
  });

  it('changes nothing on a second import of the same file', async () => {
    const file = write('sample-2024.csv', sample2024);
    await importUnitsFile(db.db, file, { profile: caMau, at: AT });
    const before = await allUnits();
    const r = await importUnitsFile(db.db, file, { profile: caMau, at: new Date('2026-04-01T00:00:00Z') });
    for (const c of Object.values(r.levels)) expect(c).toMatchObject({ inserted: 0, updated: 0 });
    expect(r.levels.commune!.unchanged).toBe(sample2024.length - 1);
    expect(await allUnits()).toEqual(before);
  });

  it('imports only one province with --province', async () => {
    const file = write('sample-2024.csv', sample2024);
    const r = await importUnitsFile(db.db, file, { profile: caMau, at: AT, province: '15' });
    expect(r.levels.province!.inserted).toBe(1);
    expect(r.levels.commune!.inserted).toBe(yenBaiCommunes.length);
  });

  it('updates a renamed and a moved commune, and the paths of the villages below it', async () => {
    const h = head2024;
    const v1 = [h, '15,Tỉnh Yên Bái,132,Thành phố Yên Bái,04249,Phường Yên Thịnh,Phường', '15,Tỉnh Yên Bái,133,Thị xã Nghĩa Lộ,04250,Phường Trung Tâm,Phường'];
    await importUnitsFile(db.db, write('v1.csv', v1), { profile: caMau, at: AT });
    await importUnitsFile(db.db, write('vil.csv', ['commune_code,village_name,kind,households', '04249,Tổ dân phố 1,tổ dân phố,80']), { profile: caMau, at: AT });
    const v2 = [h, '15,Tỉnh Yên Bái,133,Thị xã Nghĩa Lộ,04249,Phường Yên Thịnh Mới,Phường', '15,Tỉnh Yên Bái,133,Thị xã Nghĩa Lộ,04250,Phường Trung Tâm,Phường'];
    const r = await importUnitsFile(db.db, write('v2.csv', v2), { profile: caMau, at: AT });
    expect(r.levels.commune).toEqual({ inserted: 0, updated: 1, unchanged: 1 });
    expect(r.levels.district).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    const units = new Map((await allUnits()).map((u) => [u.code, u]));
    const commune = units.get('2024:04249')!;
    expect(commune.name).toBe('Phường Yên Thịnh Mới');
    expect(commune.parent_id).toBe(units.get('2024:133')!.id);
    const village = units.get('2024:04249:to-dan-pho-1')!;
    expect(village.path).toBe(`${commune.path}${village.id}/`);
    expect(village.households).toBe(80);
  });
});

describe('units import: 2-tier 2025 list', () => {
  it('imports with two-tier-2025, and coexists with the 2024 tree (codes namespaced by edition)', async () => {
    await importUnitsFile(db.db, write('sample-2024.csv', sample2024), { profile: caMau, at: AT });
    const file = write('sample-2025.csv', sample2025);
    const rows = sample2025.slice(1).map((l) => l.split(','));
    const r = await importUnitsFile(db.db, file, { profile: twoTier, at: AT });
    expect(r.format).toBe('units-2025');
    expect(r.levels).toEqual({
      province: { inserted: new Set(rows.map((c) => c[0])).size, updated: 0, unchanged: 0 },
      commune: { inserted: rows.length, updated: 0, unchanged: 0 },
    });
    const units = new Map((await allUnits()).map((u) => [u.code, u]));
    // province 15 is Yên Bái in the 2024 list and Lào Cai in the 2025 one
    expect(units.get('2024:15')!.name).toBe('Tỉnh Yên Bái');
    expect(units.get('2025:15')).toMatchObject({ name: 'Tỉnh Lào Cai', profile: 'two-tier-2025', level: 'province' });
    const yb = units.get('2025:04252')!;
    expect(yb).toMatchObject({ name: 'Phường Yên Bái', level: 'commune', parent_id: units.get('2025:15')!.id });
    expect(yb.path).toBe(`/${units.get('2025:15')!.id}/${yb.id}/`);

    const again = await importUnitsFile(db.db, file, { profile: twoTier, at: AT });
    expect(again.levels.commune).toEqual({ inserted: 0, updated: 0, unchanged: rows.length });
  });

  it('refuses a profile whose levels do not match the file, writing nothing', async () => {
    await expectImportError(
      importUnitsFile(db.db, write('s25.csv', sample2025), { profile: caMau, at: AT }),
      undefined,
      /2 cấp.*ca-mau-2023.*4 cấp/,
    );
    await expectImportError(
      importUnitsFile(db.db, write('s24.csv', sample2024), { profile: twoTier, at: AT }),
      undefined,
      /3 cấp.*two-tier-2025.*3 cấp/,
    );
    expect(await count()).toBe(0);
  });
});

describe('units import: villages', () => {
  it('attaches generated villages to communes, with deterministic codes; a second import changes nothing', async () => {
    await importUnitsFile(db.db, write('sample-2024.csv', sample2024), { profile: caMau, at: AT });
    const vrows = villageRows(yenBaiCommunes);
    const file = write('villages.csv', vrows);
    // ca-mau-2023's village level is ấp/khóm; thôn/bản/tổ dân phố are accepted everywhere
    const r = await importUnitsFile(db.db, file, { profile: caMau, at: AT });
    expect(r.format).toBe('villages');
    expect(r.levels).toEqual({ village: { inserted: vrows.length - 1, updated: 0, unchanged: 0 } });

    const units = new Map((await allUnits()).map((u) => [u.code, u]));
    const first = yenBaiCommunes[0]!;
    const commune = units.get(`2024:${first}`)!;
    const v = units.get(`2024:${first}:ban-so-1`)!;
    expect(v).toMatchObject({ name: 'Bản Số 1', short_name: 'Số 1', kind: 'bản', level: 'village', parent_id: commune.id, households: 101 });
    expect(v.path).toBe(`${commune.path}${v.id}/`);
    // a name given without its kind gets the kind as prefix
    expect(units.get(`2024:${first}:to-dan-pho-na-pong-2`)).toMatchObject({ name: 'Tổ dân phố Nà Pồng 2', short_name: 'Nà Pồng 2' });
    expect(units.get(`2024:${first}:thon-so-3`)).toMatchObject({ households: null });

    const before = await allUnits();
    const again = await importUnitsFile(db.db, file, { profile: caMau, at: new Date('2026-05-01T00:00:00Z') });
    expect(again.levels.village).toEqual({ inserted: 0, updated: 0, unchanged: vrows.length - 1 });
    expect(await allUnits()).toEqual(before);
  });

  it('uses the 2025 tree for two-tier-2025', async () => {
    await importUnitsFile(db.db, write('sample-2025.csv', sample2025), { profile: twoTier, at: AT });
    const file = write('v.csv', ['commune_code,village_name,kind,households', '04252,Tổ dân phố Hồng Hà,tổ dân phố,320', '04252,Buôn Ea Sol,buôn,45']);
    const r = await importUnitsFile(db.db, file, { profile: twoTier, at: AT });
    expect(r.levels).toEqual({ village: { inserted: 2, updated: 0, unchanged: 0 } });
    const buon = await db.db.selectFrom('units').selectAll().where('code', '=', '2025:04252:buon-ea-sol').executeTakeFirstOrThrow();
    expect(buon.kind).toBe('buôn'); // a local name of two-tier-2025's village level
  });

  it('keeps long village codes within 32 characters, deterministically', () => {
    const a = villageCode('2024:04249', 'Tổ dân phố Nguyễn Thái Học số 12 khu Đông');
    expect(a.length).toBeLessThanOrEqual(32);
    expect(a).toBe(villageCode('2024:04249', 'Tổ dân phố Nguyễn Thái Học số 12 khu Đông'));
    expect(a).not.toBe(villageCode('2024:04249', 'Tổ dân phố Nguyễn Thái Học số 12 khu Tây'));
  });
});

describe('units import: bad rows stop the import with a line number and write nothing', () => {
  const badOfficial: [string, string, RegExp][] = [
    ['bad commune code', '15,Tỉnh Yên Bái,132,Thành phố Yên Bái,4249,Phường Yên Thịnh,Phường', /commune_code must be 5 digits/],
    ['bad province code', '1A,Tỉnh Yên Bái,132,Thành phố Yên Bái,04249,Phường Yên Thịnh,Phường', /province_code must be 2 digits/],
    ['missing field', '15,Tỉnh Yên Bái,132,,04249,Phường Yên Thịnh,Phường', /missing district_name/],
    ['wrong commune type', '15,Tỉnh Yên Bái,132,Thành phố Yên Bái,04249,Phường Yên Thịnh,Làng', /commune_type must be one of/],
    ['too few columns', '15,Tỉnh Yên Bái,132,Thành phố Yên Bái,04249,Phường Yên Thịnh', /6 columns, expected 7/],
    ['duplicate commune', all2024[5]!, /duplicate commune_code, see line 6/],
    ['district with another name', '01,Thành phố Hà Nội,001,Quận Khác,99999,Phường X,Phường', /code 001 has another name or parent than on line 2/],
    ['district under another province', '15,Tỉnh Yên Bái,001,Quận Ba Đình,99999,Phường X,Phường', /code 001 has another name or parent than on line 2/],
  ];
  it.each(badOfficial)('2024 list: %s', async (_label, bad, match) => {
    const rows = [...sample2024.slice(0, 250), bad, ...sample2024.slice(250)];
    await expectImportError(importUnitsFile(db.db, write('bad.csv', rows), { profile: caMau, at: AT }), 251, match);
    expect(await count()).toBe(0);
  });

  const badVillage: [string, string, RegExp][] = [
    ['unknown parent commune', '99998,Thôn A,thôn,10', /unknown commune 99998/],
    ['wrong kind', `${yenBaiCommunes[0]},Xóm A,xóm,10`, /kind must be one of/],
    ['non-integer households', `${yenBaiCommunes[0]},Thôn A,thôn,12.5`, /households must be a non-negative integer/],
    ['negative households', `${yenBaiCommunes[0]},Thôn A,thôn,-3`, /households must be a non-negative integer/],
    ['bad commune code', '4249,Thôn A,thôn,10', /commune_code must be 5 digits/],
    ['missing name', `${yenBaiCommunes[0]},,thôn,10`, /missing village_name/],
    ['duplicate village', `${yenBaiCommunes[0]},Thôn Số 1,thôn,10`, /duplicate village, same as line/],
  ];
  it.each(badVillage)('villages: %s', async (_label, bad, match) => {
    await importUnitsFile(db.db, write('s.csv', sample2024), { profile: caMau, at: AT });
    const before = await allUnits();
    const good = villageRows(yenBaiCommunes).map((l) => l.replace('Thôn Số 1', 'Thôn Số Một'));
    const rows = [...good.slice(0, 400), bad, ...good.slice(400)];
    // the duplicate needs its twin in the file
    if (_label === 'duplicate village') rows.splice(1, 0, `${yenBaiCommunes[0]},Thôn Số 1,thôn,11`);
    const line = _label === 'duplicate village' ? 402 : 401;
    await expectImportError(importUnitsFile(db.db, write('bad.csv', rows), { profile: caMau, at: AT }), line, match);
    expect(await allUnits()).toEqual(before);
  });

  it('rolls back what was already written when a commune code belongs to another profile', async () => {
    // provinces and districts are written before the communes reach the conflicting code
    await insertUnit(
      db.db,
      { code: '2024:00001', name: 'Phường Phúc Xá', level: 'commune', kind: 'Phường', parentId: null, profile: 'yen-bai-2022' },
      AT,
    );
    const before = await allUnits();
    await expectImportError(
      importUnitsFile(db.db, write('s.csv', sample2024), { profile: caMau, at: AT }),
      2,
      /2024:00001 already belongs to profile "yen-bai-2022"/,
    );
    expect(await allUnits()).toEqual(before);
  });

  it('refuses an unknown header on line 1', async () => {
    await expectImportError(
      importUnitsFile(db.db, write('x.csv', ['code,name', '1,a']), { profile: caMau, at: AT }),
      1,
      /unknown file format/,
    );
  });
});
