// Short summaries of messages for debug logging. Never includes credentials: an AUTH_RESPONSE
// is summarized by its length only (STARTUP options carry none: versions and driver names),
// and the string after PASSWORD in a statement (CREATE/ALTER ROLE/USER) is replaced by *****.

import { logStatementCharactersMax } from '../common/limits.js';
import { Opcode, type RequestMessage, type ResponseMessage } from '../protocol/messages.js';

const opcodeNames = new Map<number, string>();
for (const [name, value] of Object.entries(Opcode)) {
  if (opcodeNames.has(value)) throw new Error(`duplicate opcode ${value}`);
  opcodeNames.set(value, name);
}

export function opcodeName(opcode: number): string {
  return opcodeNames.get(opcode) ?? `0x${opcode.toString(16).padStart(2, '0')}`;
}

function shorten(text: string): string {
  return text.length > logStatementCharactersMax ? `${text.slice(0, logStatementCharactersMax)}...` : text;
}

// PASSWORD 'x', PASSWORD = 'x', HASHED PASSWORD = 'x', with '' escapes and an unterminated string
// (cut off or malformed) redacted to its end; also $$-quoted strings.
const passwordLiteral = /(password\s*=?\s*)('(?:[^']|'')*(?:'|$)|\$\$[\s\S]*?(?:\$\$|$))/gi;

/** A statement as it may be logged: password literals replaced, so no log ever holds one. */
export function redactStatement(text: string): string {
  return text.replace(passwordLiteral, '$1*****');
}

function statementForLog(text: string): string {
  return shorten(redactStatement(text));
}

export function summarizeRequest(request: RequestMessage): string {
  switch (request.opcode) {
    case Opcode.STARTUP:
      return [...request.options].map(([key, value]) => `${key}=${value}`).join(' ');
    case Opcode.AUTH_RESPONSE:
      return `token of ${request.token?.length ?? 0} bytes`;
    case Opcode.OPTIONS:
      return '';
    case Opcode.QUERY:
      return `${statementForLog(request.query)} (${request.parameters.values.length} values)`;
    case Opcode.PREPARE:
      return statementForLog(request.query);
    case Opcode.EXECUTE:
      return `id ${request.id.toString('hex')} (${request.parameters.values.length} values)`;
    case Opcode.BATCH:
      return `${request.batch.statements.length} statements`;
    case Opcode.REGISTER:
      return request.events.join(' ');
  }
}

export function summarizeResponse(response: ResponseMessage): string {
  switch (response.opcode) {
    case Opcode.ERROR:
      return `0x${response.code.toString(16).padStart(4, '0')} ${statementForLog(response.message)}`;
    case Opcode.RESULT:
      return response.result.kind === 'rows' ? `rows (${response.result.rows.length})` : response.result.kind;
    case Opcode.EVENT:
      return response.event.type;
    case Opcode.AUTHENTICATE:
      return response.authenticator;
    default:
      return '';
  }
}
