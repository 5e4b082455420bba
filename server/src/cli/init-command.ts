import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import {
  COMPILE_TARGETS,
  FIXED_TIMEOUT_SECONDS,
  type CompileTarget,
  HOOK_TIMEOUT_SECONDS,
  hookCommand,
  PROJECT_DIR_VARIABLE,
  shellQuote,
  withHook,
  withoutHook,
  type HookRuntime,
} from '#core/runtimes';
import { projectKind, starterPolicy } from '#core';
import { codexHooks, trustInCodex } from '#host/workspace/codex-trust';
import { writeAtomic } from '#host/files/durable-file';
import { findProgram, geminiTrusts, hookFile, readJsonObject, runtimeHome, RUNTIME_PROGRAMS, type HomeEnv } from '#host/workspace/runtime-homes';
import { loadWorkspacePolicy } from '#host/workspace/workspace';
import { runCompile } from './compile-command';
import { probeHook } from './hook-probe';
import { EXIT, SHARED_FILE_MODE, type CliIo } from './io';

/** When a hook really runs: said at install, so nobody believes protection is on when it is not. */
const HOOK_CONDITIONS: Record<'project' | 'user', Record<HookRuntime, string>> = {
  project: {
    'claude-code': 'Claude Code runs it before every tool call when started in this folder (not in a subfolder: install with --scope user for that)',
    codex: 'Codex runs it only in a trusted project and once the hook itself is trusted (it skips an untrusted hook silently)',
    'gemini-cli':
      'Gemini CLI runs it before every tool call when started in this folder (not in a subfolder: install with --scope user for that), once the folder is trusted',
    'copilot-cli':
      'Copilot CLI runs it when started in this folder, and in -p mode only with --trust-folder (otherwise it loads no project hooks: install with --scope user for that)',
    cursor: 'Cursor runs it before shell commands, file reads, MCP calls and edits',
  },
  user: {
    'claude-code':
      'Claude Code runs it before every tool call wherever it starts; a folder with a .agent-policy.yml at or above it is governed, any other is passed through',
    codex:
      'Codex runs it wherever it starts once the hook is trusted; a folder with a .agent-policy.yml at or above it is governed, any other is passed through',
    'gemini-cli':
      'Gemini CLI runs it wherever it starts (in folders it trusts); a folder with a .agent-policy.yml at or above it is governed, any other is passed through',
    'copilot-cli':
      'Copilot CLI runs it wherever it starts, trusted folder or not; a folder with a .agent-policy.yml at or above it is governed, any other is passed through',
    cursor: 'Cursor runs it wherever it starts; a folder with a .agent-policy.yml at or above it is governed, any other is passed through',
  },
};

export interface InitOptions {
  uninstall: boolean;
  /** How the hook starts the CLI; default: this very CLI, by absolute path (it works on this machine, checked by the probe). */
  cli: string | undefined;
  scope: 'project' | 'user';
  /** The runtime's timeout for the hook, written into its configuration and the command. */
  timeoutSeconds: number | undefined;
  /** Set up the runtime's trust (Codex project and hook trust, Gemini folder trust) instead of only printing it. */
  trust: boolean;
  where: HomeEnv;
}

/**
 * `agent-policy init --runtime NAME [--scope project|user] [--uninstall]`: adds our pre-tool hook to
 * the runtime's project or user configuration (or removes it), keeping every other setting in the
 * file. The command is run once with a probe call before anything is written; a file that is not a
 * JSON object is left untouched (and the command fails), never overwritten.
 */
export async function runInit(root: string, runtime: HookRuntime, io: CliIo, options: InitOptions): Promise<number> {
  const file = hookFile(runtime, options.scope, root, options.where);
  const shown = options.scope === 'project' ? relative(root, file) : file;
  const read = readJsonObject(file);
  if (!read.ok) {
    io.stderr(`${shown}: not a JSON object (${read.reason}); fix it first, nothing was changed\n`);
    return EXIT.usage;
  }
  if (options.uninstall) return uninstall(runtime, file, shown, read.value, io);
  const timeoutSeconds = FIXED_TIMEOUT_SECONDS[runtime] ?? options.timeoutSeconds ?? HOOK_TIMEOUT_SECONDS;
  const variable = PROJECT_DIR_VARIABLE[runtime];
  const command = hookCommand(runtime, {
    cli: options.cli ?? thisCli(),
    timeoutSeconds,
    ...(options.scope === 'user' ? { user: variable ? { variable } : {} } : { root: variable ? { variable } : { path: root } }),
  });
  // The probe decides a call by the project's policy, so a starter one goes in first; a failed init takes it out again.
  const starter = options.scope === 'project' ? writeStarterPolicy(root) : undefined;
  const probe = probeHook(runtime, command, root, options.scope, options.where.env);
  if (!probe.ok) {
    if (starter) rmSync(join(root, '.agent-policy.yml'), { force: true });
    io.stderr(`${shown}: not installed: the hook command does not work on this machine (${probe.why})\n  command: ${command}\n`);
    return EXIT.violation;
  }
  const result = withHook(runtime, read.value, command, timeoutSeconds);
  if (result.changed) {
    mkdirSync(dirname(file), { recursive: true });
    writeAtomic(file, `${JSON.stringify(result.config, null, 2)}\n`, SHARED_FILE_MODE);
  }
  if (starter) io.stdout(`.agent-policy.yml: written, a starter policy for ${starter}; review it and commit it\n`);
  io.stdout(
    `${shown}: Agent Policy hook ${result.changed ? 'installed' : 'already installed'} (probe: ${probe.what}); ${HOOK_CONDITIONS[options.scope][runtime]}\n`,
  );
  const trusted = await trustSteps(runtime, root, file, options, io);
  return Math.max(trusted, await nativeRules(runtime, root, options, io));
}

/**
 * A project without a policy would have every agent action denied (no root policy, nothing is
 * allowed): `init` writes a starter one fitted to the project (Node, Python, Go) for the person to
 * review, the same one the editor's "Create Policy" writes. An existing policy is never touched.
 */
/** Writes the starter policy where none is; what it was written for, or undefined when a policy was there. */
function writeStarterPolicy(root: string): string | undefined {
  const file = join(root, '.agent-policy.yml');
  if (existsSync(file)) return undefined;
  const kind = projectKind(readdirSync(root));
  writeAtomic(file, starterPolicy(kind), SHARED_FILE_MODE);
  return kind === 'other' ? 'this project' : `a ${kind === 'node' ? 'Node' : kind === 'python' ? 'Python' : 'Go'} project`;
}

/**
 * The runtime's own deny and ask rules, as a second layer where it enforces them in every mode
 * (Claude Code's permissions, Codex's prefix rules, Gemini CLI's user policies): a project's rules
 * only, so not for a user-level install.
 */
async function nativeRules(runtime: HookRuntime, root: string, options: InitOptions, io: CliIo): Promise<number> {
  if (options.scope !== 'project' || !(COMPILE_TARGETS as readonly string[]).includes(runtime) || !existsSync(join(root, '.agent-policy.yml'))) return EXIT.ok;
  const set = await loadWorkspacePolicy(root, 'enforcement');
  if (set.refusal) {
    io.stdout(`  native rules not written: the policy does not load (${set.refusal.message})\n`);
    return EXIT.ok;
  }
  const lines: string[] = [];
  const code = runCompile(set, root, runtime as CompileTarget, { ...io, stdout: (t) => lines.push(t) }, false, runtimeHome(runtime, options.where));
  io.stdout(
    `  second layer: ${lines[0]?.trim() ?? 'nothing written'}${
      lines.length > 1
        ? ` (${
            lines
              .slice(1)
              .join('')
              .split('\n')
              .filter((l) => l.startsWith('  ') && !l.startsWith('    ')).length
          } rule(s) stay with the hook: agent-policy compile --target ${runtime} --dry-run lists them)`
        : ''
    }\n`,
  );
  return code;
}

function uninstall(runtime: HookRuntime, file: string, shown: string, config: Record<string, unknown>, io: CliIo): number {
  const result = withoutHook(runtime, config);
  if (!result.changed) {
    io.stdout(`${shown}: no Agent Policy hook to remove\n`);
    return EXIT.ok;
  }
  if (result.empty) rmSync(file);
  else writeAtomic(file, `${JSON.stringify(result.config, null, 2)}\n`, SHARED_FILE_MODE);
  io.stdout(`${shown}: Agent Policy hook removed${result.empty ? ' (the file held nothing else and was deleted)' : ''}\n`);
  return EXIT.ok;
}

/**
 * The hook client beside this CLI, as a command, by absolute paths: the native client where the
 * build compiled one (it runs the CLI with this Node when no decider answers), else the Node client;
 * both hand the call to the resident decider. `--liftoff-only` is on Node's command line because
 * Node 24 ignores it set at run time (the CLI's one-decision processes want it: main.ts).
 */
function thisCli(): string {
  if (!process.argv[1]) return 'agent-policy';
  const dir = dirname(realpathSync(process.argv[1]));
  const native = join(dir, 'agent-policy-hook');
  if (existsSync(native)) return `${shellQuote(native)} ${shellQuote(process.execPath)}`;
  const client = join(dir, 'hook.js');
  return `${shellQuote(process.execPath)} --liftoff-only ${shellQuote(existsSync(client) ? client : realpathSync(process.argv[1]))}`;
}

/** Sets up (with --trust) or prints exactly the trust the runtime needs before it runs the hook. */
async function trustSteps(runtime: HookRuntime, root: string, file: string, options: InitOptions, io: CliIo): Promise<number> {
  if (runtime === 'codex') return codexTrust(root, file, options, io);
  if (runtime === 'gemini-cli') {
    if (geminiTrusts(root, options.where)) return EXIT.ok;
    const trusted = join(runtimeHome('gemini-cli', options.where), 'trustedFolders.json');
    if (!options.trust) {
      io.stdout(
        `  Gemini CLI does not trust ${root} yet (headless it refuses to start there): run again with --trust, or add ${JSON.stringify({ [root]: 'TRUST_FOLDER' })} to ${trusted}\n`,
      );
      return EXIT.ok;
    }
    const read = readJsonObject(trusted);
    if (!read.ok) {
      io.stderr(`${trusted}: not a JSON object (${read.reason}); the folder is not trusted\n`);
      return EXIT.violation;
    }
    mkdirSync(dirname(trusted), { recursive: true });
    writeAtomic(trusted, `${JSON.stringify({ ...read.value, [root]: 'TRUST_FOLDER' }, null, 2)}\n`, 0o600);
    io.stdout(`  ${trusted}: ${root} trusted\n`);
    return EXIT.ok;
  }
  if (runtime === 'copilot-cli' && options.scope === 'project')
    io.stdout('  Copilot CLI: start it in this folder and trust the folder when it asks; in -p mode pass --trust-folder\n');
  return EXIT.ok;
}

async function codexTrust(root: string, file: string, options: InitOptions, io: CliIo): Promise<number> {
  const config = join(runtimeHome('codex', options.where), 'config.toml');
  const codex = findProgram(RUNTIME_PROGRAMS.codex, options.where.env);
  if (!codex) {
    io.stdout(
      `  Codex is not on PATH, so its hook trust cannot be read: run codex in ${root}, trust the project, and trust the hook in /hooks (Codex skips it until then)\n`,
    );
    return EXIT.ok;
  }
  let hooks;
  try {
    hooks = (await codexHooks(codex, root, options.where.env)).filter((h) => h.key.startsWith(`${file}:`) && h.command.includes(' hook codex '));
  } catch (error) {
    io.stderr(`  Codex hook trust unknown: ${(error as Error).message}\n`);
    return EXIT.violation;
  }
  const untrusted = hooks.filter((h) => h.trustStatus !== 'trusted');
  const projectLine = options.scope === 'project' ? `[projects.${JSON.stringify(root)}]\ntrust_level = "trusted"\n` : '';
  if (hooks.length === 0 && options.scope === 'project' && !options.trust) {
    io.stdout(
      `  Codex does not load this project's .codex/ until the project is trusted: run again with --trust, or add to ${config}:\n${indent(projectLine)}  then run init again to trust the hook itself\n`,
    );
    return EXIT.ok;
  }
  if (!options.trust) {
    if (untrusted.length)
      io.stdout(
        `  Codex skips the hook until it is trusted: run again with --trust, or add to ${config}:\n${indent(untrusted.map((h) => `[hooks.state.${JSON.stringify(h.key)}]\ntrusted_hash = ${JSON.stringify(h.currentHash)}\n`).join(''))}`,
      );
    return EXIT.ok;
  }
  trustInCodex(config, options.scope === 'project' ? root : undefined, untrusted);
  // Trusting the project makes Codex read its hooks: ask again for the hashes it now sees.
  const seen = (await codexHooks(codex, root, options.where.env)).filter((h) => h.key.startsWith(`${file}:`) && h.command.includes(' hook codex '));
  trustInCodex(
    config,
    undefined,
    seen.filter((h) => h.trustStatus !== 'trusted'),
  );
  const after = (await codexHooks(codex, root, options.where.env)).filter((h) => h.key.startsWith(`${file}:`) && h.command.includes(' hook codex '));
  const ok = after.length > 0 && after.every((h) => h.trustStatus === 'trusted');
  if (!ok) {
    io.stderr(`  Codex still does not trust the hook (${after.map((h) => `${h.key}: ${h.trustStatus}`).join(', ') || 'it sees no hook of ours'})\n`);
    return EXIT.violation;
  }
  io.stdout(`  ${config}: ${options.scope === 'project' ? 'the project and ' : ''}the hook trusted (Codex reports it trusted)\n`);
  return EXIT.ok;
}

function indent(text: string): string {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `    ${l}\n`)
    .join('');
}
