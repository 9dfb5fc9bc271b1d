#!/usr/bin/env node
// Peak memory of listing a huge folder: `node bench/listing-memory.js [--entries 100000,1000000] [--runs N]`
// (`--serve --entries N`: only the server, its port on stdout).
// A small FTP server in this process makes up the folder `big` line by line
// as it is sent (MLSD, LIST and NLST); `tree` holds `big` and one file. Each
// command runs as a child under GNU time (-f %M: peak RSS in KiB), its output
// counted, not kept. TFTP_BENCH_CLI picks another build of tftp to compare.
import net from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(process.env.TFTP_BENCH_CLI ?? join(here, '..', 'bin', 'tftp.js'));
const TIME = '/usr/bin/time';
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const COUNTS = flag('--entries', '100000,1000000').split(',').map(Number);
const RUNS = Number(flag('--runs', '1'));

/** Line `i` of the folder `big` in the given format. */
function line(format, i) {
  const name = `file-${String(i).padStart(7, '0')}.bin`;
  if (format === 'MLSD') return `type=file;size=${i * 7};modify=20260101120000;UNIX.mode=0644; ${name}\r\n`;
  if (format === 'LIST') return `-rw-r--r--    1 ftp      ftp      ${String(i * 7).padStart(10)} Jan 01  2026 ${name}\r\n`;
  return `${name}\r\n`;
}

const SMALL = {
  MLSD: 'type=cdir;modify=20260101120000; .\r\ntype=dir;modify=20260101120000; big\r\ntype=file;size=5;modify=20260101120000; readme.txt\r\n',
  LIST: 'drwxr-xr-x    2 ftp      ftp            4096 Jan 01  2026 big\r\n-rw-r--r--    1 ftp      ftp               5 Jan 01  2026 readme.txt\r\n',
  NLST: 'big\r\nreadme.txt\r\n',
};

/** Writes `count` lines to `sock` as fast as it takes them, then ends it. */
async function sendLines(sock, format, count) {
  for (let i = 0; i < count; ) {
    let chunk = '';
    for (const end = Math.min(count, i + 2000); i < end; i++) chunk += line(format, i);
    if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
  }
  await new Promise((r) => sock.end(r));
}

/** The FTP server: folders '', 'tree' (big + readme.txt), and any '.../big' (`count` files). */
function startServer(count) {
  const server = net.createServer((ctl) => {
    let cwd = '';
    let pasv = null;
    let conn = null;
    const reply = (text) => ctl.write(`${text}\r\n`);
    const folderOf = (arg) => {
      const parts = arg.startsWith('/') ? [] : cwd.split('/').filter(Boolean);
      for (const p of arg.split('/')) p === '..' ? parts.pop() : p && p !== '.' && parts.push(p);
      return parts.join('/');
    };
    const isFolder = (path) => path === '' || path === 'tree' || path.endsWith('big');
    const transfer = async (format, arg) => {
      const path = folderOf(arg);
      if (!isFolder(path)) return reply('550 No such directory');
      const sock = await conn;
      if (!sock) return reply('425 No data connection');
      reply('150 Here it comes');
      if (path.endsWith('big')) await sendLines(sock, format, count);
      else await new Promise((r) => sock.end(SMALL[format], r));
      reply('226 Done');
    };
    let queue = Promise.resolve();
    let buffered = '';
    ctl.on('error', () => {});
    ctl.on('data', (data) => {
      buffered += data;
      let nl;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const cmd = buffered.slice(0, nl).replace(/\r$/, '');
        buffered = buffered.slice(nl + 1);
        queue = queue.then(() => handle(cmd)).catch(() => ctl.destroy());
      }
    });
    const handle = async (cmd) => {
      const space = cmd.indexOf(' ');
      const verb = (space === -1 ? cmd : cmd.slice(0, space)).toUpperCase();
      const arg = space === -1 ? '' : cmd.slice(space + 1);
      switch (verb) {
        case 'USER': return reply('331 Password please');
        case 'PASS': return reply('230 Logged in');
        case 'SYST': return reply('215 UNIX Type: L8');
        case 'FEAT': return ctl.write('211-Features:\r\n EPSV\r\n PASV\r\n SIZE\r\n MLST type*;size*;modify*;UNIX.mode*;\r\n UTF8\r\n211 End\r\n');
        case 'TYPE': case 'OPTS': case 'NOOP': case 'MODE': case 'STRU': return reply('200 OK');
        case 'PWD': return reply(`257 "/${cwd}" is the current directory`);
        case 'CWD': {
          const path = folderOf(arg);
          if (!isFolder(path)) return reply('550 No such directory');
          cwd = path;
          return reply('250 OK');
        }
        case 'CDUP': cwd = folderOf('..'); return reply('250 OK');
        case 'SIZE': case 'MDTM': return reply('550 Not a plain file');
        case 'EPSV': case 'PASV': {
          pasv?.close();
          const listener = net.createServer();
          pasv = listener;
          conn = new Promise((r) => {
            listener.once('connection', (s) => { s.on('error', () => {}); listener.close(); r(s); });
            listener.once('close', () => r(null));
          });
          await new Promise((r) => listener.listen(0, '127.0.0.1', r));
          const port = listener.address().port;
          return reply(verb === 'EPSV' ? `229 Extended Passive Mode (|||${port}|)` : `227 Passive Mode (127,0,0,1,${port >> 8},${port & 255})`);
        }
        case 'MLSD': case 'LIST': case 'NLST': return transfer(verb, arg.startsWith('-') ? '' : arg);
        case 'QUIT': reply('221 Bye'); return ctl.end();
        default: return reply('502 Not implemented');
      }
    };
    reply('220 listing-memory bench');
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/** Runs `cmd` under GNU time: its peak RSS (KiB), the lines it wrote, its exit code and wall time. */
function measure(cmd, argv) {
  return new Promise((resolveRun) => {
    const started = process.hrtime.bigint();
    const child = spawn(TIME, ['-f', '%M', cmd, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let err = '';
    child.stdout.on('data', (c) => {
      for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
    });
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => {
      const tail = err.trim().split('\n');
      const kib = Number(tail.pop());
      resolveRun({ kib, lines, code, seconds: Number(process.hrtime.bigint() - started) / 1e9, stderr: tail.join('\n') });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed: apt-get install time`);
  const rows = [];
  for (const count of COUNTS) {
    const server = await startServer(count);
    const port = String(server.address().port);
    const url = `ftp://127.0.0.1:${port}`;
    const cases = [
      ['tftp ls', process.execPath, [CLI, 'ls', '-P', port, '127.0.0.1', 'big']],
      ['tftp ls -l', process.execPath, [CLI, 'ls', '-l', '-P', port, '127.0.0.1', 'big']],
      ['tftp ls --json', process.execPath, [CLI, 'ls', '--json', '-P', port, '127.0.0.1', 'big']],
      ['tftp get -r --dry-run', process.execPath, [CLI, 'get', '-r', '--dry-run', '-P', port, '127.0.0.1', 'tree', '/tmp/listing-memory-plan']],
      ['lftp -c cls', 'lftp', ['-c', `open -p ${port} 127.0.0.1; cls -1 big`]],
      ['curl (LIST)', 'curl', ['-s', `${url}/big/`]],
    ];
    for (const [name, cmd, argv] of cases) {
      const runs = [];
      for (let r = 0; r < RUNS; r++) runs.push(await measure(cmd, argv));
      const last = runs[runs.length - 1];
      rows.push({ entries: count, tool: name, peakMiB: median(runs.map((x) => x.kib)) / 1024, seconds: median(runs.map((x) => x.seconds)), lines: last.lines, code: last.code });
      if (last.code !== 0) console.error(`${name} (${count}): exit ${last.code}: ${last.stderr.split('\n').slice(-2).join(' ')}`);
    }
    server.close();
  }
  console.log(`tftp: ${CLI}`);
  console.log('| entries | command | peak RSS (MiB) | seconds | lines out | exit |');
  console.log('|---:|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.entries} | ${r.tool} | ${r.peakMiB.toFixed(1)} | ${r.seconds.toFixed(2)} | ${r.lines} | ${r.code} |`);
}

if (args.includes('--serve')) {
  // Only the server, for measuring by hand: its port on stdout, until killed.
  startServer(COUNTS[0]).then((server) => console.log(server.address().port));
} else main().then(
  () => process.exit(0),
  (err) => {
    console.error(err.message);
    process.exit(1);
  },
);
