import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemNetwork } from './network.js';
import type { Connection } from '../common/world.js';

test('listen on port 0, connect, exchange bytes both ways, close', async () => {
  const network = systemNetwork();
  const accepted: Connection[] = [];
  const listener = await network.listen({ host: '127.0.0.1', port: 0 }, (connection) => {
    accepted.push(connection);
    connection.onData((chunk) => connection.write(Buffer.concat([Buffer.from('echo:'), chunk])));
  });
  assert.ok(listener.port > 0);
  const client = await network.connect({ host: '127.0.0.1', port: listener.port });
  assert.equal(client.remoteAddress, '127.0.0.1');
  assert.equal(client.remotePort, listener.port);
  const received = new Promise<string>((resolve) => client.onData((chunk) => resolve(chunk.toString())));
  client.write(Buffer.from('hello'));
  assert.equal(await received, 'echo:hello');

  const serverClosed = new Promise<void>((resolve) => accepted[0]?.onClose(() => resolve()));
  client.end();
  await serverClosed;
  await listener.close();
});

test('connect to a closed port fails', async () => {
  const network = systemNetwork();
  const listener = await network.listen({ host: '127.0.0.1', port: 0 }, () => undefined);
  const port = listener.port;
  await listener.close();
  await assert.rejects(network.connect({ host: '127.0.0.1', port }));
});

test('listen on a port in use fails', async () => {
  const network = systemNetwork();
  const listener = await network.listen({ host: '127.0.0.1', port: 0 }, () => undefined);
  await assert.rejects(network.listen({ host: '127.0.0.1', port: listener.port }, () => undefined), /EADDRINUSE/);
  await listener.close();
});

test('a close listener attached after the close still runs once', async () => {
  const network = systemNetwork();
  const listener = await network.listen({ host: '127.0.0.1', port: 0 }, (connection) => connection.destroy());
  const client = await network.connect({ host: '127.0.0.1', port: listener.port });
  await new Promise<void>((resolve) => client.onClose(() => resolve()));
  let calls = 0;
  client.onClose(() => calls++);
  assert.equal(calls, 1);
  await listener.close();
});
