import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { segmentBacklogBytesMax } from '../common/limits.js';
import type { FrameDecodeResult } from '../protocol/frame.js';
import { encodeSegments } from '../protocol/segment.js';
import { ClientFrameReader } from './frame-reader.js';
import { frameBytes, op, stringMapBytes } from './raw-client.test.js';

const startup = (version: number) => frameBytes({ version, stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
const options = (version: number, stream: number) => frameBytes({ version, stream, opcode: op.OPTIONS });

function streams(results: FrameDecodeResult[]): Array<[number, number]> {
  return results.map((result) => {
    assert.equal(result.kind, 'frame');
    const { header } = (result as Extract<FrameDecodeResult, { kind: 'frame' }>).frame;
    return [header.version, header.stream];
  });
}

describe('ClientFrameReader', () => {
  it('v4: the frames behind STARTUP are cut at once, and v5 is refused from then on', () => {
    const reader = new ClientFrameReader({ bodyBytesMax: 1 << 20 });
    const results = reader.push(Buffer.concat([options(5, 1), startup(4), options(4, 2)]));
    assert.deepEqual(streams(results), [[5, 1], [4, 0], [4, 2]]);
    assert.equal(reader.awaitingStartup, false);
    assert.deepEqual(reader.push(options(5, 3)), [{ kind: 'unsupportedVersion', version: 5, stream: 3 }]);
  });

  it('v5: the bytes behind STARTUP wait for its options, then are read as segments', () => {
    for (const compressed of [false, true]) {
      const reader = new ClientFrameReader({ bodyBytesMax: 1 << 20 });
      const first = encodeSegments([options(5, 1)], { compressed });
      const second = encodeSegments([options(5, 2), options(5, 3)], { compressed });
      assert.deepEqual(streams(reader.push(Buffer.concat([startup(5), first.subarray(0, 4)]))), [[5, 0]]);
      assert.equal(reader.awaitingStartup, true);
      assert.deepEqual(reader.push(first.subarray(4)), []);
      assert.deepEqual(streams(reader.startSegments({ compressed })), [[5, 1]]);
      assert.deepEqual(streams(reader.push(second)), [[5, 2], [5, 3]]);
    }
  });

  it('v5 STARTUP refused: the bytes behind it are plain frames of the handshake again', () => {
    const reader = new ClientFrameReader({ bodyBytesMax: 1 << 20 });
    assert.deepEqual(streams(reader.push(Buffer.concat([startup(5), options(5, 1)]))), [[5, 0]]);
    assert.deepEqual(streams(reader.resumeHandshake()), [[5, 1]]);
    assert.equal(reader.awaitingStartup, false);
    assert.deepEqual(streams(reader.push(startup(4))), [[4, 0]]);
  });

  it('what may wait behind a v5 STARTUP is bounded', () => {
    const reader = new ClientFrameReader({ bodyBytesMax: 1 << 20 });
    reader.push(startup(5));
    assert.deepEqual(reader.push(Buffer.alloc(segmentBacklogBytesMax)), []);
    const [overrun] = reader.push(Buffer.alloc(1));
    assert.ok(overrun?.kind === 'error');
    assert.match(overrun.error.message, /Too many bytes sent before the answer to a protocol v5 STARTUP/);
    assert.deepEqual(reader.push(Buffer.alloc(10)), []);
  });
});
