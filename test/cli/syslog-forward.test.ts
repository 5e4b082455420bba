import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { run, workspace } from './cli-helpers';

// Forwarding the audit log to a real rsyslog (Debian's rsyslogd, started here on loopback), the
// outside witness of issue 16: stopped and restarted mid-run, nothing is lost and order is kept;
// `audit verify --against` its file finds entries removed or rewritten in the log afterwards.
// Without rsyslogd the tests skip, unless AGENT_POLICY_REAL_SERVERS=required (CI) makes that a failure.

const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => existsSync(p));
const REQUIRED = process.env.AGENT_POLICY_REAL_SERVERS === 'required';
const OSSL_DRIVER = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib'].some((lib) => existsSync(join(lib, 'rsyslog', 'lmnsd_ossl.so')));

class Rsyslog {
  readonly dir = mkdtempSync(join(tmpdir(), 'agent-policy-rsyslog-'));
  readonly out = join(this.dir, 'received.log');
  readonly cert = join(this.dir, 'cert.pem');
  private process: ChildProcess | undefined;

  /** With `tls`, the server presents a certificate for 127.0.0.1 made here (its file is `cert`). */
  constructor(
    readonly port: number,
    tls = false,
  ) {
    const key = join(this.dir, 'key.pem');
    if (tls) {
      const made = spawnSync('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        this.cert,
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ]);
      assert.equal(made.status, 0, String(made.stderr));
    }
    const driver = tls
      ? ` DefaultNetstreamDriver="ossl" DefaultNetstreamDriverCAFile="${this.cert}" DefaultNetstreamDriverCertFile="${this.cert}" DefaultNetstreamDriverKeyFile="${key}"`
      : '';
    // The structured data keeps our log id and seq beside the entry's JSON.
    writeFileSync(
      join(this.dir, 'rsyslog.conf'),
      [
        `global(workDirectory="${this.dir}"${driver})`,
        tls ? 'module(load="imtcp" StreamDriver.Name="ossl" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")' : 'module(load="imtcp")',
        `input(type="imtcp" port="${port}" address="127.0.0.1")`,
        'template(name="entry" type="string" string="%structured-data% %msg%\\n")',
        `action(type="omfile" file="${this.out}" template="entry")`,
        '',
      ].join('\n'),
    );
  }

  async start(): Promise<void> {
    this.process = spawn(RSYSLOGD as string, ['-n', '-f', join(this.dir, 'rsyslog.conf'), '-i', join(this.dir, 'rsyslogd.pid')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await accepts(this.port)) return;
      await sleep(50);
    }
    throw new Error('rsyslogd did not start listening');
  }

  /** A clean stop (SIGTERM), as a service manager stops it; waits until it has exited. */
  async stop(): Promise<void> {
    const p = this.process;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGTERM');
    await exited;
  }

  /** The seqs of the entries of the log it received, in the order it wrote them. */
  received(): number[] {
    if (!existsSync(this.out)) return [];
    return readFileSync(this.out, 'utf8')
      .split('\n')
      .filter((l) => l.includes('{'))
      .map((l) => (JSON.parse(l.slice(l.indexOf('{'))) as { seq: number }).seq);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const policy = (port: number, scheme = 'tcp'): string => `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**"]
    deny: ["secrets/**"]
audit:
  log_all_actions: true
  forward:
    - syslog: "${scheme}://127.0.0.1:${port}"
`;

const check = (root: string, path: string, env: NodeJS.ProcessEnv = process.env) =>
  run(['check', '--root', root, '--json', JSON.stringify({ action: 'filesystem.write', path }), '--audit'], undefined, undefined, env);

const servers: Rsyslog[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

describe('audit forwarding to a real rsyslog', { skip: !RSYSLOGD && !REQUIRED ? 'rsyslogd is not installed (apt-get install rsyslog)' : false }, () => {
  it('the server stopped and restarted mid-run: decisions never wait on it, nothing is lost, order is kept, and verify --against agrees', async () => {
    assert.ok(RSYSLOGD, 'rsyslogd is required here (AGENT_POLICY_REAL_SERVERS=required)');
    const server = new Rsyslog(await freePort());
    servers.push(server);
    await server.start();
    const root = workspace({ '.agent-policy.yml': policy(server.port) });
    for (let i = 0; i < 8; i++) assert.equal(check(root, i % 4 === 3 ? 'secrets/k' : `src/${i}.ts`).code, i % 4 === 3 ? 1 : 0);
    await server.stop();
    // Down: every decision is still made and recorded; forwarding says it failed; nothing waits long.
    const started = Date.now();
    for (let i = 8; i < 16; i++) {
      const r = check(root, `src/${i}.ts`);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /warning: audit forwarding: syslog tcp:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*entries wait in the log and are sent later/);
    }
    assert.ok(Date.now() - started < 8 * 5000, 'a refused connection costs no timeout');
    await server.start();
    for (let i = 16; i < 24; i++) assert.equal(check(root, `src/${i}.ts`).code, 0);
    const forward = run(['audit', 'forward', '--root', root]);
    assert.equal(forward.code, 0, forward.stdout);
    assert.match(forward.stdout, /holds the log up to entry 24/);
    await server.stop(); // rsyslog writes what it took before it exits
    const seqs = server.received();
    const firsts = seqs.filter((s, i) => seqs.indexOf(s) === i);
    assert.deepEqual(
      firsts,
      Array.from({ length: 24 }, (_, i) => i + 1),
      'every entry, each first seen in chain order',
    );
    const verify = run(['audit', 'verify', '--root', root, '--against', server.out]);
    assert.equal(verify.code, 0, verify.stdout);
    assert.match(verify.stdout, /the sink holds 24 entries of this log; it agrees with the log/);
  });

  it("over TLS (RFC 5425) the server's certificate is checked: trusted, every entry arrives; not trusted, none is sent and the decision stands", async (t) => {
    assert.ok(RSYSLOGD);
    if (!OSSL_DRIVER && !REQUIRED) return t.skip('rsyslog-openssl is not installed');
    const server = new Rsyslog(await freePort(), true);
    servers.push(server);
    await server.start();
    const root = workspace({ '.agent-policy.yml': policy(server.port, 'tls') });
    const untrusted = check(root, 'src/a.ts');
    assert.equal(untrusted.code, 0, 'the decision does not wait on the sink');
    assert.match(untrusted.stderr, /audit forwarding: syslog tls:\/\/127\.0\.0\.1:\d+: self[- ]signed certificate/);
    const trusted = { ...process.env, NODE_EXTRA_CA_CERTS: server.cert };
    for (let i = 0; i < 3; i++) assert.equal(check(root, `src/${i}.ts`, trusted).code, 0);
    await server.stop();
    assert.deepEqual(server.received(), [1, 2, 3, 4], 'the entry refused over an untrusted connection was sent once trusted');
  });

  it('verify --against finds entries removed from the end of the log and entries rewritten after they were sent', async () => {
    assert.ok(RSYSLOGD);
    const server = new Rsyslog(await freePort());
    servers.push(server);
    await server.start();
    const root = workspace({ '.agent-policy.yml': policy(server.port) });
    for (let i = 0; i < 6; i++) assert.equal(check(root, `src/${i}.ts`).code, 0);
    await server.stop();
    const file = join(
      root,
      '.agent-policy',
      'audit',
      spawnSync('ls', [join(root, '.agent-policy', 'audit')], { encoding: 'utf8' })
        .stdout.split('\n')
        .find((f) => f.endsWith('.jsonl')) as string,
    );
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    lines[2] = (lines[2] as string).replace('"src/2.ts"', '"src/x.ts"');
    writeFileSync(file, `${lines.slice(0, 5).join('\n')}\n`);
    const verify = run(['audit', 'verify', '--root', root, '--against', server.out]);
    assert.equal(verify.code, 1);
    assert.match(verify.stdout, /received\.log:\d+: rewritten: entry 3 in the log is not the entry that was sent/);
    assert.match(verify.stdout, /received\.log:\d+: removed: the sink holds entry 6, but the log ends at entry 5/);
    assert.match(verify.stdout, /it DISAGREES with the log/);
  });
});
