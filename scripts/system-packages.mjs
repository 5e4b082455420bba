// Installs the Debian packages a task needs that npm cannot: `demo` needs libkrb5-dev (code-server
// builds VS Code's kerberos module against it); `test` also needs Chromium (the e2e tests drive
// VS Code in it) and rsyslog with its OpenSSL driver and openssl (the audit-forwarding tests start
// a real syslog server on loopback). Quiet: one progress line, apt's output in a log file.
// Where it cannot install (no apt-get, not root and no password-less sudo), it says what is
// missing and how to install it, and fails: a task never runs half-equipped without a word.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NEEDS = {
  demo: ['libkrb5-dev'],
  test: ['chromium', 'libkrb5-dev', 'rsyslog', 'rsyslog-openssl', 'openssl'],
};

const task = process.argv[2];
if (!Object.hasOwn(NEEDS, task)) {
  process.stderr.write(`system-packages: which task? ${Object.keys(NEEDS).join(' or ')}\n`);
  process.exit(2);
}

const installed = (pkg) => spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout?.includes('install ok installed') ?? false;
const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

if (!has('dpkg-query') || !has('apt-get')) {
  // Not Debian: the packages go by other names here; say what the task expects and go on only if it is there.
  const missing = [
    ['chromium', task === 'test' ? 'chromium' : undefined],
    ['rsyslogd', task === 'test' ? 'rsyslog' : undefined],
  ].filter(([cmd, pkg]) => pkg && !has(cmd));
  if (missing.length) {
    process.stderr.write(
      `system-packages: this is not a Debian system; install ${missing.map(([, pkg]) => pkg).join(', ')} (and Kerberos headers) with its package manager\n`,
    );
    process.exit(1);
  }
  process.exit(0);
}

const missing = NEEDS[task].filter((pkg) => !installed(pkg));
if (missing.length === 0) process.exit(0);

const root = process.getuid?.() === 0;
const sudo = !root && has('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
if (!root && !sudo) {
  process.stderr.write(`system-packages: ${task} needs Debian's ${missing.join(' ')}: run  sudo apt-get install -y ${missing.join(' ')}\n`);
  process.exit(1);
}
const log = join(mkdtempSync(join(tmpdir(), 'agent-policy-apt-')), 'apt.log');
process.stdout.write(`Installing Debian packages for ${task}: ${missing.join(' ')} (log: ${log})\n`);
const apt = (args) => {
  const prefix = root ? [] : ['sudo', '-n'];
  const command = [...prefix, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
  const r = spawnSync(command[0], command.slice(1), { encoding: 'utf8' });
  writeFileSync(log, `${r.stdout ?? ''}${r.stderr ?? ''}`, { flag: 'a' });
  return r.status === 0;
};
// An index that is still fresh enough needs no update; only a failed install tries again after one.
if (!apt(['install', '-y', '-q', ...missing]) && !(apt(['update', '-q']) && apt(['install', '-y', '-q', ...missing]))) {
  process.stderr.write(`system-packages: apt-get could not install ${missing.join(' ')}; see ${log}\n`);
  process.exit(1);
}
const still = missing.filter((pkg) => !installed(pkg));
if (still.length) {
  process.stderr.write(`system-packages: ${still.join(' ')} still missing after apt-get; see ${log}\n`);
  process.exit(1);
}
