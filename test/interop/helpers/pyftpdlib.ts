// Starts pyftpdlib (Debian's python3-pyftpdlib, a library: the server is the
// suite's own script, pyftpdlib-server.py) for the interop suite: 127.0.0.1, the
// instance's control port and passive range, in the foreground under our pid.
import { fileURLToPath } from 'node:url';
import { freeControlPort, startDaemon } from './daemon.js';
import { PASSWORD, PORT_BASE, PYTHON, USER, type Instance } from './env.js';
import { finish, layout, need, output, type RunningServer, type StartOptions } from './servers.js';

const SCRIPT = fileURLToPath(new URL('./pyftpdlib-server.py', import.meta.url));

export function pyftpdlibVersion(): string {
  const v = output(PYTHON, ['-c', 'import pyftpdlib; print(pyftpdlib.__ver__)']).trim() || 'unknown';
  const deb = output('dpkg-query', ['-W', '-f=${Version}', 'python3-pyftpdlib']).trim();
  return `pyftpdlib ${v}${deb ? ` (Debian ${deb})` : ''}`;
}

/**
 * pyftpdlib: the virtual user tftpuser (DummyAuthorizer, the suite's password)
 * and, on the plain instance, anonymous; both read the root and write its
 * upload folder only. The process runs as tftpuser once started (uploads belong
 * to it). With TLS: explicit, required for the login (USER/PASS) and for data.
 */
export async function startPyftpdlib(opts: StartOptions): Promise<RunningServer> {
  const tls = opts.tls ?? false;
  if (tls === 'implicit') throw new Error('pyftpdlib: implicit TLS is not part of the suite (pyftpdlib has none)');
  const instance: Instance = tls ? 'pyftpdlib-tls' : 'pyftpdlib';
  const l = layout(opts.runDir, instance);
  const owner = need(USER);
  const base = PORT_BASE[instance];
  const port = await freeControlPort(base);
  const args = [
    SCRIPT,
    '--port', String(port),
    '--pasv-min', String(base + 10),
    '--pasv-max', String(base + 59),
    '--root', l.root,
    '--upload', l.uploadLocal,
    '--user', USER,
    '--run-as', USER,
    ...(tls ? ['--cert', opts.certs.certFile, '--key', opts.certs.keyFile] : ['--anonymous']),
  ];
  const daemon = await startDaemon({ name: instance, command: PYTHON, args, env: { TFTP_INTEROP_PASSWORD: PASSWORD }, port, logDir: l.logDir });
  return finish({
    instance, kind: 'pyftpdlib', version: pyftpdlibVersion(), port, pasvMin: base + 10, pasvMax: base + 59, tls,
    root: l.root, upload: 'upload', uploadLocal: l.uploadLocal, owner, anonymous: !tls, daemon,
  });
}
