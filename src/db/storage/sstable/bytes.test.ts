import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorruptionError } from '../../common/errors.js';
import { ByteReader, ByteWriter } from './bytes.js';

describe('byte writer and reader', () => {
  it('round-trips every field type across buffer growth', () => {
    const out = new ByteWriter(1);
    for (let i = 0; i < 200; i++) {
      out.u8(i & 0xff);
      out.u16(i * 7);
      out.u32(i * 100_003);
      out.i32(0 - i);
      out.u48(i * 2 ** 40);
      out.safeInteger(-(2 ** 53) + 1 + i);
      out.f64(i / 3);
      out.i64(BigInt(i) * -(2n ** 55n));
      out.shortBytes(Buffer.alloc(i % 5, i));
      out.longBytes(Buffer.alloc(i % 7, i));
      out.shortString(`é${i}`);
    }
    const input = new ByteReader(Buffer.from(out.view()), { path: 'f', offset: 100 });
    for (let i = 0; i < 200; i++) {
      assert.equal(input.u8(), i & 0xff);
      assert.equal(input.u16(), i * 7);
      assert.equal(input.u32(), i * 100_003);
      assert.equal(input.i32(), 0 - i);
      assert.equal(input.u48(), i * 2 ** 40);
      assert.equal(input.safeInteger(), -(2 ** 53) + 1 + i);
      assert.equal(input.f64(), i / 3);
      assert.equal(input.i64(), BigInt(i) * -(2n ** 55n));
      assert.deepEqual(input.shortBytes(), Buffer.alloc(i % 5, i));
      assert.deepEqual(input.longBytes(100), Buffer.alloc(i % 7, i));
      assert.equal(input.shortString(), `é${i}`);
    }
    input.expectEnd();
  });

  it('throws CorruptionError with the absolute offset on short input', () => {
    const input = new ByteReader(Buffer.from([0, 0, 0, 9, 1]), { path: 'file.db', offset: 1000 });
    assert.throws(() => input.longBytes(100), (error: unknown) => error instanceof CorruptionError && error.offset === 1004 && error.path === 'file.db');
    assert.throws(() => new ByteReader(Buffer.from([0, 0, 1, 0]), { path: 'f', offset: 0 }).longBytes(10), CorruptionError);
    const notInteger = Buffer.alloc(8);
    notInteger.writeDoubleBE(0.5);
    assert.throws(() => new ByteReader(notInteger, { path: 'f', offset: 0 }).safeInteger(), CorruptionError);
  });
});
