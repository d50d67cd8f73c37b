import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const NO_TFJS = [{ group: ['@tensorflow/*'], message: 'tfjs runs in the training worker only.' }];
const NO_REACT = { group: ['react', 'react-dom', 'react-dom/*'], message: 'core has no UI.' };

const PROTOCOL_ONLY = {
  regex: '^(\\.\\./)+worker/(?!protocol$)',
  message: 'the page talks to the training worker through worker/protocol only.',
};

/**
 * `no-restricted-imports` for the files of one layer (`dir`): no relative import that climbs
 * into one of the `forbidden` layers (e.g. '../../ui/x'), nor the listed `patterns`
 * (packages, PROTOCOL_ONLY). Only test files may import src/testing (test-only helpers) or the
 * layer's own testing/ folder, and they may also reach the `testsMayImport` layers.
 */
function layerBoundary(dir, forbidden, { why, patterns = [], testsMayImport = [] }) {
  const rule = (layers, why) => {
    const intoLayers = {
      regex: `^(\\.\\./)+(${layers.join('|')})(/|$)`,
      message: `${dir} may not import ${layers.join(', ')}: ${why}`,
    };
    return { 'no-restricted-imports': ['error', { patterns: [intoLayers, ...patterns] }] };
  };
  const files = [`${dir}/**/*.{ts,tsx}`];
  // A layer's own test helpers (dir/testing/) count as tests.
  const tests = [`${dir}/**/*.test.{ts,tsx}`, `${dir}/testing/**/*.{ts,tsx}`];
  const testing = `${why} (src/testing holds helpers for tests only)`;
  const ownTesting = {
    regex: '^\\./testing(/|$)',
    message: `${dir}/testing holds helpers for ${dir}'s tests only.`,
  };
  return [
    {
      files,
      ignores: tests,
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              ...rule([...forbidden, 'testing'], testing)['no-restricted-imports'][1].patterns,
              ownTesting,
            ],
          },
        ],
      },
    },
    {
      files: tests,
      rules: rule(
        forbidden.filter((l) => !testsMayImport.includes(l)),
        why,
      ),
    },
  ];
}

export default tseslint.config(
  {
    ignores: [
      'dist',
      'node_modules',
      'test-results',
      'playwright-report',
      'public',
      'bench/results',
      'src/train/wasm/assembly',
      'src/train/wasm/build',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  // Layer boundaries (README, "Layout"): what each layer must not import.
  ...layerBoundary('src/core', ['data', 'train', 'export', 'worker', 'state', 'ui'], {
    why: 'core is pure TypeScript that builds on nothing else of the studio.',
    patterns: [...NO_TFJS, NO_REACT],
  }),
  ...layerBoundary('src/data', ['train', 'export', 'worker', 'state', 'ui'], {
    why: 'data builds on core only.',
  }),
  ...layerBoundary('src/train', ['export', 'worker', 'state', 'ui'], {
    why: 'train builds on core and data; the worker turns its results into messages.',
  }),
  ...layerBoundary('src/export', ['data', 'train', 'worker', 'state', 'ui'], {
    why: 'export builds on core only.',
    // The export tests check the files against the network the trainer builds.
    testsMayImport: ['train'],
  }),
  ...layerBoundary('src/worker', ['state', 'ui'], {
    why: 'the worker answers the page through the protocol only.',
  }),
  ...layerBoundary('src/state', ['train', 'export'], {
    why: 'training and export run in the worker.',
    patterns: [...NO_TFJS, PROTOCOL_ONLY],
  }),
  ...layerBoundary('src/ui', ['train', 'export'], {
    why: 'training and export run in the worker.',
    patterns: [...NO_TFJS, PROTOCOL_ONLY],
  }),
  ...layerBoundary('src/testing', ['state', 'ui'], {
    why: 'test helpers build on core, data, train, export and the worker.',
  }),
  {
    files: ['src/App.tsx', 'src/main.tsx'],
    rules: { 'no-restricted-imports': ['error', { patterns: NO_TFJS }] },
  },
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
);
