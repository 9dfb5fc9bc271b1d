/**
 * Typed errors. Every failure the core can report is one of these, so the CLI
 * can map it to an exit code without looking at message text.
 */

export type FtpErrorKind =
  | 'connect' // could not reach or greet the server (DNS, refused, connect timeout, 421 greeting)
  | 'login' // credentials rejected
  | 'temporary' // 4xx reply
  | 'permanent' // 5xx reply
  | 'protocol' // malformed or hostile reply
  | 'transfer' // data connection failed, incomplete, or resume refused
  | 'timeout' // idle timeout on an established connection
  | 'closed' // control connection lost after connecting
  | 'argument' // a command or path we refuse to send (CR, LF, NUL)
  | 'tls' // TLS refused, handshake failed, or certificate not trusted
  | 'aborted' // cancelled by the caller (AbortSignal)
  | 'local' // a local file we cannot use as asked (found by us, not by the OS)
  | 'checksum' // the bytes do not match the digest expected
  | 'partial'; // some files of a multi-file transfer failed, others succeeded

export class FtpError extends Error {
  override name = 'FtpError';
  constructor(
    readonly kind: FtpErrorKind,
    message: string,
    /** The server's reply code when the error came from a reply. */
    readonly code?: number,
  ) {
    super(message);
  }
}

/** A 4xx reply: the server says try again later. */
export class TemporaryError extends FtpError {
  override name = 'TemporaryError';
  constructor(code: number, text: string) {
    super('temporary', `${code} ${text}`, code);
  }
}

/** A 5xx reply: the server refuses. */
export class PermanentError extends FtpError {
  override name = 'PermanentError';
  constructor(code: number, text: string) {
    super('permanent', `${code} ${text}`, code);
  }
}

export class LoginError extends FtpError {
  override name = 'LoginError';
  /** `hint` (what to do about it) follows the server's text in the message. */
  constructor(
    code: number,
    /** The server's reply text. */
    readonly text: string,
    hint?: string,
  ) {
    super('login', `login rejected: ${code} ${text}${hint ? ` (${hint})` : ''}`, code);
  }
}

/** The server will not resume at an offset (REST refused): retrying cannot help. */
export class RestRefusedError extends FtpError {
  override name = 'RestRefusedError';
  constructor(offset: number, code: number, text: string) {
    super('transfer', `server cannot resume at byte ${offset} (REST refused: ${code} ${text})`, code);
  }
}

export class ProtocolError extends FtpError {
  override name = 'ProtocolError';
  constructor(message: string) {
    super('protocol', message);
  }
}

/** A local file we cannot use as asked: a folder where a file should be, a resume point past the end… */
export class LocalError extends FtpError {
  override name = 'LocalError';
  constructor(message: string) {
    super('local', message);
  }
}

/** The downloaded bytes do not match the digest expected (--sha256, or the server's own). */
export class ChecksumError extends FtpError {
  override name = 'ChecksumError';
  constructor(message: string) {
    super('checksum', message);
  }
}

/** Some files of a multi-file transfer failed while others succeeded. */
export class PartialFailure extends FtpError {
  override name = 'PartialFailure';
  constructor(message: string) {
    super('partial', message);
  }
}

/** The server has no such command (e.g. SITE CHMOD answered 500): asking again, or for another path, cannot help. */
export class UnsupportedError extends FtpError {
  override name = 'UnsupportedError';
  constructor(
    /** The command the server lacks, e.g. "SITE CHMOD". */
    readonly command: string,
    code: number,
    text: string,
  ) {
    super('permanent', `the server has no ${command} (${code} ${text})`, code);
  }
}

/** Turns a final reply code into the matching error; 1xx-3xx are not errors. */
export function errorForReply(code: number, text: string): FtpError {
  if (code >= 400 && code < 500) return new TemporaryError(code, text);
  if (code >= 500 && code < 600) return new PermanentError(code, text);
  return new ProtocolError(`unexpected reply: ${code} ${text}`);
}
