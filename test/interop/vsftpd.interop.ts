// tftp against vsftpd: plain (anonymous and the local user tftpuser), explicit
// TLS and implicit TLS (local user only, TLS required for login and data, data
// connections must resume the control connection's TLS session:
// require_ssl_reuse=YES).
import { serverSuite, type KnownBugs } from './helpers/suite.js';
import { startVsftpd } from './helpers/servers.js';

const tlsBugs: KnownBugs = {
  // BUG: now and then (≈2–25 % of uploads with 8 tftp processes at once, rarely
  // when idle) a passive TLS upload ends with "426 Failure reading network
  // stream." (exit 6): strace shows vsftpd's read of the data connection failing
  // with ECONNRESET part-way (at 112 KiB of a 1–3 MiB file), i.e. tftp's side
  // reset the data connection before vsftpd had read it all. Never seen with
  // downloads, proftpd or pure-ftpd. Reproduce with TFTP_INTEROP_STRESS=1.
  tlsUploadReset: true,
};

serverSuite(
  'vsftpd',
  [
    { tls: false, anonymous: true, start: (o) => startVsftpd(o) },
    { tls: 'explicit', anonymous: false, bugs: tlsBugs, start: (o) => startVsftpd({ ...o, tls: 'explicit' }) },
    { tls: 'implicit', anonymous: false, bugs: tlsBugs, start: (o) => startVsftpd({ ...o, tls: 'implicit' }) },
  ],
  {
    resumeUpload: true,
    // 530 Non-anonymous sessions must use encryption.
    cleartextLoginExit: 4,
    requiresSessionReuse: true,
  },
);
