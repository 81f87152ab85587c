// Grammar-aware fuzzing of the CQL front end: the parser and the analyser, the path every
// query takes (StatementCache.analyze). Valid statements from a small grammar must parse;
// nearly valid ones (a token deleted, duplicated, swapped or replaced, a truncation, nesting
// beyond parserDepthMax, huge literals, unicode and control characters) and random text must
// end in a CqlError (syntax or invalid request), never another exception, and each statement
// must finish within a time bound (a catastrophic backtrack would show here).
// AERO_FUZZ_ITERATIONS sets the number of statements (default 20,000); AERO_FUZZ_SEED the seed.

import test from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { CqlError, ErrorCode } from '../common/errors.js';
import { parserDepthMax } from '../common/limits.js';
import { Schema } from '../schema/schema.js';
import { analyzeStatement } from './analyzer.js';
import { parseStatement } from './parser.js';
import { SeededRandom } from '../../../test/harness/seeded-random.js';
import { SimulatedDisk } from '../../../test/harness/simulated-disk.js';

const ITERATIONS = Number(process.env['AERO_FUZZ_ITERATIONS'] ?? 20_000);
const SEED = Number(process.env['AERO_FUZZ_SEED'] ?? 0x14c91);
const STATEMENT_MS_MAX = 200;

type Analyze = (query: string) => unknown;

async function context(random: SeededRandom): Promise<Analyze> {
  const disk = new SimulatedDisk();
  await disk.makeDirectory('data');
  const schema = new Schema({ random, disk, path: 'data/schema.json' });
  const run = (query: string) => analyzeStatement(parseStatement(query), { schema, keyspace: 'ks', nowMicros: () => 1 });
  for (const ddl of [
    "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    'CREATE TYPE ks.addr (street text, zip int)',
    'CREATE TABLE ks.t (k int, c text, v text, n bigint, l list<int>, s set<text>, m map<text, int>, ' +
      'f frozen<map<text, frozen<list<int>>>>, tu tuple<int, text>, a frozen<addr>, b blob, d decimal, u uuid, ts timestamp, ' +
      'PRIMARY KEY (k, c))',
  ]) {
    const prepared = run(ddl);
    if (prepared.plan.kind === 'schema') await prepared.plan.apply();
  }
  return run;
}

class Grammar {
  constructor(private readonly random: SeededRandom) {}
  pick<T>(items: readonly T[]): T { return items[this.random.nextInt(items.length)] as T; }
  chance(p: number): boolean { return this.random.nextFloat() < p; }
  count(min: number, max: number): number { return min + this.random.nextInt(max - min + 1); }
  list(min: number, max: number, item: () => string, separator = ', '): string {
    return Array.from({ length: this.count(min, max) }, item).join(separator);
  }

  identifier(): string {
    if (this.chance(0.1)) return `"${this.pick(['Mixed Case', 'with""quote', 'ünï', 'select'])}"`;
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    return this.pick(letters.split('')) + this.list(0, 8, () => this.pick([...letters.split(''), '_', '1']), '');
  }
  table(): string { return this.chance(0.5) ? 'ks.t' : this.chance(0.5) ? 't' : this.identifier(); }
  column(): string { return this.chance(0.7) ? this.pick(['k', 'c', 'v', 'n', 'l', 's', 'm', 'f', 'tu', 'a', 'b', 'd', 'u', 'ts']) : this.identifier(); }

  literal(depth = 0): string {
    const choices: Array<() => string> = [
      () => String(this.random.nextInt(1_000_000) - 500_000),
      () => `${this.random.nextInt(1000)}.${this.random.nextInt(1000)}e${this.random.nextInt(40) - 20}`,
      () => this.pick(['NaN', 'Infinity', '-Infinity', 'true', 'false', 'null', '-0', '0x', '0xdeadBEEF']),
      () => `'${this.list(0, 12, () => this.pick(['a', 'z', "''", ' ', 'é', '日', '😀', '\\', '\n']), '')}'`,
      () => `$$${this.list(0, 6, () => this.pick(['a', '$', "'", ' ']), '')}$$`,
      () => '123e4567-e89b-12d3-a456-426614174000',
      () => 'now()',
      () => `${this.pick(['blobAsText', 'toTimestamp', 'uuid', 'token', 'textAsBlob', 'intAsBlob', 'now', 'ttl', 'writetime'])}(${this.list(0, 2, () => this.literal(depth + 1))})`,
      () => '?',
      () => `:${this.identifier()}`,
      () => `'2024-0${1 + this.random.nextInt(9)}-1${this.random.nextInt(10)} 12:00:00+0000'`,
      () => `${this.random.nextInt(100)}${this.pick(['d', 'h', 'm', 's', 'ms', 'us', 'ns', 'mo', 'y', 'w'])}`,
      () => `(${this.pick(['int', 'text', 'bigint', 'blob', 'varint'])}) ${this.random.nextInt(100)}`,
    ];
    if (depth < 4) {
      choices.push(
        () => `[${this.list(0, 4, () => this.literal(depth + 1))}]`,
        () => `{${this.list(0, 4, () => this.literal(depth + 1))}}`,
        () => `{${this.list(0, 3, () => `${this.literal(depth + 1)}: ${this.literal(depth + 1)}`)}}`,
        () => `(${this.list(1, 3, () => this.literal(depth + 1))})`,
        () => `{${this.list(1, 2, () => `${this.identifier()}: ${this.literal(depth + 1)}`)}}`,
        () => `${this.literal(depth + 1)} ${this.pick(['+', '-', '*', '/', '%'])} ${this.literal(depth + 1)}`,
      );
    }
    return this.pick(choices)();
  }

  relation(): string {
    switch (this.random.nextInt(7)) {
      case 0: return `${this.column()} IN (${this.list(0, 4, () => this.literal())})`;
      case 1: return `(${this.list(1, 3, () => this.column())}) ${this.pick(['=', '>', '<='])} (${this.list(1, 3, () => this.literal())})`;
      case 2: return `token(${this.column()}) > token(${this.literal()})`;
      case 3: return `${this.column()} CONTAINS ${this.pick(['', 'KEY '])}${this.literal()}`;
      case 4: return `${this.column()}[${this.literal()}] = ${this.literal()}`;
      case 5: return `${this.column()} LIKE '${this.identifier()}%'`;
      default: return `${this.column()} ${this.pick(['=', '<', '>', '<=', '>=', '!='])} ${this.literal()}`;
    }
  }
  where(): string { return `WHERE ${this.list(1, 4, () => this.relation(), ' AND ')}`; }
  using(): string {
    return this.chance(0.7) ? '' : ` USING ${this.list(1, 2, () => this.pick([`TTL ${this.literal()}`, `TIMESTAMP ${this.literal()}`]), ' AND ')}`;
  }
  type(depth = 0): string {
    const simple = ['int', 'bigint', 'text', 'varchar', 'ascii', 'blob', 'boolean', 'decimal', 'double', 'float', 'uuid', 'timeuuid', 'timestamp', 'date', 'time', 'inet', 'varint', 'smallint', 'tinyint', 'duration', 'counter', 'addr'];
    if (depth > 3 || this.chance(0.6)) return this.pick(simple);
    const inner = () => this.type(depth + 1);
    const collection = this.pick([`list<${inner()}>`, `set<${inner()}>`, `map<${inner()}, ${inner()}>`, `tuple<${this.list(1, 3, inner)}>`]);
    return this.chance(0.5) ? `frozen<${collection}>` : collection;
  }
  selector(): string {
    return this.pick([
      () => this.column(), () => '*', () => `count(*)`, () => `${this.pick(['max', 'min', 'sum', 'avg', 'writetime', 'ttl', 'toJson', 'token'])}(${this.column()})`,
      () => `${this.column()} AS ${this.identifier()}`, () => `CAST(${this.column()} AS ${this.type()})`, () => `${this.column()}[${this.literal()}]`,
      () => `${this.column()}.${this.identifier()}`, () => this.literal(),
    ])();
  }

  select(): string {
    return `SELECT ${this.pick(['', 'JSON ', 'DISTINCT '])}${this.list(1, 4, () => this.selector())} FROM ${this.table()}` +
      (this.chance(0.8) ? ` ${this.where()}` : '') +
      (this.chance(0.2) ? ` GROUP BY ${this.list(1, 2, () => this.column())}` : '') +
      (this.chance(0.2) ? ` ORDER BY ${this.column()} ${this.pick(['ASC', 'DESC'])}` : '') +
      (this.chance(0.2) ? ` PER PARTITION LIMIT ${this.literal()}` : '') +
      (this.chance(0.3) ? ` LIMIT ${this.literal()}` : '') +
      (this.chance(0.2) ? ' ALLOW FILTERING' : '');
  }
  insert(): string {
    if (this.chance(0.15)) return `INSERT INTO ${this.table()} JSON '${JSON.stringify({ k: this.random.nextInt(10), c: 'x', m: { a: 1 } }).replace(/'/g, "''")}'${this.pick(['', ' DEFAULT UNSET', ' DEFAULT NULL'])}`;
    const n = this.count(1, 5);
    const columns = Array.from({ length: n }, () => this.column());
    return `INSERT INTO ${this.table()} (${columns.join(', ')}) VALUES (${Array.from({ length: n }, () => this.literal()).join(', ')})` +
      (this.chance(0.2) ? ' IF NOT EXISTS' : '') + this.using();
  }
  assignment(): string {
    const c = this.column();
    return this.pick([
      () => `${c} = ${this.literal()}`, () => `${c} = ${c} + ${this.literal()}`, () => `${c} = ${this.literal()} + ${c}`,
      () => `${c} = ${c} - ${this.literal()}`, () => `${c}[${this.literal()}] = ${this.literal()}`, () => `${c}.${this.identifier()} = ${this.literal()}`,
    ])();
  }
  condition(): string { return this.chance(0.3) ? ' IF EXISTS' : ` IF ${this.list(1, 2, () => this.relation(), ' AND ')}`; }
  update(): string {
    return `UPDATE ${this.table()}${this.using()} SET ${this.list(1, 3, () => this.assignment())} ${this.where()}${this.chance(0.2) ? this.condition() : ''}`;
  }
  delete(): string {
    return `DELETE ${this.chance(0.5) ? `${this.list(1, 3, () => this.pick([this.column(), `${this.column()}[${this.literal()}]`]))} ` : ''}FROM ${this.table()}` +
      (this.chance(0.2) ? ` USING TIMESTAMP ${this.literal()}` : '') + ` ${this.where()}${this.chance(0.2) ? this.condition() : ''}`;
  }
  batch(): string {
    return `BEGIN ${this.pick(['', 'UNLOGGED ', 'COUNTER '])}BATCH${this.using()} ${this.list(0, 4, () => this.pick([() => this.insert(), () => this.update(), () => this.delete()])(), '; ')} APPLY BATCH`;
  }
  ddl(): string {
    return this.pick([
      () => `CREATE KEYSPACE ${this.chance(0.3) ? 'IF NOT EXISTS ' : ''}${this.identifier()} WITH replication = {${this.list(0, 3, () => `'${this.pick(['class', 'replication_factor', 'dc1'])}': ${this.literal()}`)}}${this.chance(0.3) ? ` AND durable_writes = ${this.literal()}` : ''}`,
      () => `CREATE TABLE ${this.chance(0.3) ? 'IF NOT EXISTS ' : ''}${this.table()} (${this.list(1, 5, () => `${this.identifier()} ${this.type()}${this.chance(0.2) ? ' STATIC' : ''}${this.chance(0.2) ? ' PRIMARY KEY' : ''}`)}${this.chance(0.6) ? `, PRIMARY KEY ((${this.list(1, 2, () => this.identifier())}), ${this.list(0, 2, () => this.identifier())})` : ''})` +
        (this.chance(0.4) ? ` WITH ${this.list(1, 3, () => this.pick([`CLUSTERING ORDER BY (${this.identifier()} DESC)`, `comment = ${this.literal()}`, `gc_grace_seconds = ${this.literal()}`, `compaction = {'class': ${this.literal()}}`, 'COMPACT STORAGE']), ' AND ')}` : ''),
      () => `CREATE TYPE ${this.identifier()} (${this.list(1, 3, () => `${this.identifier()} ${this.type()}`)})`,
      () => `CREATE INDEX ${this.chance(0.5) ? this.identifier() : ''} ON ${this.table()} (${this.pick(['', 'keys(', 'values(', 'entries(', 'full('])}${this.column()}${this.chance(0.5) ? ')' : ''})`,
      () => `ALTER TABLE ${this.table()} ${this.pick([`ADD ${this.identifier()} ${this.type()}`, `DROP ${this.column()}`, `WITH comment = ${this.literal()}`, `RENAME ${this.column()} TO ${this.identifier()}`, `ALTER ${this.column()} TYPE ${this.type()}`])}`,
      () => `ALTER KEYSPACE ${this.identifier()} WITH durable_writes = ${this.literal()}`,
      () => `ALTER TYPE ${this.identifier()} ${this.pick([`ADD ${this.identifier()} ${this.type()}`, `RENAME ${this.identifier()} TO ${this.identifier()}`])}`,
      () => `DROP ${this.pick(['TABLE', 'KEYSPACE', 'TYPE', 'INDEX', 'ROLE', 'USER', 'FUNCTION', 'MATERIALIZED VIEW'])} ${this.chance(0.5) ? 'IF EXISTS ' : ''}${this.table()}`,
      () => `TRUNCATE ${this.table()}`, () => `USE ${this.identifier()}`,
      () => `GRANT ${this.pick(['ALL', 'SELECT', 'MODIFY'])} ON ${this.pick(['ALL KEYSPACES', `KEYSPACE ${this.identifier()}`, `TABLE ${this.table()}`])} TO ${this.identifier()}`,
      () => `CREATE ROLE ${this.identifier()} WITH PASSWORD = ${this.literal()} AND LOGIN = ${this.literal()}`,
      () => `LIST ${this.pick(['ROLES', 'USERS', 'ALL PERMISSIONS'])}`, () => `DESCRIBE ${this.pick(['KEYSPACES', 'TABLES', `TABLE ${this.table()}`, 'CLUSTER', `KEYSPACE ${this.identifier()}`])}`,
    ])();
  }
  statement(): string {
    return this.pick([() => this.select(), () => this.insert(), () => this.update(), () => this.delete(), () => this.batch(), () => this.ddl()])() + (this.chance(0.2) ? ';' : '');
  }

  /** A valid statement (one the parser must accept), from a narrower grammar with known columns. */
  validStatement(): string {
    const key = () => String(this.random.nextInt(1000));
    const text = () => `'${this.list(0, 6, () => this.pick(['a', "''", 'é', '日', '😀', ' ']), '')}'`;
    const value = (column: string): string => {
      switch (column) {
        case 'v': case 'c': return text();
        case 'n': return String(this.random.nextInt(1 << 30) * 4);
        case 'l': return `[${this.list(0, 4, key)}]`;
        case 's': return `{${this.list(0, 4, text)}}`;
        case 'm': return `{${this.list(0, 3, () => `${text()}: ${key()}`)}}`;
        case 'f': return `{${this.list(0, 3, () => `${text()}: [${this.list(0, 3, key)}]`)}}`;
        case 'tu': return `(${key()}, ${text()})`;
        case 'a': return `{street: ${text()}, zip: ${key()}}`;
        case 'b': return `0x${this.random.bytes(this.random.nextInt(8)).toString('hex')}`;
        case 'd': return `${this.random.nextInt(1000)}.${this.random.nextInt(1000)}`;
        case 'u': return this.chance(0.5) ? 'uuid()' : '123e4567-e89b-12d3-a456-426614174000';
        case 'ts': return this.chance(0.5) ? 'toTimestamp(now())' : `'2024-01-02 03:04:05+0000'`;
        default: return key();
      }
    };
    const regular = ['v', 'n', 'l', 's', 'm', 'f', 'tu', 'a', 'b', 'd', 'u', 'ts'];
    const some = () => [...new Set(Array.from({ length: this.count(1, 4) }, () => this.pick(regular)))];
    const where = () => `WHERE k = ${key()}${this.chance(0.5) ? ` AND c ${this.pick(['=', '>', '<=', '<'])} ${text()}` : ''}`;
    return this.pick([
      () => `SELECT ${this.chance(0.3) ? '*' : some().join(', ')} FROM ${this.pick(['ks.t', 't'])} ${where()}${this.chance(0.3) ? ` LIMIT ${1 + this.random.nextInt(100)}` : ''}`,
      () => { const columns = some(); return `INSERT INTO t (k, c, ${columns.join(', ')}) VALUES (${key()}, ${text()}, ${columns.map(value).join(', ')})${this.chance(0.3) ? ` USING TTL ${1 + this.random.nextInt(1000)}` : ''}`; },
      () => `UPDATE ks.t SET ${some().map((column) => `${column} = ${value(column)}`).join(', ')} WHERE k = ${key()} AND c = ${text()}`,
      () => this.chance(0.5) ? `DELETE ${some().join(', ')} FROM t WHERE k = ${key()} AND c = ${text()}` : `DELETE FROM t WHERE k = ${key()}${this.chance(0.5) ? ` AND c = ${text()}` : ''}`,
      () => `BEGIN BATCH INSERT INTO t (k, c, v) VALUES (${key()}, ${text()}, ${text()}); DELETE FROM t WHERE k = ${key()} AND c = ${text()} APPLY BATCH`,
      () => `CREATE TABLE IF NOT EXISTS ks.x${this.random.nextInt(100)} (p int, q frozen<map<text, list<int>>>, r tuple<int, text>, PRIMARY KEY (p))`,
      () => `ALTER TABLE ks.t WITH comment = ${text()}`,
      () => `DROP TABLE IF EXISTS ks.x${this.random.nextInt(100)}`,
    ])();
  }
}

/** A statement with one mutation applied: nearly valid. */
function mutate(statement: string, random: SeededRandom, grammar: Grammar): string {
  const tokens = statement.match(/'(?:[^']|'')*'|\$\$.*?\$\$|"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\S/gsu) ?? [statement];
  const at = random.nextInt(Math.max(1, tokens.length));
  const junk = ['(', ')', '[', ']', '{', '}', ',', ';', "'", '"', '$$', '?', ':', '.', '-', '+', 'SELECT', 'FROM', 'WHERE', 'AND', 'NULL', 'frozen<', '>', '<', '\u0000', '\u202e', '\uffff', '\ud800', '\r\n', '\u0007', '/*', '--', '//', '*/'];
  switch (random.nextInt(10)) {
    case 0: tokens.splice(at, 1); break;
    case 1: tokens.splice(at, 0, tokens[at] ?? ''); break;
    case 2: { const other = random.nextInt(Math.max(1, tokens.length)); [tokens[at], tokens[other]] = [tokens[other] ?? '', tokens[at] ?? '']; break; }
    case 3: tokens[at] = grammar.pick(junk); break;
    case 4: return statement.slice(0, random.nextInt(statement.length + 1));
    case 5: { // nesting around and beyond the parser's depth bound
      const depth = parserDepthMax - 3 + random.nextInt(8) + (random.nextInt(4) === 0 ? 10_000 : 0);
      const [open, close] = grammar.pick([['[', ']'], ['{', '}'], ['(', ')'], ['frozen<list<', '>>'], ['-', ''], ['blobAsText(', ')']]);
      return `SELECT * FROM t WHERE k = ${open!.repeat(depth)}1${close!.repeat(depth)}`;
    }
    case 6: tokens[at] = grammar.pick([`'${'x'.repeat(100_000)}'`, '9'.repeat(10_000), `0x${'ab'.repeat(50_000)}`, `${'1'.repeat(400)}.5e99999`, `"${'q'.repeat(70_000)}"`, '1e-99999999']); break;
    case 7: tokens.splice(at, 0, String.fromCodePoint(random.nextInt(0x110000 - 0x800) + (random.nextInt(2) ? 0 : 0x800))); break;
    case 8: tokens.splice(at, 0, String.fromCharCode(random.nextInt(32))); break;
    default: tokens[at] = grammar.statement(); break;
  }
  return tokens.join(random.nextInt(8) === 0 ? '' : ' ');
}

function randomText(random: SeededRandom): string {
  const length = random.nextInt(200);
  if (random.nextInt(2) === 0) return random.bytes(length).toString('utf8');
  const alphabet = "SELECT*FROMWHERE()[]{}<>,;:'\"$?.-+=!0123456789 \n\tabcxyz";
  return Array.from({ length }, () => alphabet[random.nextInt(alphabet.length)]).join('');
}

/** The time one statement takes; a slow one is timed again, so a garbage collection or a busy CI core is not blamed on it. */
function timed(analyze: Analyze, query: string): number {
  let best = Infinity;
  for (let attempt = 0; attempt < 3 && best > STATEMENT_MS_MAX; attempt++) {
    const started = performance.now();
    try { analyze(query); } catch { /* judged by check */ }
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

function check(analyze: Analyze, query: string, seed: number, iteration: number, mustParse: boolean): void {
  const started = performance.now();
  try {
    analyze(query);
  } catch (error) {
    const where = `seed ${seed} iteration ${iteration}: ${JSON.stringify(query.slice(0, 300))}`;
    if (!(error instanceof CqlError)) assert.fail(`not a CqlError (${String(error)}) for ${where}`);
    assert.ok(([ErrorCode.SyntaxError, ErrorCode.Invalid, ErrorCode.ConfigError, ErrorCode.AlreadyExists, ErrorCode.Unauthorized] as ErrorCode[]).includes(error.code), `unexpected code ${error.code} (${error.message}) for ${where}`);
    if (mustParse) assert.ok(error.code !== ErrorCode.SyntaxError, `a valid statement did not parse (${error.message}) for ${where}`);
  }
  let took = performance.now() - started;
  if (took > STATEMENT_MS_MAX) took = timed(analyze, query);
  assert.ok(took <= STATEMENT_MS_MAX, `seed ${seed} iteration ${iteration}: ${took.toFixed(0)} ms for ${JSON.stringify(query.slice(0, 300))}`);
}

test(`CQL front end: ${ITERATIONS} valid, nearly valid and random statements (seed ${SEED})`, async () => {
  const random = new SeededRandom(SEED);
  const grammar = new Grammar(random);
  const analyze = await context(random.fork());
  const counts = { valid: 0, grammar: 0, mutated: 0, random: 0 };
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    switch (iteration % 4) {
      case 0: counts.valid++; check(analyze, grammar.validStatement(), SEED, iteration, true); break;
      case 1: counts.grammar++; check(analyze, grammar.statement(), SEED, iteration, false); break;
      case 2: counts.mutated++; check(analyze, mutate(grammar.pick([grammar.statement(), grammar.validStatement()]), random, grammar), SEED, iteration, false); break;
      default: counts.random++; check(analyze, randomText(random), SEED, iteration, false); break;
    }
  }
  assert.equal(counts.valid + counts.grammar + counts.mutated + counts.random, ITERATIONS);
});

test('valid statements of the grammar parse and analyse without error', async () => {
  const random = new SeededRandom(SEED + 1);
  const grammar = new Grammar(random);
  const analyze = await context(random.fork());
  for (let iteration = 0; iteration < 300; iteration++) {
    const query = grammar.validStatement();
    assert.doesNotThrow(() => analyze(query), `seed ${SEED + 1} iteration ${iteration}: ${query}`);
  }
});
