// The real Network of common/world.ts over TLS (node:tls), for the native port
// (client_encryption_options) and the storage port (server_encryption_options). Listening
// accepts TCP (network.ts) and hands each socket to a non-listening tls.Server, so one code
// path serves both strict TLS and the "optional" mode, where a port takes TLS and plaintext
// alike: a TLS ClientHello starts with the handshake record type 0x16, while a CQL frame starts
// with a version byte (0x01 to 0x05, or 0x8N for responses), so the first byte decides.
// A connection reaches onConnection only after its handshake completed (and, with
// requireClientAuth, after the peer's certificate verified against the CA), so a peer without
// a valid certificate never reaches the layers above. Failed handshakes are logged with the
// remote address and never thrown.

import type { Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, createSecureContext, createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer, type SecureVersion, type TLSSocket } from 'node:tls';
import { canonicalHost } from '../common/host.js';
import type { Connection, Listener, ListenOptions, Logger, Network } from '../common/world.js';
import { keepAliveInitialDelayMs, listenSockets, socketConnection } from './network.js';

export interface TlsSettings {
  /** PEM private key; may be encrypted (then passphrase is needed). */
  keyPem: string;
  passphrase?: string;
  /** PEM certificate chain, the node's own certificate first. */
  certificatePem: string;
  /** PEM certificates of the authorities trusted for peers. */
  caPem: string;
  /** Listening: ask for a client certificate and refuse peers without a valid one. */
  requireClientAuth: boolean;
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
  /** OpenSSL cipher list (TLS 1.2 names and TLS 1.3 suites); node's default when absent. */
  ciphers?: string;
  /** Connecting: the peer's certificate must name the address connected to (subjectAltName). */
  endpointVerification: boolean;
  /** Bound on a handshake (and, in optional mode, on the wait for the first byte). */
  handshakeTimeoutMs?: number;
}

export interface TlsNetworkOptions {
  logger: Logger;
  /** Listening accepts plaintext too (client_encryption_options.optional). */
  optional?: boolean;
}

const handshakeTimeoutMsDefault = 10_000;
/** First byte of a TLS record carrying a handshake message (RFC 8446 5.1, ContentType 22). */
const tlsHandshakeRecordType = 0x16;

function contextOptions(settings: TlsSettings): SecureContextOptions {
  return {
    key: settings.keyPem,
    cert: settings.certificatePem,
    ca: settings.caPem,
    minVersion: settings.minVersion,
    maxVersion: settings.maxVersion,
    ...(settings.passphrase === undefined ? {} : { passphrase: settings.passphrase }),
    ...(settings.ciphers === undefined ? {} : { ciphers: settings.ciphers }),
  };
}

/**
 * Builds the secure context once, so that a bad key, certificate, passphrase or cipher list is
 * an error at startup rather than at the first connection. Throws node's error (which names
 * the problem, never the key material).
 */
export function checkTlsSettings(settings: TlsSettings): void {
  createSecureContext(contextOptions(settings));
}

/** A TLS Network whose key, certificates and CA can be replaced while it runs. */
export interface ReloadableTlsNetwork extends Network {
  /**
   * Swaps in new key material: listening servers take it for their next handshakes
   * (setSecureContext) and new outgoing connections use it; open connections keep theirs.
   * Throws (and keeps the old material) when the new settings do not make a secure context.
   */
  reload(settings: TlsSettings): void;
}

export function tlsNetwork(settings: TlsSettings, options: TlsNetworkOptions): ReloadableTlsNetwork {
  checkTlsSettings(settings);
  let current = settings;
  const servers = new Set<TlsServer>();
  return {
    listen: (listenOptions, onConnection) => listenTls(() => current, options, { listenOptions, onConnection, servers }),
    connect: (target) => connectTls(current, options, target),
    reload: (next) => {
      const context = contextOptions(next);
      createSecureContext(context);
      current = next;
      for (const server of servers) server.setSecureContext(context);
    },
  };
}

function describeError(error: Error): { error: string; code?: string } {
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? { error: error.message } : { error: error.message, code };
}

function listenTls(
  currentSettings: () => TlsSettings,
  options: TlsNetworkOptions,
  parts: { listenOptions: ListenOptions; onConnection: (connection: Connection) => void; servers: Set<TlsServer> },
): Promise<Listener> {
  const settings = currentSettings();
  const handshakeTimeoutMs = settings.handshakeTimeoutMs ?? handshakeTimeoutMsDefault;
  const server = createTlsServer({
    ...contextOptions(settings),
    requestCert: settings.requireClientAuth,
    rejectUnauthorized: settings.requireClientAuth,
    handshakeTimeout: handshakeTimeoutMs,
  });
  parts.servers.add(server);
  const remotes = new WeakMap<Socket, string>();
  server.on('secureConnection', (socket: TLSSocket) => {
    const names = verifiedPeerNames(socket);
    parts.onConnection(socketConnection(socket, names === undefined ? {} : { peerCertificateNames: names }));
  });
  server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
    // A port probe (connect, then close without a byte: readiness checks) is routine; any
    // peer that started a handshake and failed it, on either side, is worth a warning.
    const fields = { remote: remoteOf(socket, remotes), ...describeError(error) };
    if (bytesReceived(socket) === 0) options.logger.debug('connection closed before a TLS handshake', fields);
    else options.logger.warn('TLS handshake failed', fields);
    socket.destroy();
  });
  return listenSockets(parts.listenOptions, (socket) => {
    remotes.set(socket, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`);
    if (options.optional !== true) {
      server.emit('connection', socket);
      return;
    }
    peekFirstByte(socket, { timeoutMs: handshakeTimeoutMs, logger: options.logger }, (first) => {
      if (first === tlsHandshakeRecordType) server.emit('connection', socket);
      else parts.onConnection(socketConnection(socket));
    });
  });
}

const alternativeName = /(DNS|IP Address):("(?:[^"\\]|\\.)*"|[^,]*)/g;

/**
 * The subjectAltName IP addresses and DNS names of node's text form ("DNS:node1, IP
 * Address:127.0.0.1"; a name with special characters comes JSON-quoted), IPv6 in canonical form.
 */
export function parseSubjectAltNames(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(alternativeName)) {
    let value = (match[2] ?? '').trim();
    if (value.startsWith('"')) {
      try {
        value = String(JSON.parse(value));
      } catch {
        continue;
      }
    }
    if (value !== '') names.push(canonicalHost(value));
  }
  return names;
}

/** The alternative names of the certificate a peer presented, when the handshake verified it. */
function verifiedPeerNames(socket: TLSSocket): string[] | undefined {
  if (!socket.authorized) return undefined;
  const certificate = socket.getPeerCertificate();
  if (Object.keys(certificate).length === 0) return undefined;
  return parseSubjectAltNames(certificate.subjectaltname ?? '');
}

/**
 * The peer of a server-side TLS socket. A socket refused during the handshake has already lost
 * its handle, so fall back on the address noted when the TCP socket it wraps (node keeps it
 * as _parent) was accepted.
 */
function remoteOf(socket: TLSSocket, remotes: WeakMap<Socket, string>): string {
  if (socket.remoteAddress !== undefined) return `${socket.remoteAddress}:${socket.remotePort ?? 0}`;
  const raw = (socket as TLSSocket & { _parent?: Socket })._parent;
  return (raw === undefined ? undefined : remotes.get(raw)) ?? 'unknown';
}

/** Bytes the TCP socket under a server-side TLS socket received (0: the peer never spoke). */
function bytesReceived(socket: TLSSocket): number {
  const raw = (socket as TLSSocket & { _parent?: Socket })._parent;
  return raw?.bytesRead ?? socket.bytesRead;
}

/** Waits for the first bytes without consuming them (they are pushed back for whoever reads next). */
function peekFirstByte(socket: Socket, options: { timeoutMs: number; logger: Logger }, then: (first: number) => void): void {
  const onError = (error: Error) => {
    options.logger.debug('connection failed before its first byte', { remote: socket.remoteAddress, ...describeError(error) });
    socket.destroy();
  };
  socket.on('error', onError);
  socket.setTimeout(options.timeoutMs, () => socket.destroy());
  const onReadable = () => {
    // Everything buffered at once, so the reader above gets the first chunk whole.
    const head = socket.read() as Buffer | null;
    if (head === null) {
      if (socket.readableEnded || socket.destroyed) return;
      socket.once('readable', onReadable);
      return;
    }
    socket.unshift(head);
    socket.setTimeout(0);
    socket.off('error', onError);
    socket.off('end', onEnd);
    then(head[0] ?? 0);
  };
  socket.once('readable', onReadable);
  // A peer that closes before its first byte is done with; once handed over, ends belong to the reader.
  const onEnd = () => socket.destroy();
  socket.once('end', onEnd);
}

function connectTls(
  settings: TlsSettings,
  options: TlsNetworkOptions,
  target: { host: string; port: number; localAddress?: string },
): Promise<Connection> {
  const timeoutMs = settings.handshakeTimeoutMs ?? handshakeTimeoutMsDefault;
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      ...contextOptions(settings),
      host: target.host,
      port: target.port,
      ...(target.localAddress === undefined ? {} : { localAddress: target.localAddress }),
      rejectUnauthorized: true,
      // Peers are addressed by IP: node checks the IP against the certificate's IP SANs. Without
      // endpoint verification only the CA signature counts (Cassandra's default).
      checkServerIdentity: settings.endpointVerification ? checkServerIdentity : () => undefined,
    });
    const onError = (error: Error) => {
      // A refused or unreachable TCP connect (syscall errors) is the caller's ordinary retry
      // case; a failed handshake (certificate, protocol) deserves a warning.
      const fields = { remote: `${target.host}:${target.port}`, ...describeError(error) };
      if ((error as NodeJS.ErrnoException).syscall !== undefined) options.logger.debug('TLS connection failed', fields);
      else options.logger.warn('TLS connection failed', fields);
      socket.destroy();
      reject(error);
    };
    socket.once('error', onError);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`TLS handshake with ${target.host}:${target.port} timed out after ${timeoutMs} ms`)));
    socket.once('secureConnect', () => {
      socket.setTimeout(0);
      socket.off('error', onError);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, keepAliveInitialDelayMs);
      resolve(socketConnection(socket));
    });
  });
}
