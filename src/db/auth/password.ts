// Passwords are kept only as bcrypt hashes ("$2a$", as Cassandra's jBCrypt writes them in
// system_auth.roles.salted_hash), salted from the injected Random so the simulation stays
// reproducible. bcryptjs hashes asynchronously in slices, so a login does not stall the event
// loop for the whole ~100 ms a work factor of 10 costs.

import bcrypt from 'bcryptjs';
import type { Random } from '../common/world.js';

/** Cassandra's default (auth_bcrypt_gensalt_log2_rounds). */
export const bcryptWorkFactorDefault = 10;

const saltBytes = 16;

/** How passwords are hashed and checked (AuthService's `passwords`). */
export interface PasswordHasher {
  hash(password: string, options: { random: Random; workFactor: number }): Promise<string>;
  /** False for a wrong password and for a stored value that is not a bcrypt hash (never throws on bad data). */
  check(password: string, saltedHash: string): Promise<boolean>;
}

function saltOf({ random, workFactor }: { random: Random; workFactor: number }): string {
  return `$2a$${String(workFactor).padStart(2, '0')}$${bcrypt.encodeBase64(random.bytes(saltBytes), saltBytes)}`;
}

const isBcryptHash = (value: string) => /^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(value);

export function hashPassword(password: string, { random, workFactor = bcryptWorkFactorDefault }: { random: Random; workFactor?: number }): Promise<string> {
  return bcrypt.hash(password, saltOf({ random, workFactor }));
}

/** False for a wrong password and for a stored value that is not a bcrypt hash (never throws on bad data). */
export async function checkPassword(password: string, saltedHash: string): Promise<boolean> {
  if (!isBcryptHash(saltedHash)) return false;
  return bcrypt.compare(password, saltedHash);
}

/** bcrypt in slices between event-loop turns: a node's default. */
export const slicedBcrypt: PasswordHasher = { hash: hashPassword, check: checkPassword };

/**
 * bcrypt in one go, for the simulation: bcryptjs ends a slice after 100 ms of real time, so
 * under a loaded CPU the sliced hash would finish a turn later and a run would differ from
 * its replay. With the low work factors simulations use, one go costs about a millisecond.
 */
export const inlineBcrypt: PasswordHasher = {
  hash: (password, options) => Promise.resolve(bcrypt.hashSync(password, saltOf(options))),
  check: (password, saltedHash) => Promise.resolve(isBcryptHash(saltedHash) && bcrypt.compareSync(password, saltedHash)),
};
