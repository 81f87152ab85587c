// `aero web`'s server: the browser app (static files built by Vite), the JSON API and a
// WebSocket that pushes the live feed. Clients, message sizes and per-client buffering are
// bounded: a slow browser misses snapshots rather than growing the server's memory.

import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebSocket } from '@fastify/websocket';
import { describeDatabaseError } from '../model/database.js';
import type { Airport } from '../model/flight.js';
import type { FlightStore } from '../model/store.js';
import type { AppLogger, Chance, WallClock } from '../model/world.js';
import { registerApi } from './api.js';
import { registerClusterApi, type ClusterControl } from './cluster-view.js';
import type { FeedSnapshot } from './contract.js';
import { answerFrameworkError, pathParameterCharactersMax, registerHttpEdge } from './http-edge.js';
import { LiveFeed } from './live-feed.js';
import { echo } from './validation.js';

export const webSocketClientsMax = 200;
export const webSocketBufferedBytesMax = 4 * 1024 * 1024;
export const requestBodyBytesMax = 16 * 1024;

export interface WebServerOptions {
  host: string;
  port: number;
  /** The Vite build of src/flights/ui; defaults to dist/ui under the package root. */
  uiDir?: string;
  pollMs: number;
  clockName: string;
  /** The local cluster the app runs (`aero start`): enables the cluster panel's endpoints. */
  cluster?: ClusterControl;
}

export interface WebServer {
  url: string;
  app: FastifyInstance;
  feed: LiveFeed;
  close(): Promise<void>;
}

/** dist/ui of this package, found by walking up from this file to package.json. */
export function defaultUiDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'ui');
    dir = dirname(dir);
  }
  return resolve('dist', 'ui');
}

const missingUiPage = `<!doctype html><meta charset="utf-8"><title>Aerolíneas Rústicas</title>
<body style="font-family:sans-serif;padding:2em"><h1>Map not built</h1>
<p>The browser app has not been built. Run <code>npm run build</code> (or <code>npm run build:ui</code>) and reload.</p>
<p>The API is up: <a href="/api/health">/api/health</a>.</p></body>`;

export async function startWebServer(
  database: { store: FlightStore; airports: ReadonlyMap<string, Airport> },
  world: { clock: WallClock; chance: Chance; logger: AppLogger; options: WebServerOptions },
): Promise<WebServer> {
  const options = world.options;
  // Long path parameters reach the schemas (a clear 400) instead of the router's 404.
  const app = Fastify({ bodyLimit: requestBodyBytesMax, logger: false, routerOptions: { maxParamLength: pathParameterCharactersMax }, frameworkErrors: answerFrameworkError });
  registerHttpEdge(app, { bodyBytesMax: requestBodyBytesMax, onServerError: (error) => world.logger.warn(`web: ${error instanceof Error ? error.stack ?? error.message : String(error)}`) });
  const clients = new Set<WebSocket>();
  const broadcast = (snapshot: FeedSnapshot) => {
    const message = JSON.stringify(snapshot);
    for (const socket of clients) {
      if (socket.readyState === socket.OPEN && socket.bufferedAmount < webSocketBufferedBytesMax) socket.send(message);
    }
  };
  const feed = new LiveFeed(database.store, {
    clock: world.clock, logger: world.logger, describeError: describeDatabaseError, onSnapshot: broadcast,
    options: { pollMs: options.pollMs, flightListEveryPolls: 5, clockName: options.clockName },
  });

  await app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });
  app.get('/ws', { websocket: true }, (socket) => {
    if (clients.size >= webSocketClientsMax) {
      socket.close(1013, 'too many clients');
      return;
    }
    clients.add(socket);
    const last = feed.snapshot();
    if (last !== null) socket.send(JSON.stringify(last));
    socket.on('close', () => clients.delete(socket));
    socket.on('error', () => clients.delete(socket));
  });
  registerApi(app, { store: database.store, airports: database.airports, feed, clock: world.clock, chance: world.chance, describeError: describeDatabaseError });
  registerClusterApi(app, options.cluster ?? null);

  const uiDir = options.uiDir ?? defaultUiDir();
  if (existsSync(join(uiDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: uiDir, index: 'index.html' });
  } else {
    world.logger.warn(`web: no browser app at ${uiDir}; serving a notice instead`);
    app.get('/', async (_request, reply) => reply.type('text/html').send(missingUiPage));
  }
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/api/')) return reply.code(404).send({ error: `no such endpoint ${request.method} ${echo(request.url.split('?')[0] ?? '')}` });
    return reply.code(404).type('text/plain').send('not found');
  });

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  feed.start();
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  return {
    url: `http://${shownHost}:${port}/`,
    app,
    feed,
    close: async () => {
      await feed.stop();
      for (const socket of clients) socket.close(1001, 'server stopping');
      await app.close();
    },
  };
}
