import { replyText } from '../../protocol/reply.js';
import { sessionOf, type OnSession } from '../connection/session.js';

/** A digest the server computed, with the name node:crypto knows its algorithm by. */
export interface RemoteHash {
  algorithm: 'sha256' | 'sha1' | 'md5';
  hex: string;
}

const X_COMMANDS = [
  ['XSHA256', 'sha256'],
  ['XSHA1', 'sha1'],
  ['XMD5', 'md5'],
] as const;

const HASH_NAMES = [
  ['SHA-256', 'sha256'],
  ['SHA-1', 'sha1'],
  ['MD5', 'md5'],
] as const;

/**
 * Asks the server for a file's digest: HASH (draft-bryan-ftpext-hash) when
 * FEAT lists it, else XSHA256 / XSHA1 / XMD5. Undefined when it offers none.
 */
export async function remoteHash(on: OnSession, path: string): Promise<RemoteHash | undefined> {
  const session = sessionOf(on);
  const features = await session.features();
  const offered = (features.hash ?? []).map((name) => name.toUpperCase());
  if (offered.length > 0) {
    for (const [name, algorithm] of HASH_NAMES) {
      if (!offered.includes(name)) continue;
      const opts = await session.command(`OPTS HASH ${name}`, { allowError: true });
      if (opts.code !== 200) continue;
      const reply = await session.command(`HASH ${path}`, { allowError: true });
      // 213 SHA-256 0-1234 <hex> <path>
      const hex = reply.code === 213 ? /\b([0-9a-f]{32,128})\b/i.exec(replyText(reply))?.[1] : undefined;
      if (hex) return { algorithm, hex: hex.toLowerCase() };
    }
  }
  for (const [command, algorithm] of X_COMMANDS) {
    if (!features.has(command)) continue;
    const reply = await session.command(`${command} ${path}`, { allowError: true });
    const hex = reply.code >= 200 && reply.code < 300 ? /\b([0-9a-f]{32,128})\b/i.exec(replyText(reply))?.[1] : undefined;
    if (hex) return { algorithm, hex: hex.toLowerCase() };
  }
  return undefined;
}
