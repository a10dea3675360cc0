import { canonicalGroupName, groupNameMatches } from '../../src/domain/group-name';

describe('canonicalGroupName', () => {
  const chain = ['Sóc Trăng', 'Mỹ Xuyên', 'Hòa Tú 1', 'Hòa Phuông'];
  it('fills name and ancestors', () => {
    expect(canonicalGroupName('CNCĐ_{name}_{parent}_{parent.parent}', chain)).toBe('CNCĐ_Hòa Phuông_Hòa Tú 1_Mỹ Xuyên');
    expect(canonicalGroupName('CNS_tỉnh {root}', ['Lai Châu'])).toBe('CNS_tỉnh Lai Châu');
  });
  it('matches titles regardless of case, diacritics and separators', () => {
    expect(groupNameMatches('cncd hoa phuong_hoa tu 1 my xuyen', 'CNCĐ_Hòa Phuông_Hòa Tú 1_Mỹ Xuyên')).toBe(true);
    expect(groupNameMatches('Nhóm ấp Hòa Phuông', 'CNCĐ_Hòa Phuông_Hòa Tú 1_Mỹ Xuyên')).toBe(false);
  });
});
