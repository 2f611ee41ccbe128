// ESLint for the whole repository (typescript-eslint's recommended rules, with the few choices
// this codebase makes on purpose); Prettier owns formatting, so no style rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'packages/console/assets/**', '**/*.d.ts', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // TypeScript resolves every name; ESLint's scope analysis does not know the DOM/Node globals.
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Generic JSON plumbing (wire formats of many providers) is typed as unknown where it matters.
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-console': 'error',
      // `let x = fallback; try { x = parse() } catch {}` is this codebase's idiom for defaults.
      'no-useless-assignment': 'off',
    },
  },
  {
    // Tests, benches, examples and scripts are programs, not library code: they may print.
    files: ['**/*.test.ts', '**/*.test.util.ts', 'bench/**', 'examples/**', 'scripts/**', 'packages/*/scripts/**', 'test/**', '**/cli.ts', '**/testing/**'],
    rules: { 'no-console': 'off' },
  },
);
