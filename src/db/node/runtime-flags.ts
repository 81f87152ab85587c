// The V8 flags a database node runs with, as Cassandra's jvm.options sets its heap: every
// launcher in the repository (`aero cluster`, `npm start`, the Docker image, the test harness,
// the bench) starts `aero node` with them. They must be on node's command line: V8 sizes its
// young generation when the process starts, so setting them from inside has no effect.
//
// A node allocates many short-lived objects per request (decoded frames, cells, read results)
// while its memtable holds long-lived ones. With V8's default 16 MiB semi-spaces, the
// scavenger runs so often that request garbage is still alive at the next scavenge, gets
// promoted and is left to the slow full collections. 64 MiB semi-spaces let it die young:
// measured with `npm run bench -- --scenario single` A/B, see the README's architecture notes.

export const nodeRuntimeFlags: readonly string[] = ['--max-semi-space-size=64'];
