// A fresh certificate authority and server certificate per run, made with the
// openssl command line (never the fixtures in test/fixtures/tls).
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Certs {
  dir: string;
  /** The CA the server certificate is signed by (for --ca-file). */
  caFile: string;
  /** The server certificate (localhost, 127.0.0.1, ::1) and its key. */
  certFile: string;
  keyFile: string;
  /** Key then certificate in one file (pure-ftpd's format). */
  combinedFile: string;
  /** SHA-256 fingerprint of the server certificate, AB:CD:… (for --pin-sha256). */
  fingerprint: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString().trim() || err.message}`);
  }
}

export function generateCerts(dir: string): Certs {
  const days = '2';
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', days,
    '-subj', '/CN=tftp-cli interop test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(
    join(dir, 'server.ext'),
    [
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', days, '-extfile', 'server.ext'], dir);
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server.key');
  const combinedFile = join(dir, 'server-combined.pem');
  writeFileSync(combinedFile, readFileSync(keyFile, 'utf8') + readFileSync(certFile, 'utf8'), { mode: 0o600 });
  for (const f of [keyFile, join(dir, 'ca.key')]) chmodSync(f, 0o600);
  // The fingerprint from openssl, checked against node:crypto's reading of the file.
  const out = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
  const fingerprint = out.trim().replace(/^.*Fingerprint=/i, '');
  const seen = new X509Certificate(readFileSync(certFile)).fingerprint256;
  if (fingerprint !== seen) throw new Error(`fingerprints differ: openssl ${fingerprint}, node ${seen}`);
  return { dir, caFile: join(dir, 'ca.pem'), certFile, keyFile, combinedFile, fingerprint };
}
