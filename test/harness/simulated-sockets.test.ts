import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from '../../src/db/common/world.js';
import { SeededRandom } from './seeded-random.js';
import { SimulatedClock } from './simulated-clock.js';
import { SimulatedSockets } from './simulated-sockets.js';

/** Two hosts, a listener on b, a connection from a; what b receives and how each end closes. */
async function connected(seed = 1) {
  const clock = new SimulatedClock();
  const network = new SimulatedSockets({ clock, random: new SeededRandom(seed), delayMinMs: 1, delayMaxMs: 30 });
  const [a, b] = [network.view('10.0.0.1'), network.view('10.0.0.2')];
  const received: string[] = [];
  const closes: Array<string | undefined> = [];
  let server: Connection | undefined;
  await b.listen({ host: '10.0.0.2', port: 9042 }, (connection) => {
    server = connection;
    connection.onData((chunk) => received.push(chunk.toString()));
    connection.onClose((error) => closes.push(`server ${error?.message ?? 'closed'}`));
  });
  const connecting = a.connect({ host: '10.0.0.2', port: 9042 });
  await clock.advance(100);
  const client = await connecting;
  client.onClose((error) => closes.push(`client ${error?.message ?? 'closed'}`));
  assert.ok(server !== undefined);
  assert.equal(server.remoteAddress, '10.0.0.1');
  return { clock, network, oldView: b, client, server, received, closes };
}

test('bytes arrive in order, after a delay, and end() closes both sides after them', async () => {
  const { clock, client, received, closes } = await connected();
  for (let index = 0; index < 50; index++) client.write(Buffer.from(`${index},`));
  client.end();
  assert.deepEqual(received, [], 'nothing arrives before virtual time passes');
  await clock.advance(2_000);
  assert.equal(received.join(''), Array.from({ length: 50 }, (_, index) => `${index},`).join(''));
  assert.deepEqual(closes, ['server closed', 'client closed']);
});

test('a cut link holds bytes until healed, then delivers them in order; a connect across it times out', async () => {
  const { clock, network, client, received } = await connected();
  network.cut('10.0.0.1', '10.0.0.2');
  client.write(Buffer.from('held-1,'));
  client.write(Buffer.from('held-2,'));
  await clock.advance(5_000);
  assert.deepEqual(received, []);
  const across = network.view('10.0.0.3');
  network.cut('10.0.0.3', '10.0.0.2');
  const attempt = across.connect({ host: '10.0.0.2', port: 9042 }).then(() => 'connected', (error: Error) => error.message);
  await clock.advance(20_000);
  assert.match(await attempt, /ETIMEDOUT/);
  network.heal();
  client.write(Buffer.from('after,'));
  await clock.advance(1_000);
  assert.equal(received.join(''), 'held-1,held-2,after,');
});

test('a crashed host resets its peers, refuses connects, and its old view fails', async () => {
  const { clock, network, oldView, server, closes } = await connected();
  network.crash('10.0.0.2');
  await assert.rejects(oldView.connect({ host: '10.0.0.1', port: 1 }), /dead/);
  assert.equal(server.write(Buffer.from('from the dead')), false);
  await clock.advance(1_000);
  assert.deepEqual(closes, ['client ECONNRESET'], 'the dead side hears nothing, its peer a reset');
  const client = network.view('10.0.0.9');
  const refused = client.connect({ host: '10.0.0.2', port: 9042 }).then(() => 'connected', (error: Error) => error.message);
  await clock.advance(1_000);
  assert.match(await refused, /ECONNREFUSED/);
  const restarted = network.view('10.0.0.2');
  await restarted.listen({ host: '10.0.0.2', port: 9042 }, () => undefined);
  await assert.rejects(restarted.listen({ host: '10.0.0.2', port: 9042 }, () => undefined), /EADDRINUSE/);
});

test('the same seed gives the same trace digest; another seed, another', async () => {
  const digest = async (seed: number) => {
    const { clock, network, client } = await connected(seed);
    for (let index = 0; index < 20; index++) client.write(Buffer.from([index]));
    await clock.advance(1_000);
    return network.traceDigest();
  };
  assert.equal(await digest(7), await digest(7));
  assert.notEqual(await digest(7), await digest(8));
});
