// tftp against pyftpdlib (Debian's python3-pyftpdlib, run by the suite's
// helpers/pyftpdlib-server.py): the virtual user tftpuser and anonymous, plain;
// explicit TLS (TLS_FTPHandler over pyOpenSSL) required for login and data.
import { serverSuite } from './helpers/suite.js';
import { startPyftpdlib } from './helpers/pyftpdlib.js';
import { putExtrasTests } from './helpers/put-extras-cases.js';
import { pyftpdlibSyncCases } from './helpers/sync-cases.js';

serverSuite(
  'pyftpdlib',
  [
    { tls: false, anonymous: true, start: (o) => startPyftpdlib(o), extraTests: (t) => (putExtrasTests(t), pyftpdlibSyncCases(t)) },
    { tls: 'explicit', anonymous: false, start: (o) => startPyftpdlib({ ...o, tls: 'explicit' }) },
  ],
  {
    resumeUpload: true,
    // tls_control_required: USER without TLS gets "550 SSL/TLS required on the control channel."
    cleartextLoginExit: 5,
    // pyftpdlib accepts data connections whether or not they resume the control TLS session.
    requiresSessionReuse: false,
  },
);
