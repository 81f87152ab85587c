// Lint: determinism rules of DESIGN.md ("The injected world"). Layering is checked by
// dependency-cruiser (.dependency-cruiser.cjs), which resolves real module paths.
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
      'no-restricted-syntax': ['error', {
        selector: "NewExpression[callee.name='Date'][arguments.length=0]",
        message: 'Use the injected Clock.',
      }],
    },
  },
);
