// Whole messages: a frame body <-> RequestMessage / ResponseMessage, by opcode, plus the
// frame flags that prefix a body (tracing id, warnings, custom payload; spec 2.2).
// Bodies handed to the decoders are already decompressed (compression.ts). The header's
// version (4 or 5) picks the layouts; a v5 frame is an "envelope" inside segments (segment.ts).

import { assert } from '../common/assert.js';
import { protocolError } from '../common/errors.js';
import { compressBody } from './compression.js';
import { ERROR } from './error-codec.js';
import { encodeFrameHeader, writeFrameHeader } from './frame.js';
import { FrameFlag, HEADER_BYTES, Opcode, PROTOCOL_VERSION, PROTOCOL_VERSIONS_TEXT, type FrameHeader, type RequestMessage, type ResponseMessage } from './messages.js';
import { ProtocolReader } from './reader.js';
import { AUTH_RESPONSE, BATCH, EXECUTE, OPTIONS, PREPARE, QUERY, REGISTER, STARTUP } from './requests.js';
import { AUTH_CHALLENGE, AUTH_SUCCESS, AUTHENTICATE, EVENT, READY, SUPPORTED } from './responses.js';
import { RESULT } from './result.js';
import { ProtocolWriter } from './writer.js';

const opcodeNames = new Map<number, string>();
for (const [name, opcode] of Object.entries(Opcode)) {
  if (opcodeNames.has(opcode)) throw new Error(`duplicate opcode ${opcode} for ${name}`);
  opcodeNames.set(opcode, name);
}

function opcodeText(opcode: number): string {
  return opcodeNames.get(opcode) ?? `0x${opcode.toString(16).padStart(2, '0')}`;
}

/** Decodes a request body (decompressed). Anything malformed or left over is a ProtocolError. */
export function decodeRequest(header: FrameHeader, body: Buffer): RequestMessage {
  if (header.isResponse) throw protocolError(`Unexpected response frame (opcode ${opcodeText(header.opcode)}) from a client`);
  const reader = new ProtocolReader(body, header.version);
  // The custom payload is for custom query handlers; this server has none, so it is read and dropped.
  if ((header.flags & FrameFlag.CUSTOM_PAYLOAD) !== 0) reader.readBytesMap('custom payload');
  const request = decodeRequestBody(header.opcode, reader);
  reader.expectEnd(`${opcodeText(header.opcode)} message`);
  return request;
}

function decodeRequestBody(opcode: number, reader: ProtocolReader): RequestMessage {
  switch (opcode) {
    case Opcode.STARTUP: return STARTUP.decode(reader);
    case Opcode.AUTH_RESPONSE: return AUTH_RESPONSE.decode(reader);
    case Opcode.OPTIONS: return OPTIONS.decode(reader);
    case Opcode.QUERY: return QUERY.decode(reader);
    case Opcode.PREPARE: return PREPARE.decode(reader);
    case Opcode.EXECUTE: return EXECUTE.decode(reader);
    case Opcode.BATCH: return BATCH.decode(reader);
    case Opcode.REGISTER: return REGISTER.decode(reader);
    default:
      if (opcodeNames.has(opcode)) throw protocolError(`${opcodeText(opcode)} is not a request message`);
      throw protocolError(`Unknown opcode ${opcodeText(opcode)}`);
  }
}

function encodeRequestBody(request: RequestMessage, writer: ProtocolWriter): void {
  switch (request.opcode) {
    case Opcode.STARTUP: return STARTUP.encode(request, writer);
    case Opcode.AUTH_RESPONSE: return AUTH_RESPONSE.encode(request, writer);
    case Opcode.OPTIONS: return OPTIONS.encode(request, writer);
    case Opcode.QUERY: return QUERY.encode(request, writer);
    case Opcode.PREPARE: return PREPARE.encode(request, writer);
    case Opcode.EXECUTE: return EXECUTE.encode(request, writer);
    case Opcode.BATCH: return BATCH.encode(request, writer);
    case Opcode.REGISTER: return REGISTER.encode(request, writer);
  }
}

/** The body size when the codec knows it up front (else a small guess: the writer grows). */
export function responseBodySize(response: ResponseMessage, version: number = PROTOCOL_VERSION): number {
  switch (response.opcode) {
    case Opcode.READY: return READY.encodedSize?.(response) ?? 0;
    case Opcode.AUTHENTICATE: return AUTHENTICATE.encodedSize?.(response) ?? 0;
    case Opcode.SUPPORTED: return SUPPORTED.encodedSize?.(response) ?? 0;
    case Opcode.RESULT: return RESULT.encodedSize?.(response, version) ?? 0;
    case Opcode.AUTH_CHALLENGE: return AUTH_CHALLENGE.encodedSize?.(response) ?? 0;
    case Opcode.AUTH_SUCCESS: return AUTH_SUCCESS.encodedSize?.(response) ?? 0;
    default: return 192;
  }
}

function encodeResponseBody(response: ResponseMessage, writer: ProtocolWriter): void {
  switch (response.opcode) {
    case Opcode.ERROR: return ERROR.encode(response, writer);
    case Opcode.READY: return READY.encode(response, writer);
    case Opcode.AUTHENTICATE: return AUTHENTICATE.encode(response, writer);
    case Opcode.SUPPORTED: return SUPPORTED.encode(response, writer);
    case Opcode.RESULT: return RESULT.encode(response, writer);
    case Opcode.EVENT: return EVENT.encode(response, writer);
    case Opcode.AUTH_CHALLENGE: return AUTH_CHALLENGE.encode(response, writer);
    case Opcode.AUTH_SUCCESS: return AUTH_SUCCESS.encode(response, writer);
  }
}

function decodeResponseBody(opcode: number, reader: ProtocolReader): ResponseMessage {
  switch (opcode) {
    case Opcode.ERROR: return ERROR.decode(reader);
    case Opcode.READY: return READY.decode(reader);
    case Opcode.AUTHENTICATE: return AUTHENTICATE.decode(reader);
    case Opcode.SUPPORTED: return SUPPORTED.decode(reader);
    case Opcode.RESULT: return RESULT.decode(reader);
    case Opcode.EVENT: return EVENT.decode(reader);
    case Opcode.AUTH_CHALLENGE: return AUTH_CHALLENGE.decode(reader);
    case Opcode.AUTH_SUCCESS: return AUTH_SUCCESS.decode(reader);
    default:
      if (opcodeNames.has(opcode)) throw protocolError(`${opcodeText(opcode)} is not a response message`);
      throw protocolError(`Unknown opcode ${opcodeText(opcode)}`);
  }
}

export interface EncodeRequestOptions {
  compress?: boolean;
  /** Asks the server to trace the request (flag only, no body change). */
  tracing?: boolean;
  /** The protocol version of the header and the body's layout; 4 unless given. */
  version?: number;
}

/** A whole request frame, header included. */
export function encodeRequest(stream: number, request: RequestMessage, options: EncodeRequestOptions = {}): Buffer {
  const version = options.version ?? PROTOCOL_VERSION;
  const writer = new ProtocolWriter(256, version);
  encodeRequestBody(request, writer);
  const flags = options.tracing === true ? FrameFlag.TRACING : 0;
  return frame({ version, stream, opcode: request.opcode, isResponse: false, flags }, writer.finish(), { compress: options.compress === true });
}

export interface EncodeResponseOptions {
  /** Compresses the body (v4 only: v5 compresses whole segments instead). */
  compress?: boolean;
  /** The protocol version of the header and the body's layout; 4 unless given. */
  version?: number;
  /** Sets the tracing flag and puts this 16-byte session id first in the body. */
  tracingId?: Buffer;
  /** Server warnings for the client (flag 0x08). */
  warnings?: readonly string[];
}

/** A whole response frame, header included. */
export function encodeResponse(stream: number, response: ResponseMessage, options: EncodeResponseOptions = {}): Buffer {
  const compress = options.compress === true;
  const version = options.version ?? PROTOCOL_VERSION;
  const writer = new ProtocolWriter(64 + responseBodySize(response, version), version);
  // Uncompressed, the header's bytes are reserved first and filled in last: no copy of the body.
  if (!compress) writer.writeRaw(headerPlaceholder);
  let flags = 0;
  if (options.tracingId !== undefined) {
    flags |= FrameFlag.TRACING;
    writer.writeUuid(options.tracingId);
  }
  if (options.warnings !== undefined && options.warnings.length > 0) {
    flags |= FrameFlag.WARNING;
    writer.writeStringList(options.warnings);
  }
  encodeResponseBody(response, writer);
  if (compress) return frame({ version, stream, opcode: response.opcode, isResponse: true, flags }, writer.finish(), { compress: true });
  const bytes = writer.finish();
  writeFrameHeader(bytes, { version, stream, opcode: response.opcode, isResponse: true, flags, bodyLength: bytes.length - HEADER_BYTES });
  return bytes;
}

const headerPlaceholder = Buffer.alloc(HEADER_BYTES);

interface FrameFields {
  version: number;
  stream: number;
  opcode: number;
  isResponse: boolean;
  flags: number;
}

function frame(fields: FrameFields, body: Buffer, { compress }: { compress: boolean }): Buffer {
  const payload = compress ? compressBody(body) : body;
  const flags = fields.flags | (compress ? FrameFlag.COMPRESSION : 0);
  const header = encodeFrameHeader({ ...fields, flags, bodyLength: payload.length });
  assert(header.length === HEADER_BYTES, 'frame header is 9 bytes');
  return Buffer.concat([header, payload]);
}

export interface ResponseEnvelope {
  message: ResponseMessage;
  tracingId: Buffer | null;
  warnings: string[];
  customPayload: Map<string, Buffer | null> | null;
}

/** Decodes a response body (decompressed) with the flag-driven prefixes. */
export function decodeResponseEnvelope(header: FrameHeader, body: Buffer): ResponseEnvelope {
  if (!header.isResponse) throw protocolError(`Unexpected request frame (opcode ${opcodeText(header.opcode)}) from a server`);
  const reader = new ProtocolReader(body, header.version);
  const tracingId = (header.flags & FrameFlag.TRACING) !== 0 ? reader.readUuid('tracing id') : null;
  const warnings = (header.flags & FrameFlag.WARNING) !== 0 ? reader.readStringList('warnings') : [];
  const customPayload = (header.flags & FrameFlag.CUSTOM_PAYLOAD) !== 0 ? reader.readBytesMap('custom payload') : null;
  const message = decodeResponseBody(header.opcode, reader);
  reader.expectEnd(`${opcodeText(header.opcode)} message`);
  return { message, tracingId, warnings, customPayload };
}

export function decodeResponse(header: FrameHeader, body: Buffer): ResponseMessage {
  return decodeResponseEnvelope(header, body).message;
}

/** The answer to a frame of another protocol version: a v4 ProtocolError on its stream. */
export function unsupportedVersionFrame(stream: number, version: number): Buffer {
  return protocolErrorFrame(stream, unsupportedVersionMessage(version));
}

/** Drivers match this text ("Invalid or unsupported protocol version") to step down a version. */
export function unsupportedVersionMessage(version: number): string {
  return `Invalid or unsupported protocol version (${version}); supported versions are (${PROTOCOL_VERSIONS_TEXT.join(', ')})`;
}

export function protocolErrorFrame(stream: number, message: string): Buffer {
  const error = protocolError(message);
  return encodeResponse(stream, { opcode: Opcode.ERROR, code: error.code, message, details: error.details });
}
