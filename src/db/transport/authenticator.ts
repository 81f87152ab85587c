// How the server authenticates clients (spec 4.2.3 AUTHENTICATE, 4.1.2 AUTH_RESPONSE,
// 4.2.7 AUTH_CHALLENGE, 4.2.8 AUTH_SUCCESS). The server only drives the exchange; the auth
// layer implements these interfaces (e.g. PasswordAuthenticator with SASL PLAIN).

import type { ClientState } from './query-handler.js';

export type SaslStep =
  | { kind: 'challenge'; token: Buffer | null }
  | { kind: 'success'; user: string; token: Buffer | null };

/** One authentication exchange on one connection. */
export interface SaslNegotiator {
  /** Evaluates the client's token; throws CqlError BadCredentials when authentication fails. */
  evaluateResponse(token: Buffer | null): Promise<SaslStep>;
}

export interface Authenticator {
  /** Sent in AUTHENTICATE, e.g. 'org.apache.cassandra.auth.PasswordAuthenticator'. */
  readonly className: string;
  newSaslNegotiator(state: ClientState): SaslNegotiator;
}
