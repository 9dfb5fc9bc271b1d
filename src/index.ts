export { FtpClient, type FtpClientOptions, type ServerFeatures, type TransferStart } from './core/client.js';
export type { TransferOptions } from './core/transfer.js';
export type { TraceFn } from './core/control.js';
export { FtpError, TemporaryError, PermanentError, LoginError, ProtocolError, RestRefusedError, type FtpErrorKind } from './protocol/errors.js';
export { ReplyReader, replyText, type Reply } from './protocol/reply.js';
export type { Listing, ListOptions } from './core/listing.js';
export type { ListEntry, EntryType } from './protocol/list.js';
export type { FileTarget, FileSource } from './core/file-io.js';
export type { TlsOptions } from './core/tls.js';
