// The scenarios every runtime goes through, written once: a runtime's test file describes how its
// tools are called (its own tool names and inputs) and what the runtime itself does where runtimes
// differ (subfolder starts), and gets the same checks on the file system and the audit log.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Mode, RunOptions, RunResult, Runtime } from './drivers';
import {
  cleanup,
  commitCount,
  describeAudit,
  ENV_SECRET,
  holdAuditLock,
  hookFiles,
  install,
  keepObserved,
  makeProject,
  rewriteHook,
  SECRET_KEY,
  session,
  type AuditEntry,
  type Project,
  type Session,
} from './harness';
import { startApprovalService } from '#host/services/approval-service';
import type { ToolCall } from './model-server';

export interface RuntimeSpec {
  runtime: Runtime;
  label: string;
  /** The runtime's own tool calls (absolute paths; `dir` is the project). */
  write(dir: string, path: string, content: string): ToolCall;
  read(dir: string, path: string): ToolCall;
  /** Set when the adapter gets the read tool wrong (a known product bug): that check becomes a todo. */
  readBug?: string;
  /** Set when the runtime itself refuses to read .env before any hook runs (why, for the test name). */
  dotEnvReadRefusedByRuntime?: string;
  shell(dir: string, command: string): ToolCall;
  modes: Mode[];
  /** What the runtime does in each mode, for the test names. */
  modeLabel: Record<Mode, string>;
  /** Started in a subfolder, does the runtime run the project's hook? (a fact about the runtime) */
  subfolderRunsProjectHook: boolean;
  /** The mode the deadline and subfolder scenarios run in (the one where only the hook can refuse). */
  strictestTest: Mode;
  /** More options for every run (extra arguments, environment). */
  extra?: Partial<Omit<RunOptions, 'project' | 'home' | 'script' | 'mode'>>;
  /** Per runtime: the audit decision recorded for the `git commit` ask. */
  askEnds: string;
  /** What the model is told about the refused ask (beyond the rule). */
  askToModel: RegExp;
  /** The runtime's own rules `init` writes as a second layer (Claude Code, Codex, Gemini CLI). */
  native?: {
    /** Whether they can express the file rules (Codex's and Gemini CLI's cannot). */
    fileRules: boolean;
    /** What the model is told when they refuse `rm -rf`. */
    toldRm: RegExp;
  };
}

export function entry(entries: AuditEntry[], match: (e: AuditEntry) => boolean, what: string): AuditEntry {
  const found = entries.find(match);
  assert.ok(found, `no audit entry for ${what}; the log:\n${describeAudit(entries)}`);
  return found;
}

/** Asserts the model was shown text matching `pattern` (without dumping the whole conversation when not). */
export function assertTold(r: RunResult, pattern: RegExp, what: string): void {
  if (pattern.test(r.shown)) return;
  const last = r.requests.filter((q) => q.kind === 'main').at(-1)?.text ?? '(no request)';
  assert.fail(`${what}: ${String(pattern)} is not in what the model was shown; the end of its last request:\n${last.slice(-2500)}`);
}

export function assertEndedByItself(r: RunResult, label: string): void {
  assert.equal(r.timedOut, false, `${label} was killed by the test's wall clock after ${r.durationMs} ms:\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-3000)}`);
}

/** A project, cleaned up after the test (kept with RUNTIME_E2E_KEEP=1). */
function project(spec: RuntimeSpec, name: string, t: { after(fn: () => void): void }, options: { install?: boolean } = {}): Project {
  const p = makeProject(spec.runtime, name, options);
  t.after(() => cleanup(p));
  return p;
}

const run = (spec: RuntimeSpec, p: Project, label: string, options: Omit<RunOptions, 'project' | 'home'>) =>
  session(p, label, { ...spec.extra, ...options, env: { ...spec.extra?.env, ...options.env } });

/** One session per mode carrying the policy's everyday decisions, then one check per outcome. */
export function everydayDecisions(spec: RuntimeSpec): void {
  for (const mode of spec.modes) {
    describe(`${spec.label}, ${spec.modeLabel[mode]}`, () => {
      let p: Project | undefined;
      let r: Session;
      let audit: AuditEntry[];
      const d = () => p!.dir;
      after(() => p && cleanup(p));

      test('one headless session runs the scripted calls through the installed hook', async () => {
        p = makeProject(spec.runtime, mode);
        const dir = p.dir;
        r = await run(spec, p, 'session', {
          mode,
          script: {
            calls: [
              spec.write(dir, 'src/new.ts', 'export const created = true;\n'),
              spec.write(dir, 'secrets/x.txt', 'should not exist\n'),
              spec.write(dir, '.env.local', 'API_TOKEN=planted\n'),
              spec.read(dir, '.env'),
              spec.read(dir, 'secrets/key.txt'),
              spec.shell(dir, 'cat .env'),
              spec.shell(dir, 'rm -rf secrets'),
              spec.shell(dir, 'git commit -m x'),
              spec.shell(dir, 'touch src/touched.txt'),
              spec.shell(dir, 'echo leaked > secrets/y.txt'),
              spec.shell(dir, 'touch planted.txt'),
              spec.shell(dir, 'npx agent-policy approvals approve apr_0123456789 --by alice@example.com'),
            ],
          },
        });
        audit = r.audit;
        keepObserved(p, `session-${mode}`);
        assertEndedByItself(r, spec.label);
        assert.equal(r.exitCode, 0, `exit ${r.exitCode}:\n${r.stderr.slice(-3000)}`);
        assert.ok(
          audit.every((e) => e.runtime === spec.runtime),
          'every entry names the runtime',
        );
      });

      test('an allowed write happens and is recorded as allowed by "src/**"', () => {
        assert.equal(readFileSync(join(d(), 'src/new.ts'), 'utf8'), 'export const created = true;\n');
        const e = entry(audit, (e) => e.action === 'filesystem.write' && e.path === join(d(), 'src/new.ts'), 'the write of src/new.ts');
        assert.equal(e.decision, 'allow');
        assert.match(e.reason ?? '', /allowed by "src\/\*\*"/);
      });

      test('a write under secrets/ does not happen because "secrets/**" is denied, and the model is told why', () => {
        assert.equal(existsSync(join(d(), 'secrets/x.txt')), false);
        const e = entry(audit, (e) => e.action === 'filesystem.write' && e.path === join(d(), 'secrets/x.txt'), 'the write of secrets/x.txt');
        assert.equal(e.decision, 'deny');
        assert.match(e.reason ?? '', /denied by "secrets\/\*\*"/);
        assertTold(r, /secrets\/x\.txt[^\n]*denied by "secrets\/\*\*"/, 'the denial reason reaches the model');
      });

      test('.env files are neither written nor printed (`cat .env`) because "**/.env*" is denied, and no secret reaches the model', () => {
        assert.equal(existsSync(join(d(), '.env.local')), false);
        const write = entry(audit, (e) => e.action === 'filesystem.write' && e.path === join(d(), '.env.local'), 'the write of .env.local');
        assert.equal(write.decision, 'deny');
        assert.match(write.reason ?? '', /denied by "\*\*\/\.env\*"/);
        const cat = entry(audit, (e) => e.action === 'command.exec' && e.command === 'cat .env', 'cat .env');
        assert.equal(cat.decision, 'deny');
        assert.match(cat.reason ?? '', /argument "\.env" names \.env, denied by "\*\*\/\.env\*"/);
        assert.equal(r.shown.includes(ENV_SECRET), false, 'the .env secret reached the model');
        assert.equal(r.shown.includes(SECRET_KEY), false, 'secrets/key.txt reached the model');
      });

      test(
        'the runtime\'s file-read tool is decided as a read of its file: secrets/key.txt is denied by "secrets/**"',
        spec.readBug ? { todo: spec.readBug } : {},
        () => {
          const read = entry(audit, (e) => e.action === 'filesystem.read' && e.path === join(d(), 'secrets/key.txt'), 'the read of secrets/key.txt');
          assert.equal(read.decision, 'deny');
          assert.match(read.reason ?? '', /denied by "secrets\/\*\*"/);
        },
      );

      const dotEnv = spec.dotEnvReadRefusedByRuntime;
      test(
        dotEnv ? `the file-read tool on .env never reaches the hook: ${dotEnv}` : 'the runtime\'s file-read tool on .env is denied by "**/.env*"',
        spec.readBug ? { todo: spec.readBug } : {},
        () => {
          const read = audit.find((e) => e.action === 'filesystem.read' && e.path === join(d(), '.env'));
          if (dotEnv) return assert.equal(read, undefined, `${spec.label} now passes the .env read to the hook: update the spec`);
          assert.ok(read, `no audit entry for the read of .env; the log:\n${describeAudit(audit)}`);
          assert.equal(read.decision, 'deny');
          assert.match(read.reason ?? '', /denied by "\*\*\/\.env\*"/);
        },
      );

      test("the agent cannot approve requests through Agent Policy's CLI: a built-in governance table denies it, not merely the missing allow", () => {
        const e = entry(audit, (e) => e.action === 'command.exec' && (e.command ?? '').includes('approvals approve'), 'the approve command');
        assert.equal(e.decision, 'deny');
        assert.match(e.reason ?? '', /agent-policy approvals approve makes a decision only a person may make/);
      });

      test('`rm -rf secrets` does not run because the command rule "rm -rf" denies it', () => {
        assert.equal(readFileSync(join(d(), 'secrets/key.txt'), 'utf8'), `${SECRET_KEY}\n`);
        const e = entry(audit, (e) => e.action === 'command.exec' && e.command === 'rm -rf secrets', 'rm -rf secrets');
        assert.equal(e.decision, 'deny');
        assert.match(e.reason ?? '', /rm is denied by "rm -rf"/);
      });

      test(`\`git commit\` needs a person ("git commit *" requires approval) and nobody can be asked headless, so no commit is made`, () => {
        assert.equal(commitCount(d()), 1, 'a commit was made');
        const e = entry(audit, (e) => e.action === 'command.exec' && e.command === 'git commit -m x', 'git commit -m x');
        assert.equal(e.decision, spec.askEnds);
        assert.match(e.reason ?? '', /needs human approval by "git commit \*"/);
        assertTold(r, /command "git commit -m x": needs human approval by "git commit \*"/, 'the model is told why');
        assertTold(r, spec.askToModel, 'the model is told');
      });

      test('an allowed command (`touch src/…`, by "touch *") runs', () => {
        assert.equal(existsSync(join(d(), 'src/touched.txt')), true);
        const e = entry(audit, (e) => e.action === 'command.exec' && e.command === 'touch src/touched.txt', 'touch src/touched.txt');
        assert.equal(e.decision, 'allow');
        assert.match(e.reason ?? '', /allowed by "touch \*"/);
      });

      test('`touch planted.txt` does not run: "touch *" lets touch run, but it writes planted.txt, which no filesystem allow covers', () => {
        assert.equal(existsSync(join(d(), 'planted.txt')), false);
        const e = entry(audit, (e) => e.action === 'command.exec' && e.command === 'touch planted.txt', 'touch planted.txt');
        assert.equal(e.decision, 'deny');
        assert.match(e.reason ?? '', /touch writes "planted\.txt": filesystem\.write "planted\.txt": matches no allow pattern/);
      });

      test('a shell redirect into secrets/ is denied as a write of that file', () => {
        assert.equal(existsSync(join(d(), 'secrets/y.txt')), false);
        const e = entry(audit, (e) => e.action === 'command.exec' && e.command === 'echo leaked > secrets/y.txt', 'echo leaked > secrets/y.txt');
        assert.equal(e.decision, 'deny');
        assert.match(e.reason ?? '', /redirection "> secrets\/y\.txt": filesystem\.write "secrets\/y\.txt": denied by "secrets\/\*\*"/);
      });
    });
  }
}

/** The hook cannot decide in time (a held lock), and a hook without our deadline (killed by the runtime). */
export function deadlines(spec: RuntimeSpec): void {
  // Both mostly wait (a held lock, a sleeping hook): run them side by side.
  describe(`${spec.label}, when the hook cannot answer in time`, { concurrency: true }, () => {
    test('the audit lock is held by a live writer: the hook denies at its own deadline (7 s inside a 12 s timeout), so the write does not happen and the session goes on', async (t) => {
      const p = project(spec, 'lock', t);
      for (const file of hookFiles(p)) rewriteHook(file, spec.runtime, { timeoutSeconds: 12 });
      const release = holdAuditLock(p.dir);
      t.after(release);
      const r = await run(spec, p, 'run', {
        mode: spec.strictestTest,
        timeoutMs: 60_000,
        script: { calls: [spec.write(p.dir, 'src/blocked.ts', 'x\n')] },
      });
      keepObserved(p, 'lock');
      assertEndedByItself(r, spec.label);
      assert.equal(existsSync(join(p.dir, 'src/blocked.ts')), false, 'the write happened although the hook could not decide');
      assertTold(r, new RegExp(`no decision within the hook's deadline \\(7 s, inside ${spec.runtime}'s 12 s timeout\\)`), 'the model is told why');
      assert.ok(r.durationMs < 20_000, `the session took ${r.durationMs} ms`);
    });

    test("an approval the editor never answers expires at the hook's deadline: no commit is made and the session goes on", async (t) => {
      const p = project(spec, 'unanswered', t);
      for (const file of hookFiles(p)) rewriteHook(file, spec.runtime, { timeoutSeconds: 12 });
      const asked: { timeout_ms?: number }[] = [];
      // An editor that receives the request and never answers (nobody at the keyboard).
      const service = await startApprovalService(join(p.dir, '.agent-policy'), (request) => {
        asked.push(request);
        return new Promise(() => undefined);
      });
      t.after(() => void service.close());
      const before = commitCount(p.dir);
      const r = await run(spec, p, 'run', {
        mode: spec.strictestTest,
        timeoutMs: 60_000,
        script: { calls: [spec.shell(p.dir, 'git commit --allow-empty -m unanswered')] },
      });
      assertEndedByItself(r, spec.label);
      assert.equal(commitCount(p.dir), before, 'the commit was made although nobody approved it');
      assert.equal(asked.length, 1, 'the editor was asked once');
      assert.ok((asked[0]?.timeout_ms ?? Infinity) <= 7_000, `the request was to expire inside the hook's 7 s deadline (${asked[0]?.timeout_ms} ms)`);
      const answer = entry(
        r.audit,
        (e) => e.action === 'command.exec' && e.decision === 'deny' && /approval service/.test(e.reason ?? ''),
        'the unanswered approval',
      );
      assert.match(answer.reason ?? '', /needs human approval by "git commit \*".*; no answer from the approval service in time, so it is denied/);
      assert.ok(r.durationMs < 25_000, `the session took ${r.durationMs} ms`);
    });

    test(`a hook that outlives ${spec.label}'s timeout is killed and the call RUNS (the runtime fails open): why our hook keeps its own deadline`, async (t) => {
      const p = project(spec, 'killed', t);
      // The sleep gets no pipe of the runtime's: Gemini CLI waits for every holder of the hook's stdout to close.
      for (const file of hookFiles(p)) rewriteHook(file, spec.runtime, { timeoutSeconds: 5, command: (c) => `sleep 30 </dev/null >/dev/null 2>&1; ${c}` });
      const r = await run(spec, p, 'run', {
        mode: spec.strictestTest,
        timeoutMs: 60_000,
        script: { calls: [spec.write(p.dir, 'secrets/failed-open.txt', 'written although the policy denies it\n')] },
      });
      assertEndedByItself(r, spec.label);
      // A fact about the runtime, not about our hook: after its timeout it runs the call.
      assert.equal(
        existsSync(join(p.dir, 'secrets/failed-open.txt')),
        true,
        `${spec.label} did not run the call after killing the hook: it no longer fails open; update README and this test`,
      );
      assert.ok(r.durationMs < 30_000, `the session took ${r.durationMs} ms (the hook was not killed at 5 s)`);
    });
  });
}

/** Started in DIR/src: does the project hook run, and does a user-scope install cover it? */
export function subfolderStart(spec: RuntimeSpec): void {
  describe(`${spec.label} started in a subfolder of the project`, () => {
    const name = spec.subfolderRunsProjectHook
      ? 'the project-scope hook still runs from a subfolder start, so a denied write (src/.env.sub, "**/.env*") is refused'
      : 'project-scope hooks are not read from a subfolder start: a denied write (src/.env.sub) goes through unchecked';
    test(name, async (t) => {
      const p = project(spec, 'subfolder', t);
      const r = await run(spec, p, 'run', {
        cwd: join(p.dir, 'src'),
        mode: spec.strictestTest,
        script: { calls: [spec.write(p.dir, 'src/.env.sub', 'unchecked\n'), spec.write(p.dir, 'src/from-subfolder.ts', 'ok\n')] },
      });
      keepObserved(p, 'subfolder');
      assertEndedByItself(r, spec.label);
      const audit = r.audit;
      const written = existsSync(join(p.dir, 'src/.env.sub'));
      if (spec.subfolderRunsProjectHook) {
        assert.equal(written, false, `the write happened; audit:\n${describeAudit(audit)}`);
        const e = entry(audit, (e) => e.path === join(p.dir, 'src/.env.sub'), 'the write of src/.env.sub');
        assert.match(e.reason ?? '', /denied by "\*\*\/\.env\*"/);
        assert.equal(
          existsSync(join(p.dir, 'src/from-subfolder.ts')),
          true,
          `the allowed write did not happen; audit:\n${describeAudit(audit)}\n${r.shown.slice(-1500)}`,
        );
      } else {
        assert.equal(written, true, `${spec.label} ran the project hook from a subfolder start: update README and this test`);
        assert.equal(audit.length, 0, 'no hook ran, so nothing is recorded');
      }
    });

    test(`a user-scope hook (\`init --scope user\`) decides wherever ${spec.label} starts`, async (t) => {
      const p = project(spec, 'userscope', t, { install: false });
      install(p, { scope: 'user' });
      const r = await run(spec, p, 'run', {
        cwd: join(p.dir, 'src'),
        mode: spec.strictestTest,
        script: { calls: [spec.write(p.dir, 'src/.env.sub', 'checked\n'), spec.write(p.dir, 'src/from-subfolder.ts', 'ok\n')] },
      });
      keepObserved(p, 'userscope');
      assertEndedByItself(r, spec.label);
      const audit = r.audit;
      assert.equal(existsSync(join(p.dir, 'src/.env.sub')), false, `the user-scope hook did not deny; audit:\n${describeAudit(audit)}`);
      assert.equal(
        existsSync(join(p.dir, 'src/from-subfolder.ts')),
        true,
        `the user-scope hook did not allow src/; audit:\n${describeAudit(audit)}\n${r.shown.slice(-1500)}`,
      );
      const denied = entry(audit, (e) => e.path === join(p.dir, 'src/.env.sub'), 'the write of src/.env.sub');
      assert.match(denied.reason ?? '', /denied by "\*\*\/\.env\*"/);
    });
  });
}

/** The second layer alone: init's native rules kept, the hook answering nothing (exit 0, no output). */
export function secondLayer(spec: RuntimeSpec): void {
  const native = spec.native;
  if (!native) return;
  describe(`${spec.label}, the native rules init writes as a second layer`, () => {
    test(`with the hook out of the way they still refuse \`rm -rf\` and \`git commit\`${native.fileRules ? ' and a write under secrets/' : ', but not file writes (they cannot express file rules: the hook keeps those)'}`, async (t) => {
      const p = makeProject(spec.runtime, 'native', { nativeRules: true });
      t.after(() => cleanup(p));
      for (const file of hookFiles(p)) rewriteHook(file, spec.runtime, { command: () => `cat >/dev/null; exit 0 # stands in for: hook ${spec.runtime}` });
      const r = await run(spec, p, 'run', {
        mode: spec.strictestTest,
        timeoutMs: 60_000,
        script: { calls: [spec.shell(p.dir, 'rm -rf secrets/key.txt'), spec.shell(p.dir, 'git commit -m x'), spec.write(p.dir, 'secrets/native.txt', 'x\n')] },
      });
      assertEndedByItself(r, spec.label);
      assert.equal(r.audit.length, 0, 'the hook decided something');
      assert.equal(existsSync(join(p.dir, 'secrets/key.txt')), true, 'rm -rf ran');
      assertTold(r, native.toldRm, 'the native refusal of rm -rf');
      assert.equal(commitCount(p.dir), 1, 'a commit was made');
      assert.equal(existsSync(join(p.dir, 'secrets/native.txt')), !native.fileRules);
    });
  });
}

export { project, run };
