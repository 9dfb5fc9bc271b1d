// Node's errno codes, told apart once: a network failure (the peer, the path)
// or a local file-system failure (the disk, a permission, a name).

/** Errno codes that come from a network connection, not from a file. */
const NETWORK_ERRNOS = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ENOTFOUND',
  'EADDRNOTAVAIL',
]);

function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** An error of a network connection (reset, refused, unreachable, a broken pipe, a DNS miss). */
export function isNetworkError(err: unknown): err is NodeJS.ErrnoException {
  const code = errnoCode(err);
  return code !== undefined && NETWORK_ERRNOS.has(code);
}

/** An errno error that is not a network one: the local file system's (ENOSPC, EACCES, EISDIR …). */
export function isFileSystemError(err: unknown): err is NodeJS.ErrnoException {
  const code = errnoCode(err);
  return code !== undefined && !NETWORK_ERRNOS.has(code);
}

/** A network error in a few words, for "cannot connect to host:port: <reason>". */
export function describeNetworkError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND': return 'host not found';
    case 'EAI_AGAIN': return 'name resolution failed';
    case 'ETIMEDOUT': return 'timed out';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'host unreachable';
    case 'ECONNRESET': return 'connection reset';
    default: return err.message;
  }
}
