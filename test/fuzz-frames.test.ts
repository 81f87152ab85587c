// Fuzzing the native protocol server of a real node: thousands of random and mutated frames
// on many connections. Each must get an answer or a closed connection; the process must never
// crash or hang; a well-behaved driver client meanwhile keeps getting correct answers.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import cassandra from 'cassandra-driver';
import { ConsistencyLevel } from '../src/db/common/consistency.js';
import { encodeRequest } from '../src/db/protocol/codec.js';
import { Opcode, type RequestMessage } from '../src/db/protocol/messages.js';
import { defaultQueryParameters } from '../src/db/protocol/query-parameters.js';
import { startNodeProcess, type NodeProcess } from './harness/node-process.js';

const FRAMES = Number(process.env['AERO_FUZZ_FRAMES'] ?? 10_000);
const CONNECTIONS = 16;
const SILENCE_MS = 250;

/** A small deterministic generator (mulberry32), so a failing run can be repeated from its seed. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

function validRequests(): RequestMessage[] {
  const params = defaultQueryParameters(ConsistencyLevel.ONE);
  return [
    { opcode: Opcode.OPTIONS },
    { opcode: Opcode.STARTUP, options: new Map([['CQL_VERSION', '3.0.0']]) },
    { opcode: Opcode.QUERY, query: 'SELECT * FROM system.local', parameters: params },
    { opcode: Opcode.QUERY, query: "SELECT k, v FROM fuzz.kv WHERE k = 'a'", parameters: { ...params, pageSize: 10 } },
    { opcode: Opcode.QUERY, query: 'INSERT INTO fuzz.scratch (k, v) VALUES (?, ?)', parameters: { ...params, values: [Buffer.from('k'), Buffer.from('v')] } },
    { opcode: Opcode.PREPARE, query: 'SELECT * FROM fuzz.kv WHERE k = ?' },
    { opcode: Opcode.EXECUTE, id: Buffer.alloc(16, 7), parameters: params },
    { opcode: Opcode.REGISTER, events: ['SCHEMA_CHANGE'] },
    { opcode: Opcode.BATCH, batch: { type: 0, statements: [{ kind: 'query', query: "INSERT INTO fuzz.scratch (k, v) VALUES ('a', 'b')", values: [] }], consistency: ConsistencyLevel.ONE, serialConsistency: null, defaultTimestamp: null } },
  ];
}

function mutate(frame: Buffer, random: ReturnType<typeof generator>): Buffer {
  const out = Buffer.from(frame);
  switch (random.int(9)) {
    case 0: return Buffer.from(Array.from({ length: 9 + random.int(64) }, () => random.int(256)));
    case 1: for (let i = 0; i < 1 + random.int(4); i++) out[random.int(out.length)] = random.int(256); return out;
    case 2: { // truncated body, header length adjusted: a malformed body
      const cut = 9 + random.int(Math.max(1, out.length - 9));
      const short = out.subarray(0, cut);
      short.writeInt32BE(cut - 9, 5);
      return short;
    }
    case 3: out[4] = random.int(256); return out; // opcode
    case 4: out[0] = random.int(256); return out; // version and direction
    case 5: out.writeInt32BE(0x7fffffff - random.int(1000), 5); return out; // oversized length
    case 6: out.writeInt32BE(-1 - random.int(1000), 5); return out; // negative length
    case 7: out[1] = random.int(256); return out; // flags (compression without negotiation, ...)
    default: return frame; // unchanged valid frame
  }
}

/** Sends frames one by one on a connection; each gets data back, a close, or silence (then reconnect). */
async function fuzzConnection(node: NodeProcess, frames: Buffer[], stats: { answered: number; closed: number; silent: number }): Promise<void> {
  let socket: Socket | null = null;
  let waiter: ((outcome: 'data' | 'close') => void) | null = null;
  const open = async () => {
    const s = connect({ host: node.host, port: node.nativePort });
    await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
    s.on('data', () => waiter?.('data'));
    s.on('close', () => { if (socket === s) socket = null; waiter?.('close'); });
    s.on('error', () => undefined);
    socket = s;
  };
  for (const frame of frames) {
    if (socket === null) await open();
    const outcome = await new Promise<'data' | 'close' | 'silent'>((resolve) => {
      const timer = setTimeout(() => resolve('silent'), SILENCE_MS);
      waiter = (o) => { clearTimeout(timer); resolve(o); };
      socket!.write(frame);
    });
    waiter = null;
    if (outcome === 'data') stats.answered++;
    if (outcome === 'close') stats.closed++;
    if (outcome === 'silent') {
      // The frame declares more bytes than were sent: waiting for them is correct. Start afresh.
      stats.silent++;
      (socket as Socket | null)?.destroy();
      socket = null;
    }
  }
  (socket as Socket | null)?.destroy();
}

test(`fuzz: ${FRAMES} random and mutated frames, while a driver keeps working`, { timeout: 600_000 }, async () => {
  const seed = Number(process.env['AERO_FUZZ_SEED'] ?? Date.now() % 1_000_000);
  const node = await startNodeProcess();
  const client = new cassandra.Client({ contactPoints: [node.host], localDataCenter: 'datacenter1', protocolOptions: { port: node.nativePort } });
  try {
    await client.connect();
    await client.execute("CREATE KEYSPACE fuzz WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TABLE fuzz.kv (k text PRIMARY KEY, v int)');
    await client.execute('CREATE TABLE fuzz.scratch (k text PRIMARY KEY, v text)');
    const random = generator(seed);
    const requests = validRequests();
    const frames = Array.from({ length: FRAMES }, (_, i) => {
      const request = requests[random.int(requests.length)]!;
      return mutate(encodeRequest(i % 32768, request), random);
    });
    let done = false;
    let checks = 0;
    const wellBehaved = (async () => {
      for (let i = 0; !done; i++) {
        await client.execute('INSERT INTO fuzz.kv (k, v) VALUES (?, ?)', [`key${i}`, i], { prepare: true });
        const row = (await client.execute('SELECT v FROM fuzz.kv WHERE k = ?', [`key${i}`], { prepare: true })).first();
        assert.equal(row?.['v'], i, `well-behaved client read back the wrong value for key${i}`);
        checks++;
      }
    })();
    const stats = { answered: 0, closed: 0, silent: 0 };
    const perConnection = Math.ceil(frames.length / CONNECTIONS);
    await Promise.all(Array.from({ length: CONNECTIONS }, (_, c) => fuzzConnection(node, frames.slice(c * perConnection, (c + 1) * perConnection), stats)));
    done = true;
    await wellBehaved;
    assert.equal(stats.answered + stats.closed + stats.silent, frames.length);
    assert.ok(checks > 0, 'the well-behaved client ran');
    assert.ok(stats.silent < frames.length / 4, `too many frames got neither answer nor close (seed ${seed}): ${JSON.stringify(stats)}`);
    const local = (await client.execute("SELECT cluster_name FROM system.local WHERE key = 'local'")).first();
    assert.equal(local?.['cluster_name'], 'Test Cluster', `node still answers (seed ${seed})`);
  } finally {
    await client.shutdown();
    const code = await node.stop();
    assert.equal(code, 0, `node did not stop cleanly (seed ${seed}):\n${node.output().slice(-3000)}`);
    node.cleanup();
  }
});
