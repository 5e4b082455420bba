// Bundles the e2e suite for the extension host: one file per test module, `vscode` and `mocha` left to the host.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const suiteOut = join(here, 'out');

export async function buildSuite() {
  rmSync(suiteOut, { recursive: true, force: true });
  const entryPoints = readdirSync(join(here, 'suite'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(here, 'suite', f));
  await build({
    entryPoints,
    outdir: suiteOut,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return join(suiteOut, 'index.js');
}
