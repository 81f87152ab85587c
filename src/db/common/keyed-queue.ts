// Work on one key runs one piece at a time, in arrival order; different keys run concurrently.
// Used where a read-modify-write of one partition's local state must not interleave (a Paxos
// replica's promise and acceptance, a counter leader's shard). A failed piece does not stop the
// next one; each caller sees its own outcome.

export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
