import { describe, expect, it } from 'vitest';
import { checkCommandArgument, hasLineBreak, traceCommand } from '../../src/protocol/command.js';
import { FtpError } from '../../src/protocol/errors.js';

describe('checkCommandArgument', () => {
  it.each(['file.txt', 'dir/with space/f', 'ünïcode/日本', '', 'tab\there', '"quoted"'])('accepts %j', (value) => {
    expect(() => checkCommandArgument(value)).not.toThrow();
  });

  it.each([
    ['CR', 'a\rb'],
    ['LF', 'a\nb'],
    ['NUL', 'a\0b'],
    ['CRLF smuggling a second command', 'file\r\nDELE other'],
    ['trailing LF', 'file\n'],
    ['leading NUL', '\0file'],
  ])('refuses %s with kind "argument"', (_name, value) => {
    let error: unknown;
    try {
      checkCommandArgument(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FtpError);
    expect((error as FtpError).kind).toBe('argument');
  });

  it('names what was refused', () => {
    expect(() => checkCommandArgument('a\nb', 'remote path')).toThrow(/^remote path contains/);
    expect(() => checkCommandArgument('a\nb')).toThrow(/^argument contains/);
  });
});

describe('traceCommand', () => {
  it.each([
    ['PASS secret', 'PASS ****'],
    ['pass secret', 'PASS ****'],
    ['Pass s3cr3t with spaces', 'PASS ****'],
    ['PASS  leading-space', 'PASS ****'],
    ['USER bob', 'USER bob'],
    ['RETR PASS secret', 'RETR PASS secret'],
    ['PASSIVE', 'PASSIVE'],
    ['PASV', 'PASV'],
  ])('%j -> %j', (line, traced) => {
    expect(traceCommand(line)).toBe(traced);
  });
});

describe('hasLineBreak', () => {
  it('is true for a CR, LF or NUL anywhere, false for anything else', () => {
    for (const yes of ['a\rb', 'a\nb', 'a\0b', '\r', 'x\r\nDELE y']) expect(hasLineBreak(yes), JSON.stringify(yes)).toBe(true);
    for (const no of ['', 'a b', 'tab\there', 'ünï/日本', '\u2028', '\v\f']) expect(hasLineBreak(no), JSON.stringify(no)).toBe(false);
  });
});
