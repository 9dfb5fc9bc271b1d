// Starts ftp-srv on 127.0.0.1 for the demo: anonymous, read-write, quiet.
import { FtpSrv } from 'ftp-srv';

const silent = { child: () => silent, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

export async function startDemoServer(root) {
  const signals = ['SIGTERM', 'SIGINT', 'SIGQUIT'];
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const server = new FtpSrv({ url: 'ftp://127.0.0.1:0', pasv_url: '127.0.0.1', pasv_min: 42000, pasv_max: 42100, anonymous: true, log: silent });
  // ftp-srv would call process.exit(0) on Ctrl-C; the demo handles its own signals.
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s).has(l)) process.removeListener(s, l);
  server.on('login', (_creds, resolve) => resolve({ root }));
  await server.listen();
  return { port: server.server.address().port, close: () => server.close() };
}
