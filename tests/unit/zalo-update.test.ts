import { parseWebhookBody, stripBotMention, toChatEvent, zaloUpdateSchema } from '../../src/platforms/zalo/update';
import { splitText } from '../../src/platforms/zalo/sender';
import { secretMatches } from '../../src/platforms/zalo/webhook';
import { zaloImage, zaloSticker, zaloText, zaloUnsupported } from '../helpers/fake-zalo';

const now = () => new Date('2026-01-01T00:00:00Z');
const opts = { botNames: ['Bot CNS', 'bot.test'], now };

function ev(u: unknown) {
  return toChatEvent(zaloUpdateSchema.parse(u), opts);
}

describe('stripBotMention', () => {
  it.each([
    ['@Bot CNS /lienket 12345', '/lienket 12345'],
    ['@bot cns /lienket 12345', '/lienket 12345'],
    ['@Bot CNS: báo cáo quý', 'báo cáo quý'],
    ['@Bot CNS, 1', '1'],
    ['  @bot.test ok', 'ok'],
    ['@Bot CNS', ''],
    ['@Bot Cộng Đồng Số /baocao', '/baocao'], // a name we do not know, followed by a command
    ['@Ai đó xin chào', '@Ai đó xin chào'], // unknown name, no command: left alone
    ['/lienket 1', '/lienket 1'],
    ['xin chào @Bot CNS', 'xin chào @Bot CNS'],
    ['@Bot CNSX /a', '/a'],
  ])('%j → %j', (input, out) => {
    expect(stripBotMention(input, ['Bot CNS', 'bot.test'])).toBe(out);
  });
});

describe('toChatEvent', () => {
  it('group text with a mention → MessageEvent with the mention stripped', () => {
    const e = ev(zaloText('@Bot CNS /lienket 12345', { messageId: 'm-9', chatId: 'g-7', fromId: 'u-2', name: 'Trần B', date: 1790000000000 }));
    expect(e).toEqual({
      platform: 'zalo',
      type: 'message',
      eventId: 'message.text.received:m-9',
      chat: { id: 'g-7', kind: 'group' },
      at: new Date(1790000000000),
      sender: { id: 'u-2', displayName: 'Trần B' },
      messageId: 'm-9',
      text: '/lienket 12345',
    });
  });

  it('private chat → kind private', () => {
    const e = ev(zaloText('xin chào', { chatType: 'PRIVATE', fromId: 'u-5' }));
    expect(e).toMatchObject({ type: 'message', chat: { id: 'u-5', kind: 'private' } });
  });

  it('chat kind falls back to chat.id == from.id when chat_type is missing', () => {
    const u = zaloText('a', { fromId: 'u-5', chatId: 'u-5' });
    delete (u.message.chat as Record<string, unknown>).chat_type;
    expect(ev(u)?.chat.kind).toBe('private');
  });

  it.each([
    ['quote_msg_id', { quote_msg_id: 'm-out-3' }],
    ['quote_message_id', { quote_message_id: 'm-out-3' }],
    ['reply_to_message_id', { reply_to_message_id: 'm-out-3' }],
    ['reply_to_message.message_id', { reply_to_message: { message_id: 'm-out-3', text: 'x' } }],
    ['quote.message_id', { quote: { message_id: 'm-out-3' } }],
    ['quote.msg_id (number)', { quote: { msg_id: 3 } }],
  ])('a reply carries replyToMessageId from %s', (_name, extra) => {
    const e = ev(zaloText('1', { extra }));
    expect(e).toMatchObject({ type: 'message', text: '1' });
    expect((e as { replyToMessageId?: string }).replyToMessageId).toMatch(/^(m-out-)?3$/);
  });

  it('image with caption → MessageEvent; without → NonTextEvent', () => {
    expect(ev(zaloImage({ caption: '@Bot CNS /baocao', messageId: 'p1' }))).toMatchObject({
      type: 'message',
      text: '/baocao',
      eventId: 'message.image.received:p1',
    });
    expect(ev(zaloImage({ messageId: 'p2' }))).toMatchObject({ type: 'non_text', eventId: 'message.image.received:p2' });
  });

  it('sticker, unsupported, voice and unknown events → NonTextEvent', () => {
    expect(ev(zaloSticker())?.type).toBe('non_text');
    expect(ev(zaloUnsupported())?.type).toBe('non_text');
    expect(ev({ event_name: 'message.voice.received', message: { ...zaloText('x').message, text: undefined, voice_url: 'https://v' } })?.type).toBe('non_text');
    expect(ev({ ...zaloText('hi'), event_name: 'message.something.new' })?.type).toBe('non_text');
  });

  it('a bare mention is a NonTextEvent (nothing to route)', () => {
    expect(ev(zaloText('@Bot CNS'))?.type).toBe('non_text');
  });

  it('skips updates without a message id or sent by a bot', () => {
    const u = zaloText('a');
    delete u.message.message_id;
    expect(ev(u)).toBeUndefined();
    expect(ev(zaloText('a', { extra: { from: { id: 'b', is_bot: true } } }))).toBeUndefined();
  });

  it('date is epoch ms; seconds are scaled; missing → now', () => {
    expect(ev(zaloText('a', { date: 1790000000123 }))?.at.getTime()).toBe(1790000000123);
    expect(ev(zaloText('a', { date: 1790000000 }))?.at.getTime()).toBe(1790000000000);
    const u = zaloText('a');
    delete u.message.date;
    expect(ev(u)?.at).toEqual(now());
  });

  it('is lenient: odd optional fields and unknown fields do not reject the update', () => {
    const e = ev(zaloText('a', { extra: { photo: [1, 2], caption: 5, whatever: { x: 1 }, from: { id: 42, name: 'Old' } } }));
    expect(e).toMatchObject({ type: 'message', text: 'a', sender: { id: '42', displayName: 'Old' } });
  });
});

describe('parseWebhookBody', () => {
  const u = zaloText('x', { messageId: 'm-1' });
  it('accepts the bare and the wrapped form', () => {
    expect(parseWebhookBody(u)).toMatchObject({ kind: 'update', update: { event_name: 'message.text.received' } });
    expect(parseWebhookBody({ ok: true, result: u })).toMatchObject({ kind: 'update' });
  });
  it('empty → empty; non-updates → ignored', () => {
    expect(parseWebhookBody(undefined).kind).toBe('empty');
    expect(parseWebhookBody({}).kind).toBe('empty');
    expect(parseWebhookBody({ ok: false, error_code: 1 }).kind).toBe('ignored');
    expect(parseWebhookBody([1]).kind).toBe('ignored');
    expect(parseWebhookBody({ hello: 1 }).kind).toBe('ignored');
  });
});

describe('splitText', () => {
  it('keeps short text whole', () => {
    expect(splitText('a\nb', 2000)).toEqual(['a\nb']);
    expect(splitText('   ', 2000)).toEqual([]);
  });

  it('splits on line boundaries at 2000 characters', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `Dòng ${i}: ${'x'.repeat(90)}`);
    const text = lines.join('\n');
    const parts = splitText(text, 2000);
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(2000);
    expect(parts.join('\n')).toBe(text);
    for (const p of parts) expect(p.split('\n').every((l) => lines.includes(l))).toBe(true);
  });

  it('splits a single long line on spaces, then anywhere, keeping surrogate pairs', () => {
    const words = Array.from({ length: 500 }, () => 'chữ').join(' ');
    const parts = splitText(words, 100);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(100);
    expect(parts.join(' ')).toBe(words);
    const emoji = '😀'.repeat(60); // 120 UTF-16 units, no spaces
    const e = splitText(emoji, 51);
    expect(e.join('')).toBe(emoji);
    for (const p of e) expect(p.length).toBeLessThanOrEqual(51);
    for (const p of e) expect(p).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
  });
});

describe('secretMatches', () => {
  it('compares exactly', () => {
    expect(secretMatches('abcdefgh', 'abcdefgh')).toBe(true);
    expect(secretMatches('abcdefgX', 'abcdefgh')).toBe(false);
    expect(secretMatches('abcdefgh1', 'abcdefgh')).toBe(false);
    expect(secretMatches(undefined, 'abcdefgh')).toBe(false);
    expect(secretMatches('', 'abcdefgh')).toBe(false);
  });
});
