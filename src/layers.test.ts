/**
 * The layer boundaries of eslint.config.js: each fixture is a one-import module linted, with
 * the project's own config, as if it were the named file. A forbidden import must be reported
 * by no-restricted-imports, an allowed one must not.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The boundary messages for a module at `file` that imports `specifier`. */
async function boundaryMessages(file: string, specifier: string, typeOnly = false) {
  const code = typeOnly
    ? `import type { A } from '${specifier}';\nexport type B = A;\n`
    : `import { a } from '${specifier}';\nexport const b = a;\n`;
  const [result] = await eslint.lintText(code, { filePath: file });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const FORBIDDEN: [file: string, specifier: string][] = [
  ['src/core/fixture.ts', '../data/batches'],
  ['src/core/fixture.ts', '../train/trainer'],
  ['src/core/fixture.ts', '../export/tflite'],
  ['src/core/fixture.ts', '../worker/protocol'],
  ['src/core/fixture.ts', '../state/store'],
  ['src/core/fixture.ts', '../ui/format'],
  ['src/core/fixture.ts', '@tensorflow/tfjs'],
  ['src/core/fixture.ts', 'react'],
  ['src/data/fixture.ts', '../train/network'],
  ['src/data/uploads/fixture.ts', '../../ui/format'],
  ['src/train/fixture.ts', '../worker/protocol'],
  ['src/train/fixture.ts', '../state/store'],
  ['src/train/fixture.ts', '../ui/format'],
  ['src/train/fixture.ts', '../export/tflite'],
  ['src/train/wasm/fixture.ts', '../../worker/protocol'],
  ['src/export/fixture.ts', '../worker/exports'],
  ['src/export/fixture.ts', '../state/store'],
  ['src/export/fixture.ts', '../ui/format'],
  ['src/export/fixture.ts', '../train/network'],
  ['src/export/fixture.ts', '../data/dataset'],
  ['src/export/fixture.test.ts', '../worker/exports'],
  ['src/worker/fixture.ts', '../state/store'],
  ['src/worker/fixture.ts', '../ui/format'],
  ['src/state/fixture.ts', '../worker/session'],
  ['src/state/fixture.ts', '../worker/training.worker'],
  ['src/state/fixture.ts', '../train/trainer'],
  ['src/state/fixture.ts', '../export/report'],
  ['src/state/fixture.ts', '@tensorflow/tfjs-core'],
  ['src/ui/fixture.tsx', '@tensorflow/tfjs'],
  ['src/ui/fixture.tsx', '../train/trainer'],
  ['src/ui/fixture.tsx', '../worker/session'],
  ['src/ui/fixture.tsx', '../export/carray'],
  ['src/App.tsx', '@tensorflow/tfjs'],
  // Test-only helpers stay out of the app.
  ['src/export/fixture.ts', '../testing/exportModels'],
  ['src/core/fixture.ts', '../testing/exampleGraphs'],
  ['src/worker/fixture.ts', '../testing/exportModels'],
  ['src/ui/fixture.tsx', '../testing/exampleGraphs'],
  ['src/testing/fixture.ts', '../state/store'],
  ['src/state/fixture.ts', './testing/sliceContext'],
  ['src/state/testing/fixture.ts', '../../train/trainer'],
];

const ALLOWED: [file: string, specifier: string][] = [
  ['src/core/fixture.ts', './graph'],
  ['src/data/fixture.ts', '../core/random'],
  ['src/data/uploads/fixture.ts', '../dataset'],
  ['src/train/fixture.ts', '../core/graph'],
  ['src/train/fixture.ts', '../data/batches'],
  ['src/train/fixture.ts', '@tensorflow/tfjs'],
  ['src/train/wasm/fixture.ts', '../../core/random'],
  ['src/train/wasm/fixture.ts', '../network'],
  ['src/export/fixture.ts', '../core/graph'],
  ['src/export/fixture.test.ts', '../train/network'],
  ['src/worker/fixture.ts', '../train/trainer'],
  ['src/worker/fixture.ts', '../export/tflite'],
  ['src/worker/fixture.ts', '../data/uploads'],
  ['src/state/fixture.ts', '../worker/protocol'],
  ['src/state/fixture.ts', '../core/zoo'],
  ['src/ui/fixture.tsx', '../worker/protocol'],
  ['src/ui/fixture.tsx', '../state/store'],
  ['src/ui/fixture.tsx', '../data/render'],
  ['src/ui/fixture.tsx', 'react'],
  ['src/export/fixture.test.ts', '../testing/exportModels'],
  ['src/core/fixture.test.ts', '../testing/exampleGraphs'],
  ['src/testing/fixture.ts', '../export/model'],
  ['src/state/fixture.test.ts', './testing/sliceContext'],
  ['src/state/testing/fixture.ts', '../../testing/runFixtures'],
  ['src/state/testing/fixture.ts', '../store'],
  ['src/testing/fixture.ts', '../worker/session'],
];

describe('layer boundaries (eslint.config.js)', () => {
  it.each(FORBIDDEN)('%s may not import %s', async (file, specifier) => {
    const messages = await boundaryMessages(file, specifier);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(`'${specifier}'`);
  });

  it.each(ALLOWED)('%s may import %s', async (file, specifier) => {
    expect(await boundaryMessages(file, specifier)).toEqual([]);
  });

  it('also forbids type-only imports across a boundary', async () => {
    expect(await boundaryMessages('src/train/fixture.ts', '../worker/protocol', true)).toEqual([
      expect.stringContaining('src/train may not import'),
    ]);
  });
});
