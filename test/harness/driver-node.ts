// One node process with a connected DataStax Node.js driver and a keyspace at replication
// factor 1: the fixture of the driver-level tests. stop() shuts the driver down, then the node,
// and requires the node to exit cleanly.

import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { startNodeProcess, type NodeProcess, type StartOptions } from './node-process.js';

export interface DriverNode {
  node: NodeProcess;
  client: cassandra.Client;
  stop(): Promise<void>;
}

export async function startDriverNode(keyspace: string, options: StartOptions = {}): Promise<DriverNode> {
  const node = await startNodeProcess(options);
  const client = new cassandra.Client({ contactPoints: [node.host], localDataCenter: 'datacenter1', protocolOptions: { port: node.nativePort } });
  await client.connect();
  await client.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  return {
    node,
    client,
    async stop() {
      await client.shutdown();
      const code = await node.stop();
      assert.equal(code, 0, `node did not stop cleanly:\n${node.output().slice(-3000)}`);
      node.cleanup();
    },
  };
}
