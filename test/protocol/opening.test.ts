import { describe, expect, it } from 'vitest';
import { ReplyReader, sniffOpening } from '../../src/protocol/reply.js';

describe('sniffOpening', () => {
  it.each<[string, number[] | string, string | undefined]>([
    ['an FTP greeting', '220 ready', 'ftp'],
    ['a bare code', '2', 'ftp'],
    ['an SSH banner', 'SSH-2.0-OpenSSH_9.2p1', 'ssh'],
    ['the start of an SSH banner', 'SS', undefined],
    ['something else with S', 'SSL ready', 'ftp'],
    ['a TLS alert record', [0x15, 0x03, 0x03, 0x00, 0x02], 'tls'],
    ['a TLS handshake record', [0x16, 0x03, 0x01], 'tls'],
    ['one byte of what may be a record', [0x16], undefined],
    ['a control byte that is not a record', [0x16, 0x41], 'ftp'],
    ['nothing yet', '', undefined],
  ])('%s', (_name, bytes, want) => {
    expect(sniffOpening(Buffer.from(bytes as string))).toBe(want);
  });
});

describe('ReplyReader.onLine', () => {
  it('sees every line as sent, without its line ending, whatever the chunks', () => {
    const reader = new ReplyReader();
    const lines: string[] = [];
    reader.onLine = (l) => lines.push(l);
    const text = '230-Hello\r\n no code\n230-\r\n230 Done\r\n200\r\n';
    const replies = [...text].flatMap((c) => reader.push(Buffer.from(c)));
    expect(lines).toEqual(['230-Hello', ' no code', '230-', '230 Done', '200']);
    expect(replies.map((r) => r.code)).toEqual([230, 200]);
  });
});
