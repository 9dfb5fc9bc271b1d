import { describe, expect, it } from 'vitest';
import { checkCommandArgument, traceCommand } from '../../src/protocol/command.js';
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
