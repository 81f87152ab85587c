import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CqlError, ErrorCode } from '../common/errors.js';
import { boundValuesMax, parserDepthMax } from '../common/limits.js';
import { parseStatement } from './parser.js';

function failure(text: string, code: ErrorCode, pattern: RegExp): void {
  assert.throws(() => parseStatement(text), (error: unknown) => {
    assert.ok(error instanceof CqlError, `not a CqlError: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  }, text);
}

const syntax = (text: string, pattern: RegExp) => failure(text, ErrorCode.SyntaxError, pattern);
const invalid = (text: string, pattern: RegExp) => failure(text, ErrorCode.Invalid, pattern);

test('syntax errors say what and where, with context', () => {
  syntax('SELECT * FORM t', /^line 1:9 mismatched input 'FORM' expecting K_FROM \(SELECT \* \[FORM\]\.\.\.\)$/);
  syntax('SELECT * FROM', /^line 1:13 mismatched input '<EOF>' expecting IDENT/);
  syntax('SELECT *\nFROM t\nWHER k = 1', /^line 3:0 mismatched input 'WHER' expecting <EOF>/);
  syntax('', /^line 1:0 no viable alternative at input '<EOF>'/);
  syntax('SELEC * FROM t', /^line 1:0 no viable alternative at input 'SELEC'/);
  syntax('SELECT * FROM t;;', /^line 1:16 mismatched input ';' expecting <EOF>/);
  syntax('SELECT * FROM t WHERE', /^line 1:21 mismatched input '<EOF>' expecting IDENT/);
  syntax('SELECT select FROM t', /^line 1:7 /);
  syntax('SELECT a FROM t LIMIT \'x\'', /^line 1:22 mismatched input ''x'' expecting INTEGER/);
  syntax('SELECT * FROM t WHERE a = ', /^line 1:26 no viable alternative at input '<EOF>'/);
  syntax('INSERT INTO t (a) VALUES (1', /expecting '\)'/);
  syntax('CREATE TABLE t (a int PRIMARY KEY', /expecting '\)'/);
  syntax('DELETE FROM t USING TTL 5 WHERE k = 1', /expecting K_TIMESTAMP/);
  syntax('BEGIN BATCH SELECT * FROM t APPLY BATCH', /expecting K_INSERT, K_UPDATE, K_DELETE or K_APPLY/);
});

test('grammar-level semantic errors, as Cassandra raises them while parsing', () => {
  syntax('UPDATE t SET a = b + 1 WHERE k = 1', /Only expressions of the form X = X \+ <value> are supported/);
  syntax('UPDATE t SET a = [1] + b WHERE k = 1', /Only expressions of the form X = <value> \+ X are supported/);
  syntax('CREATE TABLE t (a frozen<int> PRIMARY KEY)', /frozen<> is only allowed on collections, tuples, and user-defined types/);
  syntax('CREATE TABLE t (a byte PRIMARY KEY)', /Invalid \(reserved\) user type name byte/);
  syntax('SELECT * FROM ?', /Bind variables cannot be used for keyspace or table names/);
  syntax('USE :ks', /Bind variables cannot be used for keyspace names/);
  syntax("CREATE KEYSPACE ks WITH replication = {'class': ?}", /bind variables are not supported in DDL queries/);
  syntax('CREATE TABLE t (a int PRIMARY KEY) WITH comment = ?', /bind variables are not supported in DDL queries/);
  syntax("CREATE KEYSPACE ks WITH replication = {'a': 1, 'a': 2}", /Multiple definition for property a/);
  syntax('INSERT INTO t (a) VALUES (1) USING TTL 1 AND TTL 2', /Multiple definition for TTL/);
  syntax("CREATE ROLE r WITH LOGIN = true AND LOGIN = false", /Multiple definition for property LOGIN/);
  syntax('CREATE USER "Bob"', /Quoted strings are are not supported for user names/);
  invalid('INSERT INTO t (a, b) VALUES (1)', /^Unmatched column names\/values$/);
  invalid('CREATE TABLE t (a int PRIMARY KEY, b int, PRIMARY KEY (b))', /Multiple PRIMARY KEYs specified/);
});

test('nesting is bounded, whatever nests', () => {
  const deep = parserDepthMax + 5;
  const shapes = [
    `SELECT * FROM t WHERE a = ${'['.repeat(deep)}${']'.repeat(deep)}`,
    `SELECT * FROM t WHERE a = ${'{1: '.repeat(deep)}1${'}'.repeat(deep)}`,
    `SELECT * FROM t WHERE a = ${'('.repeat(deep)}1${')'.repeat(deep)}`,
    `SELECT * FROM t WHERE a = ${'f('.repeat(deep)}${')'.repeat(deep)}`,
    `SELECT * FROM t WHERE a = ${'(int) '.repeat(deep)}1`,
    `SELECT * FROM t WHERE ${'('.repeat(deep)}a = 1${')'.repeat(deep)}`,
    `SELECT ${'f('.repeat(deep)}a${')'.repeat(deep)} FROM t`,
    `CREATE TABLE t (a ${'frozen<list<'.repeat(deep)}int${'>>'.repeat(deep)} PRIMARY KEY)`,
  ];
  for (const text of shapes) syntax(text, /nesting deeper than the maximum of 64 levels/);
  // Far beyond the bound: still a CqlError, never a stack overflow.
  syntax(`SELECT * FROM t WHERE a = ${'['.repeat(200_000)}`, /nesting deeper/);
  syntax(`SELECT * FROM t WHERE a = ${'('.repeat(200_000)}`, /nesting deeper/);
  // At the bound itself it parses.
  const ok = parserDepthMax - 1;
  assert.equal(parseStatement(`SELECT * FROM t WHERE a = ${'['.repeat(ok)}${']'.repeat(ok)}`).kind, 'select');
});

test('lexical errors are reported even where the parser looks ahead', () => {
  syntax('SELECT * FROM t WHERE a = (int) #', /^line 1:32 no viable alternative at character '#'/);
  syntax("SELECT * FROM t WHERE a = ('x", /^line 1:27 mismatched character '<EOF>' expecting '''/);
});

test('long statements parse, and errors at their end still quote context', () => {
  const values = Array.from({ length: 50_000 }, (_, index) => String(index)).join(', ');
  const statement = parseStatement(`SELECT * FROM t WHERE k IN (${values})`);
  assert.equal(statement.kind, 'select');
  syntax(`SELECT * FROM t WHERE k IN (${values}) LIMT 5`, /mismatched input 'LIMT' expecting <EOF> \(.*49999\) \[LIMT\]\.\.\.\)$/);
});

test('bind markers are bounded', () => {
  const markers = Array.from({ length: boundValuesMax + 1 }, () => '?').join(',');
  invalid(`INSERT INTO t (a) VALUES ([${markers}])`, /Too many bind markers/);
});

// --- fuzzing: any input ends in a statement or a CqlError, never another exception.

/** A small seeded generator, so a failure reproduces. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function parsesOrCqlError(text: string): void {
  try {
    parseStatement(text);
  } catch (error) {
    if (!(error instanceof CqlError)) assert.fail(`${String(error)} for input ${JSON.stringify(text)}`);
    assert.ok(error.code === ErrorCode.SyntaxError || error.code === ErrorCode.Invalid, error.message);
  }
}

const vocabulary = [
  'SELECT', 'INSERT', 'INTO', 'UPDATE', 'DELETE', 'FROM', 'WHERE', 'AND', 'SET', 'VALUES', 'IF', 'NOT', 'EXISTS',
  'IN', 'CONTAINS', 'KEY', 'TOKEN', 'USING', 'TTL', 'TIMESTAMP', 'BEGIN', 'BATCH', 'APPLY', 'UNLOGGED', 'COUNTER',
  'CREATE', 'ALTER', 'DROP', 'TABLE', 'KEYSPACE', 'TYPE', 'WITH', 'PRIMARY', 'STATIC', 'CLUSTERING', 'ORDER', 'BY',
  'ASC', 'DESC', 'LIMIT', 'ALLOW', 'FILTERING', 'JSON', 'DISTINCT', 'AS', 'CAST', 'COUNT', 'WRITETIME', 'NULL', 'IS',
  'GRANT', 'REVOKE', 'ON', 'TO', 'OF', 'ROLE', 'USER', 'LIST', 'ALL', 'PERMISSIONS', 'frozen', 'list', 'map', 'tuple',
  'int', 'text', 'a', 'b', 'ks', 't', '"Q"', "'s'", '$$d$$', '1', '-2', '3.5', 'NaN', '-Infinity', 'true', '0xff',
  '1h', 'P1D', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '?', ':n', '(', ')', '[', ']', '{', '}', '<', '>', ',', ';',
  '.', '*', '=', '+', '-', '!=', '<=', '>=', '+=', '-=', ':', '..', '/', '%',
];

test('fuzz: random token soup', () => {
  const random = generator(20261127);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  for (let iteration = 0; iteration < 4000; iteration++) {
    const length = 1 + Math.floor(random() * 25);
    const words = Array.from({ length }, () => pick(vocabulary));
    if (random() < 0.5) words.unshift(pick(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'ALTER', 'BEGIN', 'GRANT', 'LIST']));
    parsesOrCqlError(words.join(random() < 0.8 ? ' ' : ''));
  }
});

const corpus = [
  "SELECT * FROM system.local WHERE key='local'",
  'SELECT a, b AS x, count(*), writetime(c), token(a), toTimestamp(now()), CAST(c AS text) FROM ks.t WHERE a IN ? AND (b, c) > (1, 2) LIMIT 10 ALLOW FILTERING',
  "INSERT INTO t (a, b, c) VALUES (?, {'x': [1, 2]}, (1, 'a')) IF NOT EXISTS USING TTL 5 AND TIMESTAMP 7",
  "UPDATE t SET a = a + [1], b = [2] + b, m['k'] = 3, u.f = {x: 1} WHERE k = :k IF x = 2",
  "DELETE m['k'], l[0] FROM t USING TIMESTAMP 1 WHERE k = 1 AND c IN (1, 2) IF EXISTS",
  'BEGIN UNLOGGED BATCH INSERT INTO t (a) VALUES (?); UPDATE t SET b = (int) ? WHERE a = ?; APPLY BATCH',
  "CREATE TABLE IF NOT EXISTS ks.t (a int, b text static, c frozen<map<int, list<text>>>, PRIMARY KEY ((a, b), c)) WITH CLUSTERING ORDER BY (c DESC) AND comment = 'hi'",
  "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1} AND durable_writes = true",
  'ALTER TABLE t ADD (c int, d set<uuid>)',
  "CREATE ROLE r WITH PASSWORD = 'p' AND LOGIN = true AND OPTIONS = {'a': 'b'}",
  'GRANT SELECT ON KEYSPACE ks TO r',
  'LIST ALL PERMISSIONS ON ALL KEYSPACES OF r NORECURSIVE',
];

function mutate(text: string, random: () => number): string {
  const at = Math.floor(random() * (text.length + 1));
  const span = 1 + Math.floor(random() * 8);
  const characters = "()[]{}<>,;.:?'\"$-+*=!/ \n0123456789abcxyzPT_µ\u0000\u{1F600}";
  switch (Math.floor(random() * 5)) {
    case 0: return text.slice(0, at) + text.slice(at + span);
    case 1: return text.slice(0, at) + characters[Math.floor(random() * characters.length)] + text.slice(at);
    case 2: return text.slice(0, at) + text.slice(at, at + span) + text.slice(at);
    case 3: return text.slice(0, at);
    default: {
      const other = Math.floor(random() * text.length);
      return text.slice(0, at) + text.slice(other, other + span) + text.slice(at + span);
    }
  }
}

test('fuzz: mutated valid statements', () => {
  for (const text of corpus) assert.doesNotThrow(() => parseStatement(text), text);
  const random = generator(42);
  for (let iteration = 0; iteration < 4000; iteration++) {
    let text = corpus[iteration % corpus.length] as string;
    const mutations = 1 + Math.floor(random() * 4);
    for (let count = 0; count < mutations; count++) text = mutate(text, random);
    parsesOrCqlError(text);
  }
});
