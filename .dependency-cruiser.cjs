// The layering of DESIGN.md ("Layout"), enforced. Each rule names a layer and what it may
// not import. Pure node modules (buffer, zlib's crc32, crypto hashes) are allowed anywhere;
// modules that reach the outside world (net, tls, fs, timers, process...) only in platform/
// and node/ (and the CLI, tests and benchmarks, which sit above the composition root).
const layer = (name) => `^src/db/${name}/`;
const worldModules = '^(node:)?(net|tls|fs|fs/promises|dgram|child_process|timers|timers/promises|worker_threads|os|http|https|http2|readline|cluster|perf_hooks|process)$';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'world-only-in-platform',
      comment: 'Only platform/ and node/ touch the outside world (DESIGN.md, "The injected world").',
      severity: 'error',
      from: { path: '^src/db/', pathNot: ['^src/db/(platform|node)/', '\\.test\\.ts$'] },
      to: { path: worldModules, dependencyTypes: ['core'] },
    },
    { name: 'common-is-a-leaf', severity: 'error', from: { path: layer('common') }, to: { path: '^src/db/(?!common/)' } },
    { name: 'protocol-is-pure', severity: 'error', from: { path: layer('protocol') }, to: { path: '^src/db/(?!(common|protocol)/)' } },
    { name: 'dht-below-schema', severity: 'error', from: { path: layer('dht') }, to: { path: '^src/db/(?!(common|dht)/)' } },
    { name: 'schema-below-storage', severity: 'error', from: { path: layer('schema') }, to: { path: '^src/db/(?!(common|protocol|dht|schema)/)' } },
    { name: 'storage-never-imports-cluster', severity: 'error', from: { path: layer('storage') }, to: { path: '^src/db/(?!(common|protocol|dht|schema|storage)/)' } },
    { name: 'cql-performs-no-io', severity: 'error', from: { path: layer('cql') }, to: { path: '^src/db/(?!(common|protocol|dht|schema|storage|cql)/)' } },
    { name: 'cluster-below-coordinator', severity: 'error', from: { path: layer('cluster') }, to: { path: '^src/db/(?!(common|protocol|dht|schema|storage|cluster)/)' } },
    { name: 'coordinator-below-transport', severity: 'error', from: { path: layer('coordinator') }, to: { path: '^src/db/(?!(common|protocol|dht|schema|storage|cluster|coordinator|cql)/)' } },
    { name: 'auth-below-query', severity: 'error', from: { path: layer('auth') }, to: { path: '^src/db/(query|transport|node|platform)/' } },
    {
      name: 'query-executes-statements',
      comment: 'query/ (cql3.QueryProcessor) runs plans through the coordinator and auth; it knows nothing of wire or connections.',
      severity: 'error',
      from: { path: layer('query') },
      to: { path: '^src/db/(?!(common|protocol|schema|storage|cql|coordinator|auth|query)/)' },
    },
    {
      name: 'query-uses-only-storage-types',
      comment: 'Statements reach storage through the coordinator; query/ names storage types, never its code.',
      severity: 'error',
      from: { path: layer('query') },
      to: { path: '^src/db/storage/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'transport-never-imports-query',
      comment: 'The server calls statement execution only through its QueryHandler interface; node/ wires the QueryProcessor in.',
      severity: 'error',
      from: { path: layer('transport') },
      to: { path: layer('query') },
    },
    {
      name: 'transport-is-wire-and-connections',
      comment: 'transport/ holds frames, connections, the server, events and the authentication exchange.',
      severity: 'error',
      from: { path: layer('transport') },
      to: { path: '^src/db/(?!(common|protocol|transport)/)' },
    },
    { name: 'platform-is-a-leaf', severity: 'error', from: { path: layer('platform') }, to: { path: '^src/db/(?!(common|platform)/)' } },
    {
      name: 'flights-is-a-cql-client',
      comment: 'src/flights talks to the database only through CQL (DESIGN.md).',
      severity: 'error',
      from: { path: '^src/flights/' },
      to: { path: '^src/db/' },
    },
    {
      name: 'flights-starts-no-node',
      comment: 'src/flights is only a client: starting database nodes (`aero node`) is the CLI\'s, the tests\' and the benchmarks\' business, so it imports none of them, nor child_process.',
      severity: 'error',
      from: { path: '^src/flights/' },
      to: { path: ['^src/cli/', '^test/', '^bench/', '^(node:)?child_process$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^dist/|\\.d\\.ts$)' },
  },
};
