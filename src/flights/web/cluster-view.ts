// The cluster panel's HTTP endpoints. They are registered only when the app runs the local
// cluster itself (`aero start` passes a ClusterControl); against anyone else's database they do
// not exist and answer 404 like any unknown path. Reading the ring is open to whoever reaches
// the app; stopping and starting nodes needs the administrator's token (`aero start` prints it
// and keeps it 0600 beside the database credentials), sent as `Authorization: Bearer <token>`.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isFlightNumber, isIsoDate } from '../model/flight.js';
import type { ClusterView, FlightPlacementView, NodeOperationAccepted } from './cluster-contract.js';
import type { ErrorView } from './contract.js';

export type NodeAction = 'stop' | 'start';

/** What the CLI gives the web server to show and drive its local cluster (src/cli/cluster/panel-control.ts). */
export interface ClusterControl {
  /** The nodes, their ring and metrics; quick (bounded well under a second). */
  view(): Promise<ClusterView>;
  /** Where a flight's status and tracking live; null when the ring is not known. */
  placement(flight: { flightNumber: string; date: string }): Promise<FlightPlacementView | null>;
  /** Begins a stop (SIGKILL, as a crash) or a start of a node and returns at once; throws ClusterControlRefusal. */
  begin(node: string, action: NodeAction): NodeOperationAccepted;
  /** The administrator's secret. */
  readonly adminToken: string;
}

/** A node operation that cannot begin: unknown node (404) or one already under way (409). */
export class ClusterControlRefusal extends Error {
  constructor(message: string, readonly status: 404 | 409) {
    super(message);
  }
}

const adminTokenCharactersMax = 200;

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Constant-time comparison of the bearer token with the administrator's. */
export function isAdministrator(authorization: string | undefined, adminToken: string): boolean {
  if (authorization === undefined || authorization.length > adminTokenCharactersMax + 10) return false;
  const match = /^Bearer (\S+)$/.exec(authorization);
  if (match === null || adminToken.length === 0) return false;
  return timingSafeEqual(digest(match[1] ?? ''), digest(adminToken));
}

function refuseUnlessAdministrator(request: FastifyRequest, reply: FastifyReply, control: ClusterControl): boolean {
  if (isAdministrator(request.headers.authorization, control.adminToken)) return false;
  void reply.code(401).header('www-authenticate', 'Bearer realm="aero cluster panel"')
    .send({ error: 'the cluster panel\'s administrator token is required (printed by `aero start`)' } satisfies ErrorView);
  return true;
}

/** Registers /api/cluster... when control is given; with null nothing is registered (404). */
export function registerClusterApi(app: FastifyInstance, control: ClusterControl | null): void {
  if (control === null) return;
  app.get('/api/cluster', async (): Promise<ClusterView> => control.view());

  app.get<{ Params: { number: string; date: string } }>('/api/cluster/flights/:number/:date', async (request, reply) => {
    const { number, date } = request.params;
    if (!isFlightNumber(number)) return reply.code(400).send({ error: 'flightNumber must be an airline code and 1 to 4 digits, e.g. AR1234' } satisfies ErrorView);
    if (!isIsoDate(date) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) return reply.code(400).send({ error: 'date must be a calendar date YYYY-MM-DD' } satisfies ErrorView);
    const placement = await control.placement({ flightNumber: number, date });
    if (placement === null) return reply.code(503).send({ error: 'the ring is not known yet: no node answered' } satisfies ErrorView);
    return placement;
  });

  app.get('/api/cluster/admin', async (request, reply) => {
    if (refuseUnlessAdministrator(request, reply, control)) return reply;
    return reply.code(204).send();
  });

  app.post<{ Params: { node: string; action: string } }>('/api/cluster/nodes/:node/:action', async (request, reply) => {
    if (refuseUnlessAdministrator(request, reply, control)) return reply;
    const { node, action } = request.params;
    if (action !== 'stop' && action !== 'start') return reply.code(404).send({ error: `no such action '${action.slice(0, 20)}': stop or start` } satisfies ErrorView);
    try {
      return reply.code(202).send(control.begin(node.slice(0, 40), action));
    } catch (error) {
      if (error instanceof ClusterControlRefusal) return reply.code(error.status).send({ error: error.message } satisfies ErrorView);
      throw error;
    }
  });
}
