#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { parseDuration, type PolicySet } from '#core';
import { Enforcer } from '#host/enforcer';
import { runtimeHome } from '#host/workspace/runtime-homes';
import { loadWorkspacePolicy, openStores, type Stores } from '#host/workspace/workspace';
import { runApprovalsDecide, runApprovalsList, runApprovalsRequest } from './approvals-command';
import { acknowledgedByEverySink, runAuditForward, runAuditQuery, runAuditVerify } from './audit-command';
import { runBypassGrant, runBypassList, runBypassRevoke } from './bypass-command';
import { reportRefusal, runCheck, runEval } from './eval-command';
import { installableRuntime, readHookArgs, runHook } from './hook-command';
import { installScope } from './install-scope';
import { deciderPaths, handedOverInput } from '#host/services/decider-protocol';
import { DEFAULT_DECIDER_IDLE_MS, deciderCanRun, runServe, startDecider } from './serve-command';
import { Readable } from 'node:stream';
import { runDoctor } from './doctor-command';
import { VERSION } from './version';
import { styleFor } from './colour';
import { commandUsage, suggestion, usageHint, USAGE } from './usage';
import { runInit } from './init-command';
import { compileTarget, runCompile } from './compile-command';
import { runSandbox } from './sandbox-command';
import { applyFixes } from './fix-command';
import { EXIT, UsageError, type CliIo } from './io';
import { checkLog } from './lint-command';
import { ProblemWriter, REPORT_FORMATS, type ReportFormat } from './report-formats';
import { reportFindings, runValidate } from './validate-command';
import { PresenceRefused, runApproverEnroll, runApproverList } from './person-at-terminal';

const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: handedOverStdin() ?? process.stdin,
  cwd: process.cwd(),
  styles: { stdout: styleFor(process.stdout, process.env), stderr: styleFor(process.stderr, process.env) },
};

function handedOverStdin(): NodeJS.ReadableStream | undefined {
  const input = handedOverInput();
  return input === undefined ? undefined : Readable.from([input]);
}

const COMMON = { root: { type: 'string' }, state: { type: 'string' } } as const;

interface Workspace {
  root: string;
  set: PolicySet;
  stores: () => Stores;
  /** Decides as every gate does (bypasses, clock, state folder). */
  enforcer: () => Enforcer;
}

/** Commands that decide actions load the policy for enforcement (fast start); validate and lint analyse it fully. */
/**
 * Whether a command's answer is JSON: \`--format json\` (every command's one output flag; text by
 * default). The older spellings \`--json\` (where it takes no value) and \`--output json\` still work.
 */
function jsonOutput(values: { format?: string | undefined; json?: string | boolean | undefined; output?: string | undefined }): boolean {
  if (values.format !== undefined && values.format !== 'text' && values.format !== 'json') throw new UsageError('--format is text or json');
  return values.format === 'json' || values.json === true || values.output === 'json';
}

async function workspace(root: string | undefined, state: string | undefined, analysis: 'full' | 'enforcement' = 'enforcement'): Promise<Workspace> {
  const dir = root ?? '.';
  const set = await loadWorkspacePolicy(dir, analysis);
  let stores: Stores | undefined;
  let enforcer: Enforcer | undefined;
  const storesOnce = (): Stores =>
    (stores ??= openStores(set, dir, {
      ...(state ? { state } : {}),
      onAlert: (alert) => io.stderr(`ALERT (audit entry ${alert.seq}): ${alert.message}\n`),
      onForwardProblem: (p) => io.stderr(`warning: audit forwarding: ${p.message} (entries wait in the log and are sent later)\n`),
    }));
  return {
    root: resolve(dir),
    set,
    stores: storesOnce,
    enforcer: () => (enforcer ??= new Enforcer(set, storesOnce())),
  };
}

function format(value: string | undefined): ReportFormat {
  const f = (value ?? 'text') as ReportFormat;
  if (!REPORT_FORMATS.includes(f)) throw new UsageError(`--format is one of ${REPORT_FORMATS.join(', ')}`);
  return f;
}

type Handler = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Handler> = {
  async validate(args) {
    const { values } = parseArgs({ args, options: { ...COMMON, json: { type: 'boolean' }, format: { type: 'string' } } });
    const ws = await workspace(values.root, values.state, 'full');
    return runValidate(ws.set, io, values.json ? 'json' : format(values.format));
  },
  async eval(args) {
    const { values } = parseArgs({ args, options: { ...COMMON, actions: { type: 'string' } } });
    const ws = await workspace(values.root, values.state);
    return runEval(ws.enforcer(), io, values.actions);
  },
  async check(args) {
    const { values } = parseArgs({
      args,
      options: { ...COMMON, json: { type: 'string' }, format: { type: 'string' }, output: { type: 'string' }, audit: { type: 'boolean' } },
    });
    if (values.json === undefined) throw new UsageError('check needs --json \'{"action": ..., ...}\'');
    const ws = await workspace(values.root, values.state);
    return runCheck(ws.enforcer(), io, values.json, jsonOutput({ format: values.format, output: values.output }), values.audit ?? false);
  },
  async audit(args) {
    const [sub, ...rest] = args;
    const { values } = parseArgs({
      args: rest,
      options: {
        ...COMMON,
        json: { type: 'boolean' },
        format: { type: 'string' },
        against: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        agent: { type: 'string' },
        decision: { type: 'string' },
        action: { type: 'string' },
        path: { type: 'string' },
        limit: { type: 'string' },
      },
    });
    const ws = await workspace(values.root, values.state);
    const { audit, forwarder } = ws.stores();
    if (sub === 'verify')
      return runAuditVerify(
        audit,
        io,
        jsonOutput(values),
        values.against === undefined ? undefined : { file: values.against, cursor: acknowledgedByEverySink(forwarder, audit) },
      );
    if (sub === 'forward') return runAuditForward(forwarder, audit, io);
    if (sub === 'flush') {
      io.stdout(`${audit.flush()} folded denial(s) summarised\n`);
      return EXIT.ok;
    }
    if (sub === 'query') {
      const limit = values.limit === undefined ? undefined : Number(values.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new UsageError('--limit is a whole number');
      const { json, since, until, agent, decision, action, path } = values;
      return runAuditQuery(audit, io, { json: json ?? false, limit, since, until, agent, decision: decision as 'allow' | undefined, action, path }, Date.now());
    }
    throw new UsageError('audit needs verify, query, flush or forward');
  },
  async bypass(args) {
    const sub = args[0] === 'list' || args[0] === 'revoke' ? args[0] : 'grant';
    const { values, positionals } = parseArgs({
      args: sub === 'grant' ? args : args.slice(1),
      allowPositionals: true,
      options: {
        ...COMMON,
        json: { type: 'boolean' },
        format: { type: 'string' },
        reason: { type: 'string' },
        allow: { type: 'string' },
        'allow-command': { type: 'string' },
        duration: { type: 'string' },
        approver: { type: 'string' },
      },
    });
    const ws = await workspace(values.root, values.state);
    const { bypasses } = ws.stores();
    if (sub === 'list') return runBypassList(bypasses, io, jsonOutput(values));
    if (sub === 'revoke') return runBypassRevoke(bypasses, io, positionals[0]);
    if (positionals.length) throw new UsageError(`unexpected ${positionals.join(' ')}`);
    return runBypassGrant(ws.set, bypasses, io, {
      reason: values.reason,
      allow: values.allow,
      allowCommand: values['allow-command'],
      duration: values.duration,
      approver: values.approver,
    });
  },
  async approver(args) {
    const [sub, ...rest] = args;
    const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, by: { type: 'string' } } });
    try {
      if (sub === 'enroll') await runApproverEnroll(io, values.name, Date.now(), values.by);
      else if (sub === 'list') runApproverList(io);
      else throw new UsageError('approver needs enroll --name NAME or list');
    } catch (error) {
      if (!(error instanceof PresenceRefused)) throw error;
      io.stderr(`agent-policy: ${error.message}\n`);
      return EXIT.violation;
    }
    return EXIT.ok;
  },
  async approvals(args) {
    const [sub = 'list', ...rest] = args;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        ...COMMON,
        json: { type: 'string' },
        all: { type: 'boolean' },
        by: { type: 'string' },
        note: { type: 'string' },
        wait: { type: 'boolean' },
        timeout: { type: 'string' },
        agent: { type: 'string' },
        output: { type: 'string' },
        format: { type: 'string' },
      },
    });
    const ws = await workspace(values.root, values.state);
    const { approvals } = ws.stores();
    switch (sub) {
      case 'list':
        return runApprovalsList(approvals, io, values.all ?? false, jsonOutput({ format: values.format, output: values.output }), Date.now());
      case 'approve':
      case 'deny':
        return runApprovalsDecide(approvals, io, positionals[0], sub === 'approve' ? 'approved' : 'denied', values.by, values.note);
      case 'request':
        if (values.json === undefined) throw new UsageError('approvals request needs --json ACTION');
        return runApprovalsRequest(ws.enforcer(), io, values.json, values.wait ?? false, values.timeout, values.agent);
      default:
        throw new UsageError('approvals needs list, approve, deny or request');
    }
  },
  async hook(args) {
    const { adapter, options } = readHookArgs(args, process.env);
    const code = await runHook(adapter, io, options);
    // A hook client found no decider: one is started for the calls that follow (the answer is already written).
    if (process.env.AGENT_POLICY_START_DECIDER === '1' && process.argv[1] && deciderCanRun())
      startDecider(process.execPath, join(dirname(realpathSync(process.argv[1])), 'cli.js'), deciderPaths(), process.env.AGENT_POLICY_DECIDER_IDLE);
    return code;
  },
  async serve(args) {
    const { values } = parseArgs({ args, options: { idle: { type: 'string' } } });
    const idleMs = values.idle === undefined ? DEFAULT_DECIDER_IDLE_MS : parseDuration(values.idle);
    if (idleMs === undefined) throw new UsageError('--idle is a duration such as 10m');
    return runServe(io, { idleMs, bundle: __filename });
  },
  async init(args) {
    const { values } = parseArgs({
      args,
      options: {
        ...COMMON,
        runtime: { type: 'string' },
        uninstall: { type: 'boolean' },
        cli: { type: 'string' },
        scope: { type: 'string' },
        timeout: { type: 'string' },
        trust: { type: 'boolean' },
      },
    });
    const runtime = installableRuntime(values.runtime);
    const timeoutSeconds = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeoutSeconds !== undefined && !(Number.isInteger(timeoutSeconds) && timeoutSeconds >= 10))
      throw new UsageError("--timeout is the runtime's timeout for the hook, in whole seconds, at least 10");
    return runInit(resolve(values.root ?? '.'), runtime, io, {
      uninstall: values.uninstall ?? false,
      cli: values.cli,
      scope: installScope(values.scope),
      timeoutSeconds,
      trust: values.trust ?? false,
      where: { home: homedir(), env: process.env },
    });
  },
  doctor(args) {
    const { values } = parseArgs({ args, options: { ...COMMON, json: { type: 'boolean' }, format: { type: 'string' } } });
    return runDoctor(resolve(values.root ?? '.'), { home: homedir(), env: process.env }, io, jsonOutput(values));
  },
  async compile(args) {
    const { values } = parseArgs({ args, options: { ...COMMON, target: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
    const target = compileTarget(values.target);
    const ws = await workspace(values.root, values.state);
    return runCompile(
      ws.set,
      ws.root,
      target,
      io,
      values['dry-run'] ?? false,
      target === 'vscode' ? homedir() : runtimeHome(target, { home: homedir(), env: process.env }),
    );
  },
  async sandbox(args) {
    const { values } = parseArgs({ args, options: { ...COMMON, emit: { type: 'string' } } });
    const ws = await workspace(values.root, values.state);
    return runSandbox(ws.set, io, values.emit);
  },
  async lint(args) {
    const { values } = parseArgs({
      args,
      options: {
        ...COMMON,
        config: { type: 'string' },
        'check-conflicts': { type: 'boolean' },
        'agent-log': { type: 'string' },
        json: { type: 'boolean' },
        fix: { type: 'boolean' },
        format: { type: 'string' },
      },
    });
    const root = values.root ?? (values.config ? dirname(resolve(values.config)) : '.');
    const fmt = values.json ? 'json' : format(values.format);
    const analysis = values['check-conflicts'] || values.fix || !values['agent-log'] ? 'full' : 'enforcement';
    let ws = await workspace(root, values.state, analysis);
    let code: number = EXIT.ok;
    if (values.fix) {
      // What was fixed is for the person; with a machine format, stdout holds the document alone.
      const fixIo: CliIo = fmt === 'text' ? io : { ...io, stdout: io.stderr, styles: { ...io.styles, stdout: io.styles.stderr } };
      const { applied } = applyFixes(ws.set, ws.root, fixIo);
      fixIo.stdout(`${applied} fix(es) applied\n`);
      if (applied) ws = await workspace(root, values.state, analysis);
    }
    // One report, one document in every format: the policy's findings and the log's violations together.
    const writer = new ProblemWriter(fmt, io.stdout, io.styles.stdout);
    const summaries: string[] = [];
    if (values['check-conflicts'] || values.fix || !values['agent-log']) {
      const findings = reportFindings(ws.set, writer, io.cwd);
      code = Math.max(code, findings.code);
      summaries.push(findings.summary);
    }
    const log = values['agent-log'];
    // A log is checked only against an enforceable policy: the refusal goes to stderr, after the document closes.
    const refused = log !== undefined && ws.set.refusal !== undefined;
    if (log !== undefined && !refused) {
      const violations = checkLog(ws.set, log, writer);
      code = Math.max(code, violations.code);
      summaries.push(violations.summary);
    }
    writer.end(summaries.join('\n'));
    if (refused && reportRefusal(ws.set, io)) return EXIT.usage;
    return code;
  },
};

async function main(argv: string[]): Promise<number> {
  const lintEntry = basename(process.argv[1] ?? '').startsWith('agent-policy-lint');
  if (argv[0] === '--version' || argv[0] === '-v' || (!lintEntry && argv[0] === 'version')) {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const [command, ...rest] = lintEntry ? ['lint', ...argv] : argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!handler) {
    const near = suggestion(command, Object.keys(COMMANDS));
    throw new UsageError(`unknown command "${command}"${near ? `; did you mean "${near}"?` : ''}`);
  }
  running = command;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(commandUsage(command) ?? USAGE);
    return EXIT.ok;
  }
  // A one-decision process never earns back the second of CPU that optimising the shell parser's
  // WebAssembly costs, so it stays on the baseline compiler (check: 1.5 s → 0.6 s here). eval and
  // lint, which may decide millions of actions, and the language server keep the optimising tier.
  if (command !== 'eval' && command !== 'lint') setFlagsFromString('--liftoff-only');
  return handler(rest);
}

function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const path = (error as NodeJS.ErrnoException).path;
  const message = error.message.split('\n')[0] ?? '';
  return path !== undefined && !message.includes(path) ? `${path}: ${message}` : message;
}

/** The command being run, for the hint after a usage error. */
let running: string | undefined;

/** A usage error in one line, with a guess at a mistyped option, and where to read more. */
function usageMessage(error: Error): string {
  const unknown = /^Unknown option '(--?[\w-]+)'/.exec(error.message);
  if (unknown?.[1] !== undefined) {
    const options = [...new Set((commandUsage(running ?? '') ?? USAGE).match(/--[a-z][\w-]*/g) ?? [])];
    const near = suggestion(unknown[1], options);
    return `unknown option ${unknown[1]}${near ? `; did you mean ${near}?` : ''}`;
  }
  return error.message.split('\n')[0] ?? error.message;
}

// Piped into a reader that stopped reading (\`| head\`): stop quietly, with the status of a process
// ended by SIGPIPE, so a pipeline with pipefail does not take a cut-off report for success.
const PIPE_CLOSED = 128 + 13;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(PIPE_CLOSED);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`agent-policy: ${usageMessage(error as Error)}\n${usageHint(running)}\n`);
    } else {
      // One line, naming the file when the system names one (ENOSPC, ENAMETOOLONG, EACCES…);
      // AGENT_POLICY_DEBUG=1 adds the stack.
      io.stderr(`agent-policy: ${oneLine(error)}\n${process.env.AGENT_POLICY_DEBUG === '1' ? `${(error as Error).stack ?? ''}\n` : ''}`);
    }
    process.exitCode = EXIT.usage;
  },
);
