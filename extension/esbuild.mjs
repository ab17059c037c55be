// Bundles the extension (extension/src/extension.ts -> out/extension.js) or, with
// --tests, each unit test (tests/extension/*.test.ts -> out/test/*.test.js).
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const tests = process.argv.includes('--tests');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['vscode'],
  logLevel: 'warning',
};

if (tests) {
  const dir = 'tests/extension';
  const entryPoints = readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
  await esbuild.build({ ...common, entryPoints, outdir: 'out/test' });
} else {
  await esbuild.build({
    ...common,
    entryPoints: ['extension/src/extension.ts'],
    outfile: 'out/extension.js',
    minify: process.argv.includes('--minify'),
  });
}
