import { describe, expectTypeOf, it } from 'vitest';
import * as lib from '../../src/index.js';
import type { ConnectOptions, Ftp, FtpErrorKind, RemoteEntry, TransferProgress, TreeResult } from '../../src/index.js';

// The library's public surface, checked by the type checker (`npm test`
// runs tsc over the tests): a change to a signature here is a change for
// every user, and must be made on purpose.

describe('the public types of tftp-cli', () => {
  it('connect(url, options) resolves with an Ftp', () => {
    expectTypeOf(lib.connect).parameters.toEqualTypeOf<[url: string, options?: ConnectOptions]>();
    expectTypeOf(lib.connect).returns.resolves.toEqualTypeOf<Ftp>();
    expectTypeOf<ConnectOptions['password']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<NonNullable<ConnectOptions['tls']>['pinSha256']>().toEqualTypeOf<string | undefined>();
  });

  it('Ftp: listings with Date times, transfers with progress in totals', () => {
    expectTypeOf<Ftp['list']>().returns.resolves.toEqualTypeOf<RemoteEntry[]>();
    expectTypeOf<RemoteEntry['modified']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<RemoteEntry['type']>().toEqualTypeOf<'file' | 'dir' | 'link'>();
    expectTypeOf<Ftp['stat']>().returns.resolves.toEqualTypeOf<lib.RemoteStat | undefined>();
    expectTypeOf<lib.RemoteStat>().toEqualTypeOf<{ type: 'file' | 'dir' | 'link'; size?: number; modified?: Date; permissions?: string }>();
    expectTypeOf<Ftp['download']>().returns.resolves.toEqualTypeOf<{ bytes: number; skipped?: string }>();
    expectTypeOf<TransferProgress>().toEqualTypeOf<{ file: string; bytes: number; total: number | undefined; rate: number }>();
    expectTypeOf<Ftp['downloadTree']>().returns.resolves.toEqualTypeOf<TreeResult>();
    expectTypeOf<Ftp['mkdir']>().parameters.toEqualTypeOf<[path: string, o?: { recursive?: boolean }]>();
    expectTypeOf<Ftp['close']>().returns.resolves.toBeVoid();
    expectTypeOf<Ftp['client']>().toEqualTypeOf<lib.FtpClient>();
  });

  it('Ftp and FtpClient: the remote file verbs', () => {
    expectTypeOf<Ftp['remove']>().parameters.toEqualTypeOf<[path: string, o?: { recursive?: boolean; forceRoot?: boolean }]>();
    expectTypeOf<Ftp['removeDir']>().parameters.toEqualTypeOf<[path: string]>();
    expectTypeOf<Ftp['rename']>().parameters.toEqualTypeOf<[from: string, to: string]>();
    expectTypeOf<Ftp['chmod']>().parameters.toEqualTypeOf<[path: string, mode: string]>();
    expectTypeOf<Ftp['chmod']>().returns.resolves.toBeVoid();
    expectTypeOf<Ftp['raw']>().parameters.toEqualTypeOf<[line: string]>();
    expectTypeOf<Ftp['raw']>().returns.resolves.toEqualTypeOf<lib.RawReply>();
    expectTypeOf<lib.RawReply>().toEqualTypeOf<{ code: number; lines: string[]; text: string; ok: boolean }>();
    expectTypeOf(lib.FtpClient.prototype.chmod).returns.resolves.toBeVoid();
    expectTypeOf(lib.FtpClient.prototype.raw).returns.resolves.toEqualTypeOf<lib.RawReply>();
    expectTypeOf(lib.FtpClient.prototype.stat).returns.resolves.toEqualTypeOf<lib.RemoteStat | undefined>();
  });

  it('the ftplib-shaped layer and the errors stay exported', () => {
    expectTypeOf(lib.FtpClient.prototype.transfercmd).parameter(0).toBeString();
    expectTypeOf(lib.FtpClient.prototype.transfercmd).parameter(1).toEqualTypeOf<number | undefined>();
    expectTypeOf(lib.FtpClient.prototype.transfercmd).returns.resolves.toEqualTypeOf<lib.TransferStart>();
    expectTypeOf(lib.FtpClient.prototype.retrieve).returns.resolves.toBeNumber();
    expectTypeOf(lib.FtpClient.prototype.mkdir).returns.resolves.toBeVoid();
    expectTypeOf<lib.FtpError['kind']>().toEqualTypeOf<FtpErrorKind>();
    expectTypeOf<'local' | 'checksum' | 'partial'>().toMatchTypeOf<FtpErrorKind>();
    expectTypeOf(lib.replyText).returns.toBeString();
    expectTypeOf<lib.Listing['entries']>().toEqualTypeOf<lib.ListEntry[]>();
  });
});
