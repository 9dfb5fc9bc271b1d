import { describeNetworkError } from '../errno.js';

/** Why a connect (direct or through a proxy) failed, in words: connectSocket gives it its kind. */
export class ConnectFailure extends Error {}

/** A DNS miss under -4/-6 says which family had no address. */
export function describeFamilyError(err: NodeJS.ErrnoException, host: string, family: 4 | 6 | undefined): string {
  if (family && (err.code === 'ENOTFOUND' || err.code === 'EAI_NODATA' || err.code === 'EAI_ADDRFAMILY')) return `no IPv${family} address for ${host}`;
  return describeNetworkError(err);
}

export function where(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
