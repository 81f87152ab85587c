// ADAPTER — temporary. node.ts needs the schema (Schema.load, src/db/schema/schema.ts) and the
// query processor (new QueryProcessor({ world, schema, storage, local }),
// src/db/coordinator/query-processor.ts), which were not committed when the composition root
// was written. These stand-ins keep the node compiling and starting; replace each function's
// body with the real call (marked TODO) and delete this file once both APIs exist.

import { serverError } from '../common/errors.js';
import type { World } from '../common/world.js';
import type { EventMessage, ResultMessage } from '../protocol/messages.js';
import type { EngineTableOptions, StorageEngine } from '../storage/engine.js';
import type { QueryHandler } from '../transport/query-handler.js';
import type { AdminTarget } from './admin.js';

/** What the node itself needs of the schema. */
export interface NodeSchema {
  /** Every table the storage engine must open. */
  storageTables(): EngineTableOptions[];
  /** Table ids an admin operation applies to (undefined: all tables). */
  tableIds(target: AdminTarget): string[] | undefined;
  /** The schema version (UUID) for nodetool status. */
  version(): string;
}

/** The local node's identity as the query processor sees it (system.local). */
export interface LocalNode {
  clusterName: string;
  listenAddress: string;
  rpcAddress: string;
  broadcastAddress: string;
  nativePort: number;
  dataCenter: string;
  rack: string;
}

/** TODO(schema): `await Schema.load({ world, directory })` once schema.ts lands. */
export function loadNodeSchema(_world: World, _directory: string): Promise<NodeSchema> {
  return Promise.resolve({
    storageTables: () => [],
    tableIds: (target) => {
      if (target.keyspace === undefined) return undefined;
      throw new Error('flushing or compacting one keyspace or table needs the schema, which is not wired yet');
    },
    version: () => '00000000-0000-0000-0000-000000000000',
  });
}

/** TODO(coordinator): `new QueryProcessor({ world, schema, storage, local })` once query-processor.ts lands. */
export function createQueryHandler(_options: { world: World; schema: NodeSchema; storage: StorageEngine; local: LocalNode }): QueryHandler {
  const notWired = (): Promise<ResultMessage> => Promise.reject(serverError('This node has no query processor wired yet'));
  return {
    query: notWired,
    prepare: notWired,
    execute: notWired,
    batch: notWired,
    onEvent: (_listener: (event: EventMessage) => void) => () => undefined,
  };
}
