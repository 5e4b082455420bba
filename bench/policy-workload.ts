/**
 * A large policy workspace for the language-server benchmark: a root policy of about 2,000
 * lines (path rules in 100 packages, command rules, approvals) and 20 overrides, one per package.
 */
export interface Workload {
  root: string;
  overrides: { dir: string; text: string }[];
}

export function largeWorkspace(lines = 2000, overrideCount = 20): Workload {
  const allow: string[] = [];
  const deny: string[] = [];
  const commands: string[] = [];
  const perPackage = Math.floor((lines - 40) / 2.2);
  for (let i = 0; i < perPackage / 2; i++) {
    allow.push(`pkg${i % 100}/src/mod${i}/**/*.ts`);
    deny.push(`pkg${i % 100}/src/mod${i}/secret-${i}/**`);
  }
  for (let i = 0; lines - 40 - allow.length - deny.length - commands.length > 0; i++) commands.push(`tool${i} run --fast`);
  const list = (xs: string[]): string => xs.map((x) => `      - "${x}"`).join('\n');
  const root = [
    'version: "2.1"',
    'agent_id: "bench-agent"',
    'permissions:',
    '  filesystem:',
    '    allow:',
    list(allow),
    '    deny:',
    list(deny),
    '      - "**/.env*"',
    '  commands:',
    '    allow:',
    list(commands),
    '      - "npm test"',
    '    deny:',
    '      - "rm -rf"',
    '      - "git push --force"',
    '  network:',
    '    allow_outbound: false',
    '    exceptions:',
    '      - "registry.npmjs.org"',
    'constraints:',
    '  max_files_per_action: 20',
    '  require_human_approval:',
    '    - file_pattern: "package.json"',
    '    - command_pattern: "git commit"',
    'audit:',
    '  log_all_actions: true',
    '  retention_days: 90',
    '',
  ].join('\n');
  const overrides = Array.from({ length: overrideCount }, (_, i) => ({
    dir: `pkg${i}`,
    text: [
      'permissions:',
      '  filesystem:',
      '    allow:',
      `      - "pkg${i}/docs/**"`,
      `      - "pkg${i}/src/mod${i}/**"`,
      '    deny:',
      `      - "pkg${i}/build/**"`,
      '  commands:',
      '    allow:',
      `      - "make -C pkg${i}"`,
      '',
    ].join('\n'),
  }));
  return { root, overrides };
}
