// ESLint for distiq's own code (src, test, bench, scripts). Fixtures are sample projects with
// their own configs and deliberate mistakes; dist/ is generated.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'fixtures/**', 'bench/.cache/**', 'coverage/**', 'stubs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Tests and parsers deal with foreign JSON; `unknown` is preferred but not always practical.
      '@typescript-eslint/no-explicit-any': 'off',
      'no-control-regex': 'off', // parsers strip ANSI escapes on purpose
    },
  },
);
