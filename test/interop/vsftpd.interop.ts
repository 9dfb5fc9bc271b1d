// tftp against vsftpd: plain (anonymous and the local user tftpuser), explicit
// TLS and implicit TLS (local user only, TLS required for login and data, data
// connections must resume the control connection's TLS session:
// require_ssl_reuse=YES).
import { serverSuite } from './helpers/suite.js';
import { startVsftpd } from './helpers/servers.js';
import { putExtrasTests } from './helpers/put-extras-cases.js';
import { vsftpdSyncCases } from './helpers/sync-cases.js';

serverSuite(
  'vsftpd',
  [
    { tls: false, anonymous: true, start: (o) => startVsftpd(o), extraTests: (t) => (putExtrasTests(t), vsftpdSyncCases(t)) },
    { tls: 'explicit', anonymous: false, start: (o) => startVsftpd({ ...o, tls: 'explicit' }) },
    { tls: 'implicit', anonymous: false, start: (o) => startVsftpd({ ...o, tls: 'implicit' }) },
  ],
  {
    resumeUpload: true,
    // 530 Non-anonymous sessions must use encryption.
    cleartextLoginExit: 4,
    requiresSessionReuse: true,
  },
);
