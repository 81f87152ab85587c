// Replica placement written out for tests, independently of the code under test: under
// SimpleStrategy the replicas of a token are the owners of the next ring tokens clockwise,
// distinct nodes. Node names are whatever the caller keys the ring by.

export function simpleStrategyReplicas<N>(token: bigint, options: { ring: ReadonlyMap<N, readonly bigint[]>; factor: number }): N[] {
  const owned = [...options.ring].flatMap(([node, tokens]) => tokens.map((owner) => ({ node, token: owner })))
    .sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  let start = owned.findIndex((entry) => entry.token >= token);
  if (start < 0) start = 0;
  const replicas: N[] = [];
  for (let step = 0; step < owned.length && replicas.length < options.factor; step++) {
    const node = (owned[(start + step) % owned.length] as { node: N }).node;
    if (!replicas.includes(node)) replicas.push(node);
  }
  return replicas;
}
