// Passwords are kept only as bcrypt hashes ("$2a$", as Cassandra's jBCrypt writes them in
// system_auth.roles.salted_hash), salted from the injected Random so the simulation stays
// reproducible. bcryptjs hashes asynchronously in slices, so a login does not stall the event
// loop for the whole ~100 ms a work factor of 10 costs.

import bcrypt from 'bcryptjs';
import type { Random } from '../common/world.js';

/** Cassandra's default (auth_bcrypt_gensalt_log2_rounds). */
export const bcryptWorkFactorDefault = 10;

const saltBytes = 16;

export function hashPassword(password: string, random: Random, { workFactor = bcryptWorkFactorDefault }: { workFactor?: number } = {}): Promise<string> {
  const rounds = String(workFactor).padStart(2, '0');
  const salt = `$2a$${rounds}$${bcrypt.encodeBase64(random.bytes(saltBytes), saltBytes)}`;
  return bcrypt.hash(password, salt);
}

/** False for a wrong password and for a stored value that is not a bcrypt hash (never throws on bad data). */
export async function checkPassword(password: string, saltedHash: string): Promise<boolean> {
  if (!/^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(saltedHash)) return false;
  return bcrypt.compare(password, saltedHash);
}
