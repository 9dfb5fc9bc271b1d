import type { FtpSession } from './connection/session.js';
import { remoteHash, type RemoteHash } from './remote/hash.js';
import { raw, type RawReply } from './remote/raw.js';
import { chmod, mkdir, remove, removeDir, rename, setModified, stat, type MkdirOptions, type RemoteStat, type RenameOptions } from './remote/remote-fs.js';

/**
 * The verbs of FtpClient on remote files and folders, each a few words over
 * its function in core/remote, which maps the server's replies to typed errors.
 */
export abstract class RemoteVerbs {
  abstract readonly session: FtpSession;

  /** MKD; with `recursive`, the missing parents too, and a folder that exists is fine. */
  mkdir(path: string, opts: MkdirOptions = {}): Promise<void> {
    return mkdir(this.session, path, opts);
  }

  /** DELE: removes a file. */
  remove(path: string): Promise<void> {
    return remove(this.session, path);
  }

  /** RMD: removes an empty folder. */
  removeDir(path: string): Promise<void> {
    return removeDir(this.session, path);
  }

  /** RNFR + RNTO (in one write with `together`). */
  rename(from: string, to: string, opts: RenameOptions = {}): Promise<void> {
    return rename(this.session, from, to, opts);
  }

  /** SITE CHMOD with an octal mode (644, 0755); a server without it is a 'permanent' error that says so. */
  chmod(path: string, mode: string): Promise<void> {
    return chmod(this.session, path, mode);
  }

  /**
   * A command as written, and its final reply whatever the code (4xx and 5xx
   * included, `ok` false). CR, LF, NUL and commands that need a data
   * connection (RETR, LIST, EPSV …) are refused before anything is sent.
   */
  raw(line: string): Promise<RawReply> {
    return raw(this.session, line);
  }

  /** What `path` is (file, folder, link; size and time when known), or undefined when nothing is there. */
  stat(path: string): Promise<RemoteStat | undefined> {
    return stat(this.session, path);
  }

  /** MFMT where FEAT offers it: sets a file's modification time; false when the server cannot. */
  setModified(path: string, date: Date): Promise<boolean> {
    return setModified(this.session, path, date);
  }

  /** The server's digest of a file (HASH, else XSHA256/XSHA1/XMD5, as FEAT offers); undefined when it offers none. */
  hash(path: string): Promise<RemoteHash | undefined> {
    return remoteHash(this.session, path);
  }
}
