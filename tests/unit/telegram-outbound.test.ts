import { mentionEntities, renderParts, splitText } from '../../src/platforms/telegram/outbound';
import { toSendError } from '../../src/platforms/telegram/sender';
import { GrammyError, HttpError } from 'grammy';
import type { Outgoing } from '../../src/chat/types';

const chat = { platform: 'telegram' as const, id: '-100' };

describe('splitText', () => {
  it('keeps short text whole', () => {
    expect(splitText('một\nhai', 4096)).toEqual([{ text: 'một\nhai', offset: 0 }]);
  });

  it('splits on line boundaries, never mid-line, and loses nothing', () => {
    const lines = Array.from({ length: 120 }, (_, i) => `Dòng ${String(i).padStart(3, '0')} ` + 'x'.repeat(70 + (i % 13)));
    const text = lines.join('\n');
    const parts = splitText(text, 4096);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(p.text.length).toBeLessThanOrEqual(4096);
      for (const line of p.text.split('\n')) expect(lines).toContain(line);
      expect(text.slice(p.offset, p.offset + p.text.length)).toBe(p.text);
    }
    expect(parts.map((p) => p.text).join('\n')).toBe(text);
  });

  it('uses a newline that sits exactly at the limit', () => {
    const text = 'a'.repeat(10) + '\n' + 'b'.repeat(5);
    expect(splitText(text, 10).map((p) => p.text)).toEqual(['a'.repeat(10), 'b'.repeat(5)]);
  });

  it('splits one over-long line on spaces, not inside a protected name', () => {
    const text = 'aaa bbb Nguyễn Văn An ccc';
    const at = text.indexOf('Nguyễn Văn An');
    const parts = splitText(text, 16, [{ offset: at, length: 'Nguyễn Văn An'.length }]);
    expect(parts.map((p) => p.text)).toEqual(['aaa bbb', 'Nguyễn Văn An', 'ccc']);
  });

  it('cuts a single huge word hard but never inside a surrogate pair', () => {
    const text = 'x'.repeat(9) + '😀' + 'y'.repeat(5);
    const parts = splitText(text, 10);
    expect(parts[0]!.text).toBe('x'.repeat(9));
    expect(parts.map((p) => p.text).join('')).toBe(text);
  });
});

describe('mentionEntities', () => {
  it('gives UTF-16 offsets after emoji and Vietnamese diacritics', () => {
    const text = 'Chào 😀 Đặng Thị Ánh và Lê Văn Bình';
    const es = mentionEntities(text, [
      { userId: '42', name: 'Đặng Thị Ánh' },
      { userId: '43', name: 'Lê Văn Bình' },
    ]);
    expect(es[0]).toMatchObject({ type: 'text_mention', offset: 8, length: 12, user: { id: 42 } });
    expect(es[1]).toMatchObject({ offset: 24, length: 11, user: { id: 43 } });
  });

  it('uses each occurrence once for two people of the same name', () => {
    const es = mentionEntities('Lan, Lan', [
      { userId: '1', name: 'Lan' },
      { userId: '2', name: 'Lan' },
    ]);
    expect(es.map((e) => [e.offset, (e as { user: { id: number } }).user.id])).toEqual([
      [0, 1],
      [5, 2],
    ]);
  });
});

describe('renderParts', () => {
  it('puts the reply on the first part and the buttons on the last', () => {
    const text = Array.from({ length: 100 }, () => 'z'.repeat(99)).join('\n');
    const m: Outgoing = { chat, text, replyToMessageId: '55', buttons: [[{ label: 'Có', data: 'y' }]] };
    const parts = renderParts(m);
    expect(parts.length).toBe(3);
    expect(parts[0]!.replyToMessageId).toBe(55);
    expect(parts[1]!.replyToMessageId).toBeUndefined();
    expect(parts[2]!.replyMarkup).toEqual({ inline_keyboard: [[{ text: 'Có', callback_data: 'y' }]] });
    expect(parts[0]!.replyMarkup).toBeUndefined();
  });

  it('moves mention offsets into the part that holds them', () => {
    const first = 'a'.repeat(4000);
    const text = `${first}\nNhắc 👉 Trần Thị Hoà`;
    const parts = renderParts({ chat, text, mentions: [{ userId: '9', name: 'Trần Thị Hoà' }] });
    expect(parts).toHaveLength(1);
    const long = renderParts({ chat, text: `${first}\n${'b'.repeat(200)}\nNhắc 👉 Trần Thị Hoà`, mentions: [{ userId: '9', name: 'Trần Thị Hoà' }] });
    expect(long).toHaveLength(2);
    expect(long[1]!.entities).toEqual([expect.objectContaining({ offset: long[1]!.text.indexOf('Trần'), length: 12 })]);
    expect(long[1]!.text.indexOf('Trần')).toBe(201 + 8);
  });
});

describe('toSendError', () => {
  const err = (code: number, description: string, parameters = {}): GrammyError =>
    new GrammyError('x', { ok: false, error_code: code, description, parameters }, 'sendMessage', {});
  it('maps Telegram answers to retry decisions', () => {
    expect(toSendError(err(429, 'Too Many Requests', { retry_after: 7 }))).toMatchObject({ permanent: false, retryAfterMs: 7000 });
    expect(toSendError(err(502, 'Bad Gateway')).permanent).toBe(false);
    expect(toSendError(err(403, 'Forbidden: bot was kicked from the group chat')).permanent).toBe(true);
    expect(toSendError(err(403, 'Forbidden: bot was blocked by the user')).permanent).toBe(true);
    expect(toSendError(err(400, 'Bad Request: chat not found')).permanent).toBe(true);
    expect(toSendError(new HttpError('network', new Error('ECONNRESET'))).permanent).toBe(false);
  });
});

describe('free-text questions with privacy mode on', () => {
  it('ask for a reply (force_reply, selective) to the asker, and never with buttons', () => {
    const q = renderParts({ chat: { platform: 'telegram', id: '-100' }, text: '(1/21) Số tổ?', expectReply: true, replyToMessageId: '42' });
    expect(q[0]!.replyMarkup).toEqual({ force_reply: true, selective: true });
    expect(q[0]!.replyToMessageId).toBe(42);
    const b = renderParts({ chat: { platform: 'telegram', id: '-100' }, text: 'Xác nhận?', expectReply: true, buttons: [[{ label: 'OK', data: 'dlg:yes' }]] });
    expect(b[0]!.replyMarkup).toEqual({ inline_keyboard: [[{ text: 'OK', callback_data: 'dlg:yes' }]] });
  });
});
