import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { certificatesNotIn } from '../../src/core/connection/tls.js';

// The system's CA bundle is added to Node's bundled roots, each certificate
// once: most of a distribution's bundle is the same Mozilla list, and every
// certificate added to a secure context costs CPU when it is built.

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8').trim();
const CA = fixture('ca.pem');
const OTHER = fixture('other.pem');
const ROOT = rootCertificates[0]!;

describe('certificatesNotIn', () => {
  it('keeps the certificates Node does not bundle and drops those it does', () => {
    const bundle = `# a comment\n${ROOT}\n\n${CA}\n${OTHER}\n`;
    expect(certificatesNotIn(bundle, rootCertificates)).toEqual([CA, OTHER]);
  });

  it('compares certificates whatever their line endings, and adds each only once', () => {
    const crlf = (pem: string) => pem.replace(/\n/g, '\r\n');
    expect(certificatesNotIn(`${crlf(ROOT)}\r\n${CA}\n${crlf(CA)}\n`, rootCertificates)).toEqual([CA]);
  });

  it('keeps OpenSSL "TRUSTED CERTIFICATE" blocks', () => {
    const trusted = CA.replace(/BEGIN CERTIFICATE/, 'BEGIN TRUSTED CERTIFICATE').replace(/END CERTIFICATE/, 'END TRUSTED CERTIFICATE');
    expect(certificatesNotIn(trusted, rootCertificates)).toEqual([trusted]);
  });

  it.skipIf(!existsSync('/etc/ssl/certs/ca-certificates.crt'))('loses none of the system bundle: each of its certificates is bundled by Node or kept', () => {
    const bundle = readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8');
    const all = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    const kept = certificatesNotIn(bundle, rootCertificates);
    const key = (pem: string) => pem.replace(/\s+/g, '');
    const trusted = new Set([...rootCertificates, ...kept].map(key));
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((pem) => trusted.has(key(pem)))).toBe(true);
    expect(kept.length).toBeLessThan(all.length);
  });
});
