import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptionError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../../common/world.js';
import { SimulatedDisk } from '../../../../test/harness/simulated-disk.js';
import { applySavedRing, decodeSavedRing, encodeSavedRing, loadSavedRing, RingSaver, savedPeersOf } from './saved-ring.js';
import { TokenMetadata } from './token-metadata.js';

const simple = { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '2' };

function fullRing(): TokenMetadata {
  const ring = new TokenMetadata({ localEndpoint: '10.0.0.1:7000' });
  ring.updateNormalTokens('10.0.0.1:7000', [0n, 100n]);
  ring.updateNormalTokens('10.0.0.2:7000', [25n, -9223372036854775807n]);
  ring.updateLocation('10.0.0.2:7000', { dataCenter: 'dc2', rack: 'r9' });
  ring.updateNormalTokens('10.0.0.3:7000', [50n, 9223372036854775807n]);
  return ring;
}

test('a saved ring round-trips: a restarted node places replicas as before it stopped', () => {
  const before = fullRing();
  const peers = decodeSavedRing(encodeSavedRing(savedPeersOf(before, '10.0.0.1:7000')), 'ring.json');
  assert.deepEqual(peers.map((peer) => peer.endpoint), ['10.0.0.2:7000', '10.0.0.3:7000'], 'the local node is not saved');
  const after = new TokenMetadata({ localEndpoint: '10.0.0.1:7000' });
  after.updateNormalTokens('10.0.0.1:7000', [0n, 100n]);
  applySavedRing(after, peers, '10.0.0.1:7000');
  for (const token of [-5n, 10n, 30n, 60n, 120n]) assert.deepEqual(after.replicasFor(simple, token), before.replicasFor(simple, token), `token ${token}`);
  assert.deepEqual(after.location('10.0.0.2:7000'), { dataCenter: 'dc2', rack: 'r9' });
});

test('a corrupt saved ring is refused with CorruptionError naming the file', () => {
  const bad = ['', '{', '{}', '[{"endpoint":"nowhere","dataCenter":"d","rack":"r","tokens":["1"]}]',
    '[{"endpoint":"10.0.0.2:7000","dataCenter":"d","rack":"r","tokens":[]}]',
    '[{"endpoint":"10.0.0.2:7000","dataCenter":"d","rack":"r","tokens":["x"]}]',
    '[{"endpoint":"10.0.0.2:7000","dataCenter":1,"rack":"r","tokens":["1"]}]',
    '[{"endpoint":"10.0.0.2:7000","dataCenter":"d","rack":"r","tokens":[1]}]'];
  for (const text of bad) {
    assert.throws(() => decodeSavedRing(text, 'data/saved-ring.json'), (error: unknown) => error instanceof CorruptionError && error.message.includes('data/saved-ring.json'), text);
  }
});

test('RingSaver writes only on change; loadSavedRing reads it back, and ignores a corrupt file with a warning', async () => {
  const disk = new SimulatedDisk({ seed: 1 });
  const view = disk.view();
  await view.makeDirectory('data');
  const ring = fullRing();
  const saver = new RingSaver({ disk: view, path: 'data/saved-ring.json', directory: 'data', ring, localEndpoint: '10.0.0.1:7000' });
  assert.equal(await saver.saveIfChanged(), true);
  assert.equal(await saver.saveIfChanged(), false);
  ring.updateNormalTokens('10.0.0.4:7000', [75n]);
  assert.equal(await saver.saveIfChanged(), true);
  // Synced and renamed: it survives a crash.
  disk.crash();
  const loaded = await loadSavedRing(disk.view(), 'data/saved-ring.json', silentLogger);
  assert.deepEqual(loaded.map((peer) => peer.endpoint), ['10.0.0.2:7000', '10.0.0.3:7000', '10.0.0.4:7000']);
  assert.deepEqual(await loadSavedRing(disk.view(), 'data/absent.json', silentLogger), []);
  const file = await disk.view().openAppend('data/broken.json');
  await file.append(Buffer.from('[{"endpoint"'));
  await file.close();
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (message) => { warnings.push(message); }, child: () => logger };
  assert.deepEqual(await loadSavedRing(disk.view(), 'data/broken.json', logger), []);
  assert.deepEqual(warnings, ['saved ring ignored']);
});
