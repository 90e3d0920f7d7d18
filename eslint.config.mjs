import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'out/**',
      '**/node_modules/**',
      'resources/**',
      'coverage/**',
      '.testbed/**',
      'server-bundle/dist/**',
      'server-bundle/.node/**',
      'scripts/.*',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: [
      'src/main/**/*.ts',
      'src/preload/**/*.ts',
      'tests/**/*.ts',
      'scripts/**/*.mjs',
      'bin/**/*.cjs',
      '*.ts',
      '*.mts',
      '*.mjs',
      'server-bundle/**/*.{ts,mjs,cjs}',
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Protocol code filters raw client input, where matching control characters is the point.
    files: ['server-bundle/**/*.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['bin/**/*.cjs', 'server-bundle/**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // Services stay free of Electron so the browser host, the CLI and the tests can run them.
    files: [
      'src/main/services/**/*.ts',
      'src/main/app.ts',
      'src/main/cli/**/*.ts',
      'src/main/browser-host/**/*.ts',
      'src/shared/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Only src/main/index.ts, window/ and electron/ may import electron.',
            },
          ],
        },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
