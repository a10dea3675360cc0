/**
 * A small demo province for trying the bot in the local simulator: a fictional province whose tree
 * follows the profile's levels (2 units under each level above the commune level, 2–3 communes, 3–5
 * villages each), teams wherever the profile has teams, and people with `simulator` identities:
 * an admin (`sim-admin`), officers at every unit above the villages, an approver at every unit of the
 * profile's approval level, and each team's leader (plus one ordinary member) as `sim-<n>`.
 *
 * Idempotent: the province's code is `demo:<profile id>`; when it exists nothing is written and the
 * summary is read back from the database.
 */
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import type { Profile, TeamRole, TeamRule } from '../domain/profile';
import { addIdentity, createPerson, findIdentity } from '../store/people';
import { grantRole, type GrantRole } from '../store/grants';
import { addMember, createTeam } from '../store/teams';
import { getUnitByCode, insertUnit } from '../store/units';
import { getProfile } from './profiles';
import { underPath } from '../store/subtree';

export const SIMULATOR = 'simulator';
export const DEMO_ADMIN_ID = 'sim-admin';

export type DemoRole = 'admin' | 'officer' | 'approver' | TeamRole;

export interface DemoPerson {
  personId: number;
  name: string;
  phone: string | null;
  /** external id on platform `simulator`, when the person has one */
  simulatorId: string | null;
  role: DemoRole;
  unitId: number | null;
  unitName: string | null;
  teamId: number | null;
}

export interface DemoTeam {
  id: number;
  unitId: number;
  name: string;
  kind: string;
}

export interface DemoSummary {
  profile: string;
  /** false when the demo province was already there */
  created: boolean;
  rootId: number;
  /** unit ids per level key, root first, in tree order */
  unitsByLevel: Record<string, number[]>;
  teams: DemoTeam[];
  /** people per role; a person holding several roles appears under each */
  people: Record<DemoRole, DemoPerson[]>;
}

export function demoRootCode(profileId: string): string {
  return `demo:${profileId}`;
}

// fictional places, realistic Vietnamese names
const PROVINCE = 'Minh Phú';
const MIDDLE_NAMES = ['Tân Phước', 'Long Thạnh', 'Hòa Bình', 'Phú Lộc'];
const COMMUNE_NAMES = ['Tân Lộc', 'Tân Hưng Đông', 'Long Hòa', 'Phú Mỹ', 'Khánh An', 'Hưng Mỹ', 'Thới Bình', 'Trần Hợi'];
const VILLAGE_NAMES = [
  'Tân Thành', 'Bình Định', 'Rạch Gốc', 'Cái Keo', 'Kinh Tắc', 'Đồng Tâm', 'Tân Lập', 'Hợp Thành',
  'Bình Minh', 'Quyết Tiến', 'Thạnh Hòa', 'Xóm Mới', 'Vàm Xáng', 'Bào Sen', 'Nhà Thờ',
];
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Hoàng', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý', 'Trương', 'Phan'];
const MALE = [
  ['Văn', 'Minh', 'Quốc', 'Hữu', 'Thanh', 'Đức'],
  ['An', 'Bình', 'Dũng', 'Hải', 'Hiếu', 'Hùng', 'Khánh', 'Long', 'Nam', 'Phong', 'Phúc', 'Quân', 'Sơn', 'Tuấn', 'Thắng', 'Tài'],
];
const FEMALE = [
  ['Thị', 'Ngọc', 'Thu', 'Kim', 'Thanh', 'Mỹ'],
  ['Lan', 'Hương', 'Mai', 'Hạnh', 'Linh', 'Trang', 'Thảo', 'Yến', 'Nga', 'Vy', 'Hà', 'Châu', 'Giang', 'Tâm', 'Loan', 'Nhung'],
];
const OCCUPATIONS = ['giáo viên', 'nhân viên y tế', 'công an viên', 'đoàn viên thanh niên', 'nhân viên bưu điện', 'hội viên phụ nữ', 'nhân viên viễn thông'];

/** Distinct (family, given) pairs for the first 256 people: n and n+16k differ in the given name. */
function personName(n: number): string {
  const [middles, givens] = n % 2 === 0 ? MALE : FEMALE;
  const given = givens![(n * 5 + Math.floor(n / 16)) % givens!.length];
  return `${FAMILY[n % FAMILY.length]} ${middles![Math.floor(n / 3) % middles!.length]} ${given}`;
}

function fakePhone(n: number): string {
  return `+84900${String(n).padStart(6, '0')}`;
}

const cap = (s: string) => s.charAt(0).toLocaleUpperCase('vi') + s.slice(1);

/** Seeds the demo province for a profile (or reads it back when already there). */
export async function seedDemo(db: Db, profileId: string | Profile, at: Date): Promise<DemoSummary> {
  const profile = typeof profileId === 'string' ? getProfile(profileId) : profileId;
  const rootCode = demoRootCode(profile.id);
  const existing = await getUnitByCode(db, rootCode);
  if (existing) return readSummary(db, profile, existing, false);
  const root = await db.transaction().execute((trx) => seedTree(trx, profile, rootCode, at));
  return readSummary(db, profile, root, true);
}

async function seedTree(db: Db, profile: Profile, rootCode: string, at: Date): Promise<Unit> {
  const levels = profile.levels;
  const last = levels.length - 1;
  let simNo = await nextSimulatorNumber(db);
  // names and phone numbers continue after the people already there, so a second demo differs
  let personNo = (await db.selectFrom('people').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst())?.max ?? 0;

  const newPerson = async (simulator: boolean, fixedSimId?: string) => {
    personNo++;
    const name = personName(personNo);
    const phone = fakePhone(personNo);
    const person = await createPerson(db, { displayName: name, phone, locale: 'vi' }, at);
    if (simulator) {
      const externalId = fixedSimId ?? `sim-${simNo++}`;
      await addIdentity(db, { platform: SIMULATOR, externalId, personId: person.id, displayName: name }, at);
    }
    return person;
  };

  // admin: one per database, shared by every demo province
  const admin = await findIdentity(db, SIMULATOR, DEMO_ADMIN_ID);
  const adminId = admin ? admin.personId : (await newPerson(true, DEMO_ADMIN_ID)).id;
  await grantRole(db, { personId: adminId, role: 'admin', unitId: null, grantedBy: null }, at);

  const grant = async (role: GrantRole, unit: Unit) => {
    const p = await newPerson(true);
    await grantRole(db, { personId: p.id, role, unitId: unit.id, grantedBy: adminId }, at);
  };

  const addTeam = async (rule: TeamRule, unit: Unit) => {
    const label = rule.kind === 'steering' ? 'Tổ Chỉ đạo công nghệ số cộng đồng' : 'Tổ công nghệ số cộng đồng';
    const team = await createTeam(db, { unitId: unit.id, name: `${label} ${unit.name}`, kind: rule.kind }, at);
    const size = Math.min(Math.max(rule.size.min ?? 4, 4), rule.size.max ?? Infinity);
    const roles: TeamRole[] = [];
    for (let i = 0; i < Math.max(rule.leader.count, 1); i++) roles.push('leader');
    if (rule.deputy.max > 0) roles.push('deputy');
    while (roles.length < size) roles.push('member');
    let memberWithId = true;
    for (const role of roles) {
      // leaders can be played in the simulator, and so can one ordinary member per team
      const simulator = role === 'leader' || (role === 'member' && memberWithId);
      if (role === 'member') memberWithId = false;
      const p = await newPerson(simulator);
      const occupation = role === 'leader' && rule.leader.position ? rule.leader.position : OCCUPATIONS[(p.id * 3) % OCCUPATIONS.length]!;
      await addMember(db, { teamId: team.id, personId: p.id, role, occupation }, at);
    }
  };

  const visit = async (unit: Unit, depth: number) => {
    if (depth < last) await grant('officer', unit);
    if (levels[depth]!.key === profile.approval.level) await grant('approver', unit);
    for (const rule of profile.teams.filter((t) => t.level === levels[depth]!.key)) await addTeam(rule, unit);
  };

  const localNames = (depth: number) => levels[depth]!.localNames.map((n) => n.normalize('NFC'));
  const kindAt = (depth: number, i: number) => cap(localNames(depth)[i] ?? localNames(depth)[0] ?? levels[depth]!.name.vi);

  const root = await insertUnit(
    db,
    { code: rootCode, name: `${kindAt(0, 0)} ${PROVINCE}`, level: levels[0]!.key, kind: kindAt(0, 0), parentId: null, profile: profile.id },
    at,
  );
  await visit(root, 0);

  let middle = 0;
  let commune = 0;
  let village = 0;
  const grow = async (parent: Unit, depth: number, parentIsRural: boolean): Promise<void> => {
    const count = depth === last ? 3 + (commune % 3) : depth === last - 1 ? 2 + ((middle + 1) % 2) : 2;
    for (let i = 0; i < count; i++) {
      let name: string;
      let kind: string;
      let households: number | null = null;
      let rural = true;
      if (depth === last) {
        // villages: ấp/thôn in rural communes, khóm/tổ dân phố in wards and towns
        const names = localNames(depth);
        const urban = names.find((n) => ['khóm', 'tổ dân phố'].includes(n)) ?? names[names.length - 1];
        const k = parentIsRural ? names[0] : urban;
        kind = k ?? 'thôn';
        name = parentIsRural ? `${cap(kind)} ${VILLAGE_NAMES[village % VILLAGE_NAMES.length]}` : `${cap(kind)} ${i + 1}`;
        households = 120 + ((village * 37) % 380);
        village++;
      } else if (depth === last - 1) {
        // communes: the last one under each parent is a ward or town when the level has such a name
        rural = i < count - 1 || localNames(depth).length < 2;
        kind = kindAt(depth, rural ? 0 : 1);
        name = `${kind} ${COMMUNE_NAMES[commune % COMMUNE_NAMES.length]}`;
        commune++;
      } else {
        kind = kindAt(depth, 0);
        name = `${kind} ${MIDDLE_NAMES[middle % MIDDLE_NAMES.length]}`;
        middle++;
      }
      const unit = await insertUnit(
        db,
        { code: `${parent.code}.${i + 1}`, name, level: levels[depth]!.key, kind, parentId: parent.id, profile: profile.id, households },
        at,
      );
      await visit(unit, depth);
      if (depth < last) await grow(unit, depth + 1, rural);
    }
  };
  await grow(root, 1, true);
  return root;
}

async function nextSimulatorNumber(db: Db): Promise<number> {
  const rows = await db
    .selectFrom('identities')
    .select('external_id')
    .where('platform', '=', SIMULATOR)
    .where('external_id', 'like', 'sim-%')
    .execute();
  const used = rows.map((r) => Number(r.external_id.slice(4))).filter((n) => Number.isInteger(n));
  return used.length ? Math.max(...used) + 1 : 1;
}

/** The demo tree, teams and people as stored (the same shape whether just seeded or found). */
async function readSummary(db: Db, profile: Profile, root: Unit, created: boolean): Promise<DemoSummary> {
  const units = await db
    .selectFrom('units')
    .selectAll()
    .where(underPath(db, 'path', root.path))
    .orderBy('id')
    .execute();
  const unitName = new Map(units.map((u) => [u.id, u.name]));
  const unitIds = units.map((u) => u.id);
  const unitsByLevel: Record<string, number[]> = {};
  for (const l of profile.levels) unitsByLevel[l.key] = units.filter((u) => u.level === l.key).map((u) => u.id);

  const teams = await db
    .selectFrom('teams')
    .select(['id', 'unit_id', 'name', 'kind'])
    .where('unit_id', 'in', unitIds)
    .orderBy('id')
    .execute();
  const people: Record<DemoRole, DemoPerson[]> = {
    admin: [], officer: [], approver: [], leader: [], deputy: [], member: [], collaborator: [],
  };
  const simIds = async (ids: number[]) => {
    const m = new Map<number, string>();
    if (ids.length === 0) return m;
    const rows = await db
      .selectFrom('identities')
      .select(['person_id', 'external_id'])
      .where('platform', '=', SIMULATOR)
      .where('person_id', 'in', ids)
      .execute();
    for (const r of rows) m.set(r.person_id, r.external_id);
    return m;
  };

  const grants = await db
    .selectFrom('role_grants as g')
    .innerJoin('people as p', 'p.id', 'g.person_id')
    .select(['g.role', 'g.unit_id', 'p.id as personId', 'p.display_name', 'p.phone'])
    .where((eb) => eb.or([eb('g.unit_id', 'in', unitIds), eb.and([eb('g.role', '=', 'admin'), eb('g.unit_id', 'is', null)])]))
    .orderBy('g.id')
    .execute();
  const memberships = teams.length
    ? await db
        .selectFrom('memberships as m')
        .innerJoin('people as p', 'p.id', 'm.person_id')
        .innerJoin('teams as t', 't.id', 'm.team_id')
        .select(['m.role', 'm.team_id', 't.unit_id', 'p.id as personId', 'p.display_name', 'p.phone'])
        .where('m.team_id', 'in', teams.map((t) => t.id))
        .where('m.until', 'is', null)
        .orderBy('m.id')
        .execute()
    : [];
  const sims = await simIds([...new Set([...grants, ...memberships].map((r) => r.personId))]);
  for (const g of grants) {
    // of the admins, only the demo one
    if (g.role === 'admin' && sims.get(g.personId) !== DEMO_ADMIN_ID) continue;
    people[g.role as DemoRole]?.push({
      personId: g.personId,
      name: g.display_name,
      phone: g.phone,
      simulatorId: sims.get(g.personId) ?? null,
      role: g.role as DemoRole,
      unitId: g.unit_id,
      unitName: g.unit_id === null ? null : unitName.get(g.unit_id) ?? null,
      teamId: null,
    });
  }
  for (const m of memberships) {
    people[m.role as DemoRole]?.push({
      personId: m.personId,
      name: m.display_name,
      phone: m.phone,
      simulatorId: sims.get(m.personId) ?? null,
      role: m.role as DemoRole,
      unitId: m.unit_id,
      unitName: unitName.get(m.unit_id) ?? null,
      teamId: m.team_id,
    });
  }
  return {
    profile: profile.id,
    created,
    rootId: root.id,
    unitsByLevel,
    teams: teams.map((t) => ({ id: t.id, unitId: t.unit_id, name: t.name, kind: t.kind })),
    people,
  };
}

/** A readable listing of the demo people and their simulator ids, for the CLI and the simulator page. */
export function formatDemoSummary(s: DemoSummary): string {
  const lines: string[] = [];
  lines.push(
    `${s.created ? 'Đã tạo' : 'Đã có sẵn'} tỉnh demo cho hồ sơ ${s.profile} (${s.created ? 'created' : 'already there'}):`,
  );
  lines.push(
    '  đơn vị (units): ' + Object.entries(s.unitsByLevel).map(([l, ids]) => `${l} ${ids.length}`).join(', ') +
      `; tổ (teams): ${s.teams.length}`,
  );
  const labels: [DemoRole, string][] = [
    ['admin', 'Quản trị (admin)'],
    ['officer', 'Cán bộ theo dõi (officers)'],
    ['approver', 'Người phê duyệt (approvers)'],
    ['leader', 'Tổ trưởng (team leaders)'],
    ['deputy', 'Tổ phó có tài khoản mô phỏng (deputies with a simulator id)'],
    ['member', 'Thành viên có tài khoản mô phỏng (members with a simulator id)'],
  ];
  for (const [role, label] of labels) {
    const list = s.people[role].filter((p) => role === 'admin' || role === 'officer' || role === 'approver' || role === 'leader' || p.simulatorId);
    if (list.length === 0) continue;
    lines.push(`  ${label}:`);
    for (const p of list) {
      lines.push(`    ${(p.simulatorId ?? '-').padEnd(10)} ${p.name.padEnd(22)} ${p.unitName ?? 'toàn hệ thống (everywhere)'}`);
    }
  }
  lines.push('  Trong trình mô phỏng, chọn mã sim-… để đóng vai người đó (pick a sim id in the simulator to act as that person).');
  return lines.join('\n');
}
