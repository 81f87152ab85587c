// The statements a node has analysed: prepared ones by id (Cassandra's prepared statement
// cache, bounded, least recently used out first) and ad hoc ones by their text (so that a
// driver's repeated unprepared query is parsed once). An entry is analysed again when the
// schema changed since, because the tables it names may have.

import { createHash } from 'node:crypto';
import { CqlError, invalidRequest, unprepared } from '../common/errors.js';
import { preparedStatementsMax, queryTextBytesMax } from '../common/limits.js';
import type { Clock } from '../common/world.js';
import { analyzeStatement, type AnalysisContext } from '../cql/analyzer.js';
import { parseStatement } from '../cql/parser.js';
import type { PreparedStatement } from '../cql/plan.js';
import type { Schema } from '../schema/schema.js';
import { redactErrorMessage } from './error-redaction.js';

export interface CachedStatement {
  query: string;
  keyspace: string | null;
  schemaVersion: string;
  prepared: PreparedStatement;
}

/**
 * A small LRU map (insertion order of a Map, re-inserted on use). Recency only matters once
 * evictions are near: below half the capacity a hit is not re-inserted, which saves a delete and
 * an insert per request (a few percent of a prepared SELECT's CPU).
 */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined && 2 * this.entries.size > this.capacity) { this.entries.delete(key); this.entries.set(key, value); }
    return value;
  }
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** The cache key of a prepared id: its bytes as a one-byte string (cheaper to make than hex). */
const preparedKey = (id: Buffer): string => id.toString('latin1');

export class StatementCache {
  private readonly prepared = new LruCache<CachedStatement>(preparedStatementsMax);
  private readonly adhoc = new LruCache<CachedStatement>(1000);

  constructor(private readonly options: { schema: Schema; clock: Pick<Clock, 'nowMicros'>; features?: Pick<AnalysisContext, 'userFunctions' | 'materializedViews'> }) {}

  /** Parses and analyses a statement against the current schema (not cached). */
  analyze(query: string, keyspace: string | null): CachedStatement {
    if (Buffer.byteLength(query) > queryTextBytesMax) throw invalidRequest(`Query text is larger than ${queryTextBytesMax} bytes`);
    const { schema, clock } = this.options;
    try {
      const statement = parseStatement(query);
      const prepared = analyzeStatement(statement, { schema, keyspace, nowMicros: () => clock.nowMicros(), ...this.options.features });
      return { query, keyspace, schemaVersion: schema.schemaVersion(), prepared };
    } catch (error) {
      // Syntax errors quote the text around them: never echo a password back (or into the log).
      if (error instanceof CqlError) throw new CqlError(error.code, redactErrorMessage(error.message, query), error.details);
      throw error;
    }
  }

  /** An unprepared statement, from the cache under cacheKey when it was seen before. */
  adhocStatement(cacheKey: string, query: string, keyspace: string | null): CachedStatement {
    const entry = this.adhoc.get(cacheKey);
    if (entry !== undefined) return this.fresh(entry);
    const analysed = this.analyze(query, keyspace);
    // DDL and USE depend on the moment; only cache what is safe to re-run.
    if (analysed.prepared.plan.kind === 'select' || analysed.prepared.plan.kind === 'modification') this.adhoc.set(cacheKey, analysed);
    return analysed;
  }

  /**
   * PREPARE: the id is Cassandra's, the MD5 of the keyspace (when the statement does not name
   * its tables' keyspaces) and the text, so every node gives a statement the same id.
   */
  prepare(query: string, keyspace: string | null): { id: Buffer; entry: CachedStatement } {
    const entry = this.analyze(query, keyspace);
    const idKeyspace = entry.prepared.fullyQualified ? null : keyspace;
    const id = createHash('md5').update(`${idKeyspace ?? ''}${query}`).digest();
    this.prepared.set(preparedKey(id), entry);
    return { id, entry };
  }

  /** A prepared statement by id; Unprepared when it was never prepared here or was evicted. */
  lookup(id: Buffer): CachedStatement {
    const key = preparedKey(id);
    const entry = this.prepared.get(key);
    if (entry === undefined) throw unprepared(id);
    if (entry.schemaVersion === this.options.schema.schemaVersion()) return entry;
    // As Cassandra drops the prepared statements of a changed table: when the schema change
    // altered what the statement binds or returns (ALTER TABLE ADD under a SELECT *), the
    // driver's copy of the metadata is stale, so answer Unprepared and let it prepare again.
    const before = signature(entry.prepared);
    this.fresh(entry);
    if (signature(entry.prepared) !== before) {
      this.prepared.delete(key);
      throw unprepared(id);
    }
    return entry;
  }

  private fresh(entry: CachedStatement): CachedStatement {
    if (entry.schemaVersion === this.options.schema.schemaVersion()) return entry;
    const updated = this.analyze(entry.query, entry.keyspace);
    entry.prepared = updated.prepared;
    entry.schemaVersion = updated.schemaVersion;
    return entry;
  }
}

/** What a driver caches from a PREPARE result: the bound variables and the result columns. */
function signature(prepared: PreparedStatement): string {
  return JSON.stringify([prepared.variables, prepared.resultColumns]);
}
