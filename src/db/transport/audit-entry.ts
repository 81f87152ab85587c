// Audit log entries as Cassandra 4.0 writes them (AuditLogEntry.getLogString):
//   user:U|host:H|source:S|port:P|timestamp:T|type:TYPE|category:CAT[|batch:ID][|ks:K][|scope:X][|operation:STATEMENT]
// with the statement's type and category (CQLStatement.getAuditLogContext), the filter
// (AuditLogFilter) and password redaction (PasswordObfuscator). Pure: the file is node/audit-log.ts.

export const auditCategories = ['QUERY', 'DML', 'DDL', 'DCL', 'OTHER', 'AUTH', 'ERROR', 'PREPARE'] as const;
export type AuditCategory = (typeof auditCategories)[number];

/** The filters of audit_logging_options, parsed. */
export interface AuditFilter {
  includedKeyspaces: string[];
  excludedKeyspaces: string[];
  includedCategories: AuditCategory[];
  excludedCategories: AuditCategory[];
  includedUsers: string[];
  excludedUsers: string[];
}

/** Where the connection hands entries; the node's AuditLogger implements it. */
export interface AuditSink {
  isEnabled(): boolean;
  /** Never throws and never waits on the disk. */
  log(entry: AuditEntry): void;
  rememberPrepared(id: Buffer, query: string, keyspace: string | null): void;
  preparedStatement(id: Buffer): { query: string; keyspace: string | null } | undefined;
}

export interface AuditEntry {
  user: string | null;
  /** The node's address (the coordinator). */
  host: string;
  source: string;
  port: number;
  timestampMs: number;
  type: string;
  category: AuditCategory;
  batch?: string;
  keyspace?: string | null;
  scope?: string | null;
  operation?: string;
}

/** AuditLogEntry.getLogString. */
export function formatAuditEntry(entry: AuditEntry): string {
  let line = `user:${entry.user ?? 'anonymous'}|host:${entry.host}|source:${entry.source}|port:${entry.port}|timestamp:${entry.timestampMs}|type:${entry.type}|category:${entry.category}`;
  if (entry.batch !== undefined) line += `|batch:${entry.batch}`;
  if (entry.keyspace !== undefined && entry.keyspace !== null) line += `|ks:${entry.keyspace}`;
  if (entry.scope !== undefined && entry.scope !== null) line += `|scope:${entry.scope}`;
  // One entry is one line: a statement's line breaks become spaces.
  if (entry.operation !== undefined) line += `|operation:${entry.operation.replace(/[\r\n]+/g, ' ')}`;
  return line;
}

const obfuscated = "'*******'";

/** PasswordObfuscator: the value after PASSWORD (and a 'password': option) never reaches the log. */
export function redactPasswords(statement: string): string {
  return statement
    .replace(/(?<!')(\bPASSWORD\s*=?\s*)('(?:[^']|'')*'?|\$\$[\s\S]*?(?:\$\$|$))/gi, `$1${obfuscated}`)
    .replace(/('password'\s*:\s*)('(?:[^']|'')*'?)/gi, `$1${obfuscated}`);
}

export interface StatementClass {
  type: string;
  category: AuditCategory;
  keyspace: string | null;
  scope: string | null;
}

const ddlObjects = /^(CREATE|ALTER|DROP)\s+(KEYSPACE|SCHEMA|TABLE|COLUMNFAMILY|(?:CUSTOM\s+)?INDEX|TYPE|(?:OR\s+REPLACE\s+)?FUNCTION|(?:OR\s+REPLACE\s+)?AGGREGATE|TRIGGER|MATERIALIZED\s+VIEW)\b/i;
const dclObjects = /^(CREATE|ALTER|DROP)\s+(ROLE|USER)\b/i;
const identifier = '(?:"(?:[^"]|"")+"|[A-Za-z0-9_]+)';
const qualified = new RegExp(`^(${identifier})(?:\\.(${identifier}))?`);

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase();
}

/** The keyspace and table named after a statement's leading words (best effort, for the log). */
function target(rest: string, sessionKeyspace: string | null, keyspaceOnly: boolean): { keyspace: string | null; scope: string | null } {
  const match = qualified.exec(rest.replace(/^IF\s+(NOT\s+)?EXISTS\s+/i, ''));
  if (match === null) return { keyspace: sessionKeyspace, scope: null };
  const first = unquote(match[1] ?? '');
  if (keyspaceOnly) return { keyspace: first, scope: null };
  return match[2] === undefined ? { keyspace: sessionKeyspace, scope: first } : { keyspace: first, scope: unquote(match[2]) };
}

/** The AuditLogEntryType and category of a statement, as Cassandra's CQLStatement.getAuditLogContext gives them. */
export function classifyStatement(statement: string, sessionKeyspace: string | null): StatementClass {
  const text = statement.replace(/^\s*(--[^\n]*\n|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/|\s)*/, '').trim();
  const upper = text.toUpperCase();
  const after = (pattern: RegExp) => text.slice((pattern.exec(text)?.[0] ?? '').length).trimStart();
  const none = { keyspace: sessionKeyspace, scope: null };
  if (upper.startsWith('SELECT')) return { type: 'SELECT', category: 'QUERY', ...target(after(/^[\s\S]*?\bFROM\s+/i), sessionKeyspace, false) };
  if (upper.startsWith('INSERT')) return { type: 'UPDATE', category: 'DML', ...target(after(/^INSERT\s+INTO\s+/i), sessionKeyspace, false) };
  if (upper.startsWith('UPDATE')) return { type: 'UPDATE', category: 'DML', ...target(after(/^UPDATE\s+/i), sessionKeyspace, false) };
  if (upper.startsWith('DELETE')) return { type: 'DELETE', category: 'DML', ...target(after(/^[\s\S]*?\bFROM\s+/i), sessionKeyspace, false) };
  if (upper.startsWith('BEGIN')) return { type: 'BATCH', category: 'DML', ...none };
  if (upper.startsWith('TRUNCATE')) return { type: 'TRUNCATE', category: 'DDL', ...target(after(/^TRUNCATE\s+(TABLE\s+)?/i), sessionKeyspace, false) };
  if (upper.startsWith('USE')) return { type: 'USE_KEYSPACE', category: 'OTHER', ...target(after(/^USE\s+/i), sessionKeyspace, true) };
  const dcl = dclObjects.exec(text);
  if (dcl !== null) return { type: `${(dcl[1] ?? '').toUpperCase()}_ROLE`, category: 'DCL', keyspace: null, scope: null };
  if (/^GRANT\b/i.test(text)) return { type: /\bON\b/i.test(text) ? 'GRANT' : 'GRANT', category: 'DCL', keyspace: null, scope: null };
  if (/^REVOKE\b/i.test(text)) return { type: 'REVOKE', category: 'DCL', keyspace: null, scope: null };
  const list = /^LIST\s+(ROLES|USERS|(?:ALL\s+)?PERMISSIONS|[A-Z]+)/i.exec(text);
  if (list !== null) return { type: /PERMISSIONS/i.test(list[1] ?? '') ? 'LIST_PERMISSIONS' : /USERS/i.test(list[1] ?? '') ? 'LIST_USERS' : 'LIST_ROLES', category: 'DCL', keyspace: null, scope: null };
  const ddl = ddlObjects.exec(text);
  if (ddl !== null) {
    const verb = (ddl[1] ?? '').toUpperCase();
    const object = (ddl[2] ?? '').toUpperCase().replace(/^(CUSTOM|OR\s+REPLACE)\s+/, '').replace(/\s+/g, '_').replace('COLUMNFAMILY', 'TABLE').replace('SCHEMA', 'KEYSPACE');
    const isKeyspace = object === 'KEYSPACE';
    const rest = text.slice(ddl[0].length).trimStart();
    // CREATE INDEX [name] ON ks.table: the scope is the table.
    const onTable = object === 'INDEX' && verb === 'CREATE' ? after(/^[\s\S]*?\bON\s+/i) : rest;
    return { type: `${verb}_${object}`, category: 'DDL', ...target(onTable, sessionKeyspace, isKeyspace) };
  }
  return { type: 'OTHER', category: 'OTHER', ...none };
}

/** AuditLogFilter: included lists empty = all; excluded wins; a null keyspace or user passes those filters. */
export function isAudited(settings: AuditFilter, entry: Pick<AuditEntry, 'keyspace' | 'category' | 'user'>): boolean {
  const passes = (value: string | null | undefined, included: string[], excluded: string[]) =>
    value === null || value === undefined || ((included.length === 0 || included.includes(value)) && !excluded.includes(value));
  return passes(entry.keyspace, settings.includedKeyspaces, settings.excludedKeyspaces)
    && passes(entry.category, settings.includedCategories, settings.excludedCategories)
    && passes(entry.user, settings.includedUsers, settings.excludedUsers);
}
