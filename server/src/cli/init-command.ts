import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HOOK_TARGETS, hookCommand, PROJECT_DIR_VARIABLE, withHook, withoutHook, type HookRuntime } from '#core';

import { writeAtomic } from '../node/durable-file';
import { EXIT, type CliIo } from './io';

/** When a project-level hook really runs: said at install, so nobody believes protection is on when it is not. */
const HOOK_CONDITIONS: Record<HookRuntime, string> = {
  'claude-code': 'Claude Code runs it before every tool call when started in this folder (not in a subfolder)',
  codex: 'Codex runs it only once this project is trusted in ~/.codex/config.toml and the hook itself is trusted (Codex skips an untrusted hook silently)',
  'gemini-cli': 'Gemini CLI runs it before every tool call in a trusted folder (~/.gemini/trustedFolders.json)',
  'copilot-cli': 'Copilot CLI runs it when started in this folder, and in -p mode only with --trust-folder (otherwise it loads no project hooks)',
  cursor: 'Cursor runs it before shell commands, file reads, MCP calls and edits',
};

/** Project settings are shared files (committed, read by the runtime): readable by all, like any source file. */
export const SHARED_FILE_MODE = 0o644;

/**
 * `agent-policy init --runtime NAME [--uninstall]`: adds our pre-tool hook to the runtime's
 * project configuration, or removes it, keeping every other setting in the file. A file that is
 * not valid JSON is left untouched (and the command fails), never overwritten.
 */
export function runInit(root: string, runtime: HookRuntime, io: CliIo, options: { uninstall: boolean; cli: string | undefined }): number {
  const target = HOOK_TARGETS[runtime];
  const file = join(root, target.file);
  let config: Record<string, unknown> = {};
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level is not an object');
      config = parsed as Record<string, unknown>;
    } catch (error) {
      io.stderr(`${target.file}: not a JSON object (${(error as Error).message}); fix it first, nothing was changed\n`);
      return EXIT.usage;
    }
  }
  if (options.uninstall) {
    const result = withoutHook(runtime, config);
    if (!result.changed) {
      io.stdout(`${target.file}: no Agent Policy hook to remove\n`);
      return EXIT.ok;
    }
    if (result.empty) rmSync(file);
    else writeAtomic(file, `${JSON.stringify(result.config, null, 2)}\n`, SHARED_FILE_MODE);
    io.stdout(`${target.file}: Agent Policy hook removed${result.empty ? ' (the file held nothing else and was deleted)' : ''}\n`);
    return EXIT.ok;
  }
  const variable = PROJECT_DIR_VARIABLE[runtime];
  const command = hookCommand(runtime, { ...(options.cli ? { cli: options.cli } : {}), root: variable ? { variable } : { path: root } });
  const result = withHook(runtime, config, command);
  if (!result.changed) {
    io.stdout(`${target.file}: the Agent Policy hook is already installed\n`);
    return EXIT.ok;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeAtomic(file, `${JSON.stringify(result.config, null, 2)}\n`, SHARED_FILE_MODE);
  io.stdout(`${target.file}: Agent Policy hook installed for ${root}; ${HOOK_CONDITIONS[runtime]}\n`);
  return EXIT.ok;
}
