import { loadPolicySet, evaluate, type DecisionResult, type FileSystemView, type PolicySet, type PolicySource } from '#core';
import { loadShellParser } from '#host/workspace/shell-parser';

export const ROOT = '/repo';

/** Builds a policy set from inline YAML: `files` maps a policy's directory ('' = root) to its text. */
export async function policy(files: Record<string, string>, options: { caseInsensitive?: boolean } = {}): Promise<PolicySet> {
  const shell = await loadShellParser();
  const sources: PolicySource[] = Object.entries(files).map(([dir, text]) => ({
    dir,
    text,
    uri: dir === '' ? '.agent-policy.yml' : `${dir}/.agent-policy.override.yml`,
  }));
  return loadPolicySet(sources, { root: ROOT, shell, caseInsensitive: options.caseInsensitive ?? false });
}

export function decide(set: PolicySet, action: unknown, fs?: FileSystemView): DecisionResult {
  return evaluate(set, action, fs ? { fs } : {});
}

export function command(set: PolicySet, line: string, cwd?: string): DecisionResult {
  return evaluate(set, cwd === undefined ? { action: 'command.exec', command: line } : { action: 'command.exec', command: line, cwd });
}

export function codes(set: PolicySet): string[] {
  return set.findings.map((f) => f.code).sort();
}

/** The article's first example, as version 2.1 plus the parts tests need. */
export const ARTICLE = `version: "2.1"
agent_id: "code-assistant-prod"
permissions:
  filesystem:
    allow:
      - "src/**/*.ts"
      - "tests/**/*.spec.ts"
      - "docs/**"
    deny:
      - "**/.env*"
      - "secrets/**"
      - "node_modules/**"
  commands:
    allow:
      - "npm test"
      - "npm run lint"
      - "git status"
      - "git push"
      - "ls"
      - "cat"
      - "echo"
      - "grep"
      - "find"
      - "sudo"
      - "go test"
    deny:
      - "rm -rf"
      - "curl *"
      - "git push --force"
  network:
    allow_outbound: false
    exceptions:
      - "registry.npmjs.org"
      - "example.com:8443"
constraints:
  max_files_per_action: 3
  require_human_approval:
    - file_pattern: "package.json"
    - command_pattern: "git commit"
audit:
  log_all_actions: true
  retention_days: 90
  alert_on_deny: true
`;

/** A small deterministic PRNG (mulberry32): generated tests name a seed that reproduces them. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
