// What the simulator and the web server take from the outside world, injected so tests can
// drive time and chance.

export interface WallClock {
  nowMs(): number;
  sleep(delayMs: number): Promise<void>;
}

export interface Chance {
  /** Uniform in [0, 1). */
  next(): number;
}

export interface AppLogger {
  info(message: string): void;
  warn(message: string): void;
}

export const systemClock: WallClock = {
  nowMs: () => Date.now(),
  sleep: (delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs)),
};

export const systemChance: Chance = { next: () => Math.random() };

/** A seeded generator (mulberry32) for reproducible runs and tests. */
export function seededChance(seed: number): Chance {
  let state = seed >>> 0;
  return {
    next: () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
