import { FtpError, LoginError } from '../../protocol/errors.js';
import { replyText } from '../../protocol/reply.js';
import { checkCommandArgument } from '../../protocol/command.js';
import type { FtpSession } from './session.js';

/** USER, then PASS when asked for one; nothing after a 230 greeting. Under TLS, PBSZ 0 and PROT P follow. */
export async function login(session: FtpSession, user: string, password: string): Promise<void> {
  checkCommandArgument(user, 'user name');
  checkCommandArgument(password, 'password');
  if (session.greetedLoggedIn) return protectData(session);
  let reply = await session.command(`USER ${user}`, { allowError: true });
  if (reply.code === 331) reply = await session.command(`PASS ${password}`, { allowError: true });
  if (reply.code === 230 || reply.code === 202) return protectData(session);
  if (reply.code === 530 || reply.code === 332 || reply.code === 331) {
    // vsftpd, proftpd and pure-ftpd say so when they refuse clear-text logins.
    const wantsTls = !session.tls && /\b(tls|ssl|encrypt)/i.test(replyText(reply));
    throw new LoginError(reply.code, replyText(reply), wantsTls ? 'the server wants TLS: connect with FTPS, e.g. --tls or ftpes://' : undefined);
  }
  throw session.replyError(reply);
}

/** RFC 4217: after login, PBSZ 0 and PROT P put every data connection under TLS. */
async function protectData(session: FtpSession): Promise<void> {
  if (!session.tls) return;
  for (const cmd of ['PBSZ 0', 'PROT P']) {
    const reply = await session.command(cmd, { allowError: true });
    if (reply.code < 200 || reply.code >= 300) {
      throw new FtpError('tls', `server refused ${cmd}: ${reply.code} ${replyText(reply)}`, reply.code);
    }
  }
}
