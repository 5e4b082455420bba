#!/usr/bin/env node
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadWorkspacePolicy } from '../node/workspace';
import { runCheck, runEval } from './eval-command';
import { EXIT, UsageError, type CliIo } from './io';
import { runLintLog } from './lint-command';
import { runValidate } from './validate-command';

const USAGE = `agent-policy: governance as code for AI coding agents

Usage:
  agent-policy validate [--root DIR] [--json]        every finding in the root policy and its overrides
  agent-policy eval [--root DIR] [--actions FILE]    one decision JSON line per action JSON line (stdin by default)
  agent-policy check [--root DIR] --json ACTION      decide one action: exit 0 allow, 1 deny, 3 ask
  agent-policy-lint [--config FILE] [--check-conflicts] [--agent-log FILE]

Exit codes: 0 ok, 1 violations or errors, 2 usage error or unloadable policy, 3 ask (check).
`;

const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: process.stdin,
};

async function main(argv: string[]): Promise<number> {
  const lintEntry = basename(process.argv[1] ?? '').startsWith('agent-policy-lint');
  const [command, ...rest] = lintEntry ? ['lint', ...argv] : argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  switch (command) {
    case 'validate': {
      const { values } = parseArgs({ args: rest, options: { root: { type: 'string' }, json: { type: 'boolean' } } });
      return runValidate(await loadWorkspacePolicy(values.root ?? '.'), io, values.json ?? false);
    }
    case 'eval': {
      const { values } = parseArgs({ args: rest, options: { root: { type: 'string' }, actions: { type: 'string' } } });
      return runEval(await loadWorkspacePolicy(values.root ?? '.'), io, values.actions);
    }
    case 'check': {
      const { values } = parseArgs({ args: rest, options: { root: { type: 'string' }, json: { type: 'string' }, output: { type: 'string' } } });
      if (values.json === undefined) throw new UsageError('check needs --json \'{"action": ..., ...}\'');
      return runCheck(await loadWorkspacePolicy(values.root ?? '.'), io, values.json, values.output === 'json');
    }
    case 'lint':
      return lint(rest);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function lint(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, root: { type: 'string' }, 'check-conflicts': { type: 'boolean' }, 'agent-log': { type: 'string' }, json: { type: 'boolean' } } });
  const root = values.root ?? (values.config ? dirname(resolve(values.config)) : '.');
  const set = await loadWorkspacePolicy(root);
  let code: number = EXIT.ok;
  if (values['check-conflicts'] || !values['agent-log']) code = Math.max(code, runValidate(set, io, values.json ?? false));
  if (values['agent-log']) code = Math.max(code, await runLintLog(set, io, values['agent-log']));
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`agent-policy: ${(error as Error).message}\n\n${USAGE}`);
      process.exitCode = EXIT.usage;
    } else {
      io.stderr(`agent-policy: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = EXIT.usage;
    }
  },
);
