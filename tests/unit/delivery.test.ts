/** app/delivery: where a unit's message goes (groups, or the private chats of the people concerned). */
import { route, usableGroups } from '../../src/app/delivery';
import { loadConfig, ConfigError } from '../../src/config';

const person = (personId: number, name: string, ids: { platform: string; externalId: string; privateChatId: string | null }[]) => ({ personId, name, identities: ids });
const an = person(1, 'Nguyễn Văn An', [{ platform: 'zalo', externalId: 'za', privateChatId: 'za' }]);
const binh = person(2, 'Trần Thị Bình', [{ platform: 'zalo', externalId: 'zb', privateChatId: null }]);
const cuong = person(3, 'Lê Văn Cường', []);
const dung = person(4, 'Phạm Dũng', [{ platform: 'telegram', externalId: '44', privateChatId: '44' }]);
const zaloGroup = { platform: 'zalo', chatId: 'zg-1' };

describe('route', () => {
  it('a linked group gets it; its platform\'s people read it there, nobody is listed', () => {
    expect(route([zaloGroup], [an, binh, cuong])).toEqual({ groups: [{ platform: 'zalo', id: 'zg-1' }], privates: [], unreached: [] });
  });

  it('without a group: private chats, and who has none is listed', () => {
    expect(route([], [an, binh, cuong])).toEqual({
      groups: [],
      privates: [{ chat: { platform: 'zalo', id: 'za' }, personId: 1, name: 'Nguyễn Văn An' }],
      unreached: [
        { personId: 2, name: 'Trần Thị Bình' },
        { personId: 3, name: 'Lê Văn Cường' },
      ],
    });
  });

  it('ZALO_GROUPS=off: a linked Zalo group is not used', () => {
    expect(usableGroups([zaloGroup], { groupsOff: ['zalo'] })).toEqual([]);
    expect(route([zaloGroup], [an], { groupsOff: ['zalo'] })).toEqual({
      groups: [],
      privates: [{ chat: { platform: 'zalo', id: 'za' }, personId: 1, name: 'Nguyễn Văn An' }],
      unreached: [],
    });
  });

  it('per platform: a Telegram-only person of a unit with a Zalo group hears it in private', () => {
    expect(route([zaloGroup], [an, dung])).toEqual({
      groups: [{ platform: 'zalo', id: 'zg-1' }],
      privates: [{ chat: { platform: 'telegram', id: '44' }, personId: 4, name: 'Phạm Dũng' }],
      unreached: [],
    });
  });

  it('unknown platforms and duplicate links are dropped', () => {
    expect(usableGroups([zaloGroup, zaloGroup, { platform: 'viber', chatId: 'v' }])).toEqual([{ platform: 'zalo', id: 'zg-1' }]);
  });
});

describe('config', () => {
  it('ZALO_GROUPS is on or off; ZALO_BOT_LINK is an https link', () => {
    expect(loadConfig({}, false)).toMatchObject({ ZALO_GROUPS: 'on' });
    expect(loadConfig({ ZALO_GROUPS: 'off', ZALO_BOT_LINK: 'https://zalo.me/123' }, false)).toMatchObject({ ZALO_GROUPS: 'off', ZALO_BOT_LINK: 'https://zalo.me/123' });
    expect(() => loadConfig({ ZALO_GROUPS: 'no' }, false)).toThrow(ConfigError);
    expect(() => loadConfig({ ZALO_BOT_LINK: 'http://zalo.me/123' }, false)).toThrow(/ZALO_BOT_LINK: phải là địa chỉ https:\/\//);
  });
});
