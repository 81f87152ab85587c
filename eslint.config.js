// Lint: determinism rules of DESIGN.md ("The injected world") and house style 9 (at most two
// positional parameters, then an options object). Layering is checked by dependency-cruiser
// (.dependency-cruiser.cjs), which resolves real module paths.
import tseslint from 'typescript-eslint';

const nondeterministic = [
  { name: 'setTimeout', message: 'Use the injected Clock.' },
  { name: 'setInterval', message: 'Use the injected Clock.' },
  { name: 'setImmediate', message: 'Use the injected Clock.' },
  { name: 'clearTimeout', message: 'Use the injected Clock.' },
  { name: 'clearInterval', message: 'Use the injected Clock.' },
  { name: 'performance', message: 'Use the injected Clock.' },
];
const nondeterministicProperties = [
  { object: 'Date', property: 'now', message: 'Use the injected Clock.' },
  { object: 'Math', property: 'random', message: 'Use the injected Random.' },
  { object: 'crypto', property: 'randomUUID', message: 'Use the injected Random.' },
  { object: 'crypto', property: 'getRandomValues', message: 'Use the injected Random.' },
  { object: 'process', property: 'hrtime', message: 'Use the injected Clock.' },
];

const newDateSyntax = {
  selector: "NewExpression[callee.name='Date'][arguments.length=0]",
  message: 'Use the injected Clock.',
};
// An argument is evaluated on every call: a message built from values costs more than the check.
const assertTemplate = {
  selector: "CallExpression[callee.name='assert'] > TemplateLiteral[expressions.length>0]",
  message: "Write `if (!condition) fail(`...`)`: assert's message argument is built on every call (common/assert.ts).",
};
// House style 9. A third parameter is allowed only as an options object: destructured, or typed
// as an object literal type or a type named ...Options or ...Context.
const optionsMessage = 'At most two positional parameters, then an options object (DESIGN.md house style 9).';
const third = (path) => [
  `:not([${path}.type='ObjectPattern'])`,
  `:not([${path}.typeAnnotation.typeAnnotation.type='TSTypeLiteral'])`,
  `:not([${path}.typeAnnotation.typeAnnotation.typeName.name=/(Options|Context)$/])`,
].join('');
const positionalParameters = [
  { selector: ':function[params.length>3]', message: optionsMessage },
  { selector: `:function[params.length=3]${third('params.2')}:not([params.2.type='AssignmentPattern'])`, message: optionsMessage },
  { selector: `:function[params.length=3][params.2.type='AssignmentPattern']${third('params.2.left')}`, message: optionsMessage },
];
// The folders that follow house style 9 so far; the others are listed in issue 17.
const optionsFolders = ['src/db/protocol/**/*.ts', 'src/db/dht/**/*.ts', 'src/db/schema/**/*.ts', 'src/db/cql/**/*.ts', 'src/db/auth/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/flights/ui/dist/**', '.cache/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: { 'no-empty': ['error', { allowEmptyCatch: false }] },
  },
  {
    files: ['src/db/**/*.ts'],
    ignores: ['src/db/platform/**', 'src/db/node/**', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', ...nondeterministic],
      'no-restricted-properties': ['error', ...nondeterministicProperties],
      'no-restricted-syntax': ['error', newDateSyntax, assertTemplate],
    },
  },
  {
    files: optionsFolders,
    ignores: ['src/**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', newDateSyntax, assertTemplate, ...positionalParameters] },
  },
  {
    files: ['src/cli/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', assertTemplate, ...positionalParameters] },
  },
);
