#!/usr/bin/env node
// Control-connection round trips of one small file: `tftp get`, `tftp put`
// and `tftp ls` of a folder, two builds of tftp against curl, on a private
// vsftpd behind bench/delay-proxy.js (every chunk of the control connection
// held DELAY ms each way; data connections go straight to the server).
//
//   node bench/roundtrips.js [--rounds 15] [--delay 20] [--port 2600]
//                            [--base /path/to/tftp.js] [--cases get,put,ls]
//
// First it prints each tool's command sequence from its -v trace (straight to
// vsftpd) and the round trips it waited for: consecutive commands written
// before a reply count as one. Then the timed rounds: every tool once per
// round, the order flipping each round; medians of wall time (spawn to exit)
// and of session time (from the control connection's accept to the client's
// close of it, measured in front of the proxy: the round trips without the
// process start, which on a loaded machine is the noisiest part), and ratios
// from the same rounds. Every run is checked (exit status, bytes).
// Needs root (vsftpd's anonymous user), vsftpd and curl.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startVsftpd } from './vsftpd.js';
import { startDelayProxy } from './delay-proxy.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const rounds = Number(opt('rounds', 15));
const delayMs = Number(opt('delay', 20));
const firstPort = Number(opt('port', 2600));
const cases = opt('cases', 'get,put,ls').split(',');
const tools = [
  { name: 'tftp (base)', cli: opt('base', process.env.TFTP_BENCH_CLI ?? '/work/wt-base/bin/tftp.js') },
  { name: 'tftp', cli: opt('cli', join(here, '..', 'bin', 'tftp.js')) },
  { name: 'curl' },
];

const dir = mkdtempSync(join(tmpdir(), 'tftp-roundtrips-'));
const root = join(dir, 'root');
const SMALL = randomBytes(1000);
mkdirSync(join(root, 'folder'), { recursive: true });
writeFileSync(join(root, 'small.bin'), SMALL);
for (let i = 0; i < 5; i++) writeFileSync(join(root, 'folder', `f${i}.txt`), `file ${i}\n`);
writeFileSync(join(dir, 'small.bin'), SMALL);

function run(cmd, argv) {
  return new Promise((resolve) => {
    const began = process.hrtime.bigint();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err, ms: Number(process.hrtime.bigint() - began) / 1e6 }));
  });
}

/** The command line of `tool` for case `c` against `port`; `verbose` for the trace. */
function command(tool, c, port, verbose) {
  const tag = tool.name.replace(/\W+/g, '-');
  const local = join(dir, `got-${tag}.bin`);
  if (tool.cli) {
    const v = verbose ? ['-v'] : ['-q'];
    const a = { get: ['get', ...v, '-P', port, '127.0.0.1', '/small.bin', local], put: ['put', ...v, '-P', port, '127.0.0.1', join(dir, 'small.bin'), `/upload/${tag}.bin`], ls: ['ls', ...(verbose ? ['-v'] : []), '-P', port, '127.0.0.1', '/folder'] }[c];
    return { cmd: process.execPath, argv: [tool.cli, ...a.map(String)], local, uploaded: join(root, 'upload', `${tag}.bin`) };
  }
  const url = `ftp://127.0.0.1:${port}`;
  const v = verbose ? ['-v'] : [];
  const a = { get: ['-q', '-sS', ...v, '-o', local, `${url}/small.bin`], put: ['-q', '-sS', ...v, '-T', join(dir, 'small.bin'), `${url}/upload/${tag}.bin`], ls: ['-q', '-sS', ...v, `${url}/folder/`] }[c];
  return { cmd: 'curl', argv: a, local, uploaded: join(root, 'upload', `${tag}.bin`) };
}

function check(c, r, cmd) {
  if (r.code !== 0) return `exit ${r.code}: ${r.err.trim().split('\n').at(-1)}`;
  if (c === 'get' && !readFileSync(cmd.local).equals(SMALL)) return 'wrong bytes';
  if (c === 'put' && !readFileSync(cmd.uploaded).equals(SMALL)) return 'wrong bytes on the server';
  if (c === 'ls' && !r.out.includes('f4.txt')) return 'listing without f4.txt';
  return undefined;
}

/** Commands from a -v trace, grouped by the waits between them. */
function roundTrips(trace, tool) {
  const groups = [];
  let group = [];
  for (const line of trace.split('\n')) {
    if (line.startsWith('> ')) group.push(line.slice(2).trim());
    else if (line.startsWith('< ') && group.length) (groups.push(group), (group = []));
  }
  // curl -v does not show its QUIT, but it sends it and reads the 221 (strace).
  if (!tool.cli) groups.push(['QUIT']);
  const unanswered = group; // written, no reply read before exit (tftp's QUIT)
  return { groups, unanswered };
}

/** A pass-through in front of `port` that times each connection from accept to the client's close. */
function meter(port) {
  const sessions = [];
  const server = net.createServer((client) => {
    const began = process.hrtime.bigint();
    const upstream = net.connect(port, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    const done = () => {
      if (began !== undefined) sessions.push(Number(process.hrtime.bigint() - began) / 1e6);
      upstream.destroy();
    };
    client.once('end', () => client.destroy());
    client.once('close', done);
    client.on('error', () => {});
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, sessions, close: () => new Promise((r) => server.close(r)) })));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const server = await startVsftpd({ root, uploadDir: join(root, 'upload'), port: firstPort, pasvMin: 33000, pasvMax: 33999 });
const proxy = await startDelayProxy('127.0.0.1', server.port, delayMs);
const front = await meter(proxy.port);
let failed = false;
try {
  console.log(`vsftpd ${server.version} on ${server.port}; delay proxy ${delayMs} ms each way on ${proxy.port}; ${rounds} rounds\n`);
  for (const c of cases) {
    console.log(`## ${c}`);
    for (const tool of tools) {
      const cmd = command(tool, c, server.port, true);
      const r = await run(cmd.cmd, cmd.argv);
      const { groups, unanswered } = roundTrips(r.out + r.err, tool);
      const shown = groups.map((g) => g.join(' + ')).join(', ') + (unanswered.length ? `, ${unanswered.join(' + ')} (not waited for)` : '');
      console.log(`${tool.name.padEnd(12)} ${String(groups.length).padStart(2)} round trips: ${shown}`);
    }
    const times = new Map(tools.map((t) => [t.name, []]));
    const sessionTimes = new Map(tools.map((t) => [t.name, []]));
    for (let round = 0; round <= rounds; round++) {
      const order = round % 2 ? [...tools].reverse() : tools;
      for (const tool of order) {
        const cmd = command(tool, c, front.port, false);
        const seen = front.sessions.length;
        const r = await run(cmd.cmd, cmd.argv);
        // The client's close may reach the meter just after the process exits.
        for (let i = 0; i < 100 && front.sessions.length === seen; i++) await new Promise((res) => setTimeout(res, 10));
        const wrong = check(c, r, cmd);
        if (wrong) {
          failed = true;
          console.log(`${tool.name}: FAILED (${wrong})`);
        }
        if (round > 0) {
          // round 0 warms up
          times.get(tool.name).push(r.ms);
          sessionTimes.get(tool.name).push(front.sessions.at(-1));
        }
      }
    }
    for (const [what, all] of [['wall', times], ['session', sessionTimes]]) {
      const curl = median(all.get('curl'));
      const base = median(all.get('tftp (base)'));
      for (const tool of tools) {
        const xs = all.get(tool.name);
        const m = median(xs);
        const extra = tool.name === 'tftp' ? `  ${(m / base).toFixed(2)}x base` : '';
        console.log(`${what.padEnd(7)} ${tool.name.padEnd(12)} median ${m.toFixed(0).padStart(5)} ms  (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})  ${(m / curl).toFixed(2)}x curl${extra}`);
      }
    }
    console.log('');
  }
} finally {
  await front.close();
  await proxy.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
