// Errors about a statement are sent to the client and may be logged: when the statement sets
// a password, nothing of the password may be echoed in the message.

/**
 * An error about a statement that holds a password (a syntax error quotes the offending
 * token and its surroundings): every string literal of the statement, and the word after
 * PASSWORD, are replaced by ***** in the message, so clients and logs never see them echoed.
 */
export function redactErrorMessage(message: string, statement: string): string {
  if (!/password/i.test(statement)) return message;
  const secrets = new Set<string>();
  for (const match of statement.matchAll(/'((?:[^']|'')*)'?|\$\$([\s\S]*?)(?:\$\$|$)/g)) {
    const literal = match[1] ?? match[2] ?? '';
    if (literal.length > 0) { secrets.add(literal); secrets.add(literal.replace(/''/g, "'")); }
  }
  for (const match of statement.matchAll(/password\s*=?\s*([^\s']+)/gi)) if (match[1] !== undefined) secrets.add(match[1]);
  let redacted = message;
  // Longest first, so a secret containing another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) redacted = redacted.split(secret).join('*****');
  return redacted;
}
