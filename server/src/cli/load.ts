// The CLI's entry (server/out/cli.js): loads the CLI bundle (cli-main.js) through V8's code cache,
// so a one-decision process (a hook call decided in-process) does not compile a megabyte of
// JavaScript each time (~20 ms of ~155 here). The cache lives in the seal folder, which no agent
// action may read or write (outside-secrets.ts): cached code runs as the CLI, so it is kept where
// the audit seal is. Each cache file is named by the bundle's SHA-256 and Node's version, and V8
// itself refuses one made under other flags; a missing or refused cache is written anew on exit.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { sealFolder } from '#host/audit/seal-file';
import { ensurePrivateDir } from '#host/files/state-dir';

// Set before compiling, as main.ts would set it after: the cache is made and used under the same flags.
const baseline = !['eval', 'lint'].includes(process.argv[2] ?? '') && !(process.argv[1] ?? '').includes('agent-policy-lint');
if (baseline) setFlagsFromString('--liftoff-only');

const bundle = join(__dirname, 'cli-main.js');
const source = readFileSync(bundle, 'utf8');
const cacheDir = join(sealFolder(), 'code-cache');
const hash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 24);
// One file per installation (another one sharing the seal folder keeps its own), per flag set (lint's and a hook's differ) and Node version.
const install = `cli-${hash(bundle)}-`;
const cacheFile = join(cacheDir, `${install}${hash(source)}-${process.version}-${baseline ? 'liftoff' : 'tiered'}.v8`);

/** Whether `dir` is a folder of this user's that no one else may write (or read): what cached code needs. */
function privateFolder(dir: string): boolean {
  if (process.platform === 'win32') return true;
  try {
    const s = lstatSync(dir);
    return s.isDirectory() && s.uid === process.getuid?.() && (s.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

function readCache(): Buffer | undefined {
  // Only from folders of this user, closed to others (as found: not made private now): cached code runs as this CLI.
  if (!privateFolder(dirname(cacheDir)) || !privateFolder(cacheDir)) return undefined;
  try {
    // And only a regular file of this user's that no one else may write (one planted while the folder was open is refused).
    const file = lstatSync(cacheFile);
    if (!file.isFile() || (process.platform !== 'win32' && (file.uid !== process.getuid?.() || (file.mode & 0o077) !== 0))) return undefined;
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

const cachedData = readCache();
// The bundle has no `import()` (esbuild.mjs turns web-tree-sitter's into requires): code from the cache cannot run one.
const script = new Script(Module.wrap(source.replace(/^#!.*/, '')), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
if (!cachedData || script.cachedDataRejected) {
  // On exit, so the functions the command ran are in it too.
  process.once('exit', () => {
    try {
      ensurePrivateDir(cacheDir, true);
      const temp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
      renameSync(temp, cacheFile);
      // This installation's caches of other bundles (an earlier version) or Node versions are not kept; the other flag set's is.
      const variant = cacheFile.slice(cacheFile.lastIndexOf('-'));
      for (const name of readdirSync(cacheDir))
        if (name.startsWith(install) && name.endsWith(variant) && join(cacheDir, name) !== cacheFile) rmSync(join(cacheDir, name), { force: true });
    } catch {
      // No cache: the next process compiles, as this one did.
    }
  });
}
const main = { exports: {} as unknown, filename: bundle, id: bundle };
const wrapped = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
wrapped.call(main.exports, main.exports, Module.createRequire(bundle), main, bundle, dirname(bundle));
