import { LATEST_VERSION } from './versions';

/** The kinds of project a starter policy is written for, found from the files at the root. */
export type ProjectKind = 'node' | 'python' | 'go' | 'other';

const MARKERS: readonly [ProjectKind, readonly string[]][] = [
  ['node', ['package.json']],
  ['python', ['pyproject.toml', 'requirements.txt', 'setup.py', 'Pipfile']],
  ['go', ['go.mod']],
];

/** What kind of project a root holds, from the names of the files directly in it (the first marker found wins). */
export function projectKind(rootFiles: readonly string[]): ProjectKind {
  const names = new Set(rootFiles);
  return MARKERS.find(([, markers]) => markers.some((m) => names.has(m)))?.[0] ?? 'other';
}

interface Starter {
  describe: string;
  allow: string[];
  commands: string[];
  approvals: string[];
  registries: string[];
  ignored: string[];
}

const STARTERS: Record<ProjectKind, Starter> = {
  node: {
    describe: 'a Node project',
    allow: ['src/**', 'test/**', 'tests/**', 'README.md'],
    commands: ['npm test', 'npm run lint', 'npm run build', 'node --version', 'git status', 'git diff', 'ls', 'cat'],
    approvals: ['package.json', 'package-lock.json'],
    registries: ['registry.npmjs.org'],
    ignored: ['node_modules/**'],
  },
  python: {
    describe: 'a Python project',
    allow: ['src/**', 'tests/**', 'README.md'],
    commands: ['pytest', 'python -m pytest', 'ruff check', 'git status', 'git diff', 'ls', 'cat'],
    approvals: ['pyproject.toml', 'requirements.txt'],
    registries: ['pypi.org', 'files.pythonhosted.org'],
    ignored: ['.venv/**', 'venv/**'],
  },
  go: {
    describe: 'a Go project',
    allow: ['**/*.go', 'README.md'],
    commands: ['go test ./...', 'go vet ./...', 'go build ./...', 'git status', 'git diff', 'ls', 'cat'],
    approvals: ['go.mod', 'go.sum'],
    registries: ['proxy.golang.org', 'sum.golang.org'],
    ignored: ['vendor/**'],
  },
  other: {
    describe: 'this project',
    allow: ['src/**', 'docs/**', 'README.md'],
    commands: ['git status', 'git diff', 'ls', 'cat'],
    approvals: [],
    registries: [],
    ignored: [],
  },
};

const list = (items: readonly string[], indent: string): string => items.map((i) => `${indent}- ${JSON.stringify(i)}`).join('\n');

/**
 * A starter `.agent-policy.yml` for a kind of project: what an agent may edit and run there, what
 * it may never touch (secrets, credentials, this policy's own state), what needs a person's
 * approval, and the registries it may reach. Meant to be read and narrowed, not kept as it is.
 */
export function starterPolicy(kind: ProjectKind): string {
  const s = STARTERS[kind];
  const deny = ['**/.env*', 'secrets/**', '**/*.pem', '**/*.key', ...s.ignored];
  const lines = [
    `# Agent Policy for ${s.describe}: what AI coding agents may do here. Review it, narrow it, commit it.`,
    '# Every action is decided before it runs: allowed, denied, or put to a person. Deny always wins.',
    `version: "${LATEST_VERSION}"`,
    '',
    'permissions:',
    '  filesystem:',
    '    allow:',
    // A file that needs approval must also be allowed: approval turns an allow into an ask.
    list([...s.allow, ...s.approvals], '      '),
    '    deny:',
    list(deny, '      '),
    '  commands:',
    '    allow:',
    list(s.commands, '      '),
    '    deny:',
    list(['rm -rf', 'git push --force', 'curl *', 'wget *'], '      '),
    '  network:',
    '    allow_outbound: false',
    ...(s.registries.length ? ['    exceptions:', list(s.registries, '      ')] : []),
    '',
    'constraints:',
    '  max_files_per_action: 20',
    ...(s.approvals.length ? ['  require_human_approval:', ...s.approvals.map((a) => `    - file_pattern: ${JSON.stringify(a)}`)] : []),
    '',
    'audit:',
    '  log_all_actions: true',
    '  alert_on_deny: true',
    '',
  ];
  return lines.join('\n');
}
