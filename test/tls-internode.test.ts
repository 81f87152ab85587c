// Issue 6, TLS between nodes: `aero cluster start --tls` runs two nodes with
// internode_encryption: all and mutual authentication. A third node with a certificate from the
// cluster's CA joins (through a recording proxy in front of the seed, so the capture holds real
// gossip); a node whose certificate comes from another CA never joins: the others never list
// it, and data written through them never reaches it. A plaintext internode frame sent to a
// storage port is closed without effect. The same capture and frame on a plaintext pair show
// gossip in clear and the frame acted on, so each check can fail.
// Needs the build (bin/aero.js runs dist/); run with --test-force-exit like scripts/run-tests.js.
// run-tests: two at a time

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { createCertificates } from '../src/cli/certs/files.js';
import { encodeGossipDigestAck2 } from '../src/db/cluster/gossip/messages.js';
import type { ApplicationState, VersionedValue } from '../src/db/cluster/gossip/endpoint-state.js';
import { encodeFrame } from '../src/db/cluster/messaging/frame.js';
import { encodePreamble } from '../src/db/cluster/messaging/tcp-transport.js';
import { adminStatus, aero, freePort, seenBy, waitFor } from './harness/local-cluster.js';
import { makeCertificates, recordingProxy, removeTemporaryDirectories, spawnNode, type NodeEncryption, type SpawnedNode } from './tls-support.js';

interface Status {
  peers?: Array<{ address: string; status: string }>;
}

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  removeTemporaryDirectories();
});
const directories: string[] = [];

const peersOf = async (index: number, adminPort: number) =>
  ((await adminStatus<Status>(index, adminPort))?.peers ?? []).map((peer) => `${peer.address} ${peer.status}`);

/**
 * Bytes of a plaintext internode connection that claims to be `claimed` and gossips (ACK2) a
 * whole endpoint state for it: a node that accepted it would list `claimed` among its peers.
 */
function forgedGossip(claimed: string): Buffer {
  const states = new Map<ApplicationState, VersionedValue>([
    ['STATUS', { value: 'NORMAL', version: 2 }],
    ['HOST_ID', { value: '11111111-2222-4333-8444-555555555555', version: 3 }],
  ]);
  const payload = encodeGossipDigestAck2({ states: new Map([[claimed, { heartbeat: { generation: Math.floor(Date.now() / 1000), version: 4 }, states }]]) });
  return Buffer.concat([encodePreamble(claimed), encodeFrame({ verb: 'GOSSIP_DIGEST_ACK2', id: 0, flags: 0, payload })]);
}

/** Sends the forged bytes; resolves whether the node closed the connection within 5 s. */
function sendForged(host: string, port: number, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => { socket.destroy(); resolve(false); }, 5000);
    socket.on('error', () => undefined);
    socket.on('close', () => { clearTimeout(timer); resolve(true); });
    socket.on('connect', () => socket.write(bytes));
  });
}

/** sendForged over TLS with a certificate: resolves whether the node closed the connection within 5 s. */
function sendForgedTls(host: string, port: number, bytes: Buffer, identity: { keystore: string; ca: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const pem = readFileSync(identity.keystore, 'utf8');
    const socket = tlsConnect({ host, port, key: pem, cert: pem, ca: readFileSync(identity.ca, 'utf8'), checkServerIdentity: () => undefined });
    const timer = setTimeout(() => { socket.destroy(); resolve(false); }, 5000);
    socket.on('error', () => undefined);
    socket.on('close', () => { clearTimeout(timer); resolve(true); });
    socket.on('secureConnect', () => socket.write(bytes));
  });
}

async function startPair(name: string, ports: { native: number; storage: number; admin: number }, encryption: (index: number) => NodeEncryption) {
  const proxy = await recordingProxy({ host: '127.0.0.4', port: ports.storage });
  cleanups.push(() => proxy.close());
  const common = { nativePort: ports.native, storagePort: ports.storage, adminPort: ports.admin, clusterName: name };
  const seed = await spawnNode({ ...common, address: '127.0.0.4', seeds: `127.0.0.4:${ports.storage}`, encryption: encryption(4) });
  cleanups.push(() => seed.stop());
  // The second node's only seed is the proxy, so its gossip with the seed crosses the capture.
  const second = await spawnNode({ ...common, address: '127.0.0.5', seeds: `127.0.0.1:${proxy.port}`, encryption: encryption(5) });
  cleanups.push(() => second.stop());
  await waitFor(`${name}: the nodes see each other`, async () => (await seenBy([4], 5, 'UP', ports.admin)) && (await seenBy([5], 4, 'UP', ports.admin)), 30_000);
  return { proxy, seed, second };
}

test('plaintext internode (the control): gossip crosses the wire in clear and a forged frame is acted on', { timeout: 90_000 }, async () => {
  const ports = { native: await freePort(), storage: await freePort(), admin: await freePort() };
  const { proxy, seed, second } = await startPair('Plain Capture Cluster', ports, () => ({}));
  const capture = proxy.recorded();
  assert.ok(capture.includes('Plain Capture Cluster'), 'the cluster name crosses in clear');
  assert.ok(capture.includes(`127.0.0.5:${ports.storage}`), 'gossip digests cross in clear');
  const forged = `127.0.0.9:${ports.storage}`;
  await sendForged('127.0.0.4', ports.storage, forgedGossip(forged));
  await waitFor('the forged endpoint is listed', async () => (await peersOf(4, ports.admin)).some((peer) => peer.startsWith(forged)), 10_000);
  await Promise.all([seed.stop(), second.stop()]);
});

test('TLS internode: a node from the cluster CA joins, one from another CA never does, plaintext frames do nothing', { timeout: 180_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-tls-cluster-'));
  directories.push(directory);
  const ports = { native: await freePort(), storage: await freePort(), admin: await freePort() };
  const started = await aero(['cluster', 'start', '--tls', '--nodes', '2', '--dir', directory, '--base-port', String(ports.native),
    '--storage-port', String(ports.storage), '--admin-port', String(ports.admin), '--num-tokens', '4', '--cluster-name', 'TLS Cluster']);
  cleanups.push(async () => { await aero(['cluster', 'stop', '--dir', directory]); });
  assert.equal(started.code, 0, started.stderr + started.stdout);
  const certificates = join(directory, 'certs');
  const caPem = readFileSync(join(certificates, 'ca.pem'), 'utf8');

  // Node 3: certificate from the cluster's CA; its seed is a proxy in front of node 1.
  createCertificates({ directory: certificates, nodes: [{ index: 3, addresses: ['127.0.0.3'] }], clients: [] });
  const proxy = await recordingProxy({ host: '127.0.0.1', port: ports.storage });
  cleanups.push(() => proxy.close());
  const tlsSettings = (keystore: string, truststore: string, options: { endpointVerification: boolean }): NodeEncryption => ({
    clientEncryptionOptions: { enabled: true, keystore, truststore },
    // Through the proxy the seed answers on 127.0.0.1's proxy port with node 1's certificate,
    // which names 127.0.0.1: its IP still matches, but be explicit that only the CA is checked here.
    serverEncryptionOptions: {
      internode_encryption: 'all', keystore, truststore, require_client_auth: true, require_endpoint_verification: options.endpointVerification,
    },
  });
  const common = { nativePort: ports.native, storagePort: ports.storage, adminPort: ports.admin, clusterName: 'TLS Cluster' };
  const good: SpawnedNode = await spawnNode({ ...common, address: '127.0.0.3', seeds: `127.0.0.1:${proxy.port}`,
    encryption: tlsSettings(join(certificates, 'node3.pem'), join(certificates, 'ca.pem'), { endpointVerification: false }) });
  cleanups.push(() => good.stop());

  // Node 4: a certificate for its own address, from another CA.
  const foreign = makeCertificates('rogue', [4]);
  const rogue = await spawnNode({ ...common, address: '127.0.0.4', seeds: `127.0.0.1:${ports.storage},127.0.0.2:${ports.storage}`,
    encryption: tlsSettings(foreign.nodeKeystore(4), foreign.caFile, { endpointVerification: true }) });
  cleanups.push(() => rogue.stop());

  await waitFor('nodes 1 and 2 see node 3 up', () => seenBy([1, 2], 3, 'UP', ports.admin), 40_000);
  const capture = proxy.recorded();
  assert.ok(capture.length > 1000, `captured only ${capture.length} bytes`);
  for (const text of ['TLS Cluster', '127.0.0.3', 'NORMAL', 'Murmur3']) assert.ok(!capture.includes(text), `'${text}' crossed the wire in clear`);

  // A plaintext connection that forges gossip for 127.0.0.9 is closed by a TLS storage port.
  const forged = `127.0.0.9:${ports.storage}`;
  assert.equal(await sendForged('127.0.0.1', ports.storage, forgedGossip(forged)), true, 'the TLS storage port closes a plaintext connection');
  // So is a TLS connection with a valid certificate from the cluster's CA that names 127.0.0.6
  // but claims to be 127.0.0.9 (issue 14: a certificate binds its holder's endpoint).
  createCertificates({ directory: certificates, nodes: [{ index: 6, addresses: ['127.0.0.6'] }], clients: [] });
  const impostor = { keystore: join(certificates, 'node6.pem'), ca: join(certificates, 'ca.pem') };
  assert.equal(await sendForgedTls('127.0.0.1', ports.storage, forgedGossip(forged), impostor), true, 'the storage port closes an impostor');
  await waitFor('node 1 logs the impostor', () => Promise.resolve(readFileSync(join(directory, 'node1', 'logs', 'stdout.log'), 'utf8')
    .includes('refusing internode connection: the certificate does not name the endpoint it claims')), 10_000);

  const client = new cassandra.Client({
    contactPoints: [`127.0.0.1:${ports.native}`, `127.0.0.2:${ports.native}`], localDataCenter: 'datacenter1', protocolOptions: { port: ports.native },
    sslOptions: { ca: [caPem], rejectUnauthorized: true }, socketOptions: { readTimeout: 20_000 },
  });
  cleanups.push(() => client.shutdown());
  await client.connect();
  await client.execute("CREATE KEYSPACE tls_data WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  await client.execute('CREATE TABLE tls_data.kv (k int PRIMARY KEY, v text)');
  for (let k = 0; k < 20; k++) await client.execute('INSERT INTO tls_data.kv (k, v) VALUES (?, ?)', [k, `v${k}`], { prepare: true, consistency: cassandra.types.consistencies.all });

  // Gossip has run for several rounds since the rogue started: it was never let in.
  for (const index of [1, 2, 3]) {
    const peers = await peersOf(index, ports.admin);
    assert.ok(!peers.some((peer) => peer.startsWith('127.0.0.4:')), `node ${index} lists the rogue: ${peers.join(', ')}`);
    assert.ok(!peers.some((peer) => peer.startsWith(forged)), `node ${index} lists the forged endpoint: ${peers.join(', ')}`);
  }
  const roguePeers = await peersOf(4, ports.admin);
  assert.ok(!roguePeers.some((peer) => peer.endsWith(' UP')), `the rogue sees peers up: ${roguePeers.join(', ')}`);
  const rogueClient = new cassandra.Client({
    contactPoints: [`127.0.0.4:${ports.native}`], localDataCenter: 'datacenter1', protocolOptions: { port: ports.native },
    sslOptions: { ca: [foreign.caPem], rejectUnauthorized: true },
    policies: { loadBalancing: new cassandra.policies.loadBalancing.AllowListPolicy(new cassandra.policies.loadBalancing.RoundRobinPolicy(), [`127.0.0.4:${ports.native}`]) },
  });
  cleanups.push(() => rogueClient.shutdown());
  const keyspaces = await rogueClient.execute("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = 'tls_data'");
  assert.equal(keyspaces.rowLength, 0, 'the schema reached the rogue');
  // The rogue logs why: the cluster's certificates are not signed by its CA.
  assert.match(rogue.output(), /"error":"[^"]*certificate[^"]*".*"msg":"TLS connection failed"/);
  // And the cluster's node logs the refused handshakes (the log is written asynchronously).
  await waitFor('node 1 logs refused handshakes', () =>
    Promise.resolve(readFileSync(join(directory, 'node1', 'logs', 'stdout.log'), 'utf8').includes('TLS handshake failed')), 10_000);
  // The control for the impostor: the same certificate claiming the address it names is heard.
  const named = `127.0.0.6:${ports.storage}`;
  await sendForgedTls('127.0.0.2', ports.storage, forgedGossip(named), impostor);
  await waitFor('node 2 lists the endpoint the certificate names', async () => (await peersOf(2, ports.admin)).some((peer) => peer.startsWith(named)), 10_000);
});
