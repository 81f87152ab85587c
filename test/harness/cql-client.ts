// A small native-protocol v4 client over a world Connection, built on the project's codecs
// (src/db/protocol): STARTUP (with PasswordAuthenticator's SASL PLAIN when asked), QUERY,
// PREPARE, EXECUTE and BATCH, with results decoded by their column types. The whole-node
// harness (node-cluster.ts) speaks real CQL frames through it to nodes on the simulated
// network, as a driver would.

import type { ConsistencyLevel } from '../../src/db/common/consistency.js';
import type { Connection, Network } from '../../src/db/common/world.js';
import { decodeResponse, encodeRequest } from '../../src/db/protocol/codec.js';
import { FrameDecoder } from '../../src/db/protocol/frame.js';
import { BatchType, Opcode, type BoundValue, type ColumnSpec, type QueryParameters, type RequestMessage, type ResponseMessage, type ResultMessage } from '../../src/db/protocol/messages.js';
import { decodeValue, encodeValue } from '../../src/db/protocol/type-codecs.js';

/** An ERROR response, with the spec's code (0x1000 Unavailable, 0x2100 Unauthorized, ...). */
export class CqlError extends Error {
  constructor(readonly code: number, message: string) {
    super(`CQL error 0x${code.toString(16)}: ${message}`);
  }
}

export type Row = Record<string, unknown>;

export interface Prepared {
  id: Buffer;
  columns: ColumnSpec[];
}

const streamsMax = 1024;

export class CqlClient {
  private readonly decoder = new FrameDecoder();
  private readonly waiting = new Map<number, (response: ResponseMessage | Error) => void>();
  private nextStream = 0;
  private closedError: Error | undefined;

  private constructor(private readonly connection: Connection) {
    connection.onData((chunk) => this.received(chunk));
    connection.onClose((error) => this.fail(error ?? new Error('connection closed')));
  }

  /** Connects and starts a session, logging in when the node asks for credentials. */
  static async connect(network: Network, options: { host: string; port: number; credentials?: { user: string; password: string } }): Promise<CqlClient> {
    const client = new CqlClient(await network.connect({ host: options.host, port: options.port }));
    try {
      const answer = await client.call({ opcode: Opcode.STARTUP, options: new Map([['CQL_VERSION', '3.0.0']]) });
      if (answer.opcode === Opcode.AUTHENTICATE) {
        const { user, password } = options.credentials ?? { user: '', password: '' };
        const token = Buffer.from(`\0${user}\0${password}`, 'utf8');
        expectOpcode(await client.call({ opcode: Opcode.AUTH_RESPONSE, token }), Opcode.AUTH_SUCCESS);
      } else expectOpcode(answer, Opcode.READY);
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  async query(cql: string, consistency: ConsistencyLevel, values: BoundValue[] = []): Promise<Row[]> {
    return rowsOf(await this.result({ opcode: Opcode.QUERY, query: cql, parameters: parameters(consistency, values) }));
  }

  async prepare(cql: string): Promise<Prepared> {
    const result = await this.result({ opcode: Opcode.PREPARE, query: cql });
    if (result.kind !== 'prepared') throw new Error(`PREPARE answered with a ${result.kind} result`);
    return { id: result.id, columns: result.metadata.columns };
  }

  /** Binds plain values (numbers, strings, ...) by the prepared statement's column types. */
  async execute(prepared: Prepared, values: unknown[], consistency: ConsistencyLevel): Promise<Row[]> {
    const bound = values.map((value, index) => {
      const column = prepared.columns[index];
      if (column === undefined) throw new Error(`no bind marker ${index}`);
      return value === null ? null : encodeValue(column.type, value);
    });
    return rowsOf(await this.result({ opcode: Opcode.EXECUTE, id: prepared.id, parameters: parameters(consistency, bound) }));
  }

  async batch(statements: string[], consistency: ConsistencyLevel, type: BatchType = BatchType.LOGGED): Promise<void> {
    await this.result({
      opcode: Opcode.BATCH,
      batch: { type, statements: statements.map((query) => ({ kind: 'query', query, values: [] })), consistency, serialConsistency: null, defaultTimestamp: null },
    });
  }

  close(): void {
    this.connection.destroy();
  }

  private async result(request: RequestMessage): Promise<ResultMessage> {
    const response = await this.call(request);
    if (response.opcode === Opcode.ERROR) throw new CqlError(response.code, response.message);
    if (response.opcode !== Opcode.RESULT) throw new Error(`expected RESULT, got opcode ${response.opcode}`);
    return response.result;
  }

  private call(request: RequestMessage): Promise<ResponseMessage> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    if (this.waiting.size >= streamsMax) return Promise.reject(new Error(`more than ${streamsMax} requests in flight`));
    while (this.waiting.has(this.nextStream)) this.nextStream = (this.nextStream + 1) % streamsMax;
    const stream = this.nextStream;
    this.nextStream = (stream + 1) % streamsMax;
    return new Promise((resolve, reject) => {
      this.waiting.set(stream, (response) => (response instanceof Error ? reject(response) : resolve(response)));
      this.connection.write(encodeRequest(stream, request));
    });
  }

  private received(chunk: Buffer): void {
    for (const result of this.decoder.push(chunk)) {
      if (result.kind !== 'frame') {
        this.fail(new Error(`undecodable frame (${result.kind})`));
        return;
      }
      const { header, body } = result.frame;
      const done = this.waiting.get(header.stream);
      // Events (stream -1) are not asked for; a response on an idle stream is a server bug.
      if (header.stream < 0) continue;
      if (done === undefined) {
        this.fail(new Error(`response on idle stream ${header.stream}`));
        return;
      }
      this.waiting.delete(header.stream);
      done(decodeResponse(header, body));
    }
  }

  private fail(error: Error): void {
    this.closedError ??= error;
    for (const done of this.waiting.values()) done(error);
    this.waiting.clear();
    this.connection.destroy();
  }
}

function parameters(consistency: ConsistencyLevel, values: BoundValue[]): QueryParameters {
  return { consistency, values, names: null, skipMetadata: false, pageSize: null, pagingState: null, serialConsistency: null, defaultTimestamp: null };
}

function expectOpcode(response: ResponseMessage, opcode: number): void {
  if (response.opcode === Opcode.ERROR) throw new CqlError(response.code, response.message);
  if (response.opcode !== opcode) throw new Error(`expected opcode ${opcode}, got ${response.opcode}`);
}

function rowsOf(result: ResultMessage): Row[] {
  if (result.kind !== 'rows') return [];
  const columns = result.metadata.columns ?? [];
  return result.rows.map((cells) => Object.fromEntries(columns.map((column, index) => {
    const cell = cells[index];
    return [column.name, cell === null || cell === undefined ? null : decodeValue(column.type, cell)];
  })));
}
