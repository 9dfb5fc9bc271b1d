import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startFtpSrv, TEST_CA, type RunningFtpSrv } from '../support/ftpsrv.js';
import { benchAgainst, type BenchCaseId } from '../../bench/api.js';

// The benchmark's own code, once per case, small, against ftp-srv: so `npm run bench`
// cannot rot between the (slow, vsftpd-based) full runs.
let server: RunningFtpSrv;
/** Explicit FTPS over the same folder, for the ftps-* cases. */
let ftps: RunningFtpSrv;
beforeAll(async () => {
  server = await startFtpSrv();
  ftps = await startFtpSrv({ root: server.root, tls: 'explicit' });
  await mkdir(join(server.root, 'upload'));
});
afterAll(async () => {
  await ftps.close();
  await server.close();
});

describe('npm run bench, smoke form', () => {
  it.each<[BenchCaseId]>([['get'], ['put'], ['active'], ['small'], ['latency'], ['ftps-get'], ['ftps-put'], ['ftps-active'], ['ftps-small'], ['ftps-tree'], ['ftps-segments'], ['sync-first'], ['sync-second'], ['startup']])('case %s runs and checks its result', async (id) => {
    const result = await benchAgainst({
      port: server.port,
      root: server.root,
      case: id,
      runs: 1,
      sizeMiB: 1,
      smallCount: 5,
      ftps: { port: ftps.port, caFile: TEST_CA },
    });
    const tftp = result.rows.find((r) => r.tool === 'tftp');
    expect(tftp?.reason ?? null).toBeNull();
    expect(tftp?.status).toBe('ok');
    expect(result.status).toBe('ok');
    expect(tftp!.medianS).toBeGreaterThan(0);
    // The small case's baseline: the same loop on bare node:net.
    if (id === 'small' || id === 'latency') expect(result.rows.find((r) => r.tool === 'node-bare')?.status).toBe('ok');
  }, 60_000);
});
