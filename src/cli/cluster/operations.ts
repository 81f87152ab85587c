// The local cluster's operations: start, stop, status, kill and restart of node processes
// recorded in DIR/cluster.json. Each returns the command's exit code and writes what it did.
// The manifest is rewritten after every pid change, so a failure half-way leaves it accurate.

import { createCertificates } from '../certs/files.js';
import type { CliConsole } from '../console.js';
import { join } from 'node:path';
import { localClusterNodesMax } from '../../db/common/limits.js';
import { findNode, nodeAddress, planCluster, readManifest, writeManifest, type ClusterManifest, type ClusterNode, type ClusterPlanOptions } from './manifest.js';
import { mergeNodeSettings, type NodeSettingChange } from './node-settings.js';
import { bindProblem, isNodeRunning, nodeConfigProblem, signalNode, spawnNode, waitForExit } from './processes.js';
import { ClusterStartError, nodeReadiness, probeNode, waitUntilReady } from './readiness.js';
import { formatClusterStatus, type ClusterStatusRow } from './status-table.js';

/**
 * What `start` was asked for; settings left out take clusterDefaults (new cluster) or the recorded
 * ones. settingChanges (`--set`) are applied to the recorded node settings, in a new cluster or not.
 */
export type StartClusterOptions = { directory: string; startTimeoutMs: number; settingChanges?: readonly NodeSettingChange[] }
  & Partial<Omit<ClusterPlanOptions, 'directory' | 'settings'>>;

export const clusterDefaults = {
  nodeCount: 3, nativePort: 9042, storagePort: 7000, adminPort: 7199, numTokens: 16, clusterName: 'Test Cluster',
} as const satisfies Omit<ClusterPlanOptions, 'directory' | 'ringDelayMs'>;

/** How long a node gets to drain and exit after SIGTERM before it is killed. */
export const stopTimeoutMsDefault = 20_000;
const killWaitMs = 5000;

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
}

/** The nodes that are part of the cluster (not decommissioned). */
function activeNodes(manifest: ClusterManifest): ClusterNode[] {
  return manifest.nodes.filter((node) => node.decommissioned !== true);
}

function requireManifest(directory: string): ClusterManifest {
  const manifest = readManifest(directory);
  if (manifest === null) throw new ClusterError(`no cluster in ${directory} (no cluster.json); start one with \`aero cluster start --nodes N --dir ${directory}\``);
  return manifest;
}

function requireNode(manifest: ClusterManifest, index: number): ClusterNode {
  const node = findNode(manifest, index);
  if (node === undefined) throw new ClusterError(`the cluster in ${manifest.directory} has nodes 1 to ${manifest.nodes.length}, not ${index}`);
  return node;
}

export async function startCluster(options: StartClusterOptions, io: CliConsole): Promise<number> {
  const existing = readManifest(options.directory);
  if (existing !== null && options.nodeCount !== undefined && existing.nodes.length !== options.nodeCount) {
    throw new ClusterError(`${existing.directory} holds a cluster of ${existing.nodes.length} nodes, not ${options.nodeCount}; use --nodes ${existing.nodes.length}, or stop it and use another --dir`);
  }
  const changes = options.settingChanges ?? [];
  const settings = mergeNodeSettings(existing?.settings ?? {}, changes);
  const manifest = existing ?? planCluster({ ...clusterDefaults, ...options, settings });
  const active = activeNodes(manifest);
  const stopped = active.filter((node) => !isNodeRunning(node.pid, node));
  if (existing !== null) {
    noteRecordedSettings(existing, options, { io });
    if (changes.length > 0) {
      if (Object.keys(settings).length === 0) delete existing.settings;
      else existing.settings = settings;
    }
  }
  checkNodeConfigs(manifest, changes.length > 0 ? active : stopped);
  if (existing !== null && changes.length > 0) {
    writeManifest(existing);
    const running = active.filter((node) => !stopped.includes(node));
    io.out(`recorded --set for every node of the cluster in ${existing.directory}${running.length === 0 ? ''
      : `; running nodes take it when restarted (aero cluster restart --node ${running.map((node) => node.index).join('|')})`}\n`);
  }
  ensureCertificates(manifest, io);
  if (stopped.length === 0) {
    io.out(`the cluster in ${manifest.directory} is already running (${manifest.nodes.length} nodes)\n`);
    return 0;
  }
  if (existing !== null) io.out(`restarting ${stopped.length} stopped node(s) of the cluster in ${manifest.directory} with their data\n`);
  await checkBindable(manifest, stopped);
  for (const node of stopped) {
    node.pid = spawnNode(manifest, node);
    writeManifest(manifest);
    io.out(`started node${node.index} on ${node.address} (pid ${node.pid})\n`);
  }
  try {
    await waitUntilReady(manifest, active, { timeoutMs: options.startTimeoutMs, expectedUp: active.map((node) => node.address) });
  } catch (error) {
    if (!(error instanceof ClusterStartError)) throw error;
    io.err(`aero cluster start: ${error.message}\n`);
    // Leave nothing half-started behind: stop what this command launched.
    await stopNodes(manifest, stopped, { io });
    return 1;
  }
  io.out(`cluster "${manifest.clusterName}" is up: ${active.length} nodes, CQL on ${active.map((node) => node.address).join(', ')} port ${manifest.nativePort}\n`);
  if (manifest.tls !== undefined) io.out(`TLS on every port; clients trust ${manifest.tls.caFile}\n`);
  if (manifest.auth === true) io.out('logins required (PasswordAuthenticator, CassandraAuthorizer)\n');
  return 0;
}

/** A cluster keeps the ports and tokens it was created with; say so when the flags ask otherwise. */
function noteRecordedSettings(manifest: ClusterManifest, options: StartClusterOptions, { io }: { io: CliConsole }): void {
  const differing = (['nativePort', 'storagePort', 'adminPort', 'numTokens', 'clusterName'] as const)
    .filter((key) => options[key] !== undefined && manifest[key] !== options[key])
    .map((key) => `${key} ${String(manifest[key])}`);
  if (options.tls === true && manifest.tls === undefined) differing.push('TLS off');
  if (options.auth === true && manifest.auth !== true) differing.push('authentication off');
  if (differing.length > 0) io.out(`note: the cluster in ${manifest.directory} keeps its recorded settings (${differing.join(', ')})\n`);
}

/** A TLS cluster's CA and node certificates exist (made once, kept afterwards; see certs/files.ts). */
function ensureCertificates(manifest: ClusterManifest, io: CliConsole): void {
  if (manifest.tls === undefined) return;
  const reports = createCertificates({
    directory: manifest.tls.certificatesDirectory,
    nodes: manifest.nodes.map((node) => ({ index: node.index, addresses: [node.address] })),
    clients: ['client'],
  });
  const created = reports.filter((report) => report.action === 'created');
  if (created.length > 0) io.out(`created ${created.length} certificate file(s) in ${manifest.tls.certificatesDirectory}\n`);
}

/** Every node about to start accepts its configuration (the --set settings with conf/extra.yaml), checked before any starts. */
function checkNodeConfigs(manifest: ClusterManifest, nodes: readonly ClusterNode[]): void {
  const problems = nodes.flatMap((node) => {
    const problem = nodeConfigProblem(manifest, node);
    return problem === null ? [] : [`node${node.index}: ${problem}`];
  });
  if (problems.length > 0) throw new ClusterError(`a node would refuse its configuration (the cluster's --set settings and DIR/node<i>/conf/extra.yaml); nothing was started:\n  ${problems.join('\n  ')}`);
}

/** Every address and port a node will bind must be free, and 127.0.0.i must exist. */
async function checkBindable(manifest: ClusterManifest, nodes: readonly ClusterNode[]): Promise<void> {
  const problems: string[] = [];
  for (const node of nodes) {
    for (const port of new Set([manifest.nativePort, manifest.storagePort, manifest.adminPort])) {
      const problem = await bindProblem(node.address, port);
      if (problem !== null) {
        problems.push(`node${node.index}: ${problem}`);
        break;
      }
    }
  }
  if (problems.length > 0) throw new ClusterError(`cannot start the cluster:\n  ${problems.join('\n  ')}`);
}

export async function stopCluster(directory: string, io: CliConsole, options: { timeoutMs: number }): Promise<number> {
  const manifest = requireManifest(directory);
  const running = manifest.nodes.filter((node) => isNodeRunning(node.pid, node));
  if (running.length === 0) io.out(`no node of the cluster in ${manifest.directory} is running\n`);
  await stopNodes(manifest, running, { io, timeoutMs: options.timeoutMs });
  for (const node of manifest.nodes) node.pid = null;
  writeManifest(manifest);
  return 0;
}

/** SIGTERM to each, then waits (in parallel, bounded); SIGKILL with a warning after the bound. */
async function stopNodes(manifest: ClusterManifest, nodes: readonly ClusterNode[], { io, timeoutMs = stopTimeoutMsDefault }: { io: CliConsole; timeoutMs?: number }): Promise<void> {
  await Promise.all(nodes.map(async (node) => {
    const pid = node.pid;
    if (pid === null || !signalNode(pid, node, { signal: 'SIGTERM' })) return;
    if (!(await waitForExit(pid, node, { timeoutMs }))) {
      io.err(`warning: node${node.index} (pid ${pid}) did not stop within ${Math.round(timeoutMs / 1000)} s; killing it\n`);
      signalNode(pid, node, { signal: 'SIGKILL' });
      await waitForExit(pid, node, { timeoutMs: killWaitMs });
    }
    io.out(`stopped node${node.index} (pid ${pid})\n`);
  }));
  for (const node of nodes) node.pid = isNodeRunning(node.pid, node) ? node.pid : null;
  writeManifest(manifest);
}

export async function killNode(directory: string, index: number, { io }: { io: CliConsole }): Promise<number> {
  const manifest = requireManifest(directory);
  const node = requireNode(manifest, index);
  const pid = node.pid;
  if (pid === null || !signalNode(pid, node, { signal: 'SIGKILL' })) {
    io.out(`node${index} is not running\n`);
    return 0;
  }
  if (!(await waitForExit(pid, node, { timeoutMs: killWaitMs }))) {
    io.err(`aero cluster kill: node${index} (pid ${pid}) still runs ${killWaitMs} ms after SIGKILL\n`);
    return 1;
  }
  node.pid = null;
  writeManifest(manifest);
  io.out(`killed node${index} (pid ${pid})\n`);
  return 0;
}

export async function restartNode(directory: string, index: number, { io, startTimeoutMs }: { io: CliConsole; startTimeoutMs: number }): Promise<number> {
  const manifest = requireManifest(directory);
  const node = requireNode(manifest, index);
  if (node.decommissioned === true) throw new ClusterError(`node${index} was decommissioned; it does not start again (add a new node with \`aero cluster add\`)`);
  checkNodeConfigs(manifest, [node]);
  if (isNodeRunning(node.pid, node)) await stopNodes(manifest, [node], { io });
  await checkBindable(manifest, [node]);
  node.pid = spawnNode(manifest, node);
  writeManifest(manifest);
  io.out(`started node${index} on ${node.address} (pid ${node.pid})\n`);
  // Up means every running node sees every other one again (once nodes gossip), not just this one.
  const running = activeNodes(manifest).filter((other) => other === node || isNodeRunning(other.pid, other));
  try {
    await waitUntilReady(manifest, running, { timeoutMs: startTimeoutMs, expectedUp: running.map((other) => other.address) });
  } catch (error) {
    if (!(error instanceof ClusterStartError)) throw error;
    io.err(`aero cluster restart: ${error.message}\n`);
    await stopNodes(manifest, [node], { io });
    return 1;
  }
  io.out(`node${index} is up\n`);
  return 0;
}

export async function clusterStatus(directory: string, io: CliConsole): Promise<number> {
  const manifest = requireManifest(directory);
  // Decommissioned nodes left the cluster: they are neither listed nor counted.
  const rows = await Promise.all(activeNodes(manifest).map(async (node): Promise<ClusterStatusRow> => {
    const probe = await probeNode(manifest, node);
    const readiness = nodeReadiness(probe, []);
    return {
      index: node.index, address: node.address, pid: node.pid,
      state: !probe.running ? 'down' : readiness.ready ? 'up' : 'starting',
      nativeReachable: probe.nativeReachable,
      loadBytes: probe.status?.local.loadBytes ?? null,
      hostId: probe.status?.local.hostId ?? null,
      seesUp: probe.status?.peers === null || probe.status === null ? null : 1 + probe.status.peers.filter((peer) => peer.status === 'UP').length,
      note: readiness.ready ? null : readiness.reason,
    };
  }));
  io.out(formatClusterStatus(manifest.clusterName, manifest.directory, { rows }));
  return 0;
}

/**
 * `aero cluster add`: one more node on the next 127.0.0.N, with the cluster's ports, TLS and
 * logins. It bootstraps (auto_bootstrap): announces itself as joining, streams its ranges from
 * the current replicas, then turns NORMAL; the command waits until it is up.
 */
export async function addNode(directory: string, { io, startTimeoutMs }: { io: CliConsole; startTimeoutMs: number }): Promise<number> {
  const manifest = requireManifest(directory);
  const running = activeNodes(manifest).filter((node) => isNodeRunning(node.pid, node));
  if (running.length === 0) throw new ClusterError(`no node of the cluster in ${manifest.directory} is running; start it first (a new node joins a running cluster)`);
  const index = Math.max(...manifest.nodes.map((node) => node.index)) + 1;
  if (index > localClusterNodesMax) throw new ClusterError(`a local cluster has at most ${localClusterNodesMax} nodes`);
  const node: ClusterNode = { index, address: nodeAddress(index), directory: join(manifest.directory, `node${index}`), pid: null, joins: true };
  checkNodeConfigs(manifest, [node]);
  await checkBindable(manifest, [node]);
  manifest.nodes.push(node);
  ensureCertificates(manifest, io);
  node.pid = spawnNode(manifest, node);
  writeManifest(manifest);
  io.out(`started node${index} on ${node.address} (pid ${node.pid}); it joins the ring (bootstrap)\n`);
  const members = [...running, node];
  try {
    await waitUntilReady(manifest, members, { timeoutMs: startTimeoutMs, expectedUp: members.map((member) => member.address) });
  } catch (error) {
    if (!(error instanceof ClusterStartError)) throw error;
    io.err(`aero cluster add: ${error.message}\n`);
    await stopNodes(manifest, [node], { io });
    return 1;
  }
  io.out(`node${index} joined the cluster\n`);
  return 0;
}

/** How long `aero cluster decommission` waits for the node to stream its data away and leave. */
const decommissionTimeoutMs = 30 * 60 * 1000;

/** `aero cluster decommission`: nodetool decommission on node I, then waits for its process to exit. */
export async function decommissionNode(directory: string, index: number, { io }: { io: CliConsole }): Promise<number> {
  const manifest = requireManifest(directory);
  const node = requireNode(manifest, index);
  if (node.decommissioned === true) throw new ClusterError(`node${index} was already decommissioned`);
  if (!isNodeRunning(node.pid, node)) throw new ClusterError(`node${index} is not running; start it, or remove it with \`aero nodetool removenode <host id>\` on another node`);
  io.out(`decommissioning node${index} (${node.address}): streaming its data to the new owners\n`);
  let response: Response;
  try {
    response = await fetch(`http://${node.address}:${manifest.adminPort}/decommission`, { method: 'POST', signal: AbortSignal.timeout(decommissionTimeoutMs) });
  } catch (error) {
    throw new ClusterError(`cannot reach node${index}'s admin channel: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`);
  }
  const body = await response.text();
  if (!response.ok) {
    io.err(`aero cluster decommission: node${index} refused or failed (${response.status}): ${body.trim()}\n`);
    return 1;
  }
  const pid = node.pid;
  if (pid !== null && !(await waitForExit(pid, node, { timeoutMs: stopTimeoutMsDefault }))) {
    io.err(`warning: node${index} (pid ${pid}) left the ring but did not exit; killing it\n`);
    signalNode(pid, node, { signal: 'SIGKILL' });
    await waitForExit(pid, node, { timeoutMs: killWaitMs });
  }
  node.pid = null;
  node.decommissioned = true;
  writeManifest(manifest);
  io.out(`node${index} left the ring: ${body.trim()}\n`);
  return 0;
}
