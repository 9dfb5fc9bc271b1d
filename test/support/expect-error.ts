import { expect } from 'vitest';
import { ProtocolError } from '../../src/protocol/errors.js';

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
