// FEAT (RFC 2389): the extension lines of its 211 reply, and what they announce.
import type { Reply } from './reply.js';

/** The lines between "211-" and "211 End", trimmed. */
export function featLines(reply: Reply): string[] {
  return reply.lines
    .slice(1, -1)
    .map((l) => l.trim())
    .filter(Boolean);
}

export interface ParsedFeatures {
  has(name: string): boolean;
  restStream: boolean;
  mlstFacts: string[];
  hash: string[] | null;
  /** AUTH TLS listed. */
  authTls: boolean;
}

/** FEAT lines -> what they announce (RFC 2389 names, case-insensitive). */
export function parseFeatures(lines: string[]): ParsedFeatures {
  const byName = new Map<string, string>();
  for (const line of lines) {
    const space = line.indexOf(' ');
    const name = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    const rest = space === -1 ? '' : line.slice(space + 1).trim();
    byName.set(name, byName.has(name) ? `${byName.get(name)} ${rest}` : rest);
  }
  const params = (name: string) => (byName.get(name) ?? '').split(/[;,\s]+/).filter(Boolean);
  return {
    has: (name) => byName.has(name),
    restStream: params('REST').some((p) => p.toUpperCase() === 'STREAM'),
    mlstFacts: params('MLST').map((f) => f.replace(/\*$/, '')),
    hash: byName.has('HASH') ? params('HASH').map((h) => h.replace(/\*$/, '')) : null,
    authTls: params('AUTH').some((p) => p.toUpperCase() === 'TLS'),
  };
}
