// The transfer cases again under explicit FTPS, against a second vsftpd that
// requires TLS on control and data connections and, with require_ssl_reuse=YES,
// that every data connection resume the control connection's TLS session.
// Every tool verifies the server's certificate against the test CA.
import { PEERS, tftp } from './peers.js';
import { fmtSize, getVariant, manyVariants, putVariant, smallBytes, smallSet, treeVariants } from './variants.js';

const peersOf = (ids) => ids.map((id) => PEERS[id]);

/**
 * An FTPS server of its own for each case: `target.ftps` gives it ({port, caFile})
 * or starts it (a function returning {port, caFile, close}).
 */
async function ftpsSetup(t) {
  if (!t.ftps) throw new Error('the ftps-* cases need an FTPS server (target.ftps)');
  const server = typeof t.ftps === 'function' ? await t.ftps() : { ...t.ftps, close: async () => {} };
  return { target: { ...t, port: server.port, caFile: server.caFile }, close: server.close };
}

/** curl 7.87 and 7.88 never start TLS on an accepted (active) data connection and wait until the server gives up (curl/curl#10666). */
function curlActiveDetect() {
  const d = PEERS.curl.detect();
  if (d.ok && /^7\.8[78]\./.test(d.version)) return { ok: false, reason: `curl ${d.version}: active FTPS is broken in 7.87–7.88 (curl/curl#10666)` };
  return d;
}

const TLS_NOTE = 'AUTH TLS, PROT P, the certificate verified against the test CA, every data connection resuming the TLS session';

const treeCase = (id, parallel) => ({
  id,
  title: (t) => `${smallSet(t)}, recursive, ${parallel} connections, explicit FTPS (TLS session reuse required)`,
  bytes: smallBytes,
  setup: ftpsSetup,
  variants: (t) => treeVariants(t, { parallel, caFile: t.caFile }),
  note: `tftp get -r -j ${parallel} --tls --ca-file vs lftp mirror --parallel=${parallel} with ftp:ssl-force and ssl:ca-file`,
});

/** In the order they run; `variants[0]` (tftp) is the baseline of the ratios. */
export const FTPS_CASES = [
  {
    id: 'ftps-get',
    title: (t) => `get ${fmtSize(t.big.size)} (passive), explicit FTPS`,
    bytes: (t) => t.big.size,
    setup: ftpsSetup,
    variants: (t) => [tftp, ...peersOf(['lftp', 'curl', 'ftplib'])].map((tool) => getVariant(tool, t, t.big)),
    note: `tftp --tls --ca-file, lftp ftp:ssl-force + ssl:ca-file, curl --ssl-reqd --cacert, ftplib FTP_TLS + prot_p(); ${TLS_NOTE}`,
  },
  {
    id: 'ftps-put',
    title: (t) => `put ${fmtSize(t.big.size)} (passive), explicit FTPS`,
    bytes: (t) => t.big.size,
    setup: ftpsSetup,
    variants: (t) => [tftp, ...peersOf(['lftp', 'curl', 'ftplib'])].map((tool) => putVariant(tool, t, t.big)),
  },
  {
    id: 'ftps-active',
    title: (t) => `get ${fmtSize(t.medium.size)} (active mode), explicit FTPS`,
    bytes: (t) => t.medium.size,
    setup: ftpsSetup,
    variants: (t) => [
      ...[tftp, PEERS.lftp].map((tool) => getVariant(tool, t, t.medium, { active: true })),
      getVariant(PEERS.curl, t, t.medium, { active: true, detect: curlActiveDetect }),
      getVariant(PEERS.ftplib, t, t.medium, { active: true }),
    ],
    note: 'the server connects to the client, which then starts TLS as the client side',
  },
  {
    id: 'ftps-small',
    title: (t) => `${smallSet(t)}, one connection, explicit FTPS (loop time)`,
    bytes: smallBytes,
    timeField: 'loopS',
    setup: ftpsSetup,
    variants: (t) => manyVariants(t, 'ftps-small-manifest.txt'),
    note: 'the "small" loop under TLS (loop time: connect, TLS and login excluded): one resumed TLS handshake per file',
  },
  treeCase('ftps-tree', 4),
  treeCase('ftps-tree-8', 8),
  {
    id: 'ftps-segments',
    title: (t) => `get ${fmtSize(t.big.size)} in 4 segments over 4 connections, explicit FTPS`,
    bytes: (t) => t.big.size,
    setup: ftpsSetup,
    variants: (t) => [tftp, PEERS.lftp].map((tool) => getVariant(tool, t, t.big, { build: (ctx) => tool.segments(ctx) })),
    note: 'tftp get --segments 4 --tls vs lftp pget -n 4 with ftp:ssl-force',
  },
];

export const FTPS_IDS = FTPS_CASES.map((c) => c.id);
