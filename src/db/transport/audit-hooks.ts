// What a connection writes to the audit log for one request or one login (Cassandra's
// AuditLogManager hooks in QueryProcessor, BatchStatement and AuthResponse).

import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../common/errors.js';
import { Opcode, type RequestMessage, type ResponseMessage } from '../protocol/messages.js';
import { classifyStatement, type AuditEntry, type AuditSink } from './audit-entry.js';
import type { ClientState } from './query-handler.js';

export interface AuditTarget {
  logger: AuditSink;
  host: string;
  /** Wall-clock milliseconds (the injected Clock). */
  nowMs: () => number;
}

function base(target: AuditTarget, state: ClientState): Pick<AuditEntry, 'user' | 'host' | 'source' | 'port' | 'timestampMs'> {
  return { user: state.user, host: target.host, source: state.remoteAddress, port: state.remotePort, timestampMs: target.nowMs() };
}

/** The failure as Cassandra logs it: the statement, then the error's message. */
function failure(response: ResponseMessage): { type: string; category: 'AUTH' | 'ERROR'; message: string } | null {
  if (response.opcode !== Opcode.ERROR) return null;
  const unauthorized = response.code === ErrorCode.Unauthorized;
  return { type: unauthorized ? 'UNAUTHORIZED_ATTEMPT' : 'REQUEST_FAILURE', category: unauthorized ? 'AUTH' : 'ERROR', message: response.message };
}

function statementEntry(target: AuditTarget, state: ClientState, query: string, keyspace: string | null, response: ResponseMessage, extra: Partial<AuditEntry> = {}): AuditEntry {
  const statement = classifyStatement(query, keyspace);
  const failed = failure(response);
  return {
    ...base(target, state), type: statement.type, category: statement.category, keyspace: statement.keyspace, scope: statement.scope, operation: query,
    ...extra,
    ...(failed === null ? {} : { type: failed.type, category: failed.category, operation: `${query}; ${failed.message}` }),
  };
}

export function auditRequest(target: AuditTarget, state: ClientState, request: RequestMessage, response: ResponseMessage): void {
  const { logger } = target;
  switch (request.opcode) {
    case Opcode.QUERY:
      logger.log(statementEntry(target, state, request.query, request.parameters.keyspace ?? state.keyspace, response));
      return;
    case Opcode.PREPARE: {
      const keyspace = request.keyspace ?? state.keyspace;
      if (response.opcode === Opcode.RESULT && response.result.kind === 'prepared') logger.rememberPrepared(response.result.id, request.query, keyspace);
      const entry = statementEntry(target, state, request.query, keyspace, response);
      logger.log(response.opcode === Opcode.ERROR ? entry : { ...entry, type: 'PREPARE_STATEMENT', category: 'PREPARE' });
      return;
    }
    case Opcode.EXECUTE: {
      const prepared = logger.preparedStatement(request.id);
      const query = prepared?.query ?? `EXECUTE ${request.id.toString('hex')}`;
      logger.log(statementEntry(target, state, query, request.parameters.keyspace ?? prepared?.keyspace ?? state.keyspace, response));
      return;
    }
    case Opcode.BATCH: {
      const batch = randomUUID();
      const keyspace = request.batch.keyspace ?? state.keyspace;
      for (const statement of request.batch.statements) {
        const prepared = statement.kind === 'prepared' ? logger.preparedStatement(statement.id) : undefined;
        const query = statement.kind === 'query' ? statement.query : prepared?.query ?? `EXECUTE ${statement.id.toString('hex')}`;
        logger.log(statementEntry(target, state, query, prepared?.keyspace ?? keyspace, response, { batch }));
      }
      return;
    }
    default:
      return;
  }
}

/** The user named in a SASL PLAIN token (authzid NUL authcid NUL password); the password is never read. */
function plainUser(token: Buffer | null): string | null {
  if (token === null) return null;
  const parts = token.toString('utf8').split('\0');
  return parts.length === 3 ? (parts[1] ?? null) : null;
}

export function auditLogin(target: AuditTarget, state: ClientState, token: Buffer | null, error: unknown): void {
  if (error === null) {
    target.logger.log({ ...base(target, state), type: 'LOGIN_SUCCESS', category: 'AUTH', operation: 'LOGIN SUCCESSFUL' });
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  target.logger.log({ ...base(target, state), user: plainUser(token), type: 'LOGIN_ERROR', category: 'AUTH', operation: `LOGIN FAILURE; ${message}` });
}
