// tftp against proftpd (unpacked by install.sh, mod_tls from proftpd-mod-crypto):
// the virtual user tftpuser (AuthUserFile) and anonymous, plain; explicit TLS with
// TLSRequired on and session reuse on data connections required (the default).
import { serverSuite } from './helpers/suite.js';
import { startProftpd } from './helpers/servers.js';
import { putExtrasTests } from './helpers/put-extras-cases.js';
import { proftpdSyncCases } from './helpers/sync-cases.js';

serverSuite(
  'proftpd',
  [
    {
      tls: false,
      anonymous: true,
      start: (o) => startProftpd(o),
      extraTests: (t) => (putExtrasTests(t), proftpdSyncCases(t)),
    },
    {
      tls: 'explicit',
      anonymous: false,
      start: (o) => startProftpd({ ...o, tls: 'explicit' }),
    },
  ],
  {
    resumeUpload: true,
    // USER without TLS: "550 SSL/TLS required on the control channel".
    cleartextLoginExit: 5,
    requiresSessionReuse: true,
  },
);
