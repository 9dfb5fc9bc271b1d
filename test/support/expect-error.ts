import { expect } from 'vitest';
import { FtpError, ProtocolError } from '../../src/protocol/errors.js';

/** Asserts a ProtocolError (kind 'protocol') whose message matches. */
export function expectProtocolError(run: () => unknown, message: RegExp = /./): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).kind).toBe('protocol');
  expect((error as ProtocolError).message).toMatch(message);
}

/** Runs `parse`, returning its value or the error it threw; fails on any throw but a ProtocolError. */
export function outcome<T>(parse: () => T): { value: T } | { error: ProtocolError } {
  try {
    return { value: parse() };
  } catch (error) {
    expect(error).toBeInstanceOf(FtpError);
    expect(error).toBeInstanceOf(ProtocolError);
    return { error: error as ProtocolError };
  }
}
