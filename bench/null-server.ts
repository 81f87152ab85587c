// The protocol ceiling: a native-protocol server built from the project's own frame decoder
// and message codecs that does no database work. Each request is decoded in full and answered
// with an empty RESULT (Void for writes and anything else, Rows with no rows for reads);
// STARTUP, OPTIONS, REGISTER and PREPARE are answered properly, and system.local gets a row,
// so both the lean client and the official driver run against it unchanged. Responses of one
// event-loop turn go out in one write. Run as its own process, so its CPU is measured the way a
// node's is:   node dist/bench/null-server.js --host 127.0.0.1 --port 9042

import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { invalidRequest, unprepared, type CqlError } from '../src/db/common/errors.js';
import { decodeRequest, encodeResponse, protocolErrorFrame, unsupportedVersionFrame } from '../src/db/protocol/codec.js';
import { native } from '../src/db/protocol/data-type.js';
import { FrameDecoder } from '../src/db/protocol/frame.js';
import { Opcode, type ColumnSpec, type RequestMessage, type ResponseMessage } from '../src/db/protocol/messages.js';
import { encodeValue } from '../src/db/protocol/type-codecs.js';
import { statementShapes, type StatementShape } from './statements.js';

const VOID: ResponseMessage = { opcode: Opcode.RESULT, result: { kind: 'void' } };

const localColumns: Array<[string, ColumnSpec['type'], unknown]> = [
  ['key', native('text'), 'local'],
  ['cluster_name', native('text'), 'Protocol Ceiling'],
  ['data_center', native('text'), 'datacenter1'],
  ['rack', native('text'), 'rack1'],
  ['release_version', native('text'), '4.0.0'],
  ['partitioner', native('text'), 'org.apache.cassandra.dht.Murmur3Partitioner'],
  ['host_id', native('uuid'), '2f1b7a4e-0000-4000-8000-00000000ce11'],
  ['schema_version', native('uuid'), '2f1b7a4e-0000-4000-8000-00000000ce12'],
  ['tokens', { kind: 'set', element: native('text'), frozen: false }, ['0']],
];

function systemLocalRows(rpcAddress: string): ResponseMessage {
  const columns = [...localColumns, ['rpc_address', native('inet'), rpcAddress] as [string, ColumnSpec['type'], unknown]];
  return {
    opcode: Opcode.RESULT,
    result: {
      kind: 'rows',
      metadata: { columns: columns.map(([name, type]) => ({ keyspace: 'system', table: 'local', name, type })), columnCount: columns.length, pagingState: null },
      rows: [columns.map(([, type, value]) => encodeValue(type, value))],
    },
  };
}

function emptyRows(columns: ColumnSpec[], skipMetadata: boolean): ResponseMessage {
  return { opcode: Opcode.RESULT, result: { kind: 'rows', metadata: { columns: skipMetadata ? null : columns, columnCount: columns.length, pagingState: null }, rows: [] } };
}

function errorResponse(error: CqlError): ResponseMessage {
  return { opcode: Opcode.ERROR, code: error.code, message: error.message, details: error.details };
}

class Ceiling {
  /** Prepared statements by id (hex): whether they read, and their result columns. */
  private readonly prepared = new Map<string, StatementShape>();

  constructor(private readonly host: string) {}

  answer(request: RequestMessage): ResponseMessage {
    switch (request.opcode) {
      case Opcode.STARTUP:
      case Opcode.REGISTER:
        return { opcode: Opcode.READY };
      case Opcode.OPTIONS:
        return { opcode: Opcode.SUPPORTED, options: new Map([['CQL_VERSION', ['3.4.5']], ['COMPRESSION', []], ['PROTOCOL_VERSIONS', ['4/v4']]]) };
      case Opcode.QUERY:
        if (/\bsystem\.local\b/i.test(request.query)) return systemLocalRows(this.host);
        return /^\s*select\b/i.test(request.query) ? emptyRows([], false) : VOID;
      case Opcode.PREPARE:
        return this.prepare(request.query);
      case Opcode.EXECUTE: {
        const shape = this.prepared.get(request.id.toString('hex'));
        if (shape === undefined) return errorResponse(unprepared(request.id));
        return shape.result.length === 0 ? VOID : emptyRows(shape.result, request.parameters.skipMetadata);
      }
      default:
        return VOID;
    }
  }

  private prepare(query: string): ResponseMessage {
    const shape = statementShapes.get(query);
    if (shape === undefined) return errorResponse(invalidRequest(`the ceiling server knows no statement '${query.slice(0, 80)}'`));
    const id = createHash('md5').update(query).digest();
    this.prepared.set(id.toString('hex'), shape);
    return {
      opcode: Opcode.RESULT,
      result: {
        kind: 'prepared', id,
        metadata: { columns: shape.bound, partitionKeyIndices: shape.partitionKeyIndices },
        resultMetadata: { columns: shape.result, columnCount: shape.result.length, pagingState: null },
      },
    };
  }
}

function serve(socket: Socket, ceiling: Ceiling): void {
  socket.setNoDelay(true);
  const decoder = new FrameDecoder();
  let queued: Buffer[] = [];
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    for (const result of decoder.push(chunk)) {
      if (result.kind === 'unsupportedVersion') {
        socket.end(unsupportedVersionFrame(result.stream, result.version));
        return;
      }
      if (result.kind === 'error') {
        socket.end(protocolErrorFrame(result.stream, result.error.message));
        return;
      }
      if (result.kind === 'refused') {
        queued.push(protocolErrorFrame(result.stream, result.error.message));
        continue;
      }
      const { header, body } = result.frame;
      let response: ResponseMessage;
      try {
        response = ceiling.answer(decodeRequest(header, body));
      } catch (error) {
        queued.push(protocolErrorFrame(header.stream, (error as Error).message));
        continue;
      }
      queued.push(encodeResponse(header.stream, response));
    }
    if (queued.length > 0) {
      socket.write(queued.length === 1 ? queued[0] as Buffer : Buffer.concat(queued));
      queued = [];
    }
  });
}

function main(): void {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string): string => {
    const index = args.indexOf(name);
    return index >= 0 ? (args[index + 1] ?? fallback) : fallback;
  };
  const host = flag('--host', '127.0.0.1');
  const port = Number(flag('--port', '9042'));
  const ceiling = new Ceiling(host);
  const server = createServer((socket) => serve(socket, ceiling));
  server.listen(port, host, () => console.log(`ceiling server listening on ${host}:${port}`));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
