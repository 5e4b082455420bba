import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cachedFileSystem, nodeFileSystem } from '#host/files/fs-view';

describe('file-system views', () => {
  it('the cached view resolves links exactly like the direct one, for existing and new paths', () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'ap-fs-')));
    mkdirSync(join(root, 'secrets'));
    mkdirSync(join(root, 'src'));
    symlinkSync(join(root, 'secrets'), join(root, 'src', 'dir-link'));
    symlinkSync(join(root, 'secrets', 'key'), join(root, 'src', 'file-link'));
    const cached = cachedFileSystem();
    for (const p of ['src/a.ts', 'src/dir-link/key', 'src/file-link', 'src/new/deeper/x', 'nowhere/x', 'src/dir-link']) {
      const abs = join(root, p);
      assert.equal(cached.realPath(abs), nodeFileSystem.realPath(abs), p);
    }
    assert.equal(cached.realPath(join(root, 'src/dir-link/key')), join(root, 'secrets/key'));
    assert.equal(cached.realPath(join(root, 'src/file-link')), join(root, 'secrets/key'));
  });

  it('both views tell a folder (also through a link) from a file or a missing path', () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'ap-fs-')));
    mkdirSync(join(root, 'out'));
    symlinkSync(join(root, 'out'), join(root, 'out-link'));
    for (const view of [nodeFileSystem, cachedFileSystem()]) {
      assert.equal(view.isDirectory?.(join(root, 'out')), true);
      assert.equal(view.isDirectory?.(join(root, 'out-link')), true);
      assert.equal(view.isDirectory?.(join(root, 'missing')), false);
      assert.equal(view.isDirectory?.(join(root, 'out', 'x.ts')), false);
    }
  });
});
