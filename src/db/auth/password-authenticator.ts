// Cassandra's PasswordAuthenticator over the native protocol's SASL exchange: AUTHENTICATE
// names org.apache.cassandra.auth.PasswordAuthenticator, the client answers with a PLAIN token
// (authzid NUL user NUL password), and the role's bcrypt hash decides. Failures get
// BadCredentials with Cassandra's message, are logged with the client address and role name
// (never the password), and are slowed down per address (login-throttle.ts).
//
// Shaped like transport/authenticator.ts's Authenticator (auth sits below transport, so the
// interface is matched structurally rather than imported).

import { CqlError, ErrorCode, badCredentials } from '../common/errors.js';
import { saslTokenBytesMax } from '../common/limits.js';
import type { Clock } from '../common/world.js';
import type { AuthService } from './auth-service.js';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';

export const PASSWORD_AUTHENTICATOR_CLASS = 'org.apache.cassandra.auth.PasswordAuthenticator';

export type SaslStep =
  | { kind: 'challenge'; token: Buffer | null }
  | { kind: 'success'; user: string; token: Buffer | null };

/** SASL PLAIN (RFC 4616): the last two NUL-separated fields are the user and the password. */
export function decodePlainToken(token: Buffer | null): { user: string; password: string } {
  if (token === null || token.length === 0) throw badCredentials('Authentication ID must not be null');
  if (token.length > saslTokenBytesMax) throw badCredentials(`Credentials are longer than ${saslTokenBytesMax} bytes`);
  const last = token.lastIndexOf(0);
  if (last < 0) throw badCredentials('Authentication ID must not be null');
  const password = token.subarray(last + 1).toString('utf8');
  const before = token.lastIndexOf(0, last - 1);
  const user = token.subarray(before < 0 ? 0 : before + 1, last).toString('utf8');
  if (user.length === 0) throw badCredentials('Authentication ID must not be null');
  if (password.length === 0) throw badCredentials('Password must not be null');
  return { user, password };
}

export class PasswordAuthenticator {
  readonly className = PASSWORD_AUTHENTICATOR_CLASS;
  private readonly throttle: LoginThrottle;

  constructor(private readonly auth: AuthService, private readonly clock: Clock, throttle: LoginThrottleOptions = {}) {
    this.throttle = new LoginThrottle(clock, throttle);
  }

  newSaslNegotiator(state: { remoteAddress: string }): { evaluateResponse(token: Buffer | null): Promise<SaslStep> } {
    return { evaluateResponse: (token) => this.authenticate(token, state.remoteAddress) };
  }

  private async authenticate(token: Buffer | null, address: string): Promise<SaslStep> {
    let user: string | null = null;
    try {
      const credentials = decodePlainToken(token);
      user = credentials.user;
      if (!(await this.auth.login(credentials.user, credentials.password))) {
        throw badCredentials(`Provided username ${credentials.user} and/or password are incorrect`);
      }
    } catch (error) {
      if (error instanceof CqlError && error.code !== ErrorCode.BadCredentials) {
        // The roles could not be read (replicas down): not the client's fault, so not throttled.
        this.auth.logger.warn('authentication could not be performed', { address, username: user, message: error.message });
        throw badCredentials(`Unable to perform authentication: ${error.message}`);
      }
      const delayMs = this.throttle.failed(address);
      this.auth.logger.warn('authentication failed', { address, username: user, failures: this.throttle.failureCount(address), delayMs });
      if (delayMs > 0) await this.clock.sleep(delayMs);
      throw error;
    }
    this.throttle.succeeded(address);
    return { kind: 'success', user, token: null };
  }
}
