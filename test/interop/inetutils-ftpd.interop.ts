// tftp against GNU inetutils ftpd, a BSD-derived server (unpacked by install.sh:
// the package conflicts with vsftpd), run per connection by the suite's own
// inetd loop: anonymous and the local user tftpuser, plain FTP only (no TLS, no
// MLSD: listings are parsed `ls -lgA` lines).
import { expect, it } from 'vitest';
import { PASSWORD, USER } from './helpers/env.js';
import { startInetutilsFtpd } from './helpers/inetutils-ftpd.js';
import { listPlain } from './helpers/raw-ftps.js';
import { serverSuite } from './helpers/suite.js';

serverSuite(
  'inetutils-ftpd',
  [
    {
      tls: false,
      anonymous: true,
      start: (o) => startInetutilsFtpd(o),
      extraTests: (t) => {
        // Why tftp lists a folder from inside it (CWD, then LIST without an
        // argument): ftpd passes LIST's argument to its ls split at spaces,
        // and answers 226 for a listing of errors.
        it('the server itself splits a LIST argument at spaces (the suite\'s raw client)', async () => {
          const r = await listPlain({ port: t.server().port, user: USER, password: PASSWORD, path: 'dir with space' });
          expect(r.final?.code, JSON.stringify(r)).toBe(226);
          expect(r.listing).toMatch(/^dir: No such file or directory\r?$/m);
          expect(r.listing).not.toContain('file one.bin');
        });
      },
    },
  ],
  {
    // REST+STOR writes from the offset (STOR opens the file without truncating it).
    resumeUpload: true,
    requiresSessionReuse: false,
  },
);
