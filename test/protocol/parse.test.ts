import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/protocol/errors.js';
import { expectProtocolError } from '../support/expect-error.js';
import {
  formatEprt,
  formatPort,
  parse257,
  parseEpsv,
  parsePasv,
  parseSize,
  parseTransferSize,
  plainAddress,
} from '../../src/protocol/parse.js';

describe('parsePasv', () => {
  it.each([
    ['227 Entering Passive Mode (192,168,1,2,4,1)', '192.168.1.2', 1025],
    ['227 PASV OK (127,0,0,1,156,64)', '127.0.0.1', 40000], // ftp-srv
    ['227 Entering Passive Mode 10,0,0,1,255,255', '10.0.0.1', 65535], // no parentheses
    ['227 =127,0,0,1,0,21', '127.0.0.1', 21],
    ['227 Entering Passive Mode (0,0,0,0,0,1).', '0.0.0.0', 1],
  ])('%j -> %s port %i', (text, host, port) => {
    expect(parsePasv(text)).toEqual({ host, port });
  });

  it.each([
    ['227 Entering Passive Mode (1216,256,0,1,2,3)', /malformed PASV/],
    ['227 Entering Passive Mode (127,0,0,1,256,0)', /malformed PASV/],
    ['227 Entering Passive Mode (127,0,0,1,1,256)', /malformed PASV/],
    ['227 Entering Passive Mode (127,0,0,1,99999999999999999999,1)', /malformed PASV/],
    ['227 Entering Passive Mode (127,0,0,1,0,0)', /port 0/],
    ['227 Entering Passive Mode (127,0,0,1,4)', /malformed PASV/],
    ['227 Entering Passive Mode', /malformed PASV/],
    ['227 Entering Passive Mode (a,b,c,d,e,f)', /malformed PASV/],
  ])('%j throws', (text, message) => {
    expectProtocolError(() => parsePasv(text), message);
  });
});

describe('parseEpsv', () => {
  it.each([
    ['229 Entering Extended Passive Mode (|||6446|)', 6446],
    ['229 EPSV OK (|||40001|)', 40001], // ftp-srv
    ['229 Entering Extended Passive Mode (!!!1234!)', 1234],
    ['229 (###65535#)', 65535],
    ['229 (|||1|).', 1],
  ])('%j -> %i', (text, port) => {
    expect(parseEpsv(text)).toBe(port);
  });

  it.each([
    '229 Entering Extended Passive Mode (|||0|)',
    '229 Entering Extended Passive Mode (|||65536|)',
    '229 Entering Extended Passive Mode (|||1000000|)',
    '229 Entering Extended Passive Mode (||||)',
    '229 Entering Extended Passive Mode (|||12a|)',
    '229 Entering Extended Passive Mode (|||1234)',
    '229 Entering Extended Passive Mode |||1234|',
    '229 Entering Extended Passive Mode (|!|1234|)',
    '229 Entering Extended Passive Mode (|||1234!)',
    '229 Entering Extended Passive Mode (|1|127.0.0.1|1234|)',
    '229 Entering Extended Passive Mode (   1234 )',
    '229 Entering Extended Passive Mode',
  ])('%j throws', (text) => {
    expectProtocolError(() => parseEpsv(text), /malformed EPSV/);
  });
});

describe('parseTransferSize', () => {
  it.each([
    ['150 Opening BINARY mode data connection for f (1234 bytes)', 1234],
    ['150 Opening BINARY mode data connection for f (1 byte)', 1],
    ['150 Opening BINARY mode data connection for f (0 bytes)', 0],
    ['150 Opening data connection (1234 Bytes)', 1234],
    ['150 Opening for (odd) name (99 bytes).', 99],
    ['150 Here comes the directory listing', undefined],
    ['150 Opening (12 34 bytes)', undefined],
    ['150 Opening (-5 bytes)', undefined],
    ['150 Opening (12345678901234567 bytes)', undefined], // 17 digits: not trusted
  ])('%j -> %s', (text, size) => {
    expect(parseTransferSize(text)).toBe(size);
  });

  // 16 digits can exceed Number.MAX_SAFE_INTEGER: such a size must not be rounded silently.
  it('does not report a size it cannot represent exactly', () => {
    let size: number | undefined;
    try {
      size = parseTransferSize('150 Opening (9007199254740993 bytes)');
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      return;
    }
    expect(size).toBeUndefined();
  });
});

describe('parseSize', () => {
  it.each([
    ['1234', 1234],
    [' 42 ', 42],
    ['0', 0],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('%j -> %i', (text, size) => {
    expect(parseSize(text)).toBe(size);
  });

  it.each(['', ' ', 'abc', '-1', '+1', '12 34', '1.5', '1e6', '0x10', '12345678901234567'])('%j throws', (text) => {
    expectProtocolError(() => parseSize(text), /malformed SIZE/);
  });

  // A size above Number.MAX_SAFE_INTEGER would be rounded: refuse it.
  // Expected: ProtocolError for sizes above Number.MAX_SAFE_INTEGER.
  it('rejects a size above Number.MAX_SAFE_INTEGER', () => {
    expectProtocolError(() => parseSize('9007199254740993'), /malformed SIZE/);
  });
});

describe('parse257', () => {
  it.each([
    ['"/home/user" is the current directory', '/home/user'],
    ['"/" is cwd', '/'],
    ['"/a ""quoted"" dir" created', '/a "quoted" dir'],
    ['""""', '"'],
    ['"/trailing"""', '/trailing"'],
    ['MKD ok: "/x" created', '/x'],
    ['"/with space/and\'apostrophe"', "/with space/and'apostrophe"],
    ['"/ünï/日本"', '/ünï/日本'],
    ['"/first" then "/second"', '/first'],
  ])('%j -> %j', (text, path) => {
    expect(parse257(text)).toBe(path);
  });

  it.each([
    ['/no/quotes', /malformed 257/],
    ['"/unterminated', /unterminated quote/],
    ['"/ends in a doubled quote""', /unterminated quote/],
    ['"/a\rb" created', /control character/],
    ['"/a\nb" created', /control character/],
    ['"/a\0b" created', /control character/],
  ])('%j throws', (text, message) => {
    expectProtocolError(() => parse257(text), message);
  });
});

describe('formatPort', () => {
  it.each([
    ['127.0.0.1', 40000, '127,0,0,1,156,64'],
    ['10.0.0.5', 21, '10,0,0,5,0,21'],
    ['192.168.1.2', 65535, '192,168,1,2,255,255'],
    ['192.168.1.2', 256, '192,168,1,2,1,0'],
  ])('%s:%i -> %s', (host, port, arg) => {
    expect(formatPort(host, port)).toBe(arg);
  });

  it.each(['::1', 'localhost', '1.2.3', '::ffff:127.0.0.1'])('%j throws', (host) => {
    expectProtocolError(() => formatPort(host, 21), /IPv4/);
  });

  it('round-trips through parsePasv', () => {
    expect(parsePasv(`227 (${formatPort('172.16.5.4', 51234)})`)).toEqual({ host: '172.16.5.4', port: 51234 });
  });
});

describe('formatEprt', () => {
  it.each([
    ['127.0.0.1', 1234, '|1|127.0.0.1|1234|'],
    ['::1', 5282, '|2|::1|5282|'],
    ['2001:db8::7', 65535, '|2|2001:db8::7|65535|'],
  ])('%s:%i -> %s', (host, port, arg) => {
    expect(formatEprt(host, port)).toBe(arg);
  });

  it.each(['localhost', '', '1.2.3'])('%j throws', (host) => {
    expectProtocolError(() => formatEprt(host, 21), /IP address/);
  });
});

describe('plainAddress', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['::ffff:7f00:1', '::ffff:7f00:1'], // hex form: not a dotted IPv4 suffix
    ['::ffff:', '::ffff:'],
    ['2001:db8::1', '2001:db8::1'],
  ])('%s -> %s', (address, plain) => {
    expect(plainAddress(address)).toBe(plain);
  });
});
