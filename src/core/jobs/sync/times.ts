// How far the server's listed times can be trusted. MLSD gives UTC to the
// second. A LIST line gives the server's local time to the minute (and only
// the day for a file older than six months): the server's offset from UTC is
// found by comparing one listed time with MDTM (which is UTC) of the same
// file, as FileZilla does; without MDTM, LIST times are not compared at all.
import { parseMdtm } from '../../../protocol/parse.js';
import type { RemoteFs } from '../../remote/fs.js';
import { remotePath, type SyncTree } from './walk.js';

const MINUTE = 60_000;
const QUARTER_HOUR = 15 * MINUTE;
/** Time zones lie within UTC-12 and UTC+14. */
const MAX_OFFSET = 14 * 3_600_000 + MINUTE;
/** A LIST line at 00:00 older than this may show a year in place of the time: the day only. */
const TIME_FORM_DAYS = 150;

/** A LIST time that shows hours and minutes (not a year), as far as the parsed value tells. */
function hasClockTime(listed: number, now: number): boolean {
  if (listed % 86_400_000 !== 0) return true;
  return listed <= now && now - listed < TIME_FORM_DAYS * 86_400_000;
}

export interface RemoteClock {
  /** Listed minus UTC, in ms (a LIST in UTC+02:00 gives 7 200 000); undefined when it cannot be known. */
  offset: number | undefined;
  /** How exact the corrected times are (ms), or undefined when they cannot be compared. */
  precision: number | undefined;
  /** What was found, for a notice. */
  summary: string;
}

/**
 * Works out the server's clock from the tree's listing and fills in each
 * remote file's corrected `mtime` and its `precision`, where they can be
 * trusted. One MDTM at most.
 */
export async function applyRemoteClock(client: RemoteFs, root: string, tree: SyncTree, now = Date.now()): Promise<RemoteClock> {
  const clock = await remoteClock(client, root, tree, now);
  if (clock.offset === undefined) return clock;
  for (const node of tree.nodes.values()) {
    if (node.type !== 'file' || node.listed === undefined) continue;
    if (tree.format === 'list' && !hasClockTime(node.listed, now)) continue;
    node.mtime = node.listed - clock.offset;
    node.precision = clock.precision;
  }
  return clock;
}

async function remoteClock(client: RemoteFs, root: string, tree: SyncTree, now: number): Promise<RemoteClock> {
  if (tree.format === 'mlsd') return { offset: 0, precision: 1000, summary: 'MLSD times (UTC, to the second)' };
  const sample = [...tree.nodes].find(([, n]) => n.type === 'file' && n.listed !== undefined && hasClockTime(n.listed, now));
  if (!sample) return { offset: undefined, precision: undefined, summary: 'no listed file shows a time of day' };
  const [rel, node] = sample;
  const text = await client.mdtm(remotePath(root, rel));
  let utc: number;
  try {
    if (text === undefined) throw new Error('no MDTM');
    utc = Math.floor(parseMdtm(text).getTime() / MINUTE) * MINUTE;
  } catch {
    return { offset: undefined, precision: undefined, summary: `MDTM ${rel} gave no time to set LIST times against` };
  }
  // LIST gives no year for a recent file: the nearest year to MDTM's.
  const diff = [-1, 0, 1]
    .map((years) => {
      const shown = new Date(node.listed!);
      shown.setUTCFullYear(shown.getUTCFullYear() + years);
      return shown.getTime() - utc;
    })
    .reduce((best, d) => (Math.abs(d) < Math.abs(best) ? d : best));
  if (Math.abs(diff) > MAX_OFFSET) return { offset: undefined, precision: undefined, summary: `LIST and MDTM of ${rel} disagree by more than a time zone` };
  const offset = Math.round(diff / QUARTER_HOUR) * QUARTER_HOUR;
  return { offset, precision: MINUTE, summary: `LIST times are the server's, ${formatOffset(offset)} (from MDTM), to the minute` };
}

function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const minutes = Math.abs(ms) / MINUTE;
  return `UTC${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
