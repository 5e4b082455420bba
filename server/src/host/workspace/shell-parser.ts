import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser } from 'web-tree-sitter';
import type { ShellNode, ShellParser } from '#core';

/** Finds a wasm file next to the bundle (server/out) or in node_modules during development. */
function locate(file: string, pkg: string): string {
  const beside = join(__dirname, file);
  if (existsSync(beside)) return beside;
  return require.resolve(`${pkg}/${file}`);
}

let loaded: Promise<ShellParser> | undefined;

/** Loads tree-sitter-bash once per process. */
export function loadShellParser(): Promise<ShellParser> {
  loaded ??= create();
  return loaded;
}

async function create(): Promise<ShellParser> {
  const runtime = locate('web-tree-sitter.wasm', 'web-tree-sitter');
  await Parser.init({ locateFile: () => runtime });
  const language = await Language.load(readFileSync(locate('tree-sitter-bash.wasm', 'tree-sitter-bash')));
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    withTree<T>(source: string, fn: (root: ShellNode) => T): T {
      const tree = parser.parse(source);
      if (!tree) throw new Error('the shell parser returned no tree');
      try {
        return fn(tree.rootNode);
      } finally {
        tree.delete();
      }
    },
  };
}
