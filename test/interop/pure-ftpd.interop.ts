// tftp against pure-ftpd (unpacked by install.sh): the virtual user tftpuser
// (PureDB, SHA-512 hash), plain and explicit TLS (--tls=2: no cleartext session).
import { serverSuite } from './helpers/suite.js';
import { startPureFtpd } from './helpers/servers.js';
import { putExtrasTests } from './helpers/put-extras-cases.js';
import { pureFtpdSyncCases } from './helpers/sync-cases.js';

serverSuite(
  'pure-ftpd',
  [
    { tls: false, anonymous: false, start: (o) => startPureFtpd(o), extraTests: (t) => (putExtrasTests(t), pureFtpdSyncCases(t)) },
    {
      tls: 'explicit',
      anonymous: false,
      start: (o) => startPureFtpd({ ...o, tls: 'explicit' }),
    },
  ],
  {
    // Never REST+STOR onto an existing file on pure-ftpd (see the notes: 550 and
    // the file deleted); put -c is only tried where it sends no REST.
    resumeUpload: false,
    // pure-ftpd answers USER without TLS with "421 Sorry, cleartext sessions and
    // weak ciphers are not accepted on this server" (4xx: exit 6 by docs/cli.md).
    cleartextLoginExit: 6,
    // pure-ftpd does not require TLS session reuse on data connections.
    requiresSessionReuse: false,
  },
);
