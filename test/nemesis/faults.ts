// The nemesis's faults on real processes, all from a seeded random:
// - kill: kill -9 a node, restart it a few seconds later;
// - pause: SIGSTOP a node for longer than the failure detector takes to convict it, then SIGCONT;
// - partition: split the nodes into two groups that cannot reach each other;
// - one-way: cut the links from some nodes to others in one direction only;
// - skew: restart a node under faketime with its clock seconds ahead or behind, later restart it
//   on the real clock;
// - disk-full: fill the small loop-mounted filesystem holding one node's data directory, later
//   free it again.
// Network cuts are iptables rules in a chain of the nemesis's own, matching only the internode
// storage port between 127.0.0.x addresses of this cluster (nodes bind their outbound internode
// sockets to their listen address); a one-way cut from A to B drops the packets A sends to B's
// storage port, so A's messages to B are lost while B's to A still arrive.

import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SeededRandom } from '../harness/seeded-random.js';
import type { NemesisNode } from './cluster.js';

export const faultKinds = ['kill', 'pause', 'partition', 'one-way', 'skew', 'disk-full'] as const;
export type FaultKind = typeof faultKinds[number];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** iptables rules of this nemesis run, in a chain named after its pid, jumped to from OUTPUT. */
export class NetworkCuts {
  readonly chain = `AERO_NEMESIS_${process.pid}`;
  private installed = false;

  constructor(private readonly storagePort: number) {}

  install(): void {
    run('iptables', ['-N', this.chain]);
    run('iptables', ['-I', 'OUTPUT', '-j', this.chain]);
    this.installed = true;
  }

  private rule(from: string, to: string): string[] {
    return ['-s', from, '-d', to, '-p', 'tcp', '--dport', String(this.storagePort), '-j', 'DROP'];
  }

  cut(from: string, to: string): void {
    run('iptables', ['-A', this.chain, ...this.rule(from, to)]);
  }

  heal(): void {
    if (this.installed) run('iptables', ['-F', this.chain]);
  }

  uninstall(): void {
    if (!this.installed) return;
    this.heal();
    try { run('iptables', ['-D', 'OUTPUT', '-j', this.chain]); } catch { /* already gone */ }
    try { run('iptables', ['-X', this.chain]); } catch { /* already gone */ }
    this.installed = false;
  }
}

/** A small ext4 filesystem in a file, loop-mounted over one node's data directory. */
export class SmallDisk {
  private mounted = false;
  private readonly image: string;
  private readonly ballast: string;

  constructor(readonly directory: string, private readonly megabytes: number) {
    this.image = `${directory}.img`;
    this.ballast = join(directory, 'ballast');
  }

  mount(): void {
    mkdirSync(this.directory, { recursive: true });
    run('truncate', ['-s', `${this.megabytes}M`, this.image]);
    run('mkfs.ext4', ['-q', '-F', '-m', '0', this.image]);
    run('mount', ['-o', 'loop', this.image, this.directory]);
    this.mounted = true;
  }

  /** Takes every free block but the last few. */
  fill(): void {
    try { run('fallocate', ['-l', `${this.megabytes}M`, this.ballast]); } catch { /* ENOSPC: it took what there was */ }
    // fallocate of more than is free fails without allocating: fill with a write instead.
    try { run('dd', ['if=/dev/zero', `of=${this.ballast}`, 'bs=1M', 'status=none']); } catch { /* stops at ENOSPC, as meant */ }
  }

  free(): void {
    rmSync(this.ballast, { force: true });
  }

  unmount(): void {
    if (!this.mounted) return;
    this.free();
    for (let attempt = 0; attempt < 10; attempt++) {
      try { run('umount', [this.directory]); break; } catch { execFileSync('sleep', ['1']); }
    }
    if (existsSync(this.image)) rmSync(this.image, { force: true });
    this.mounted = false;
  }
}

export interface FaultContext {
  nodes: NemesisNode[];
  cuts: NetworkCuts;
  /** The node whose data directory is the small disk, when there is one. */
  disk?: { node: NemesisNode; disk: SmallDisk };
  random: SeededRandom;
  log: (fault: FaultKind, phase: 'start' | 'stop', detail: string) => void;
  /** Whether the run is stopping (faults cut short their hold). */
  stopping: () => boolean;
}

/** Holds a fault for `ms` (in full: a fault cut short by the end of the run would be a weaker one). */
async function hold(_context: FaultContext, ms: number): Promise<void> {
  await sleep(ms);
}

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(random.nextFloat() * items.length)] as T;
}

function shuffled<T>(random: SeededRandom, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random.nextFloat() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

const between = (random: SeededRandom, low: number, high: number) => low + Math.floor(random.nextFloat() * (high - low + 1));

/**
 * Runs one fault of `kind` to its end: injects it, holds it, heals it. Process faults take one
 * node of `free` (the nodes no other running fault holds). Resolves false when the fault could not
 * run (its node was busy), so the caller can try it again later.
 */
export async function runFault(kind: FaultKind, context: FaultContext, free: Set<number>): Promise<boolean> {
  const { random, nodes } = context;
  const processNode = (): NemesisNode | undefined => {
    const candidates = nodes.filter((node) => free.has(node.index));
    return candidates.length === 0 ? undefined : pick(random, candidates);
  };
  const take = (node: NemesisNode) => free.delete(node.index);
  const release = (node: NemesisNode) => free.add(node.index);
  switch (kind) {
    case 'kill': {
      const node = processNode();
      if (node === undefined) return false;
      take(node);
      try {
        const downMs = between(random, 2_000, 15_000);
        context.log(kind, 'start', `kill -9 node ${node.index}, restart after ${downMs} ms`);
        await node.kill();
        await hold(context, downMs);
        await node.start();
        context.log(kind, 'stop', `node ${node.index} restarted`);
      } finally { release(node); }
      return true;
    }
    case 'pause': {
      const node = processNode();
      if (node === undefined) return false;
      take(node);
      try {
        const pauseMs = between(random, 12_000, 25_000);
        context.log(kind, 'start', `SIGSTOP node ${node.index} for ${pauseMs} ms`);
        node.signal('SIGSTOP');
        await hold(context, pauseMs);
        node.signal('SIGCONT');
        context.log(kind, 'stop', `SIGCONT node ${node.index}`);
      } finally { release(node); }
      return true;
    }
    case 'skew': {
      const node = processNode();
      if (node === undefined) return false;
      take(node);
      try {
        const seconds = pick(random, [-1, 1]) * between(random, 2, 10);
        context.log(kind, 'start', `restart node ${node.index} under faketime ${seconds > 0 ? '+' : ''}${seconds}s`);
        await node.stop();
        node.skewSeconds = seconds;
        await node.start();
        await hold(context, between(random, 15_000, 40_000));
        await node.stop();
        node.skewSeconds = 0;
        await node.start();
        context.log(kind, 'stop', `node ${node.index} back on the real clock`);
      } finally { release(node); }
      return true;
    }
    case 'disk-full': {
      const target = context.disk;
      if (target === undefined || !free.has(target.node.index)) return false;
      take(target.node);
      try {
        context.log(kind, 'start', `fill node ${target.node.index}'s data filesystem`);
        target.disk.fill();
        await hold(context, between(random, 10_000, 25_000));
        target.disk.free();
        // A node that stopped on the full disk is restarted, as an operator would.
        const crashed = !target.node.running;
        const lastWords = crashed ? target.node.logTail(600).trim().split('\n').slice(-3).join(' | ') : '';
        if (crashed) await target.node.start();
        context.log(kind, 'stop', `freed node ${target.node.index}'s filesystem${crashed ? ` (the node had exited; restarted; its log ended: ${lastWords})` : ''}`);
      } finally { release(target.node); }
      return true;
    }
    case 'partition': {
      const order = shuffled(random, nodes);
      const size = between(random, 1, Math.floor(nodes.length / 2));
      const [minority, majority] = [order.slice(0, size), order.slice(size)];
      const names = (group: NemesisNode[]) => group.map((node) => node.index).join(',');
      context.log(kind, 'start', `partition {${names(minority)}} | {${names(majority)}}`);
      for (const a of minority) for (const b of majority) { context.cuts.cut(a.address, b.address); context.cuts.cut(b.address, a.address); }
      await hold(context, between(random, 10_000, 25_000));
      context.cuts.heal();
      context.log(kind, 'stop', 'partition healed');
      return true;
    }
    case 'one-way': {
      const order = shuffled(random, nodes);
      const from = order.slice(0, between(random, 1, 2));
      const to = order.slice(from.length, from.length + between(random, 1, 3));
      context.log(kind, 'start', `one-way cut {${from.map((n) => n.index).join(',')}} -> {${to.map((n) => n.index).join(',')}}`);
      for (const a of from) for (const b of to) context.cuts.cut(a.address, b.address);
      await hold(context, between(random, 10_000, 25_000));
      context.cuts.heal();
      context.log(kind, 'stop', 'one-way cut healed');
      return true;
    }
  }
}

export { shuffled, pick, between };
