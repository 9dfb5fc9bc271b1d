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
  /** The lines as the server sent them (trimmed). */
  lines: string[];
  /**
   * Whether a feature is announced, case-insensitively: a name ("MLST"), or a
   * name with the start of its parameters ("REST STREAM", "AUTH TLS").
   */
  has(name: string): boolean;
  restStream: boolean;
  mlstFacts: string[];
  hash: string[] | null;
  /** AUTH TLS listed. */
  authTls: boolean;
}

/** FEAT lines -> what they announce (RFC 2389 names, case-insensitive). */
export function parseFeatures(lines: string[]): ParsedFeatures {
  /** Each name's parameters, one string per line that names it. */
  const byName = new Map<string, string[]>();
  for (const line of lines) {
    const [name, rest] = splitName(line);
    byName.set(name, [...(byName.get(name) ?? []), rest]);
  }
  const params = (name: string) => (byName.get(name) ?? []).join(' ').split(/[;,\s]+/).filter(Boolean);
  return {
    lines,
    has: (wanted) => {
      const [name, start] = splitName(wanted);
      const given = byName.get(name);
      if (given === undefined || start === '') return given !== undefined;
      return given.some((p) => p.toUpperCase() === start.toUpperCase() || p.toUpperCase().startsWith(`${start.toUpperCase()} `));
    },
    restStream: params('REST').some((p) => p.toUpperCase() === 'STREAM'),
    mlstFacts: params('MLST').map((f) => f.replace(/\*$/, '')),
    hash: byName.has('HASH') ? params('HASH').map((h) => h.replace(/\*$/, '')) : null,
    authTls: params('AUTH').some((p) => p.toUpperCase() === 'TLS'),
  };
}

/** "REST STREAM" -> ["REST", "STREAM"]: the upper-cased name and its parameters. */
function splitName(line: string): [string, string] {
  const text = line.trim();
  const space = text.indexOf(' ');
  return space === -1 ? [text.toUpperCase(), ''] : [text.slice(0, space).toUpperCase(), text.slice(space + 1).trim()];
}
