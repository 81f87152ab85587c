import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CqlError, ErrorCode } from '../common/errors.js';
import { queryTextBytesMax } from '../common/limits.js';
import { tokenize } from './lexer.js';

/** The tokens of `text` as "kind:text" strings, without the final eof. */
function lex(text: string): string[] {
  const tokens = tokenize(text);
  assert.equal(tokens[tokens.length - 1]?.kind, 'eof');
  return tokens.slice(0, -1).map((token) => `${token.kind}:${token.text}`);
}

function syntaxFailure(text: string, pattern: RegExp): void {
  assert.throws(() => tokenize(text), (error: unknown) => {
    assert.ok(error instanceof CqlError);
    assert.equal(error.code, ErrorCode.SyntaxError);
    assert.match(error.message, pattern);
    return true;
  });
}

test('identifiers are lowercased, quoted names keep case and unescape ""', () => {
  assert.deepEqual(lex('SELECT MyCol "MyCol" "a""b" x_1'), [
    'identifier:select', 'identifier:mycol', 'quotedName:MyCol', 'quotedName:a"b', 'identifier:x_1',
  ]);
});

test("string literals: '' escape, $$ strings, empty string", () => {
  assert.deepEqual(lex("'it''s' $$a'b$$ ''"), ["string:it's", "string:a'b", 'string:']);
});

test('numbers: integers, floats with exponent, ranges', () => {
  assert.deepEqual(lex('42 3.14 1e10 2.5E-3 7. 1..3'), [
    'integer:42', 'float:3.14', 'float:1e10', 'float:2.5E-3', 'float:7.', 'integer:1', 'punctuation:..', 'integer:3',
  ]);
  assert.deepEqual(lex('-5'), ['punctuation:-', 'integer:5']);
});

test('booleans, hex blobs and uuids', () => {
  assert.deepEqual(lex('TRUE false 0xCAFE 0x'), ['boolean:true', 'boolean:false', 'hex:0xCAFE', 'hex:0x']);
  assert.deepEqual(lex('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 123e4567-e89b-12d3-a456-426614174000'), [
    'uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'uuid:123e4567-e89b-12d3-a456-426614174000',
  ]);
});

test('durations in unit and ISO 8601 forms', () => {
  assert.deepEqual(lex('1h30m 12mo 1y2mo3w4d5h6m7s8ms9us10ns 3µs'), [
    'duration:1h30m', 'duration:12mo', 'duration:1y2mo3w4d5h6m7s8ms9us10ns', 'duration:3µs',
  ]);
  assert.deepEqual(lex('P1DT2H P1Y2M PT10S P2W P0001-02-03T04:05:06'), [
    'duration:P1DT2H', 'duration:P1Y2M', 'duration:PT10S', 'duration:P2W', 'duration:P0001-02-03T04:05:06',
  ]);
  // Words starting with p are identifiers unless they are whole durations.
  assert.deepEqual(lex('p pt peer p1dx'), ['identifier:p', 'identifier:pt', 'identifier:peer', 'identifier:p1dx']);
});

test('comments are skipped and positions count lines and columns', () => {
  const tokens = tokenize('-- one\nSELECT /* two\nlines */ a // three\n  FROM t');
  const shown = tokens.map((token) => `${token.text}@${token.position.line}:${token.position.column}`);
  assert.deepEqual(shown, ['select@2:0', 'a@3:9', 'from@4:2', 't@4:7', '@4:8']);
});

test('punctuation prefers the longest match', () => {
  assert.deepEqual(lex('<= >= != += -= < > = ? : ; , . * [ ] { } ( ) + - / %'), [
    '<=', '>=', '!=', '+=', '-=', '<', '>', '=', '?', ':', ';', ',', '.', '*', '[', ']', '{', '}', '(', ')', '+', '-', '/', '%',
  ].map((text) => `punctuation:${text}`));
});

test('bad input is a SyntaxError naming line and column', () => {
  syntaxFailure('SELECT #', /^line 1:7 no viable alternative at character '#'/);
  syntaxFailure("SELECT 'abc", /^line 1:7 mismatched character '<EOF>' expecting '''/);
  syntaxFailure('SELECT "abc', /^line 1:7 .*expecting '"'/);
  syntaxFailure('SELECT $$abc', /^line 1:7 .*expecting '\$\$'/);
  syntaxFailure('SELECT /* abc', /^line 1:7 unterminated comment/);
  syntaxFailure('SELECT ""', /^line 1:7 empty quoted identifier/);
});

test('text longer than queryTextBytesMax is refused before lexing', () => {
  const text = `SELECT '${'x'.repeat(queryTextBytesMax)}'`;
  assert.throws(() => tokenize(text), (error: unknown) => error instanceof CqlError && error.code === ErrorCode.Invalid);
});
