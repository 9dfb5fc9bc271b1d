import { closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { FtpError } from '../protocol/errors.js';
import type { FtpClient, ServerFeatures } from './client.js';
import type { TlsOptions } from './connection/tls.js';
import { parseTarget } from './target.js';
import type { ConnectOptions, RemoteEntry } from './api-options.js';
import { RateLimiter } from './rate-limit.js';
import { parseProxy } from './connection/network.js';
import { openSession } from './jobs/connect.js';
import { withRetries } from './jobs/retry.js';
import { downloadFile, localFor, type DownloadSettings, type Seen } from './jobs/download.js';
import { uploadFile, type UploadSettings } from './jobs/upload.js';
import { downloadPlan, planTree } from './jobs/download-tree.js';
import { planUpload, uploadPlan } from './jobs/upload-tree.js';
import { openSource } from './local/special-files.js';
import type { BatchOutcome } from './jobs/batch.js';
import { syncFolders, type SyncOptions, type SyncResult } from './api-sync.js';
import type { OpenSession, Session } from './jobs/events.js';
import { progressOf, type TransferProgress } from './api-progress.js';
import { removeTree } from './jobs/remove-tree.js';
import type { RawReply } from './remote/raw.js';
import type { RemoteStat } from './remote/remote-fs.js';

export type { TransferProgress } from './api-progress.js';

export type { ConnectOptions, RemoteEntry } from './api-options.js';

interface Common {
  /** Retries of a transfer that fails for a reason that may pass (default 0). */
  retries?: number;
  /** Seconds before the first retry, doubled each time (default 1). */
  retryDelay?: number;
  ascii?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
}

export interface FileDownloadOptions extends Common {
  /** Go on from a partial local file (or its .part). */
  resume?: boolean;
  /** The expected SHA-256: a mismatch discards the download (ChecksumError). */
  sha256?: string;
  /** Compare with the server's own digest where it offers one. */
  verify?: boolean;
  /** The local file takes the remote time. */
  preserve?: boolean;
}

export interface FileUploadOptions extends Common, UploadExtras {
  /** Go on from what the server already has. */
  resume?: boolean;
  /** The remote file takes the local time (MFMT). */
  preserve?: boolean;
}

export interface TreeOptions extends Common, UploadExtras {
  /** Connections (default 4). */
  parallel?: number;
  resume?: boolean;
}

/** How uploads treat the remote side (ignored by downloads). */
export interface UploadExtras {
  /** Make the missing folders of the remote path (a tree's: its parents) first. */
  createDirs?: boolean;
  /** APPE: add to the end of the remote file (made if missing). Not with `atomic` or `resume`. */
  append?: boolean;
  /** Upload to a temporary name in the same folder and rename it over the final name when complete: readers never see a part. */
  atomic?: boolean;
}

export interface TreeResult {
  files: number;
  ok: number;
  skipped: number;
  bytes: number;
  /** The files that failed, with why. Empty on success; `downloadTree` and `uploadTree` reject when it is not. */
  failures: { name: string; error: unknown }[];
}

/**
 * Connects and logs in: `ftp://`, `ftpes://` (AUTH TLS) or `ftps://`
 * (implicit TLS) `[user[:password]@]host[:port]/`. The returned client moves
 * files through the same engine as the `tftp` command: temporary files
 * renamed when complete, resume, retries, checksums, trees over parallel
 * connections.
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Ftp> {
  const target = parseTarget(url);
  const mode = options.tls?.mode ?? target.tls;
  let tls: TlsOptions | undefined;
  if (mode) {
    const ca = [...(options.tls?.ca ?? []), ...(options.tls?.caFile ? [await readFile(options.tls.caFile, 'utf8')] : [])];
    tls = { mode, ...(ca.length ? { ca } : {}), ...(options.tls?.pinSha256 ? { pinSha256: options.tls.pinSha256 } : {}), ...(options.tls?.insecure ? { insecure: true } : {}) };
  }
  const features: ServerFeatures = {}; // what one connection learns, the others know
  const rateLimit = options.limitRate === undefined ? undefined : new RateLimiter(options.limitRate); // one budget for all of them
  const open: OpenSession = () =>
    openSession({
      host: target.host,
      port: target.port,
      user: options.user ?? target.user,
      password: options.password ?? target.password,
      timeoutMs: options.timeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      network: { keepaliveMs: options.keepaliveMs ?? 60_000, proxy: options.proxy ? parseProxy(options.proxy) : undefined, family: options.family },
      passive: options.passive,
      epsv: options.epsv,
      trace: options.trace,
      tls,
      features,
      rateLimit,
      encoding: options.encoding,
      signal: options.signal,
    });
  return new Ftp(open, await open(), options.signal);
}

/** A connected client: files and folders by name, transfers with the CLI's guarantees. */
export class Ftp {
  constructor(
    private readonly open: OpenSession,
    private session: Session,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** The ftplib-shaped client underneath (sendcmd, transfercmd …), for what this class does not do. */
  get client(): FtpClient {
    return this.session.client;
  }

  /** The entries of a folder (a file: its own entry). */
  async list(path?: string): Promise<RemoteEntry[]> {
    const { entries } = await (await this.connected()).list(path, { signal: this.signal });
    return entries.map(({ modified, ...e }) => (modified ? { ...e, modified: new Date(modified) } : e));
  }

  /** What a path is (type; size, time and permissions when known), or undefined when there is nothing there. */
  async stat(path: string): Promise<RemoteStat | undefined> {
    return (await this.connected()).stat(path);
  }

  /** Downloads `remote` to `local` (a file, or an existing folder to put it in) through a temporary file renamed when complete. */
  async download(remote: string, local: string, o: FileDownloadOptions = {}): Promise<{ bytes: number; skipped?: string }> {
    const d = { remotePath: remote, ...localFor(remote, local) };
    if (d.localPath === '-') throw new FtpError('argument', 'download: give a local file name');
    const s: DownloadSettings = { ...o, signal: o.signal ?? this.signal };
    const seen: Seen = { written: 0 };
    return this.retrying(o, (client, attempt) => downloadFile(client, d, s, attempt, seen, progressOf(remote, o.onProgress), {}));
  }

  /** Uploads the local file `local` to `remote`. */
  async upload(local: string, remote: string, o: FileUploadOptions = {}): Promise<{ bytes: number; skipped?: string }> {
    const opened = openSource(local);
    if ('stream' in opened) {
      opened.close();
      throw new FtpError('argument', `${local}: not a regular file`);
    }
    const s: UploadSettings = { ...o, signal: o.signal ?? this.signal };
    try {
      const up = { local, remotePath: remote, fd: opened.fd, localSize: opened.size };
      return await this.retrying(o, (client, attempt) => uploadFile(client, up, s, attempt, progressOf(remote, o.onProgress), {}));
    } finally {
      closeSync(opened.fd);
    }
  }

  /** Downloads the remote folder `remote` and everything under it into `local`. */
  async downloadTree(remote: string, local: string, o: TreeOptions = {}): Promise<TreeResult> {
    const s = { ...o, recursive: true, signal: o.signal ?? this.signal };
    const client = await this.connected();
    const plan = await planTree(client, remote, local, s, {});
    return settled(await downloadPlan(this.open, plan, s, { session: this.borrowed(), reporter: {}, progressFor: (name) => progressOf(name, o.onProgress) }));
  }

  /** Uploads the local folder `local` and everything under it into `remote` (made as needed). */
  async uploadTree(local: string, remote: string, o: TreeOptions = {}): Promise<TreeResult> {
    const plan = await planUpload(local, remote.replace(/\/+$/, ''), {});
    const s = { ...o, signal: o.signal ?? this.signal };
    await this.connected();
    // This client's session makes the folders and moves files first; the others are new.
    let lent = false;
    const open: OpenSession = async () => (lent ? this.open() : ((lent = true), this.borrowed()));
    return settled(await uploadPlan(open, plan, s, { reporter: {}, progressFor: (name) => progressOf(name, o.onProgress) }));
  }

  /** Makes `to` match `from` (a local folder and a remote one, either way), moving only what changed. */
  async sync(o: SyncOptions): Promise<SyncResult> {
    await this.connected();
    return syncFolders(this.open, this.borrowed(), { ...o, signal: o.signal ?? this.signal });
  }

  /** MKD; `recursive` makes missing parents, and a folder that exists is fine. */
  async mkdir(path: string, o: { recursive?: boolean } = {}): Promise<void> {
    await (await this.connected()).mkdir(path, o);
  }

  /** RNFR + RNTO. */
  async rename(from: string, to: string): Promise<void> {
    await (await this.connected()).rename(from, to);
  }

  /**
   * DELE a file, RMD an empty folder; `recursive` removes a folder and everything in it, depth first
   * (links removed, never followed), and refuses the login folder, `/` and those above unless `forceRoot`.
   */
  async remove(path: string, o: { recursive?: boolean; forceRoot?: boolean } = {}): Promise<void> {
    const client = await this.connected();
    if (o.recursive) return removeTree(client, path, { forceRoot: o.forceRoot, loginFolder: await client.pwd(), signal: this.signal });
    const what = await client.stat(path);
    if (what === undefined) throw new FtpError('permanent', `no such file or folder: ${path}`);
    await (what.type === 'dir' ? client.removeDir(path) : client.remove(path));
  }

  /** RMD: removes an empty folder. */
  async removeDir(path: string): Promise<void> {
    await (await this.connected()).removeDir(path);
  }

  /** SITE CHMOD with an octal mode ("644"); a server without it is a 'permanent' FtpError that says so. */
  async chmod(path: string, mode: string): Promise<void> {
    await (await this.connected()).chmod(path, mode);
  }

  /** A command as written, its final reply whatever the code; commands that need a data connection are refused. */
  async raw(line: string): Promise<RawReply> {
    return (await this.connected()).raw(line);
  }

  /** QUIT, and the connection closed. */
  async close(): Promise<void> {
    await this.session.end(true);
  }

  /** The session's client, logged in again if the connection was lost. */
  private async connected(): Promise<FtpClient> {
    if (!this.session.client.connected) {
      await this.session.end(false);
      this.session = await this.open();
    }
    return this.session.client;
  }

  private retrying<T>(o: Common, attempt: (client: FtpClient, n: number) => Promise<T>): Promise<T> {
    return withRetries({ retries: o.retries, retryDelay: o.retryDelay, signal: o.signal ?? this.signal }, async (n) => attempt(await this.connected(), n));
  }

  /** This client's session lent to a batch: it stays open after success, and is replaced after a failure. */
  private borrowed(): Session {
    const session = this.session;
    return { client: session.client, end: async (ok) => (ok ? undefined : session.end(false)) };
  }
}

/** A tree's outcome for the caller; a failure is thrown after the files that could move have moved. */
function settled(outcome: BatchOutcome): TreeResult {
  if (outcome.failure !== undefined) throw outcome.failure;
  return { files: outcome.files, ok: outcome.ok, skipped: outcome.skipped, bytes: outcome.bytes, failures: outcome.failures.map((f) => ({ name: f.name, error: f.err })) };
}
