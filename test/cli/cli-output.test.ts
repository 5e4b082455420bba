import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv-draft-04';
import { atTerminal, CLI, run, workspace } from './cli-helpers';

// What CI tools and people at a terminal get from the CLI (server/src/cli: main.ts, usage.ts,
// report-formats.ts, format.ts, colour.ts).
const POLICY = `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**", "secrets/fixtures/**"]
    deny: ["secrets/**"]
`;
const LOG = '{"action":"filesystem.write","path":"src/a.ts"}\n{"action":"filesystem.write","path":"secrets/key"}\n';
const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

/** A project in a subfolder `pkg/` (its policy has a conflict, its log one violation), run from the folder above. */
function nested(): { dir: string; args: string[] } {
  const dir = workspace({ 'pkg/.agent-policy.yml': POLICY, 'logs/actions.jsonl': LOG });
  return { dir, args: ['lint', '--config', 'pkg/.agent-policy.yml', '--check-conflicts', '--agent-log', 'logs/actions.jsonl'] };
}
const inDir = (dir: string, args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** The official SARIF 2.1.0 schema (as published with Microsoft's SARIF matchers; draft-04). */
function sarifValidator() {
  const ajv = new Ajv({ strict: false, unicodeRegExp: false });
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'file:///'));
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
  return ajv.compile(schema);
}

describe('reports for CI', () => {
  it('writes one document per run in JSON and SARIF, holding both the policy findings and the log violations', () => {
    const { dir, args } = nested();
    const json = inDir(dir, [...args, '--format', 'json']);
    assert.equal(json.code, 1, json.stderr); // the violation
    const problems = JSON.parse(json.stdout) as { ruleId: string; file: string }[];
    assert.ok(
      problems.some((p) => p.ruleId === 'AP2007'),
      'the conflict is in the document',
    );
    assert.ok(
      problems.some((p) => p.ruleId === 'denied-action'),
      'and so is the violation: one document, not two back to back',
    );
    const sarif = inDir(dir, [...args, '--format', 'sarif']);
    const log = JSON.parse(sarif.stdout) as { runs: { results: unknown[] }[] };
    assert.equal(log.runs.length, 1);
    assert.equal(log.runs[0]?.results.length, problems.length);
  });

  it('keeps --fix reports out of a JSON or SARIF document (they go to stderr)', () => {
    const dir = workspace({ '.agent-policy.yml': 'version: 2.1\npermissions:\n  filesystem:\n    allow: ["src/**"]\n' });
    const r = inDir(dir, ['lint', '--fix', '--format', 'json']);
    assert.deepEqual(JSON.parse(r.stdout), [], 'the document alone, after the version was quoted');
    assert.match(r.stderr, /1 fix\(es\) applied/);
    assert.match(readFileSync(join(dir, '.agent-policy.yml'), 'utf8'), /^version: "2\.1"$/m);
  });

  it('names files relative to the folder it was run in, not the policy folder', () => {
    const { dir, args } = nested();
    const problems = JSON.parse(inDir(dir, [...args, '--format', 'json']).stdout) as { ruleId: string; file: string }[];
    assert.equal(problems.find((p) => p.ruleId === 'AP2007')?.file, 'pkg/.agent-policy.yml');
    assert.equal(problems.find((p) => p.ruleId === 'denied-action')?.file, 'logs/actions.jsonl');
    const text = inDir(dir, ['validate', '--root', 'pkg']);
    assert.match(text.stdout, /^pkg\/\.agent-policy\.yml:\d+:\d+ warning AP2007/m);
  });

  it('writes SARIF that the official 2.1.0 schema accepts, with each rule described, its help, and the tool version', () => {
    const { dir, args } = nested();
    const out = inDir(dir, [...args, '--format', 'sarif']).stdout;
    const doc = JSON.parse(out) as {
      runs: { tool: { driver: { version: string; rules: { id: string; shortDescription: { text: string }; helpUri?: string; help?: { text: string } }[] } } }[];
    };
    const validate = sarifValidator();
    assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 3)));
    const driver = doc.runs[0]?.tool.driver;
    assert.equal(driver?.version, pkg.version);
    const conflict = driver?.rules.find((r) => r.id === 'AP2007');
    assert.ok(conflict && conflict.shortDescription.text !== 'AP2007', 'a description, not the id again');
    assert.match(conflict.helpUri ?? '', /ap2007$/i);
    const violation = driver?.rules.find((r) => r.id === 'denied-action');
    assert.match(violation?.shortDescription.text ?? '', /denies/);
    // The validator is not a rubber stamp: a result without a message is refused.
    const broken = JSON.parse(out) as { runs: { results: { message?: unknown }[] }[] };
    delete broken.runs[0]?.results[0]?.message;
    assert.equal(validate(broken), false);
  });
});

describe('the command line', () => {
  it('prints its version', () => {
    const r = run(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${pkg.version}\n`);
    assert.equal(run(['--version'], undefined, join(__dirname, '..', '..', 'server', 'out', 'cli.js')).stdout.trim(), pkg.version);
  });

  it('takes one output flag, --format json, on every command that can answer in JSON (the older spellings still work)', () => {
    const dir = workspace({ '.agent-policy.yml': POLICY });
    const action = '{"action":"filesystem.write","path":"secrets/a"}';
    const check = run(['check', '--json', action, '--format', 'json', '--root', dir]);
    assert.equal((JSON.parse(check.stdout) as { decision: string }).decision, 'deny');
    assert.equal(run(['check', '--json', action, '--output', 'json', '--root', dir]).stdout, check.stdout);
    for (const args of [['approvals', 'list'], ['bypass', 'list'], ['audit', 'verify'], ['doctor']]) {
      const r = run([...args, '--format', 'json', '--root', dir]);
      assert.doesNotThrow(() => JSON.parse(r.stdout) as unknown, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    const wrong = run(['approvals', 'list', '--format', 'yaml', '--root', dir]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--format is text or json/);
  });

  it("answers COMMAND --help with that command's usage, not an error", () => {
    const r = run(['validate', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /agent-policy validate \[--format/);
    assert.doesNotMatch(r.stdout, /agent-policy eval/, "only validate's usage");
  });

  it('says a usage error in two lines, with a guess at a mistyped command or option', () => {
    const command = run(['valdate']);
    assert.equal(command.code, 2);
    assert.equal(command.stderr, 'agent-policy: unknown command "valdate"; did you mean "validate"?\nRun "agent-policy --help" for usage.\n');
    assert.equal(run(['xyzzy']).stderr, 'agent-policy: unknown command "xyzzy"\nRun "agent-policy --help" for usage.\n', 'no guess when nothing is close');
    const option = run(['validate', '--formt', 'json']);
    assert.equal(option.code, 2);
    assert.equal(option.stderr, 'agent-policy: unknown option --formt; did you mean --format?\nRun "agent-policy validate --help" for its usage.\n');
  });

  it('stops quietly when the reader of its output goes away (| head), with the status SIGPIPE gives', () => {
    const dir = workspace({ '.agent-policy.yml': POLICY });
    const lines = Array.from({ length: 20_000 }, (_, i) => `{"action":"filesystem.write","path":"secrets/${i}"}`).join('\n');
    writeFileSync(join(dir, 'big.jsonl'), lines);
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} eval --actions big.jsonl | head -1`], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 1);
    assert.equal(r.stderr, '', 'no stack trace');
    assert.equal(r.status, 141, 'a cut-off run is not a success under pipefail');
  });

  it('colours severities at a terminal, and never when NO_COLOR is set or the output is a pipe', () => {
    const dir = workspace({ '.agent-policy.yml': POLICY });
    mkdirSync(join(dir, 'src'), { recursive: true });
    const tty = atTerminal(['validate', '--root', dir], '');
    assert.match(tty.stdout, /\u001b\[33mwarning\u001b\[0m AP2007/);
    const noColour = atTerminal(['validate', '--root', dir], '', { ...process.env, NO_COLOR: '1' });
    assert.doesNotMatch(noColour.stdout, /\u001b\[/);
    assert.doesNotMatch(run(['validate', '--root', dir]).stdout, /\u001b\[/);
  });
});
