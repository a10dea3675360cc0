/**
 * The default indicator catalogue (research/domain.md §7), plus the few indicators the seeds name
 * that §7 leaves out (OCOP products in the locality, activity days and hours, app installs for
 * health and social insurance, commendation proposals) and the two counts the per-100-residents
 * ratio is recomputed from.
 *
 * Labels, short labels and aliases are DATA: the report parser matches them after `foldTight`
 * (diacritics, case, spacing and punctuation ignored). Aliases are written folded, the way a village
 * head types them on a phone; no folded label, short label, alias or generated variant of one
 * indicator may equal one of another (checked when this module loads).
 */
import { fold, foldTight } from './text';
import type { IndicatorUse } from './profile';

export interface Bilingual {
  vi: string;
  en: string;
}

/** `count`: integer ≥ 0; `decimal`: number ≥ 0 with a fractional part allowed (hours); `text`: free text. */
export type ValueType = 'count' | 'decimal' | 'text';

export type Aggregation =
  /** add the children's values */
  | { kind: 'sum' }
  /** a stock at period end (teams, members, households): summed across units like `sum` */
  | { kind: 'latest' }
  /** recomputed from summed numerator and denominator × scale, never averaged */
  | { kind: 'ratio'; numerator: string; denominator: string; scale: number }
  /** listed upward with the unit's name */
  | { kind: 'text' };

export interface IndicatorDef {
  key: string;
  /** long official label */
  labels: Bilingual;
  /** short label for echoes and templates */
  short: Bilingual;
  /** folded forms people type; matched with foldTight */
  aliases: readonly string[];
  /** unit word ("hộ", "người"); empty for text */
  unit: Bilingual;
  type: ValueType;
  aggregation: Aggregation;
  /** coverage share recomputed upward: this value ÷ the value of `shareOf` */
  shareOf?: string;
  /** the value may not exceed the value of this key (in the same report, or the unit's known value) */
  boundBy?: string;
  /** describes the unit (denominator) rather than the team's activity */
  reference?: boolean;
  /** false for derived ratios: computed, never typed in */
  reportable: boolean;
  /** where the indicator is named (domain.md §7 "Named in", or the seed) */
  source: string;
}

/** A catalogue entry as a profile uses it. */
export interface ResolvedIndicator extends IndicatorDef {
  required: boolean;
  target?: { share: number; of: string; source: string };
  levels?: string[];
}

type Spec = Omit<IndicatorDef, 'reportable' | 'aggregation' | 'unit'> & {
  unit?: Bilingual;
  aggregation?: Aggregation;
  reportable?: boolean;
};

const SUM: Aggregation = { kind: 'sum' };
const LATEST: Aggregation = { kind: 'latest' };
const TEXT: Aggregation = { kind: 'text' };
const u = (vi: string, en: string): Bilingual => ({ vi, en });

const SPECS: Spec[] = [
  {
    key: 'team_count',
    labels: u('Số Tổ CNSCĐ', 'Teams'),
    short: u('Số tổ', 'Teams'),
    unit: u('tổ', 'teams'),
    type: 'count',
    aggregation: LATEST,
    aliases: ['to cnscd', 'so to cnscd', 'to cong nghe so', 'so to cong nghe so', 'team count', 'number of teams'],
    source: '793/BTTTT-THH; 2251/BTTTT-CĐSQG',
  },
  {
    key: 'member_count',
    labels: u('Số thành viên Tổ CNSCĐ', 'Team members'),
    short: u('Số thành viên', 'Members'),
    unit: u('người', 'people'),
    type: 'count',
    aggregation: LATEST,
    aliases: ['thanh vien', 'tv', 'so tv', 'thanh vien to', 'so nguoi trong to', 'members', 'team members'],
    source: '2251/BTTTT-CĐSQG; Đà Nẵng',
  },
  {
    key: 'villages_with_team',
    labels: u('Số thôn/TDP có Tổ CNSCĐ', 'Villages with a team'),
    short: u('Thôn có tổ', 'Villages with a team'),
    unit: u('thôn', 'villages'),
    type: 'count',
    aliases: ['thon co to', 'thon tdp co to', 'tdp co to', 'thon ban co to', 'villages with team'],
    shareOf: 'villages_total',
    boundBy: 'villages_total',
    source: '793/BTTTT-THH; 2251/BTTTT-CĐSQG (coverage)',
  },
  {
    key: 'villages_total',
    labels: u('Tổng số thôn, tổ dân phố', 'Villages total'),
    short: u('Tổng số thôn', 'Villages total'),
    unit: u('thôn', 'villages'),
    type: 'count',
    aggregation: LATEST,
    reference: true,
    aliases: ['so thon', 'tong thon', 'thon tdp', 'so thon tdp', 'tong so thon tdp', 'villages', 'total villages'],
    source: 'census',
  },
  {
    key: 'households_total',
    labels: u('Tổng số hộ gia đình', 'Households (denominator)'),
    short: u('Tổng số hộ', 'Households total'),
    unit: u('hộ', 'households'),
    type: 'count',
    aggregation: LATEST,
    reference: true,
    aliases: ['so ho', 'tong ho', 'ho gia dinh', 'so ho gia dinh', 'tong so ho gia dinh', 'households', 'total households'],
    source: '3240/BTTTT-CĐSQG',
  },
  {
    key: 'population',
    labels: u('Số dân (nhân khẩu)', 'Residents (population)'),
    short: u('Số dân', 'Residents'),
    unit: u('người', 'people'),
    type: 'count',
    aggregation: LATEST,
    reference: true,
    aliases: ['dan so', 'nhan khau', 'so nhan khau', 'so khau', 'population', 'residents'],
    source: 'denominator of techsavvy_per100 (Huế target)',
  },
  {
    key: 'members_trained',
    labels: u('Số thành viên được tập huấn, bồi dưỡng (kể cả OneTouch/BDHVS)', 'Members trained'),
    short: u('Thành viên được tập huấn', 'Members trained'),
    unit: u('người', 'people'),
    type: 'count',
    aliases: [
      'tv tap huan', 'tv duoc tap huan', 'thanh vien tap huan', 'tap huan thanh vien', 'thanh vien duoc boi duong',
      'tv boi duong', 'onetouch', 'members trained',
    ],
    source: 'dx.gov.vn 2023; bnews',
  },
  {
    key: 'sessions_held',
    labels: u('Số buổi tuyên truyền, hướng dẫn, tập huấn cho người dân', 'Outreach/training sessions'),
    short: u('Số buổi tuyên truyền', 'Outreach sessions'),
    unit: u('buổi', 'sessions'),
    type: 'count',
    aliases: [
      'buoi', 'so buoi', 'buoi tuyen truyen', 'buoi tap huan', 'so buoi tap huan', 'buoi huong dan', 'so buoi huong dan',
      'lop tap huan', 'so lop', 'so lop tap huan', 'tuyen truyen', 'sessions', 'outreach sessions', 'trainings',
    ],
    source: '793/BTTTT-THH; Bắc Kạn; BDHVS',
  },
  {
    key: 'session_attendance',
    labels: u('Số lượt người dân tham dự', 'Session attendance'),
    short: u('Lượt người tham dự', 'Attendance'),
    unit: u('lượt người', 'attendances'),
    type: 'count',
    aliases: [
      'tham du', 'luot tham du', 'nguoi tham du', 'so nguoi tham du', 'nguoi dan tham du', 'luot nguoi tham du',
      'nguoi du', 'attendance', 'session attendance',
    ],
    source: 'BDHVS plans',
  },
  {
    key: 'households_supported',
    labels: u('Số hộ gia đình được đến tận nhà hướng dẫn, hỗ trợ', 'Households visited/supported'),
    short: u('Hộ được hướng dẫn', 'Households guided'),
    unit: u('hộ', 'households'),
    type: 'count',
    aliases: [
      'ho huong dan', 'so ho huong dan', 'so ho duoc huong dan', 'ho ho tro', 'so ho ho tro', 'ho duoc ho tro',
      'so ho duoc ho tro', 'ho duoc huong dan ho tro', 'ho gia dinh duoc huong dan', 'ho den tan nha', 'tan nha',
      'den tan nha', 'ho hd', 'ho duoc hd', 'so ho duoc hd', 'ho duoc ht', 'ho duoc hd ht', 'households guided', 'households supported', 'households visited',
    ],
    boundBy: 'households_total',
    source: '793/BTTTT-THH; Cà Mau 220/KH-UBND (≥ 80% of households)',
  },
  {
    key: 'people_supported',
    labels: u('Số lượt người dân được hướng dẫn, hỗ trợ', 'People supported (visits)'),
    short: u('Lượt người được hướng dẫn', 'People guided'),
    unit: u('lượt', 'visits'),
    type: 'count',
    aliases: [
      'nguoi huong dan', 'so nguoi huong dan', 'nguoi duoc huong dan', 'so nguoi duoc huong dan', 'luot huong dan',
      'so luot huong dan', 'luot nguoi huong dan', 'luot nguoi duoc huong dan', 'nguoi duoc ho tro', 'so nguoi duoc ho tro',
      'luot ho tro', 'nguoi dan duoc huong dan', 'nguoi ho tro', 'nguoi hd', 'nguoi duoc hd', 'luot hd', 'luot nguoi duoc hd',
      'people guided', 'people supported',
    ],
    source: '793/BTTTT-THH; Sóc Trăng',
  },
  {
    key: 'hh_5skills',
    labels: u('Số hộ có ít nhất 1 người thành thạo 5 kỹ năng số cơ bản', 'Households meeting the 5-skills target'),
    short: u('Hộ đạt 5 kỹ năng số', 'Households with 5 digital skills'),
    unit: u('hộ', 'households'),
    type: 'count',
    aliases: [
      '5 ky nang', '5 ky nang so', 'ho 5 ky nang', 'ho dat 5 ky nang', 'ho thanh thao 5 ky nang', 'ky nang so co ban',
      '5 kns', 'five skills', '5 skills',
    ],
    shareOf: 'households_total',
    boundBy: 'households_total',
    source: '3240/BTTTT-CĐSQG',
  },
  {
    key: 'vneid_l2',
    labels: u('Số người được hỗ trợ kích hoạt định danh điện tử mức 2 (VNeID)', 'People helped activate VNeID level 2'),
    short: u('Kích hoạt VNeID mức 2', 'VNeID level 2 activated'),
    unit: u('người', 'people'),
    type: 'count',
    aliases: [
      'vneid', 'vneid muc 2', 'kich hoat vneid', 'dinh danh', 'dinh danh dien tu', 'dinh danh muc 2', 'dddt', 'kich hoat dinh danh', 'tai khoan dinh danh', 'dinh danh dien tu muc 2', 'vneid level 2',
    ],
    source: 'Yên Bái 590/QĐ-UBND; Sóc Trăng',
  },
  {
    key: 'dvc_accounts',
    labels: u('Số người được hỗ trợ tạo tài khoản Cổng DVC quốc gia', 'Public-service portal accounts created'),
    short: u('Tài khoản DVC', 'Public-service accounts'),
    unit: u('tài khoản', 'accounts'),
    type: 'count',
    aliases: [
      'tai khoan dvc', 'tk dvc', 'tao tai khoan dvc', 'tai khoan cong dvc', 'cong dvc', 'dvc quoc gia',
      'tai khoan dich vu cong', 'tk dich vu cong', 'portal accounts',
    ],
    source: 'Yên Bái city',
  },
  {
    key: 'dvc_dossiers',
    labels: u('Số hồ sơ dịch vụ công trực tuyến được hỗ trợ nộp', 'Online public-service dossiers filed with help'),
    short: u('Hồ sơ DVC trực tuyến', 'Online dossiers'),
    unit: u('hồ sơ', 'dossiers'),
    type: 'count',
    aliases: [
      'dvc', 'ho so dvc', 'ho so', 'dich vu cong', 'dvc truc tuyen', 'dvctt', 'ho so dvctt', 'ho so truc tuyen',
      'nop ho so', 'ho so dich vu cong', 'ho so dvc truc tuyen', 'nop ho so truc tuyen', 'dossiers', 'online dossiers',
    ],
    source: '2251/BTTTT-CĐSQG (skill 1); Cà Mau',
  },
  {
    key: 'payment_accounts',
    labels: u(
      'Số tài khoản thanh toán số (ngân hàng số/ví điện tử/Mobile Money) được mở',
      'Cashless payment accounts opened',
    ),
    short: u('Tài khoản thanh toán số', 'Payment accounts'),
    unit: u('tài khoản', 'accounts'),
    type: 'count',
    aliases: [
      'thanh toan', 'thanh toan so', 'tai khoan thanh toan', 'tk thanh toan', 'vi dien tu', 'mobile money',
      'ngan hang', 'ngan hang so', 'tai khoan ngan hang', 'tk ngan hang', 'thanh toan dien tu',
      'thanh toan khong dung tien mat', 'khong dung tien mat', 'ttkdtm', 'mo tai khoan', 'payment accounts', 'payments',
    ],
    source: 'Lạng Sơn; Yên Bái; 2251/BTTTT-CĐSQG (skill 3); Sóc Trăng',
  },
  {
    key: 'merchant_qr',
    labels: u('Số hộ kinh doanh/tiểu thương được hỗ trợ thanh toán QR', 'Merchants onboarded to QR payment'),
    short: u('Hộ kinh doanh dùng QR', 'Merchants on QR'),
    unit: u('hộ', 'merchants'),
    type: 'count',
    aliases: [
      'qr', 'ma qr', 'thanh toan qr', 'hkd qr', 'ho kinh doanh', 'ho kinh doanh qr', 'tieu thuong', 'tieu thuong qr',
      'merchants', 'merchant qr',
    ],
    source: 'Tuyên Quang 2025 [inferred]',
  },
  {
    key: 'ecommerce_accounts',
    labels: u('Số tài khoản/gian hàng trên sàn TMĐT (Postmart, Voso…) được tạo', 'E-commerce accounts/shops created'),
    short: u('Gian hàng TMĐT', 'E-commerce shops'),
    unit: u('gian hàng', 'shops'),
    type: 'count',
    aliases: [
      'tmdt', 'gian hang', 'gian hang tmdt', 'tai khoan tmdt', 'tk tmdt', 'san tmdt', 'thuong mai dien tu',
      'san thuong mai dien tu', 'gian hang so', 'cua hang so', 'postmart', 'voso', 'ecommerce', 'e commerce shops',
    ],
    source: 'Lạng Sơn; Quảng Trị; 793/BTTTT-THH',
  },
  {
    key: 'ocop_online',
    labels: u('Số sản phẩm OCOP/nông sản được đưa lên sàn TMĐT', 'OCOP/farm products listed online'),
    short: u('Sản phẩm OCOP lên sàn', 'OCOP products online'),
    unit: u('sản phẩm', 'products'),
    type: 'count',
    aliases: [
      'ocop', 'ocop len san', 'san pham len san', 'san pham ocop len san', 'nong san len san', 'ocop tmdt',
      'ocop online', 'dua len san', 'products online',
    ],
    source: 'project brief; Sóc Trăng (100% of OCOP products); Tuyên Quang',
  },
  {
    key: 'ocop_total',
    labels: u('Số sản phẩm OCOP của địa phương', 'OCOP products in the locality'),
    short: u('Tổng sản phẩm OCOP', 'OCOP products total'),
    unit: u('sản phẩm', 'products'),
    type: 'count',
    aliases: ['san pham ocop', 'tong ocop', 'tong san pham ocop', 'ocop dia phuong', 'ocop total'],
    reference: true,
    source: 'Sóc Trăng pilot plan 2.2 (denominator of the 100% OCOP target)',
  },
  {
    key: 'local_app_users',
    labels: u('Số người được hướng dẫn cài ứng dụng của tỉnh (Hue-S, Yên Bái-S…)', 'Provincial app installs assisted'),
    short: u('Cài ứng dụng của tỉnh', 'Provincial app installs'),
    unit: u('người', 'people'),
    type: 'count',
    aliases: [
      'app tinh', 'app cua tinh', 'ung dung tinh', 'ung dung cua tinh', 'cai app', 'cai app tinh', 'cai ung dung',
      'cai ung dung tinh', 'hue s', 'yen bai s', 'camau g', 'cong dan so', 'cong dan soc trang', 'local app',
      'provincial app',
    ],
    source: 'Lạng Sơn; Thái Nguyên; Huế; Sóc Trăng',
  },
  {
    key: 'health_app_users',
    labels: u(
      'Số người được hướng dẫn cài, sử dụng ứng dụng y tế (Sổ sức khỏe điện tử…)',
      'Health app installs assisted (e-health book…)',
    ),
    short: u('Cài ứng dụng y tế', 'Health app installs'),
    unit: u('người', 'people'),
    type: 'count',
    aliases: ['so suc khoe', 'so suc khoe dien tu', 'ung dung y te', 'app y te', 'y te', 'health app'],
    source: 'SPEC §4 (apps installed: health)',
  },
  {
    key: 'vssid_users',
    labels: u(
      'Số người được hướng dẫn cài, sử dụng ứng dụng Bảo hiểm xã hội số (VssID)',
      'Social-insurance app (VssID) installs assisted',
    ),
    short: u('Cài VssID', 'VssID installs'),
    unit: u('người', 'people'),
    type: 'count',
    aliases: ['vssid', 'bhxh', 'bhxh so', 'bao hiem xa hoi', 'bao hiem xa hoi so', 'app bhxh', 'ung dung bhxh'],
    source: 'SPEC §4 (apps installed: social insurance)',
  },
  {
    key: 'bdhvs_completed',
    labels: u(
      'Số người hoàn thành khóa học/được xác nhận phổ cập kỹ năng số (BDHVS/VNeID)',
      'People certified in basic digital skills',
    ),
    short: u('Hoàn thành Bình dân học vụ số', 'Digital-skills course completed'),
    unit: u('người', 'people'),
    type: 'count',
    aliases: [
      'bdhvs', 'hoan thanh bdhvs', 'binh dan hoc vu so', 'binh dan hoc vu', 'hoc vu so', 'hoan thanh khoa hoc',
      'pho cap ky nang so', 'nguoi hoan thanh khoa hoc', 'digital skills certified',
    ],
    source: '01-KH/BCĐTW; 757/QĐ-BKHCN',
  },
  {
    key: 'online_safety',
    labels: u('Số lượt người dân được tuyên truyền phòng, chống lừa đảo trực tuyến', 'Online-safety/anti-scam outreach'),
    short: u('Tuyên truyền chống lừa đảo', 'Anti-scam outreach'),
    unit: u('lượt', 'people reached'),
    type: 'count',
    aliases: [
      'lua dao', 'chong lua dao', 'phong chong lua dao', 'lua dao truc tuyen', 'lua dao qua mang',
      'tuyen truyen lua dao', 'tuyen truyen chong lua dao', 'an toan mang', 'an toan tren mang', 'anti scam',
      'online safety',
    ],
    source: '2251/BTTTT-CĐSQG (skill 4)',
  },
  {
    key: 'zalo_hh',
    labels: u('Số hộ tham gia nhóm Zalo của thôn', 'Households in the village Zalo group'),
    short: u('Hộ trong nhóm Zalo', 'Households in Zalo group'),
    unit: u('hộ', 'households'),
    type: 'count',
    aliases: [
      'zalo', 'nhom zalo', 'ho zalo', 'ho tham gia zalo', 'ho trong nhom zalo', 'ho tham gia nhom zalo', 'zalo thon',
      'nhom zalo thon', 'zalo households',
    ],
    shareOf: 'households_total',
    boundBy: 'households_total',
    source: 'Huế 2022; Thanh Hóa; Lai Châu 1.1',
  },
  {
    key: 'feedback_forwarded',
    labels: u('Số phản ánh, kiến nghị của người dân được tiếp nhận, chuyển xử lý', 'Citizen feedback forwarded'),
    short: u('Phản ánh được chuyển', 'Feedback forwarded'),
    unit: u('lượt', 'items'),
    type: 'count',
    aliases: [
      'phan anh', 'so phan anh', 'phan anh kien nghi', 'phan anh cua dan', 'tiep nhan phan anh', 'phan anh hien truong',
      'feedback', 'citizen feedback',
    ],
    source: 'Gia Lai 2026',
  },
  {
    key: 'techsavvy_people',
    labels: u('Số người biết sử dụng công nghệ số', 'Tech-savvy residents'),
    short: u('Người biết dùng công nghệ số', 'Tech-savvy residents'),
    unit: u('người', 'people'),
    type: 'count',
    aliases: [
      'nguoi biet cong nghe so', 'biet cong nghe so', 'biet dung cong nghe so', 'nguoi biet dung cong nghe so',
      'nguoi biet cns', 'tech savvy',
    ],
    source: 'numerator of techsavvy_per100 (Huế target)',
  },
  {
    key: 'techsavvy_per100',
    labels: u('Số người biết sử dụng công nghệ số/100 dân', 'Tech-savvy residents per 100'),
    short: u('Người biết công nghệ số/100 dân', 'Tech-savvy per 100'),
    unit: u('người/100 dân', 'per 100 residents'),
    type: 'decimal',
    aggregation: { kind: 'ratio', numerator: 'techsavvy_people', denominator: 'population', scale: 100 },
    reportable: false,
    aliases: ['cong nghe so 100 dan', 'nguoi biet cns 100 dan', 'tech savvy per 100'],
    source: 'Huế target',
  },
  {
    key: 'activity_days',
    labels: u('Số ngày hoạt động của Tổ', 'Team activity days'),
    short: u('Số ngày hoạt động', 'Activity days'),
    unit: u('ngày', 'days'),
    type: 'count',
    aliases: ['ngay hoat dong', 'so ngay', 'ngay lam viec', 'so ngay lam viec', 'activity days', 'days'],
    source: 'Cà Mau 220/KH-UBND (≥ 2 days a week)',
  },
  {
    key: 'activity_hours',
    labels: u('Số giờ hoạt động của Tổ', 'Team activity hours'),
    short: u('Số giờ hoạt động', 'Activity hours'),
    unit: u('giờ', 'hours'),
    type: 'decimal',
    aliases: ['gio', 'gio hoat dong', 'so gio', 'thoi gian hoat dong', 'gio lam viec', 'so gio lam viec', 'activity hours', 'hours'],
    source: 'Cà Mau 220/KH-UBND (≥ 4 hours a day)',
  },
  {
    key: 'highlights',
    labels: u('Kết quả nổi bật, cách làm hay', 'Highlights / good practices'),
    short: u('Kết quả nổi bật', 'Highlights'),
    type: 'text',
    aggregation: TEXT,
    aliases: ['noi bat', 'ket qua noi bat', 'cach lam hay', 'ket qua', 'mo hinh hay', 'highlights', 'good practices'],
    source: 't63.mic.gov.vn purpose',
  },
  {
    key: 'difficulties',
    labels: u('Khó khăn, vướng mắc', 'Difficulties'),
    short: u('Khó khăn', 'Difficulties'),
    type: 'text',
    aggregation: TEXT,
    aliases: ['kho khan', 'vuong mac', 'kho khan vuong mac', 'kk', 'han che', 'ton tai', 'difficulties', 'problems'],
    source: 'standard report section',
  },
  {
    key: 'proposals',
    labels: u('Đề xuất, kiến nghị', 'Proposals/requests'),
    short: u('Đề xuất', 'Proposals'),
    type: 'text',
    aggregation: TEXT,
    aliases: ['de xuat', 'kien nghi', 'de xuat kien nghi', 'kien nghi de xuat', 'de nghi', 'proposals', 'requests'],
    source: 'standard report section',
  },
  {
    key: 'commendations',
    labels: u('Đề nghị khen thưởng', 'Commendation proposals'),
    short: u('Đề nghị khen thưởng', 'Commendations'),
    type: 'text',
    aggregation: TEXT,
    aliases: ['khen thuong', 'de xuat khen thuong', 'khen', 'commendations', 'commendation'],
    source: 'Yên Bái 3.2; Lai Châu 2.3',
  },
  {
    key: 'next_tasks',
    labels: u('Nhiệm vụ kỳ tới', 'Next-period tasks'),
    short: u('Nhiệm vụ kỳ tới', 'Next tasks'),
    type: 'text',
    aggregation: TEXT,
    aliases: [
      'nhiem vu', 'ky toi', 'nhiem vu thang toi', 'nhiem vu quy toi', 'ke hoach', 'ke hoach ky toi', 'ke hoach thang toi',
      'ke hoach quy toi', 'phuong huong', 'next tasks', 'next period',
    ],
    source: 'standard report section',
  },
];

const NO_UNIT = u('', '');

export const CATALOGUE: readonly IndicatorDef[] = SPECS.map((s) => ({
  ...s,
  unit: s.unit ?? NO_UNIT,
  aggregation: s.aggregation ?? SUM,
  reportable: s.reportable ?? true,
}));

/** Indicator keys in catalogue order. */
export const INDICATOR_KEYS: readonly string[] = CATALOGUE.map((i) => i.key);

const BY_KEY = new Map(CATALOGUE.map((i) => [i.key, i]));

export function getIndicator(key: string): IndicatorDef | undefined {
  return BY_KEY.get(key);
}

export function isIndicatorKey(key: string): boolean {
  return BY_KEY.has(key);
}

/** Position in the catalogue (unknown keys sort last). */
export function catalogueOrder(key: string): number {
  const i = INDICATOR_KEYS.indexOf(key);
  return i < 0 ? INDICATOR_KEYS.length : i;
}

/**
 * Every typed form of an indicator, tight-folded: key, official and short labels in both languages,
 * aliases, and each alias/short label with a leading "số"/"số lượng"/"tổng số" (people prefix labels
 * with "Số …" at will).
 */
const FORMS_CACHE = new WeakMap<IndicatorDef, string[]>();

export function labelForms(ind: IndicatorDef): string[] {
  const cached = FORMS_CACHE.get(ind);
  if (cached) return cached;
  const forms = computeLabelForms(ind);
  FORMS_CACHE.set(ind, forms);
  return forms;
}

function computeLabelForms(ind: IndicatorDef): string[] {
  const base = [ind.key, ind.labels.vi, ind.labels.en, ind.short.vi, ind.short.en, ...ind.aliases];
  const forms = new Set<string>();
  for (const b of base) {
    const f = fold(b);
    if (!f) continue;
    forms.add(foldTight(f));
    for (const p of ['so ', 'so luong ', 'tong so ']) if (!f.startsWith('so ') && !f.startsWith('tong so ')) forms.add(foldTight(p + f));
  }
  return [...forms];
}

/** A label index over a set of indicators: tight-folded form → key. Throws on a collision. */
export function buildLabelIndex(indicators: readonly IndicatorDef[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const ind of indicators) {
    for (const form of labelForms(ind)) {
      const other = index.get(form);
      if (other && other !== ind.key) {
        throw new Error(`indicator label collision: "${form}" is used by ${other} and ${ind.key}`);
      }
      index.set(form, ind.key);
    }
  }
  return index;
}

const CATALOGUE_INDEX = buildLabelIndex(CATALOGUE);

/** The catalogue indicator a typed label names (diacritics, case, spacing ignored). */
export function findIndicatorByLabel(label: string): IndicatorDef | undefined {
  const key = CATALOGUE_INDEX.get(foldTight(label));
  return key ? BY_KEY.get(key) : undefined;
}

export class UnknownIndicatorError extends Error {
  constructor(readonly keys: string[]) {
    super(`unknown indicator key(s): ${keys.join(', ')}`);
  }
}

/**
 * Catalogue entries for a profile's indicator uses, in catalogue order, with `required`, `target`
 * and `levels` from the profile. The numerator and denominator of a ratio indicator are added
 * (not required) when the profile does not list them, so the ratio can be recomputed upward.
 * Throws UnknownIndicatorError naming every key not in the catalogue.
 */
export function resolveIndicators(uses: readonly IndicatorUse[]): ResolvedIndicator[] {
  const unknown = uses.filter((x) => !BY_KEY.has(x.key)).map((x) => x.key);
  if (unknown.length) throw new UnknownIndicatorError(unknown);
  const out = new Map<string, ResolvedIndicator>();
  for (const use of uses) {
    const def = BY_KEY.get(use.key)!;
    out.set(use.key, {
      ...def,
      required: use.required ?? false,
      ...(use.target ? { target: { ...use.target } } : {}),
      ...(use.levels ? { levels: [...use.levels] } : {}),
    });
  }
  for (const use of uses) {
    const def = BY_KEY.get(use.key)!;
    if (def.aggregation.kind !== 'ratio') continue;
    for (const k of [def.aggregation.numerator, def.aggregation.denominator]) {
      if (!out.has(k)) {
        const d = BY_KEY.get(k)!;
        out.set(k, { ...d, required: false, ...(use.levels ? { levels: [...use.levels] } : {}) });
      }
    }
  }
  return [...out.values()].sort((a, b) => catalogueOrder(a.key) - catalogueOrder(b.key));
}

/** The suggested minimal default set (domain.md §7). */
export const MINIMAL_DEFAULT_SET: readonly string[] = [
  'team_count', 'member_count', 'households_supported', 'people_supported', 'vneid_l2', 'dvc_dossiers',
  'payment_accounts', 'ecommerce_accounts', 'sessions_held', 'bdhvs_completed',
  'highlights', 'difficulties', 'proposals', 'next_tasks',
];
