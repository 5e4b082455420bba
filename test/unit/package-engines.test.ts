import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

// package.json's `engines.node` is what a user is told they need: every package the CLI and the
// extension run with (the lockfile's non-dev packages) must run on the oldest Node it names.
const repo = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; engines?: { node?: string } }>;
};

/** Whether `version` (major.minor.patch) satisfies a range of the forms the lockfile holds: `>=X`, `^X`, `A || B`; any other form is reported, not guessed. */
function satisfies(version: number[], range: string): boolean | 'unknown form' {
  const results = range.split('||').map((part) => {
    const m = /^\s*(>=|\^)\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(part);
    if (!m) return 'unknown form';
    const wanted = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
    const atLeast = compare(version, wanted) >= 0;
    return m[1] === '>=' ? atLeast : atLeast && version[0] === wanted[0];
  });
  return results.includes('unknown form') ? 'unknown form' : results.includes(true);
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

describe('engines', () => {
  it('reads the range forms it knows, and says so for others', () => {
    assert.equal(satisfies([20, 0, 0], '^18 || ^20 || >= 21'), true);
    assert.equal(satisfies([20, 0, 0], '>=22'), false);
    assert.equal(satisfies([20, 0, 0], '^22.0.0'), false);
    assert.equal(satisfies([20, 0, 0], '~20.1'), 'unknown form');
  });

  it("admits, for every runtime dependency, the oldest Node that package.json's engines names", () => {
    const floor = /^>=\s*(\d+)$/.exec(manifest.engines.node);
    assert.ok(floor, `engines.node is "${manifest.engines.node}": this test reads only the form ">=N"`);
    const oldest = [Number(floor[1]), 0, 0];
    const refusing = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && !p.dev && p.engines?.node !== undefined && satisfies(oldest, p.engines.node) !== true)
      .map(([path, p]) => `${path} wants node ${String(p.engines?.node)}`);
    assert.deepEqual(refusing, []);
  });
});
