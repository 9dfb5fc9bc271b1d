// A TCP proxy for the control connection that holds every chunk for `delayMs`
// in each direction: a round trip of 2 × delayMs, as on a wide-area link.
// Data connections are not proxied (passive ports stay on the server), so it
// is the command/reply round trips that pay, which is where clients differ.
import net from 'node:net';

/** @returns {Promise<{port: number, close(): Promise<void>}>} */
export function startDelayProxy(host, targetPort, delayMs) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, host);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    forward(client, upstream, delayMs);
    forward(upstream, client, delayMs);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () =>
      resolve({
        port: server.address().port,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

/** Chunks leave in the order they came, each `delayMs` after it arrived. */
function forward(from, to, delayMs) {
  from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delayMs));
  from.on('end', () => setTimeout(() => to.destroyed || to.end(), delayMs));
  from.on('error', () => to.destroy());
  from.on('close', () => setTimeout(() => to.destroy(), delayMs + 1));
}
