import type { HookRuntime } from './types';

/**
 * Where and how each runtime's project configuration registers our hook. Installing merges one
 * entry into the file and keeps everything else; uninstalling removes exactly our entries (those
 * whose command runs `agent-policy hook <runtime>`). Pure: the host reads and writes the file.
 */
export interface HookInstallTarget {
  /** The configuration file, relative to the repository root. */
  file: string;
  /** Whether the file is ours alone (removed on uninstall) rather than shared with other settings. */
  ownFile: boolean;
}

/**
 * The user-level configuration (relative to the home folder, or to the runtime's own home variable
 * where it has one): hooks there run wherever the runtime starts, a subfolder of a project or a
 * folder the runtime does not trust included.
 */
export const USER_HOOK_TARGETS: Record<HookRuntime, HookInstallTarget & { homeVariable?: string; homeDefault: string }> = {
  'claude-code': { file: 'settings.json', ownFile: false, homeVariable: 'CLAUDE_CONFIG_DIR', homeDefault: '.claude' },
  cursor: { file: 'hooks.json', ownFile: false, homeDefault: '.cursor' },
  'gemini-cli': { file: 'settings.json', ownFile: false, homeDefault: '.gemini' },
  'copilot-cli': { file: 'hooks/agent-policy.json', ownFile: true, homeDefault: '.copilot' },
  codex: { file: 'hooks.json', ownFile: false, homeVariable: 'CODEX_HOME', homeDefault: '.codex' },
};

export const HOOK_TARGETS: Record<HookRuntime, HookInstallTarget> = {
  'claude-code': { file: '.claude/settings.json', ownFile: false },
  cursor: { file: '.cursor/hooks.json', ownFile: false },
  'gemini-cli': { file: '.gemini/settings.json', ownFile: false },
  'copilot-cli': { file: '.github/hooks/agent-policy.json', ownFile: true },
  codex: { file: '.codex/hooks.json', ownFile: false },
};

/**
 * How long a runtime waits for our hook, in seconds: long enough for a person to answer an
 * approval in the editor. The command carries it (`--timeout`), so the hook keeps its own
 * deadline inside it and answers (deny, with the reason) before the runtime gives up; every
 * runtime runs the tool call when it kills a hook that is late.
 */
export const HOOK_TIMEOUT_SECONDS = 600;

/**
 * Runtimes whose hook timeout cannot be set in their configuration: the command carries this
 * assumption instead (Cursor's timeout is not documented, and Cursor cannot run here to measure it).
 */
export const FIXED_TIMEOUT_SECONDS: Partial<Record<HookRuntime, number>> = { cursor: 30 };

export interface HookCommandOptions {
  /** How to start the CLI (`init` passes this very CLI by absolute path; without it, `npx --no-install agent-policy`). */
  cli?: string;
  /**
   * The repository root whose policy governs, fixed at install time (never taken from a payload):
   * an absolute path, or the environment variable in which the runtime names the project folder
   * it loaded this configuration from (so a committed file works in every checkout).
   */
  root?: { path: string } | { variable: string };
  /**
   * User-level install: no fixed root. The hook walks up from the folder the runtime started in
   * (its project-folder variable, else the hook's working folder) to the nearest policy, and passes
   * a folder that no policy governs through untouched.
   */
  user?: { variable?: string };
  timeoutSeconds?: number;
}

/** Runtimes that tell a hook the project folder (the one whose settings registered it) in an environment variable. */
export const PROJECT_DIR_VARIABLE: Partial<Record<HookRuntime, string>> = {
  'claude-code': 'CLAUDE_PROJECT_DIR',
  'gemini-cli': 'GEMINI_PROJECT_DIR',
};

/** Said by every command we install, whatever `--cli` is: how our entries are recognised. */
const FAILED_TO_RUN = 'Agent Policy: the hook could not run, so the action is blocked';

/**
 * The hook's shell command. If the CLI cannot start at all, or is killed (its deadline watchdog
 * ends it after answering), the runtime sees exit 2, which every one of these runtimes treats as
 * "block" (fail closed), instead of a non-blocking error.
 */
export function hookCommand(runtime: HookRuntime, options: HookCommandOptions = {}): string {
  const cli = options.cli ?? 'npx --no-install agent-policy';
  const root = options.root === undefined ? '' : ` --root ${'path' in options.root ? shellQuote(options.root.path) : `"$${options.root.variable}"`}`;
  const user = options.user === undefined ? '' : ` --scope user${options.user.variable ? ` --from "$${options.user.variable}"` : ''}`;
  return `${cli} hook ${runtime} --timeout ${options.timeoutSeconds ?? HOOK_TIMEOUT_SECONDS}${root}${user} || { echo "${FAILED_TO_RUN}" >&2; exit 2; }`;
}

export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

type Json = Record<string, unknown>;

/** One of our entries as a configuration holds it: its command and the runtime's timeout for it (seconds), if the entry sets one. */
export interface InstalledHook {
  command: string;
  timeoutSeconds: number | undefined;
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Our entry: one we installed (any `--cli`), or one written by hand as `agent-policy hook RUNTIME`. */
const ours =
  (runtime: HookRuntime) =>
  (command: unknown): boolean =>
    typeof command === 'string' &&
    (command.includes(`agent-policy hook ${runtime}`) || (command.includes(FAILED_TO_RUN) && new RegExp(`\\bhook ${runtime}(\\s|$)`).test(command)));

/** Claude Code and Codex: `hooks.PreToolUse[] = {matcher, hooks: [{type: "command", command, timeout}]}`. */
function claudeShape(runtime: HookRuntime, event: string, unitsPerSecond: number) {
  return {
    add(config: Json, command: string, timeoutSeconds: number): Json {
      const hooks = isObject(config.hooks) ? { ...config.hooks } : {};
      const list = Array.isArray(hooks[event]) ? [...(hooks[event] as unknown[])] : [];
      list.push({ matcher: '*', hooks: [{ type: 'command', command, timeout: timeoutSeconds * unitsPerSecond }] });
      return { ...config, hooks: { ...hooks, [event]: list } };
    },
    remove(config: Json): Json {
      if (!isObject(config.hooks) || !Array.isArray(config.hooks[event])) return config;
      const list = (config.hooks[event] as unknown[])
        .map((group) =>
          isObject(group) && Array.isArray(group.hooks) ? { ...group, hooks: group.hooks.filter((h) => !(isObject(h) && ours(runtime)(h.command))) } : group,
        )
        .filter((group) => !(isObject(group) && Array.isArray(group.hooks) && group.hooks.length === 0));
      return withList(config, event, list);
    },
    has(config: Json): boolean {
      return this.entries(config).length > 0;
    },
    entries(config: Json): InstalledHook[] {
      if (!isObject(config.hooks) || !Array.isArray(config.hooks[event])) return [];
      return (config.hooks[event] as unknown[])
        .flatMap((g) => (isObject(g) && Array.isArray(g.hooks) ? (g.hooks as unknown[]) : []))
        .filter((h): h is Json => isObject(h) && ours(runtime)(h.command))
        .map((h) => ({ command: h.command as string, timeoutSeconds: typeof h.timeout === 'number' ? h.timeout / unitsPerSecond : undefined }));
    },
  };
}

/** Cursor and Copilot CLI: `{version: 1, hooks: {event: [{command | bash, ...}]}}`. */
function flatShape(runtime: HookRuntime, entries: Record<string, (command: string, timeoutSeconds: number) => Json>, key: 'command' | 'bash') {
  return {
    add(config: Json, command: string, timeoutSeconds: number): Json {
      const hooks = isObject(config.hooks) ? { ...config.hooks } : {};
      for (const [event, entry] of Object.entries(entries))
        hooks[event] = [...(Array.isArray(hooks[event]) ? (hooks[event] as unknown[]) : []), entry(command, timeoutSeconds)];
      return { version: 1, ...config, hooks };
    },
    remove(config: Json): Json {
      let next = config;
      for (const event of Object.keys(entries)) {
        if (!isObject(next.hooks) || !Array.isArray(next.hooks[event])) continue;
        next = withList(
          next,
          event,
          (next.hooks[event] as unknown[]).filter((h) => !(isObject(h) && ours(runtime)(h[key]))),
        );
      }
      return next;
    },
    has(config: Json): boolean {
      return this.entries(config).length > 0;
    },
    entries(config: Json): InstalledHook[] {
      if (!isObject(config.hooks)) return [];
      const hooks = config.hooks;
      return Object.keys(entries)
        .flatMap((event) => (Array.isArray(hooks[event]) ? (hooks[event] as unknown[]) : []))
        .filter((h): h is Json => isObject(h) && ours(runtime)(h[key]))
        .map((h) => ({ command: h[key] as string, timeoutSeconds: typeof h.timeoutSec === 'number' ? h.timeoutSec : undefined }));
    },
  };
}

function withList(config: Json, event: string, list: unknown[]): Json {
  const hooks = { ...(config.hooks as Json) };
  if (list.length) hooks[event] = list;
  else delete hooks[event];
  const next = { ...config, hooks };
  if (Object.keys(hooks).length === 0) delete (next as Json).hooks;
  return next;
}

const SHAPES: Record<HookRuntime, ReturnType<typeof claudeShape>> = {
  'claude-code': claudeShape('claude-code', 'PreToolUse', 1),
  codex: claudeShape('codex', 'PreToolUse', 1),
  // Gemini CLI counts in milliseconds.
  'gemini-cli': claudeShape('gemini-cli', 'BeforeTool', 1000),
  cursor: flatShape(
    'cursor',
    {
      beforeShellExecution: (command) => ({ command }),
      beforeReadFile: (command) => ({ command }),
      beforeMCPExecution: (command) => ({ command }),
      preToolUse: (command) => ({ command, matcher: 'Write|Edit|StrReplace|MultiEdit|Delete|EditNotebook' }),
    },
    'command',
  ),
  'copilot-cli': flatShape('copilot-cli', { preToolUse: (command, timeoutSec) => ({ type: 'command', bash: command, timeoutSec }) }, 'bash'),
};

/**
 * The configuration with exactly one entry of ours, running `command`: unchanged when that is
 * already so; an entry of ours with another command (another `--cli`, root or timeout) is replaced.
 */
export function withHook(
  runtime: HookRuntime,
  config: Json,
  command = hookCommand(runtime),
  timeoutSeconds = HOOK_TIMEOUT_SECONDS,
): { config: Json; changed: boolean } {
  const shape = SHAPES[runtime];
  const next = shape.add(shape.has(config) ? shape.remove(config) : config, command, timeoutSeconds);
  return JSON.stringify(next) === JSON.stringify(config) ? { config, changed: false } : { config: next, changed: true };
}

/** Our entries in a runtime's configuration. */
export function installedHooks(runtime: HookRuntime, config: Json): InstalledHook[] {
  return SHAPES[runtime].entries(config);
}

/** The `--timeout` a hook command carries (seconds), if any. */
export function commandTimeoutSeconds(command: string): number | undefined {
  const m = /\s--timeout\s+(\d+)\b/.exec(command);
  return m ? Number(m[1]) : undefined;
}

/** The configuration without our hook; `empty` when nothing else is left in it. */
export function withoutHook(runtime: HookRuntime, config: Json): { config: Json; changed: boolean; empty: boolean } {
  const shape = SHAPES[runtime];
  if (!shape.has(config)) return { config, changed: false, empty: Object.keys(config).length === 0 };
  const next = shape.remove(config);
  const keys = Object.keys(next).filter((k) => !(k === 'version' && Object.keys(next).length === 1));
  return { config: next, changed: true, empty: keys.length === 0 };
}
