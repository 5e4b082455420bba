import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeAtomic } from '../files/durable-file';

/**
 * Codex runs a project's `.codex/` configuration only in a trusted project, and a hook only once
 * the hook itself is trusted (`[hooks.state."<key>"] trusted_hash`), skipping it silently
 * otherwise. Its app server (`codex app-server`, JSON-RPC on stdio) says which hooks it sees for
 * a folder, with each hook's key, current hash and trust status: the only source of those hashes.
 */
export interface CodexHook {
  key: string;
  command: string;
  source: string;
  currentHash: string;
  trustStatus: string;
  enabled: boolean;
}

const ANSWER_TIMEOUT_MS = 30_000;

/** The hooks Codex sees for `cwd`, as its app server reports them; throws when Codex cannot be asked. */
export function codexHooks(codex: string, cwd: string, env: NodeJS.ProcessEnv): Promise<CodexHook[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(codex, ['app-server'], { cwd, env, stdio: ['pipe', 'pipe', 'ignore'] });
    let buffered = '';
    const timer = setTimeout(() => finish(new Error(`codex app-server did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`)), ANSWER_TIMEOUT_MS);
    const finish = (error: Error | undefined, hooks?: CodexHook[]): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      if (error) reject(error);
      else resolve(hooks ?? []);
    };
    child.on('error', (error) => finish(new Error(`cannot run ${codex} app-server: ${error.message}`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const message = parse(line);
        if (message?.id === 1) {
          child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'initialized' })}\n`);
          child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'hooks/list', params: { cwds: [cwd] } })}\n`);
        }
        if (message?.id === 2) {
          if (message.error) return finish(new Error(`codex app-server refused hooks/list: ${JSON.stringify(message.error)}`));
          return finish(undefined, hooksOf(message.result));
        }
      }
    });
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { clientInfo: { name: 'agent-policy', version: '1' } } })}\n`);
  });
}

function parse(line: string): { id?: unknown; result?: unknown; error?: unknown } | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return value !== null && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

function hooksOf(result: unknown): CodexHook[] {
  const data = (result as { data?: { hooks?: unknown[] }[] } | undefined)?.data ?? [];
  return data
    .flatMap((entry) => entry.hooks ?? [])
    .flatMap((h) => {
      const hook = h as Record<string, unknown>;
      const text = (k: string): string => (typeof hook[k] === 'string' ? hook[k] : '');
      return typeof hook.key === 'string'
        ? [
            {
              key: hook.key,
              command: text('command'),
              source: text('source'),
              currentHash: text('currentHash'),
              trustStatus: text('trustStatus'),
              enabled: hook.enabled !== false,
            },
          ]
        : [];
    });
}

/** `[projects."<root>"]` says trusted in the Codex config at `configFile`. */
export function codexProjectTrusted(configFile: string, root: string): boolean {
  if (!existsSync(configFile)) return false;
  const section = sectionBody(readFileSync(configFile, 'utf8'), `[projects.${JSON.stringify(root)}]`);
  return section !== undefined && /^\s*trust_level\s*=\s*"trusted"\s*$/m.test(section);
}

/**
 * Trusts the project and exactly these hooks (at their current hashes) in the Codex config,
 * keeping every other line of the file. Idempotent: an existing section gets its value replaced.
 */
export function trustInCodex(configFile: string, root: string | undefined, hooks: CodexHook[]): void {
  let text = existsSync(configFile) ? readFileSync(configFile, 'utf8') : '';
  if (root !== undefined) text = setInSection(text, `[projects.${JSON.stringify(root)}]`, 'trust_level', '"trusted"');
  for (const hook of hooks) text = setInSection(text, `[hooks.state.${JSON.stringify(hook.key)}]`, 'trusted_hash', JSON.stringify(hook.currentHash));
  mkdirSync(dirname(configFile), { recursive: true });
  writeAtomic(configFile, text, 0o600);
}

/** The lines of a TOML section (up to the next header), or undefined when the header is absent. */
function sectionBody(text: string, header: string): string | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === header);
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

function setInSection(text: string, header: string, key: string, value: string): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const start = lines.findIndex((l) => l.trim() === header);
  if (start < 0) return `${[...lines, ...(lines.length ? [''] : []), header, `${key} = ${value}`].join('\n')}\n`;
  const next = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  const end = next < 0 ? lines.length : next;
  const at = lines.findIndex((l, i) => i > start && i < end && new RegExp(`^\\s*${key}\\s*=`).test(l));
  if (at >= 0) lines[at] = `${key} = ${value}`;
  else lines.splice(start + 1, 0, `${key} = ${value}`);
  return `${lines.join('\n')}\n`;
}
