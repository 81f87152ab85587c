// Authentication and authorization of a node, from its configuration (Cassandra's names):
// authenticator AllowAllAuthenticator | PasswordAuthenticator, authorizer AllowAllAuthorizer |
// CassandraAuthorizer. Builds the AuthService over the query processor's internal CQL path,
// the SASL authenticator for the native server, and the default superuser's setup.

import { AuthService } from '../auth/auth-service.js';
import { setupDefaultSuperuser, type DefaultSuperuserSetup } from '../auth/default-superuser.js';
import { PasswordAuthenticator } from '../auth/password-authenticator.js';
import type { PasswordHasher } from '../auth/password.js';
import type { AuthQueryExecutor } from '../auth/role-store.js';
import { ConfigurationError } from '../common/errors.js';
import type { World } from '../common/world.js';
import type { NodeConfig } from './config.js';

export interface NodeAuth {
  auth: AuthService;
  /** Undefined with the AllowAllAuthenticator: clients are admitted without credentials. */
  authenticator: PasswordAuthenticator | undefined;
  /** Creates the default superuser when no role exists (PasswordAuthenticator only); null otherwise. */
  startSetup(): DefaultSuperuserSetup | null;
}

/** How long a start waits for the default superuser before opening the native port anyway. */
const setupWaitMs = 5000;

export interface NodeAuthOptions {
  executor: AuthQueryExecutor;
  /** How passwords are hashed (default: bcrypt at Cassandra's cost 10, in slices). */
  passwords?: NodePasswords;
}

/** The simulation hashes inline and cheaply (node/node.ts's BuildNodeOptions). */
export interface NodePasswords {
  hasher: PasswordHasher;
  workFactor: number;
}

export function nodeAuth(config: NodeConfig, world: World, options: NodeAuthOptions): NodeAuth {
  const authentication = config.authenticator === 'PasswordAuthenticator';
  const authorization = config.authorizer === 'CassandraAuthorizer';
  if (authorization && !authentication) {
    // As Cassandra refuses it: permissions need a logged-in role to hold them.
    throw new ConfigurationError('authorizer', 'AllowAllAuthenticator can\'t be used with CassandraAuthorizer');
  }
  const auth = new AuthService({
    executor: options.executor, world, authentication, authorization, caches: config.authCaches,
    ...(options.passwords === undefined ? {} : { passwords: options.passwords.hasher, bcryptWorkFactor: options.passwords.workFactor }),
  });
  return {
    auth,
    authenticator: authentication ? new PasswordAuthenticator(auth, world.clock) : undefined,
    startSetup: () => (authentication ? setupDefaultSuperuser(auth, world.clock) : null),
  };
}

/** Waits a little for the setup, so that a single node accepts the default superuser as soon as its port opens. */
export async function awaitSetup(setup: DefaultSuperuserSetup | null, world: World): Promise<void> {
  if (setup === null) return;
  let timedOut = false;
  await Promise.race([setup.done, world.clock.sleep(setupWaitMs).then(() => { timedOut = true; })]);
  if (timedOut) world.logger.info('default superuser setup continues in the background (no quorum of system_auth replicas yet)');
}
