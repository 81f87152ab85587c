// Consistency levels with their native-protocol wire values (spec section 3, [consistency]).
// Explicit constant table, never ordinals (house style 3).

export const ConsistencyLevel = {
  ANY: 0x0000,
  ONE: 0x0001,
  TWO: 0x0002,
  THREE: 0x0003,
  QUORUM: 0x0004,
  ALL: 0x0005,
  LOCAL_QUORUM: 0x0006,
  EACH_QUORUM: 0x0007,
  SERIAL: 0x0008,
  LOCAL_SERIAL: 0x0009,
  LOCAL_ONE: 0x000a,
} as const;
export type ConsistencyLevel = (typeof ConsistencyLevel)[keyof typeof ConsistencyLevel];

const names = new Map<number, string>();
for (const [name, value] of Object.entries(ConsistencyLevel)) {
  if (names.has(value)) throw new Error(`duplicate consistency level wire value ${value}`);
  names.set(value, name);
}

export function isConsistencyLevel(value: number): value is ConsistencyLevel {
  return names.has(value);
}

export function consistencyName(level: ConsistencyLevel): string {
  return names.get(level) ?? `UNKNOWN(${level})`;
}
