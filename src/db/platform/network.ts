// The real Network of common/world.ts, over node:net TCP sockets. TLS (tls.ts) builds on the
// listening and wrapping helpers exported here; the Connection interface hides which one is
// underneath.

import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import type { Connection, Listener, ListenOptions, Network } from '../common/world.js';

/** Idle time before TCP keepalive probes start; dead peers are noticed in minutes, not hours. */
export const keepAliveInitialDelayMs = 60_000;

export function systemNetwork(): Network {
  return {
    listen: (options, onConnection) => listenTcp(options, onConnection),
    connect: (options) => connectTcp(options),
  };
}

function listenTcp(options: ListenOptions, onConnection: (connection: Connection) => void): Promise<Listener> {
  return listenSockets(options, (socket) => onConnection(socketConnection(socket)));
}

/** Listens for TCP connections and hands over each raw socket (TLS wraps it before use). */
export function listenSockets(options: ListenOptions, onSocket: (socket: Socket) => void): Promise<Listener> {
  const server = createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: keepAliveInitialDelayMs });
  server.on('connection', onSocket);
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', onError);
      // After listening, accept errors (EMFILE and the like) must not crash the process;
      // the listener keeps going and the failed accept is simply lost.
      server.on('error', () => undefined);
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      resolve(tcpListener(server, options.host, port));
    });
  });
}

function tcpListener(server: Server, host: string, port: number): Listener {
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    close() {
      // server.close() only resolves once every connection has ended; the interface promises
      // that existing connections stay open, so resolve when the listening socket is gone.
      closing ??= new Promise((resolve) => {
        server.close();
        resolve();
      });
      return closing;
    },
  };
}

function connectTcp(options: { host: string; port: number; localAddress?: string }): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({
      host: options.host,
      port: options.port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: keepAliveInitialDelayMs,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    const onError = (error: Error) => reject(error);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socketConnection(socket));
    });
  });
}

/** Wraps a connected socket. Data listeners attach before any byte is read (the socket is paused until then). */
export function socketConnection(socket: Socket, extra: { peerCertificateNames?: readonly string[] } = {}): Connection {
  let closeError: Error | undefined;
  const closeListeners: Array<(error?: Error) => void> = [];
  let closed = false;
  socket.on('error', (error) => {
    closeError = error;
  });
  socket.on('close', () => {
    closed = true;
    for (const listener of closeListeners) {
      if (closeError === undefined) listener();
      else listener(closeError);
    }
  });
  return {
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    localAddress: socket.localAddress ?? '',
    ...extra,
    write: (data) => (socket.destroyed ? false : socket.write(data)),
    onData: (listener) => {
      socket.on('data', listener);
    },
    onDrain: (listener) => {
      socket.on('drain', listener);
    },
    onClose: (listener) => {
      if (closed) {
        // A listener that arrives late still learns of the close exactly once.
        if (closeError === undefined) listener();
        else listener(closeError);
        return;
      }
      closeListeners.push(listener);
    },
    pause: () => {
      socket.pause();
    },
    resume: () => {
      socket.resume();
    },
    end: () => {
      socket.end();
    },
    destroy: () => {
      socket.destroy();
    },
  };
}
