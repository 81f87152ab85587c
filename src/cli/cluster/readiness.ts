// When is a node of the local cluster "up"? One pure function decides (nodeReadiness), from a
// probe of the node: its process, its native port, and its admin channel's /status. Today a
// node runs alone, so up means: process alive, CQL port accepting, /status answering. Once
// /status reports gossip peers, up also means the node sees every other expected node UP and
// NORMAL, i.e. the ring agrees; nothing else here needs to change.

import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterManifest, ClusterNode } from './manifest.js';
import { nodeStdoutFile } from './manifest.js';
import { fetchNodeStatus, type NodeStatusReport } from './node-status.js';
import { canConnect, isNodeRunning, tailOfFile } from './processes.js';

export interface NodeProbe {
  node: ClusterNode;
  running: boolean;
  nativeReachable: boolean;
  status: NodeStatusReport | null;
  /** Why /status gave nothing, when it did not. */
  statusProblem: string | null;
}

export type Readiness = { ready: true } | { ready: false; reason: string };

const probeTimeoutMs = 2000;
const pollIntervalMs = 250;

export async function probeNode(manifest: ClusterManifest, node: ClusterNode): Promise<NodeProbe> {
  const running = isNodeRunning(node.pid, node);
  if (!running) return { node, running, nativeReachable: false, status: null, statusProblem: 'not running' };
  const [nativeReachable, statusResult] = await Promise.all([
    canConnect(node.address, manifest.nativePort, { timeoutMs: probeTimeoutMs }),
    fetchNodeStatus(node.address, manifest.adminPort, { timeoutMs: probeTimeoutMs }).then(
      (status) => ({ status, problem: null }),
      (error: unknown) => ({ status: null, problem: describeFetchError(error) }),
    ),
  ]);
  return { node, running, nativeReachable, status: statusResult.status, statusProblem: statusResult.problem };
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? error.cause.message : error.message;
}

/**
 * Whether a probed node is up and part of the ring. expectedPeers: addresses of the other nodes
 * that should be up (they must be seen UP and NORMAL once the node reports gossip).
 */
export function nodeReadiness(probe: NodeProbe, expectedPeers: readonly string[]): Readiness {
  if (!probe.running) return { ready: false, reason: 'its process is not running' };
  if (!probe.nativeReachable) return { ready: false, reason: 'its native port does not accept connections yet' };
  const status = probe.status;
  if (status === null) return { ready: false, reason: `its admin channel does not answer (${probe.statusProblem ?? 'no status'})` };
  if (status.local.state !== 'NORMAL') return { ready: false, reason: `it is ${status.local.state}, not NORMAL yet` };
  if (status.peers === null) return { ready: true };
  const seen = new Map(status.peers.map((peer) => [peer.address, peer]));
  const waiting = expectedPeers.filter((address) => {
    const peer = seen.get(address);
    return peer === undefined || peer.status !== 'UP' || peer.state !== 'NORMAL';
  });
  if (waiting.length > 0) return { ready: false, reason: `it does not see ${waiting.join(', ')} up and NORMAL yet` };
  return { ready: true };
}

export class ClusterStartError extends Error {
  override readonly name = 'ClusterStartError';
}

export interface WaitOptions {
  timeoutMs: number;
  /** Addresses every waited node must see up (once gossip is reported). */
  expectedUp: readonly string[];
}

/**
 * Polls the nodes until all are ready. Throws ClusterStartError naming the first node that died
 * or, at the deadline, every node still not ready, each with the tail of its log.
 */
export async function waitUntilReady(manifest: ClusterManifest, nodes: readonly ClusterNode[], options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const probes = await Promise.all(nodes.map((node) => probeNode(manifest, node)));
    const dead = probes.find((probe) => !probe.running);
    if (dead !== undefined) throw new ClusterStartError(failureText(dead.node, 'exited during startup'));
    const pending = probes
      .map((probe) => ({ node: probe.node, readiness: nodeReadiness(probe, options.expectedUp.filter((address) => address !== probe.node.address)) }))
      .filter((entry) => !entry.readiness.ready);
    if (pending.length === 0) return;
    if (Date.now() >= deadline) {
      const texts = pending.map(({ node, readiness }) =>
        failureText(node, `is not up after ${Math.round(options.timeoutMs / 1000)} s: ${readiness.ready ? '' : readiness.reason}`));
      throw new ClusterStartError(texts.join('\n\n'));
    }
    await sleep(pollIntervalMs);
  }
}

function failureText(node: ClusterNode, problem: string): string {
  const log = nodeStdoutFile(node);
  return `node ${node.index} (${node.address}) ${problem}; the end of ${log}:\n${indent(tailOfFile(log, { lines: 15 }))}`;
}

function indent(text: string): string {
  return text.split('\n').map((line) => `  ${line}`).join('\n');
}
