// A wide-area link in user space: a TCP proxy on one loopback address (e.g.
// 127.0.0.2) in front of an FTP server on another (127.0.0.1). It listens on
// the control port and on every port of the server's passive range, so the
// control connection and every passive data connection cross the same "link":
// each chunk is held rtt/2 each way, and each direction has one bandwidth cap
// shared by all connections, as one link has. Order is kept per connection.
// Clients must dial the control host for passive data: EPSV does; after a 227
// (which names 127.0.0.1) they must ignore its address.
//
// It also counts, per control connection, the command lines the client sent
// and its round trips: a client write that follows a server reply (a client
// that pipelines sends several commands in one round trip).
import net from 'node:net';

/** Bytes a connection may have on the link (not yet delivered) before its sender is paused: twice the bandwidth-delay product, at least 256 KiB. */
const windowBytes = (rttMs, bytesPerMs) => Math.max(256 * 1024, Math.ceil(2 * rttMs * bytesPerMs));

/** One direction of the link: chunks are serialised at the capped rate, one after another. */
function link(bytesPerMs) {
  let busyUntil = 0;
  return {
    /** When a chunk of `n` bytes that is ready at `readyAt` has left the sender's end. */
    send(n, readyAt) {
      busyUntil = Math.max(busyUntil, readyAt) + n / bytesPerMs;
      return busyUntil;
    },
  };
}

/**
 * @param {{listenHost:string, targetHost:string, controlPort:number, dataPorts:[number, number],
 *   rttMs:number, mbit:number}} o
 * @returns {Promise<{host:string, port:number, sessions:object[], settle():Promise<void>, close():Promise<void>}>}
 *   sessions: one {commands, roundTrips, closed} per control connection, in the order they came
 */
export async function startWanProxy({ listenHost, targetHost, controlPort, dataPorts, rttMs, mbit }) {
  const half = rttMs / 2;
  const bytesPerMs = (mbit * 1e6) / 8 / 1000;
  const up = link(bytesPerMs);
  const down = link(bytesPerMs);
  const window = windowBytes(rttMs, bytesPerMs);
  const sockets = new Set();
  const sessions = [];

  const onConnection = (client, port, control) => {
    const accepted = performance.now();
    // The SYN reaches the server half a round trip after the client sent it.
    const upstream = new net.Socket({ allowHalfOpen: true });
    setTimeout(() => upstream.destroyed || upstream.connect(port, targetHost), half);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const session = control ? { commands: 0, roundTrips: 0, replied: false, closed: false } : null;
    if (session) {
      sessions.push(session);
      client.once('close', () => (session.closed = true));
    }
    // The client could not send before its SYN-ACK had come back: one round trip after it dialled.
    const clientMayStart = accepted + rttMs;
    pipe(client, upstream, up, (now) => Math.max(now, clientMayStart), { onArrive: session && ((chunk) => countCommands(session, chunk)) });
    pipe(upstream, client, down, (now) => now, { onDeliver: session && (() => (session.replied = true)) });
  };

  /** from → to over one direction of the link, each connection's chunks in order. */
  const pipe = (from, to, dir, readyAt, { onArrive, onDeliver }) => {
    const queue = [];
    let queued = 0;
    let timer = null;
    let ended = false;
    const lastAt = () => (queue.length ? queue[queue.length - 1].at : 0);
    const flush = () => {
      timer = null;
      const now = performance.now();
      while (queue.length && queue[0].at <= now + 0.5) {
        const item = queue.shift();
        if (to.destroyed) continue;
        if (item.end) {
          to.end();
          continue;
        }
        queued -= item.chunk.length;
        onDeliver?.(item.chunk);
        to.write(item.chunk);
      }
      if (queued <= window && from.isPaused() && !ended) from.resume();
      if (queue.length) timer = setTimeout(flush, Math.max(0, queue[0].at - performance.now()));
    };
    const schedule = (item) => {
      queue.push(item);
      if (!timer) timer = setTimeout(flush, Math.max(0, item.at - performance.now()));
    };
    from.on('data', (chunk) => {
      onArrive?.(chunk);
      const left = dir.send(chunk.length, readyAt(performance.now()));
      queued += chunk.length;
      schedule({ chunk, at: left + half });
      if (queued > window) from.pause();
    });
    from.on('end', () => {
      ended = true;
      schedule({ end: true, at: Math.max(lastAt(), performance.now() + half) });
    });
    // A reset or a close without FIN reaches the other end after what was already on its way.
    from.on('close', () => setTimeout(() => to.destroy(), Math.max(0, lastAt() - performance.now()) + half + 1));
  };

  const servers = [];
  const listen = (port, control) =>
    new Promise((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen: true }, (client) => onConnection(client, port, control));
      server.once('error', reject);
      server.listen({ port, host: listenHost, exclusive: true }, () => {
        servers.push(server);
        resolve();
      });
    });

  const closeAll = () =>
    Promise.all(
      servers.map(
        (s) =>
          new Promise((done) => {
            s.close(() => done());
          }),
      ),
    ).then(() => {
      for (const s of sockets) s.destroy();
    });
  try {
    await listen(controlPort, true);
    for (let p = dataPorts[0]; p <= dataPorts[1]; p++) await listen(p, false);
  } catch (e) {
    for (const s of sockets) s.destroy();
    await closeAll();
    throw new Error(`wan proxy: cannot listen on ${listenHost}: ${e.message}`);
  }
  return {
    host: listenHost,
    port: controlPort,
    sessions,
    /** Wait (up to 2 s) until every control connection so far is closed on the client's side, so its counts are complete. */
    async settle() {
      const until = Date.now() + 2000;
      while (sessions.some((s) => !s.closed) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    },
    close: closeAll,
  };
}

/** Count the command lines of a client chunk; the first write after a reply starts a new round trip. */
function countCommands(session, chunk) {
  for (const b of chunk) if (b === 0x0a) session.commands++;
  if (session.replied) {
    session.roundTrips++;
    session.replied = false;
  }
}
