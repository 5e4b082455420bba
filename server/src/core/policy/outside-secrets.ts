import { compileGlob } from '../globs/glob';

/**
 * Files outside the repository that hold credentials on a developer's machine. A command argument
 * or a file action naming one is denied, whatever an allowed program would do with it
 * (`cat ~/.ssh/id_rsa`). Reviewed data: each entry is a credential store a common tool writes.
 * A policy extends the list with absolute `filesystem.deny` patterns; it cannot shorten it.
 */
export const OUTSIDE_SECRETS: readonly { pattern: string; what: string }[] = [
  { pattern: '**/.ssh/**', what: 'SSH keys and configuration' },
  { pattern: '**/.gnupg/**', what: 'GnuPG keys' },
  { pattern: '**/.aws/**', what: 'AWS credentials' },
  { pattern: '**/.config/gcloud/**', what: 'Google Cloud credentials' },
  { pattern: '**/.azure/**', what: 'Azure credentials' },
  { pattern: '**/.kube/config', what: 'Kubernetes credentials' },
  { pattern: '**/.docker/config.json', what: 'Docker registry credentials' },
  { pattern: '**/.netrc', what: 'netrc passwords' },
  { pattern: '**/.npmrc', what: 'npm tokens' },
  { pattern: '**/.pypirc', what: 'PyPI tokens' },
  { pattern: '**/.git-credentials', what: 'git credentials' },
  { pattern: '**/.config/gh/hosts.yml', what: 'GitHub CLI tokens' },
  { pattern: '**/.password-store/**', what: 'pass passwords' },
  { pattern: '**/.vault-token', what: 'a Vault token' },
  { pattern: '**/.terraform.d/credentials.tfrc.json', what: 'Terraform credentials' },
  { pattern: '**/.pgpass', what: 'PostgreSQL passwords' },
  { pattern: '**/.my.cnf', what: 'MySQL passwords' },
  { pattern: '**/.[^.]*_history', what: 'shell history' },
  { pattern: '/etc/shadow*', what: 'password hashes' },
  { pattern: '/etc/gshadow*', what: 'group password hashes' },
  { pattern: '/etc/sudoers*', what: 'sudo rules' },
  { pattern: '/etc/ssh/*key*', what: 'SSH host keys' },
  { pattern: '/etc/ssl/private/**', what: 'TLS private keys' },
  { pattern: '/proc/*/environ', what: "a process's environment (its tokens)" },
  { pattern: '/proc/*/mem', what: "a process's memory" },
  { pattern: '/proc/kcore', what: 'kernel memory' },
  { pattern: '/dev/mem', what: 'physical memory' },
  { pattern: '**/.agent-policy-seal/**', what: "Agent Policy's audit seals (the log's signing keys and expected head)" },
];

const compiled = OUTSIDE_SECRETS.map((s) => {
  const glob = compileGlob(s.pattern.startsWith('/') ? s.pattern : `/${s.pattern}`, false);
  if (!glob.ok) throw new Error(`built-in secret pattern ${s.pattern}: ${glob.message}`);
  return { ...s, matcher: glob.glob.matcher };
});

/** The built-in secret an absolute path outside the repository is, if any. */
export function outsideSecret(absolute: string): { pattern: string; what: string } | undefined {
  // A folder that is one (`~/.ssh`) holds the secrets: naming it reaches them.
  return compiled.find((s) => s.matcher.test(absolute) || s.matcher.test(`${absolute}/agent-policy-any-entry`));
}

// Devices any program may use: they hold no one's data.
const HARMLESS_DEVICES = /^\/dev\/(null|zero|full|random|urandom|tty|stdin|stdout|stderr|fd\/[0-2]|fd)$/;

export function isHarmlessDevice(absolute: string): boolean {
  return HARMLESS_DEVICES.test(absolute);
}
