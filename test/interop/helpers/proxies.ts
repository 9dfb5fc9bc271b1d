// The real proxies of proxies.interop.ts: dante (SOCKS 5, without and with
// username authentication against the system user of the suite) and
// tinyproxy (HTTP CONNECT, without and with Basic authentication), each on a
// fixed port of 127.0.0.1, unpacked by install.sh.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Daemon } from './daemon.js';
import { PREFIX } from './env.js';
import { output } from './servers.js';

export const DANTED = join(PREFIX, 'dante/usr/sbin/danted');
export const TINYPROXY = join(PREFIX, 'tinyproxy/usr/bin/tinyproxy');
export const PROXY_PORTS = { dante: 62200, 'dante-auth': 62201, tinyproxy: 62210, 'tinyproxy-auth': 62211 } as const;
export type ProxyName = keyof typeof PROXY_PORTS;
/** tinyproxy's Basic authentication (its own, not a system user). */
export const HTTP_USER = 'proxyuser';
export const HTTP_PASSWORD = 'proxy-Pass-2024';

export function missingProxies(): string[] {
  const missing: string[] = [];
  if (!existsSync(DANTED)) missing.push(`dante is not unpacked (${DANTED})`);
  if (!existsSync(TINYPROXY)) missing.push(`tinyproxy is not unpacked (${TINYPROXY})`);
  return missing;
}

export function proxyVersions(): string {
  const dante = /Dante v(\d+(?:\.\d+)*)/.exec(output(DANTED, ['-v']))?.[1] ?? '?';
  const tiny = /tinyproxy (\d+(?:\.\d+)*)/.exec(output(TINYPROXY, ['-v']))?.[1] ?? '?';
  return `dante ${dante}, tinyproxy ${tiny}`;
}

export interface RunningProxy {
  name: ProxyName;
  port: number;
  daemon: Daemon;
}

/** Resolves once something accepts connections on 127.0.0.1:port. */
async function listening(port: number, daemon: Daemon, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!daemon.alive) throw new Error(`proxy on port ${port} exited during start-up\n${daemon.logs()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`proxy did not listen on 127.0.0.1:${port}\n${daemon.logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** dante, allowing CONNECT from and to 127.0.0.0/8 only; `auth`: SOCKS 5 username authentication (system users). */
export async function startDante(runDir: string, auth: boolean): Promise<RunningProxy> {
  const name: ProxyName = auth ? 'dante-auth' : 'dante';
  const dir = join(runDir, name);
  mkdirSync(dir, { recursive: true });
  const port = PROXY_PORTS[name];
  const log = join(dir, 'danted.log');
  const conf = join(dir, 'danted.conf');
  writeFileSync(
    conf,
    [
      `logoutput: ${log}`,
      `internal: 127.0.0.1 port = ${port}`,
      'external: 127.0.0.1',
      'clientmethod: none',
      `socksmethod: ${auth ? 'username' : 'none'}`,
      'user.privileged: root', // to check passwords against /etc/shadow
      'user.unprivileged: nobody',
      'client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }',
      'socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect }',
      '',
    ].join('\n'),
  );
  const daemon = new Daemon({ name, command: DANTED, args: ['-f', conf], port, logDir: dir, logFiles: [log] });
  await listening(port, daemon).catch(async (e) => (await daemon.stop(), Promise.reject(e)));
  return { name, port, daemon };
}

/** tinyproxy allowing CONNECT to `ports` only (tinyproxy's ConnectPort); `auth`: Basic authentication. */
export async function startTinyproxy(runDir: string, auth: boolean, ports: number[]): Promise<RunningProxy> {
  const name: ProxyName = auth ? 'tinyproxy-auth' : 'tinyproxy';
  const dir = join(runDir, name);
  mkdirSync(dir, { recursive: true });
  const port = PROXY_PORTS[name];
  const conf = join(dir, 'tinyproxy.conf');
  writeFileSync(
    conf,
    [
      'User nobody',
      'Group nogroup',
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 600',
      'LogLevel Info',
      'MaxClients 100',
      'Allow 127.0.0.1',
      ...ports.map((p) => `ConnectPort ${p}`),
      ...(auth ? [`BasicAuth ${HTTP_USER} ${HTTP_PASSWORD}`] : []),
      '',
    ].join('\n'),
  );
  const daemon = new Daemon({ name, command: TINYPROXY, args: ['-d', '-c', conf], port, logDir: dir });
  await listening(port, daemon).catch(async (e) => (await daemon.stop(), Promise.reject(e)));
  return { name, port, daemon };
}
