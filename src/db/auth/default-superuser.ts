// The default superuser, created as Cassandra creates it: on a start that finds no role at
// QUORUM, insert 'cassandra' / 'cassandra' (superuser, login) USING TIMESTAMP 0. Every node
// may try; the writes carry the same timestamp, so concurrent creations converge on one row,
// and any later ALTER or DROP (a real timestamp) wins over them. Until the read succeeds
// (peers not reachable yet) the setup retries on a timer.

import type { Clock, TimerHandle } from '../common/world.js';
import type { AuthService } from './auth-service.js';
import { DEFAULT_SUPERUSER } from './role-store.js';

const DEFAULT_PASSWORD = 'cassandra';

export interface DefaultSuperuserSetup {
  /** Resolves once the role exists (created here or found), or the setup was cancelled. */
  readonly done: Promise<void>;
  cancel(): void;
}

/** Creates the default superuser when no role exists; returns whether it created it. */
export async function createDefaultSuperuserIfNoRoles(auth: AuthService): Promise<boolean> {
  if (await auth.store.hasRoles()) return false;
  const saltedHash = await auth.passwords.hash(DEFAULT_PASSWORD, { random: auth.random, workFactor: auth.bcryptWorkFactor });
  await auth.store.createRole(DEFAULT_SUPERUSER, { superuser: true, login: true, saltedHash }, { timestampMicros: 0 });
  auth.invalidate();
  auth.logger.info(`Created default superuser role '${DEFAULT_SUPERUSER}'`);
  return true;
}

/** Whether 'cassandra' still exists with the password 'cassandra' (operators are warned). */
export async function defaultPasswordInUse(auth: AuthService): Promise<boolean> {
  const role = await auth.store.getRole(DEFAULT_SUPERUSER);
  return role !== null && role.saltedHash !== null && (await auth.passwords.check(DEFAULT_PASSWORD, role.saltedHash));
}

/** Runs the setup now and again every retryMs until it succeeds; warns if the default password is in use. */
export function setupDefaultSuperuser(auth: AuthService, clock: Clock, options: { retryMs?: number } = {}): DefaultSuperuserSetup {
  const retryMs = options.retryMs ?? 2000;
  let timer: TimerHandle | null = null;
  let cancelled = false;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => { finish = resolve; });
  const attempt = async (): Promise<void> => {
    if (cancelled) return;
    try {
      await createDefaultSuperuserIfNoRoles(auth);
      if (await defaultPasswordInUse(auth)) {
        auth.logger.warn(`The default superuser '${DEFAULT_SUPERUSER}' still has its default password: create another superuser and drop it, or ALTER ROLE ${DEFAULT_SUPERUSER} WITH PASSWORD`);
      }
      finish();
    } catch (error) {
      auth.logger.info('default superuser setup will be retried', { retryMs, message: error instanceof Error ? error.message : String(error) });
      timer = clock.setTimer(retryMs, () => void attempt());
    }
  };
  void attempt();
  return {
    done,
    cancel: () => {
      cancelled = true;
      timer?.cancel();
      finish();
    },
  };
}
