import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger, type Clock, type Logger } from '../../common/world.js';
import { SeededRandom } from '../../../../test/harness/seeded-random.js';
import { SimulatedClock } from '../../../../test/harness/simulated-clock.js';
import { DirectLinks } from '../messaging/in-memory-transport.js';
import { MessagingService } from '../messaging/messaging-service.js';
import { Gossiper } from './gossiper.js';

function node(links: DirectLinks, options: { endpoint: string; clock: Clock; clusterName?: string; logger?: Logger }) {
  const messaging = new MessagingService({ transport: links.transportFor(options.endpoint), clock: options.clock, logger: silentLogger });
  const gossiper = new Gossiper({
    messaging,
    clock: options.clock,
    random: new SeededRandom(1),
    logger: options.logger ?? silentLogger,
    clusterName: options.clusterName ?? 'A',
    seeds: ['10.0.0.1:7000'],
    initialStates: { DC: 'dc1', STATUS: 'NORMAL' },
  });
  return { messaging, gossiper };
}

test('two nodes learn each other, see each other up, and hear state changes', async () => {
  const clock = new SimulatedClock();
  const links = new DirectLinks();
  const a = node(links, { endpoint: '10.0.0.1:7000', clock });
  const b = node(links, { endpoint: '10.0.0.2:7000', clock });
  const changes: string[] = [];
  a.gossiper.subscribe({ onChange: (endpoint, key, value) => changes.push(`${endpoint} ${key}=${value.value}`) });
  for (const n of [a, b]) {
    await n.messaging.start();
    n.gossiper.start();
  }
  await clock.advance(3_000);
  assert.deepEqual(a.gossiper.liveEndpoints(), ['10.0.0.2:7000']);
  assert.deepEqual(b.gossiper.liveEndpoints(), ['10.0.0.1:7000']);
  assert.equal(a.gossiper.endpointState('10.0.0.2:7000')?.states.get('DC')?.value, 'dc1');
  b.gossiper.setApplicationState('LOAD', '1234');
  await clock.advance(3_000);
  assert.ok(changes.includes('10.0.0.2:7000 LOAD=1234'), changes.join('; '));
  assert.equal(a.gossiper.isAlive('10.0.0.1:7000'), true, 'a running node counts itself alive');
});

test('gossip from another cluster is ignored; corrupt gossip is dropped and logged', async () => {
  const clock = new SimulatedClock();
  const links = new DirectLinks();
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (message) => { warnings.push(message); }, child: () => logger };
  const a = node(links, { endpoint: '10.0.0.1:7000', clock, logger });
  const stranger = node(links, { endpoint: '10.0.0.2:7000', clock, clusterName: 'B' });
  for (const n of [a, stranger]) {
    await n.messaging.start();
    n.gossiper.start();
  }
  await clock.advance(3_000);
  assert.deepEqual(a.gossiper.endpoints(), ['10.0.0.1:7000']);
  assert.ok(warnings.includes('gossip from another cluster ignored'));
  stranger.messaging.send('10.0.0.1:7000', 'GOSSIP_DIGEST_ACK2', Buffer.from([1, 2, 3]));
  await clock.advance(10);
  assert.ok(warnings.includes('dropping bad gossip message'));
});

test('after a local pause (every peer looks silent) nothing is convicted until gossip is read again', async () => {
  const clock = new SimulatedClock();
  // Node a's view of time jumps ahead by pauseMs at once, as when its process was stopped.
  let pauseMs = 0;
  const pausedClock = { ...clockMethods(clock), monotonicMs: () => clock.monotonicMs() + pauseMs };
  const links = new DirectLinks();
  const a = node(links, { endpoint: '10.0.0.1:7000', clock: pausedClock });
  const b = node(links, { endpoint: '10.0.0.2:7000', clock });
  const downs: string[] = [];
  a.gossiper.subscribe({ onDead: (endpoint) => downs.push(endpoint) });
  for (const n of [a, b]) {
    await n.messaging.start();
    n.gossiper.start();
  }
  await clock.advance(20_000);
  assert.deepEqual(a.gossiper.liveEndpoints(), ['10.0.0.2:7000']);
  pauseMs = 8_000; // 8 mean intervals of silence: phi ≈ 3.5, past the 2.5 threshold
  await clock.advance(3_000);
  assert.deepEqual(downs, [], 'no conviction for a pause of the observer itself');
  // A real silence is still convicted.
  b.gossiper.stop({ announce: false });
  await clock.advance(10_000);
  assert.deepEqual(downs, ['10.0.0.2:7000']);
});

function clockMethods(clock: SimulatedClock): Clock {
  return {
    nowMs: () => clock.nowMs(),
    nowMicros: () => clock.nowMicros(),
    monotonicMs: () => clock.monotonicMs(),
    setTimer: (delayMs, fn) => clock.setTimer(delayMs, fn),
    sleep: (delayMs) => clock.sleep(delayMs),
  };
}
