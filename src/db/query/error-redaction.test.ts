import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactErrorMessage } from './error-redaction.js';

test('errors about statements with passwords do not echo them', () => {
  const cases: Array<[string, string]> = [
    ["CREATE ROLE x WITH PASSWORD 'secret1' AND LOGIN = true", "line 1:28 mismatched input ''secret1'' expecting '=' (CREATE ROLE x WITH PASSWORD ['secret1']...)"],
    ["CREATE ROLE x WITH PASSWORD = 'sec''ret2' LOGIN = true", "line 1:40 mismatched input 'LOGIN' expecting <EOF> (x WITH PASSWORD = 'sec''ret2' [LOGIN]...)"],
    ['ALTER ROLE x WITH PASSWORD = secret4', 'line 1:29 mismatched input \'secret4\' expecting STRING_LITERAL (ROLE x WITH PASSWORD = [secret4]...)'],
  ];
  for (const [statement, message] of cases) {
    const redacted = redactErrorMessage(message, statement);
    assert.doesNotMatch(redacted, /secret|sec'/, redacted);
    assert.match(redacted, /^line 1:\d+ mismatched input/);
  }
  assert.equal(redactErrorMessage("unconfigured table 'x'", "SELECT * FROM t WHERE k = 'x'"), "unconfigured table 'x'");
});
