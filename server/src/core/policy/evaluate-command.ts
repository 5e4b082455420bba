import { decideEndpoint } from './evaluate-network';
import { decidePath } from './evaluate-path';
import { compileGlob, validateGlob } from '../globs/glob';
import { deniedBelow } from './denied-below';
import { deniedFolder } from './evaluate-folder';
import { escapeGlob, globLanguage, intersectionExample, isSubset, UndecidableGlobError } from '../globs/glob-language';
import { governanceArgument, governanceFolders, governanceGlobReach, holdsGovernance, stateFolderOf } from './governance-paths';
import { isHarmlessDevice, OUTSIDE_SECRETS, outsideSecret } from './outside-secrets';
import { personOnlyCommand } from './person-only';
import { absolutePath, classify, normalisePath, type NormalisedPath } from '../base/paths';
import type { CommandRule, CommandRuleIndex } from './command-rule-index';
import type { PolicySet } from './policy-set';
import type { RuleRef } from '../base/types';
import { invocationShape, matchLoose, matchStrict, sameProgram, type CommandShape } from '../shell/command-pattern';
import { networkTargets } from '../shell/fetchers';
import { baseName, unwrap, type Invocation, type Unwrapped } from '../shell/invocations';
import { editedFiles, folderChanges, riskyOptions, riskyScript, riskySubcommand, writtenFiles } from '../shell/program-options';
import { isRiskyVariable } from '../shell/risky-variables';
import { programFamily } from '../shell/program-family';
import { builtinEffects } from '../shell/builtins';
import { joinContinuations } from '../shell/continuations';
import { analyse, type Place, type Redirect, type SimpleCommand } from '../shell/walk';
import type { Word } from '../shell/words';
import { because, type Cause } from '../base/causes';
import { at, combine, ref, type DecideEnv, type Verdict } from './verdict';

export const MAX_COMMAND_CHARS = 64 * 1024;
const MAX_REENTRY_DEPTH = 8;

const SAFE_SINKS = /^\/dev\/(null|stdout|stderr|tty|fd\/[0-2])$/;
const CWD_CHANGERS = new Set(['cd', 'pushd', 'popd']);

interface Context {
  set: PolicySet;
  env: DecideEnv;
  /** Directories the command may run in (root-relative, or absolute outside the root). */
  cwds: readonly string[];
  /** What chose the directory at run time (`cd "$D"`), when something did. */
  unknownCwd: string | undefined;
}

export function decideCommand(set: PolicySet, command: unknown, cwd: unknown, env: DecideEnv): Verdict {
  if (typeof command !== 'string' || command.trim() === '')
    return because('deny', { kind: 'input', subject: 'command.exec', detail: 'the command is missing or empty' });
  if (cwd !== undefined && typeof cwd !== 'string') return because('deny', { kind: 'input', subject: 'command.exec', detail: 'cwd must be a string' });
  const base = resolveDirectory(set, env, cwd ?? '.', '');
  if (!base.ok) return because('deny', { kind: 'input', subject: 'command.exec', detail: `the working directory ${base.reason}` });
  return decideLine(set, command, { dirs: [base.path], unknown: undefined }, env, 0);
}

/** A directory as the kernel sees it: normalised, then through its symlinks when the host can tell. */
function resolveDirectory(set: PolicySet, env: DecideEnv, target: string, from: string): NormalisedPath {
  const path = normalisePath(target, from, set.environment);
  if (!path.ok || !env.fs) return path;
  const real = env.fs.realPath(absolutePath(path, set.environment));
  return real === undefined ? path : classify(real, set.environment);
}

function decideLine(set: PolicySet, line: string, place: Place, env: DecideEnv, depth: number): Verdict {
  const what = `command.exec ${JSON.stringify(line.length > 200 ? line.slice(0, 200) + '…' : line)}`;
  if (line.length > MAX_COMMAND_CHARS)
    return because('deny', { kind: 'input', subject: what, detail: `the command is longer than ${MAX_COMMAND_CHARS} characters` });
  if (depth > MAX_REENTRY_DEPTH) return because('deny', { kind: 'input', subject: what, detail: `shells are nested more than ${MAX_REENTRY_DEPTH} deep` });
  // The walk unwraps each command to see whether it moves the shell; the decision reuses that.
  const unwrapped = new Map<SimpleCommand, Unwrapped>();
  const unwrapOnce = (command: SimpleCommand): Unwrapped => {
    const known = unwrapped.get(command);
    if (known) return known;
    const fresh = unwrap(command);
    unwrapped.set(command, fresh);
    return fresh;
  };
  let analysis;
  try {
    analysis = set.environment.shell.withTree(joinContinuations(line), (root) =>
      analyse(root, (command, before) => changedDirectory(set, env, unwrapOnce(command), before), place),
    );
  } catch (error) {
    return because('deny', { kind: 'parse', subject: what, detail: `the command cannot be parsed (${String((error as Error).message ?? error)})` });
  }
  if (analysis.errors.length) return because('deny', { kind: 'parse', subject: what, detail: analysis.errors[0] as string });
  const verdicts: Verdict[] = analysis.unresolved.map((reason) => because('ask', { kind: 'parse', subject: what, detail: reason }));
  for (const command of analysis.commands) {
    verdicts.push(...assignmentVerdicts(command.assignments.map((a) => a.name)));
    if (command.words.length === 0) continue;
    const context = contextAt(set, env, command.place);
    const { assignments, unresolved, reentries, invocations } = unwrapOnce(command);
    verdicts.push(...assignmentVerdicts(assignments));
    for (const reason of unresolved) verdicts.push(because('ask', { kind: 'expansion', subject: what, detail: reason }));
    for (const reentry of reentries) verdicts.push(decideLine(set, reentry.source, reentryPlace(reentry.via, command.place), env, depth + 1));
    verdicts.push(...placeVerdicts(context, what));
    for (const inv of invocations) verdicts.push(...decideInvocation(context, inv));
  }
  for (const redirect of analysis.redirects) verdicts.push(...decideRedirect(contextAt(set, env, redirect.place), redirect));
  if (verdicts.length === 0) return because('allow', { kind: 'builtin', subject: what, detail: 'runs no command' });
  return combine(verdicts, `${what}: nothing to decide`);
}

/** A trap's command line runs when its signal comes, wherever the shell has moved by then. */
function reentryPlace(via: string, place: Place): Place {
  return via === 'trap' ? { dirs: place.dirs, unknown: 'wherever the shell is when the trap runs' } : place;
}

function contextAt(set: PolicySet, env: DecideEnv, place: Place): Context {
  return { set, env, cwds: place.dirs, unknownCwd: place.unknown };
}

/** Where a command runs decides too: outside the root the rules do not reach, and in a denied folder it reads it. */
function placeVerdicts(context: Context, what: string): Verdict[] {
  const verdicts: Verdict[] = [];
  // A directory chosen at run time could be a denied folder, or outside the root.
  if (context.unknownCwd !== undefined)
    verdicts.push(because('ask', { kind: 'place', subject: what, detail: `runs in a directory that "${context.unknownCwd}" chose at run time` }));
  const outside = context.cwds.find((dir) => dir.startsWith('/'));
  if (outside !== undefined)
    verdicts.push(
      because('ask', { kind: 'place', subject: what, detail: `runs in ${outside}, outside the repository root, where the policy's rules do not reach` }),
    );
  for (const dir of context.cwds) {
    const denied = deniedFolder(context.set, dir);
    if (denied)
      verdicts.push(
        because('deny', {
          kind: 'place',
          subject: what,
          detail: `runs in ${dir}, a folder denied by "${denied.entry.pattern}" (${at(denied.entry)})`,
          rule: ref(denied.entry),
        }),
      );
  }
  return verdicts;
}

function assignmentVerdicts(names: string[]): Verdict[] {
  return names.filter(isRiskyVariable).map((name) =>
    because('ask', {
      kind: 'variable',
      subject: 'the command',
      detail: `sets ${name}, which changes what later commands run`,
      word: name,
      table: 'risky-variables',
    }),
  );
}

const CD_OPTIONS = /^-[LPe@]+$/;

/** Where the shell is after `cmd` succeeds, when `cmd` moves it: `cd`, `pushd`, `popd`, or an `eval` that does. */
function changedDirectory(set: PolicySet, env: DecideEnv, unwrapped: Unwrapped, before: Place): Place | undefined {
  if (unwrapped.reentries.some((r) => r.via === 'eval' && /\b(cd|pushd|popd)\b/.test(r.source)))
    return { dirs: before.dirs, unknown: 'eval, which changes directory' };
  const inv = unwrapped.invocations[unwrapped.invocations.length - 1];
  if (!inv?.program || !CWD_CHANGERS.has(inv.program)) return undefined;
  if (inv.program === 'popd') return { dirs: [], unknown: 'popd' };
  // Options only (`cd -P`) is a bare `cd`: the shell goes to the home folder.
  const first = inv.args.findIndex((a) => a.value === undefined || !CD_OPTIONS.test(a.value));
  const args = first < 0 ? [] : inv.args.slice(first);
  const target = args[0]?.value === '--' ? args[1] : args[0];
  if (!target || target.value === undefined || target.value === '-' || /^[+-]\d+$/.test(target.value)) {
    return { dirs: [], unknown: `${inv.program} ${target?.text ?? '(the home folder)'}` };
  }
  const value = target.value;
  const absolute = value.startsWith('/');
  // An absolute target is the same wherever the shell was, even where that was not known.
  const dirs: string[] = [];
  let unknown = absolute ? undefined : before.unknown;
  for (const dir of absolute ? [''] : before.dirs) {
    const next = resolveDirectory(set, env, value, dir);
    // A directory the policy cannot name (`/proc/N/cwd`, a newline in it) is one it cannot follow.
    if (!next.ok) unknown = `${inv.program} ${target.text}`;
    else if (!dirs.includes(next.path)) dirs.push(next.path);
  }
  return { dirs, unknown };
}

/**
 * A rule of an override applies where the command runs: an allow only when every directory it
 * may run in lies in the override's folder, a deny or an approval when any may.
 */
function inScope(rule: CommandRule, dir: string): boolean {
  return rule.scope === '' || dir === rule.scope || dir.startsWith(rule.scope + '/');
}

function allowApplies(rule: CommandRule, context: Context): boolean {
  return rule.scope === '' || (context.unknownCwd === undefined && context.cwds.length > 0 && context.cwds.every((d) => inScope(rule, d)));
}

function restrictionApplies(rule: CommandRule, context: Context): boolean {
  return rule.scope === '' || context.unknownCwd !== undefined || context.cwds.some((d) => inScope(rule, d));
}

/** Deny and approval rules for a program and the programs it is a version of (`python3.11`: `python3`, `python`), in policy order. */
function familyRules(index: CommandRuleIndex, program: string): readonly CommandRule[] {
  const family = programFamily(program);
  if (family.length === 1) return index.forProgram(program);
  const rules = new Set(family.flatMap((name) => index.forProgram(name)));
  return [...rules].sort((a, b) => a.ordinal - b.ordinal);
}

function decideInvocation(context: Context, inv: Invocation): Verdict[] {
  const { set } = context;
  const shape = invocationShape(inv);
  const shown = JSON.stringify(inv.text.length > 120 ? inv.text.slice(0, 120) + '…' : inv.text);
  const name = inv.program ?? inv.programWord.text;
  const verdicts: Verdict[] = [];
  if (inv.program === undefined) {
    return [
      because('ask', {
        kind: 'program',
        subject: `command ${shown}`,
        detail: `the program ${inv.programWord.dynamic ?? inv.programWord.text} cannot be resolved statically, so it could be anything, a denied command included`,
        word: inv.programWord.text,
      }),
    ];
  }
  const program = inv.program;
  for (const rule of familyRules(set.rules.commandDeny, program)) {
    if (!restrictionApplies(rule, context)) continue;
    const match = matchLoose(rule.pattern, shape);
    if (match === 'yes') {
      const verdict = commandBypassed(
        context,
        shape,
        inv.programWord.value ?? program,
        because('deny', {
          kind: 'rule',
          subject: `command ${shown}`,
          detail: `${name} is denied by "${rule.entry.pattern}" (${at(rule.entry)})`,
          rule: ref(rule.entry),
          program: name,
        }),
      );
      // Opened by a bypass: the arguments, redirects and network targets are still decided below.
      if (verdict.decision === 'deny') return [verdict];
      verdicts.push(verdict);
    }
    if (match === 'maybe')
      verdicts.push(
        because('ask', {
          kind: 'expansion',
          subject: `command ${shown}`,
          detail: `could be "${rule.entry.pattern}", which is denied (${at(rule.entry)}), once its dynamic parts expand`,
          rule: ref(rule.entry),
        }),
      );
  }
  const personOnly = personOnlyCommand(inv);
  if (personOnly && 'what' in personOnly)
    return [
      because('deny', {
        kind: 'program',
        subject: `command ${shown}`,
        detail: `${personOnly.what} makes a decision only a person may make (approving a request, granting a bypass): in the editor's prompt or at their own terminal, never by an agent`,
        program,
        table: 'governance',
      }),
    ];
  if (personOnly) verdicts.push(because('ask', { kind: 'expansion', subject: `command ${shown}`, detail: personOnly.unknown, program, table: 'governance' }));
  // `/bin/r? x` runs whatever the glob expands to first: the program is not known.
  if (inv.programWord.glob)
    verdicts.push(
      because('ask', {
        kind: 'program',
        subject: `command ${shown}`,
        detail: `the program ${inv.programWord.text} is a glob the shell expands, so it could be anything, a denied command included`,
        word: inv.programWord.text,
      }),
    );
  const builtin = builtinEffects(inv);
  if (builtin) {
    verdicts.push(...assignmentVerdicts(builtin.assigns));
    for (const reason of builtin.unresolved) verdicts.push(because('ask', { kind: 'expansion', subject: `command ${shown}`, detail: reason, program }));
  }
  // Changing directory reads nothing and runs nothing: what runs there is decided there.
  if (CWD_CHANGERS.has(program) && !inv.wrapper) {
    verdicts.push(
      because('allow', {
        kind: 'builtin',
        subject: `command ${shown}`,
        detail: `${program} only moves the shell; the commands run there are decided there`,
        program,
      }),
    );
    return verdicts;
  }
  verdicts.push(...argumentVerdicts(context, inv, shown));
  verdicts.push(...networkTargetsVerdicts(context, inv, shape, shown));
  const written = inv.programWord.value ?? program;
  const byName = inv.wrapper ? [] : set.rules.commandAllow.forProgram(program).filter((r) => allowApplies(r, context) && matchStrict(r.pattern, shape));
  const allow = byName.find((r) => sameProgram(r.pattern, written));
  verdicts.push(...optionVerdicts(context, inv, shape, shown, allow?.pattern.flags ?? []));
  verdicts.push(...writtenVerdicts(context, inv, shown));
  verdicts.push(...folderVerdicts(context, inv, shape, shown));
  if (inv.wrapper) return verdicts;
  const approval = familyRules(set.rules.commandApproval, program).find((r) => restrictionApplies(r, context) && matchLoose(r.pattern, shape) !== 'no');
  const dynamic = dynamicPart(inv);
  if (approval) {
    verdicts.push(
      because(
        'ask',
        {
          kind: 'rule',
          subject: `command ${shown}`,
          detail: `needs human approval by "${approval.entry.pattern}" (${at(approval.entry)})`,
          rule: ref(approval.entry),
        },
        [ref(approval.entry), ...(allow ? [ref(allow.entry)] : [])],
      ),
    );
  } else if (allow && dynamic) {
    verdicts.push(
      because('ask', { kind: 'expansion', subject: `command ${shown}`, detail: `${dynamic} cannot be resolved statically`, word: dynamic }, [ref(allow.entry)]),
    );
  } else if (allow) {
    verdicts.push(
      because('allow', {
        kind: 'rule',
        subject: `command ${shown}`,
        detail: `allowed by "${allow.entry.pattern}" (${at(allow.entry)})`,
        rule: ref(allow.entry),
        program,
      }),
    );
  } else {
    const other = byName[0];
    const why = other
      ? ` ("${other.entry.pattern}" allows the ${program} found ${other.pattern.programPath ? `at ${other.pattern.programPath}` : 'on PATH or in a system folder'}, not ${written})`
      : '';
    verdicts.push(
      commandBypassed(
        context,
        shape,
        written,
        because('deny', {
          kind: other ? 'program' : 'no-allow',
          subject: `command ${shown}`,
          detail: `${written.includes('/') ? written : name} matches no allow pattern${why}`,
          program: written,
        }),
      ),
    );
  }
  return verdicts;
}

/** Options from the program table that run code, write or delete files, or move the program elsewhere. */
function optionVerdicts(context: Context, inv: Invocation, shape: CommandShape, shown: string, admitted: readonly string[]): Verdict[] {
  const script = riskyScript(inv);
  const scriptVerdicts: Verdict[] =
    script === undefined
      ? []
      : [
          because('ask', {
            kind: 'script',
            subject: `command ${shown}`,
            detail: `its script ${JSON.stringify(script.length > 60 ? script.slice(0, 60) + '…' : script)} can run commands or reach files the policy cannot see`,
            word: script,
            program: inv.program,
            table: 'scripts',
          }),
        ];
  // An allow pattern that names the option (`python3 -c`) admits it.
  const subcommand = inv.program === 'git' ? riskySubcommand(shape.positionals, shape.flags) : undefined;
  if (subcommand !== undefined)
    scriptVerdicts.push(
      because('ask', {
        kind: 'option',
        subject: `command ${shown}`,
        detail: subcommand,
        program: inv.program,
        option: shape.positionals[0],
        table: 'program-options',
      }),
    );
  return scriptVerdicts.concat(
    riskyOptions(inv, shape.positionals[0])
      .filter((use) => !admitted.includes(use.option))
      .flatMap((use): Verdict[] => {
        const option = `its option ${use.option}`;
        const entry = { kind: 'option' as const, subject: `command ${shown}`, program: inv.program, option: use.option, table: 'program-options' };
        if (use.effect === 'edits') return editedFiles(inv).flatMap((file) => editVerdicts(context, shown, option, file));
        if (use.effect === 'runs')
          return [
            because('ask', {
              ...entry,
              detail: `${option} runs code the policy cannot see${use.value === undefined ? '' : ` (${JSON.stringify(use.value)})`}`,
            }),
          ];
        if (use.effect === 'deletes') return [because('ask', { ...entry, detail: `${option} deletes what it finds` })];
        if (use.effect === 'chdir')
          return [
            because('ask', {
              ...entry,
              detail: `${option} changes the directory the program works in${use.value === undefined ? '' : ` to ${JSON.stringify(use.value)}`}`,
            }),
          ];
        if (use.value === undefined) return [because('ask', { ...entry, detail: `${option} writes a file that cannot be resolved statically` })];
        const target = use.value;
        return context.cwds.map((dir) => {
          const v = decidePath(context.set, target, dir, 'write', context.env);
          return fromPath(v, { ...entry, kind: 'path', detail: `${option} writes ${JSON.stringify(target)}: ${v.reason}`, word: target });
        });
      }),
  );
}

/** Operands a program writes (`tee F`, `cp a F`, `dd of=F`) are file writes, as a redirection to them is. */
function writtenVerdicts(context: Context, inv: Invocation, shown: string): Verdict[] {
  const written = writtenFiles(inv);
  if (!written) return [];
  const subject = `command ${shown}`;
  const program = inv.program ?? 'the program';
  const verdicts: Verdict[] = written.reads.flatMap((file) => pathArgument(context, file, shown, false) ?? []);
  if (written.unresolved !== undefined)
    verdicts.push(because('ask', { kind: 'path', subject, detail: written.unresolved, program: inv.program, table: 'program-options' }));
  const write = (word: Word, dir: string, name = word.value): Verdict => {
    if (name === undefined || word.glob)
      return because('ask', {
        kind: 'path',
        subject,
        detail: `${program} writes ${word.dynamic ?? word.text}, which cannot be resolved statically`,
        word: word.text,
        program: inv.program,
        table: 'program-options',
      });
    const v = decidePath(context.set, name, dir, 'write', context.env);
    return fromPath(v, {
      kind: 'path',
      subject,
      detail: `${program} writes ${JSON.stringify(name)}: ${v.reason}`,
      word: name,
      program: inv.program,
      table: 'program-options',
    });
  };
  for (const dir of context.cwds) {
    for (const file of written.files) verdicts.push(write(file, dir));
    const into = written.into;
    if (!into) continue;
    const destination = into.destination.value;
    const folder = into.folder !== 'unknown' || destination === undefined ? into.folder : folderAnswer(context, destination, dir);
    if (folder !== 'yes') verdicts.push(write(into.destination, dir));
    if (folder === 'no' || destination === undefined) continue;
    // Into a folder, each source keeps its name (`cp src/a.ts out/` writes out/a.ts).
    for (const source of into.sources) {
      const name = source.value === undefined ? undefined : `${destination.replace(/\/+$/, '')}/${baseName(source.value)}`;
      verdicts.push(write(source.value === undefined ? source : into.destination, dir, name));
    }
  }
  return verdicts;
}

/** Whether a destination is a folder, as the file system says; 'unknown' (both are decided) without one. */
function folderAnswer(context: Context, destination: string, dir: string): 'yes' | 'no' | 'unknown' {
  const path = normalisePath(destination, dir, context.set.environment);
  const answer = path.ok ? context.env.fs?.isDirectory?.(absolutePath(path, context.set.environment)) : undefined;
  return answer === undefined ? 'unknown' : answer ? 'yes' : 'no';
}

function editVerdicts(context: Context, shown: string, option: string, file: string | undefined): Verdict[] {
  if (file === undefined)
    return [
      because('ask', {
        kind: 'option',
        subject: `command ${shown}`,
        detail: `${option} rewrites a file that cannot be resolved statically`,
        table: 'program-options',
      }),
    ];
  return context.cwds.map((dir) => {
    const v = decidePath(context.set, file, dir, 'write', context.env);
    return fromPath(v, {
      kind: 'path',
      subject: `command ${shown}`,
      detail: `${option} rewrites ${JSON.stringify(file)}: ${v.reason}`,
      word: file,
      table: 'program-options',
    });
  });
}

/**
 * A program that changes whatever a folder holds (`rm -r`, `git clean`, `tar -x`), given a folder
 * that holds governance files, or working in one, reaches them: a person decides.
 */
function folderVerdicts(context: Context, inv: Invocation, shape: CommandShape, shown: string): Verdict[] {
  const changes = folderChanges(inv, shape.positionals[0]);
  if (!changes) return [];
  const { set } = context;
  const verdicts: Verdict[] = [];
  const reached = (what: string, held: { what: string; rule: RuleRef }): Verdict =>
    because('ask', {
      kind: 'folder',
      subject: `command ${shown}`,
      detail: `${what} is ${held.what}; ${inv.program ?? 'the program'} changes what it holds`,
      rule: held.rule,
      table: 'governance',
    });
  if (changes.cwd) {
    for (const dir of context.cwds) {
      const held = holdsGovernance(set, dir);
      if (held) verdicts.push(reached(`its working directory ${dir === '' ? '(the root)' : dir}`, held));
    }
  }
  if (!changes.args) return verdicts;
  const args = inv.program === 'git' ? inv.args.slice(inv.args.findIndex((a) => a.value === shape.positionals[0]) + 1) : inv.args;
  for (const { word, option } of operandsMarked(args)) {
    const value = word.value;
    if (value === undefined || option) continue;
    if (word.glob) {
      const folder = globFolder(context, value);
      if (folder) verdicts.push(reached(`the glob ${JSON.stringify(value)} can expand to ${folder.path}, which`, folder.held));
      continue;
    }
    for (const dir of resolvedFrom(context, value)) {
      const path = normalisePath(value, dir, set.environment);
      const held = path.ok ? holdsGovernance(set, path.path) : undefined;
      if (path.ok && held) verdicts.push(reached(`argument ${JSON.stringify(value)} names ${path.path === '' ? 'the root' : path.path}, which`, held));
    }
  }
  return verdicts;
}

/**
 * The directories a word is resolved from: each directory the command may run in, and where
 * none is known, the root for an absolute word (the same from anywhere, so still decided).
 */
function resolvedFrom(context: Context, value: string): readonly string[] {
  if (context.cwds.length > 0 || !value.startsWith('/')) return context.cwds;
  // Unless it goes through /proc/self/cwd: then it is where the shell is, which is not known.
  const fromRoot = normalisePath(value, '', context.set.environment);
  const fromElsewhere = normalisePath(value, CWD_PROBE, context.set.environment);
  return JSON.stringify(fromRoot) === JSON.stringify(fromElsewhere) ? [''] : [];
}

const CWD_PROBE = 'agent-policy-probe/of-the-working-directory';

/** A glob as the policy's patterns are written: relative to the root when it lies under it. */
function rootRelative(set: PolicySet, pattern: string): string {
  if (!pattern.startsWith('/')) return pattern;
  if (set.environment.root === '/') return pattern.replace(/^\/+/, '');
  return pattern.startsWith(set.environment.root + '/') ? pattern.slice(set.environment.root.length + 1) : pattern;
}

/** A folder holding governance files that an unquoted glob argument can expand to. */
function globFolder(context: Context, value: string): { path: string; held: { what: string; rule: RuleRef } } | undefined {
  const { set } = context;
  for (const dir of resolvedFrom(context, value)) {
    const pattern = rootRelative(set, value.startsWith('/') ? value : dir === '' ? value : `${dir}/${value}`);
    const glob = compileGlob(pattern.replace(/\/+$/, ''), set.environment.caseInsensitive);
    if (!glob.ok)
      return { path: value, held: { what: 'a glob that cannot be checked', rule: { file: 'builtin', line: 0, column: 0, list: 'builtin', pattern: value } } };
    for (const folder of governanceFolders(set)) {
      if (!glob.glob.matcher.test(set.environment.caseInsensitive ? folder.toLowerCase() : folder)) continue;
      const held = holdsGovernance(set, folder) ?? governanceArgument(set, folder);
      if (held) return { path: folder, held };
    }
  }
  return undefined;
}

/** A file or network decision made for a command, with the cause that names the command's part. */
function fromPath(v: Verdict, cause: Cause): Verdict {
  const result: Verdict = because(v.decision, { ...cause, ...(v.rules[0] ? { rule: v.rules[0] } : {}) }, v.rules);
  if (v.bypass) result.bypass = v.bypass;
  return result;
}

/** A command denial that an active command bypass opens (matched strictly, like an allow) becomes an allow. */
function commandBypassed(context: Context, shape: CommandShape, written: string, denial: Verdict): Verdict {
  const { bypasses, now } = context.env;
  const bypass = bypasses.find((b) => b.command && b.expiresAt > now && matchStrict(b.command, shape) && sameProgram(b.command, written));
  if (!bypass) return denial;
  const until = `, but bypass ${bypass.id} allows it until ${new Date(bypass.expiresAt).toISOString()}`;
  const cause = denial.causes?.[0];
  if (!cause) return { decision: 'allow', reason: `${denial.reason}${until}`, rules: denial.rules, bypass: bypass.id };
  return { ...because('allow', { ...cause, detail: `${cause.detail}${until}` }, denial.rules), bypass: bypass.id };
}

function dynamicPart(inv: Invocation): string | undefined {
  if (inv.runtimeArgs) return `the arguments ${inv.runtimeArgs}`;
  const word = [inv.programWord, ...inv.args].find((w) => w.value === undefined);
  return word ? (word.dynamic ?? word.text) : undefined;
}

/**
 * Each word marked as an option or not: after the first `--` every word is an operand
 * (`cat -- --/../secrets/k` opens a path), and that `--` itself is left out.
 */
function operandsMarked(words: readonly Word[]): { word: Word; option: boolean }[] {
  const out: { word: Word; option: boolean }[] = [];
  let operandsOnly = false;
  for (const word of words) {
    if (word.value === '--' && !operandsOnly) operandsOnly = true;
    else out.push({ word, option: !operandsOnly && word.value?.startsWith('-') === true });
  }
  return out;
}

/** Arguments that name denied paths are reads of those paths. */
function argumentVerdicts(context: Context, inv: Invocation, shown: string): Verdict[] {
  const out: Verdict[] = [];
  // A program named by its path is checked against the deny rules like an argument (`./secrets/run`).
  if (inv.programWord.value?.includes('/')) {
    const verdict = pathArgument(context, inv.programWord.value, shown, true);
    if (verdict) out.push(verdict);
  }
  const text = textArguments(inv);
  for (const { word, option } of operandsMarked(inv.args)) {
    if (word.value === undefined || isProcessSubstitution(word)) continue;
    let value = word.value;
    if (option) {
      const eq = value.indexOf('=');
      if (eq < 0) {
        if (!word.glob) out.push(...attachedValueVerdicts(context, value, shown));
        continue;
      }
      value = value.slice(eq + 1);
    }
    if (value === '' || value.includes('://')) continue;
    const verdict = word.glob
      ? globArgument(context, value, shown, text.has(word))
      : pathArgument(context, value, shown, false, text.has(word) ? 'text' : 'file');
    if (verdict) out.push(verdict);
  }
  return out;
}

/** How many letters of a short-option cluster are tried as the one whose value is attached. */
const MAX_CLUSTER = 32;

/**
 * A short option's value may be attached (`grep -f.env`, `less -O.env`): without the program's
 * option table, each suffix after a run of option letters may be the value, so each is checked
 * against the deny rules, the governance files and the built-in secrets (not asked about for
 * lying outside the root: `-I/usr/include` is ordinary).
 */
function attachedValueVerdicts(context: Context, value: string, shown: string): Verdict[] {
  if (value.startsWith('--') || value.length < 3) return [];
  for (let j = 2; j < value.length && /[A-Za-z0-9]/.test(value[j - 1] as string); j++) {
    if (j > MAX_CLUSTER)
      return [
        because('ask', {
          kind: 'argument',
          subject: `command ${shown}`,
          detail: `the option cluster ${JSON.stringify(value.slice(0, 40))}… is too long to check the values it may carry`,
          word: value,
        }),
      ];
    const attached = value.slice(j);
    if (attached === '-' || attached === '.') continue;
    const verdict = pathArgument(context, attached, shown, false, 'attached');
    if (verdict) return [verdict];
  }
  return [];
}

// Programs whose arguments are text, never files they open, and programs whose first operand is a pattern.
const TEXT_ONLY = new Set(['echo', 'printf']);
const PATTERN_FIRST = new Set(['grep', 'egrep', 'fgrep', 'rg', 'ag', 'sed', 'awk', 'gawk', 'mawk', 'jq']);
const PATTERN_OPTIONS = new Set(['-e', '--regexp', '-f', '--file', '--expression']);

/** Arguments that are text, not paths: not asked about as paths outside the root (deny rules still apply). */
function textArguments(inv: Invocation): Set<Word> {
  const program = inv.program ?? '';
  if (TEXT_ONLY.has(program)) return new Set(inv.args);
  if (!PATTERN_FIRST.has(program) || inv.args.some((a) => a.value !== undefined && PATTERN_OPTIONS.has(a.value))) return new Set();
  const first = inv.args.find((a) => a.value === undefined || !a.value.startsWith('-'));
  return new Set(first ? [first] : []);
}

// `<(cmd)` passes a /dev/fd path to a pipe the shell made; the commands inside are decided on their own.
function isProcessSubstitution(word: Word): boolean {
  return word.text.startsWith('<(') || word.text.startsWith('>(');
}

/** What naming `value` in a command reaches: a denied, governed or secret path, one outside the root, or a descriptor. */
/**
 * How a word is read: a `file` the program opens; `text` (echo's words, a grep pattern), checked
 * only against the deny rules and governance files; a value that may be `attached` to a short
 * option, checked like a file but not asked about for lying outside the root, nor for a folder
 * holding denied files (`-C.`), and `-` and `.` (standard input, the usual folder) are skipped.
 */
type ArgumentReading = 'file' | 'text' | 'attached';

function pathArgument(context: Context, value: string, shown: string, program: boolean, reading: ArgumentReading = 'file'): Verdict | undefined {
  const { set, env } = context;
  const subject = `command ${shown}`;
  const named = `${program ? 'the program' : 'argument'} ${JSON.stringify(value)}`;
  const notAFile = program || reading === 'text';
  for (const dir of resolvedFrom(context, value)) {
    const path = normalisePath(value, dir, set.environment);
    if (!path.ok) {
      // Text (echo's) may hold anything; a name the policy cannot check (a descriptor, a newline in it) asks.
      if (reading !== 'file' && !path.special) continue;
      return because('ask', { kind: 'argument', subject, detail: `${named} ${path.special ? path.reason : `cannot be checked: ${path.reason}`}`, word: value });
    }
    const direct = reachedPath(
      context,
      { subject, word: value },
      path,
      `${named} names ${path.path || 'the repository root'}`,
      notAFile,
      reading === 'attached',
    );
    if (direct) return direct;
    const absolute = absolutePath(path, set.environment);
    const real = env.fs?.realPath(absolute);
    if (real === undefined || real === absolute) continue;
    const target = classify(real, set.environment);
    if (!target.ok) continue;
    const linked = reachedPath(
      context,
      { subject, word: value },
      target,
      `${named} names ${path.path}, a link to ${target.path || 'the repository root'}`,
      notAFile,
      reading === 'attached',
    );
    if (linked) return linked;
  }
  if (context.unknownCwd && reading !== 'attached' && !value.startsWith('/') && set.rules.fileDeny.all.length) {
    return because('ask', {
      kind: 'place',
      subject,
      detail: `${named} is relative to a directory that "${context.unknownCwd}" chose at run time`,
      word: value,
    });
  }
  return undefined;
}

function reachedPath(
  context: Context,
  about: { subject: string; word: string },
  path: NormalisedPath & { ok: true },
  named: string,
  notAFile: boolean,
  outsideIsOrdinary = false,
): Verdict | undefined {
  const cause = (detail: string, extra: Partial<Cause> = {}): Cause => ({ kind: 'argument', ...about, detail, ...extra });
  const { set } = context;
  // An attached value names what it names; only a word that is surely an argument stands for what lies below it.
  const deny = set.rules.fileDeny.first(path.path) ?? (outsideIsOrdinary ? undefined : deniedBelow(set, path.path));
  if (deny) return because('deny', cause(`${named}, denied by "${deny.entry.pattern}" (${at(deny.entry)})`, { rule: ref(deny.entry) }));
  const governed = governedArgument(context, path);
  if (governed)
    return because(
      'ask',
      cause(
        `${named}, ${governed.what}, which agents may not change; a person decides whether this command only reads it`,
        governed.rule ? { rule: governed.rule, table: 'governance' } : { table: 'governance' },
      ),
      governed.rule ? [governed.rule] : [],
    );
  if (path.inside || notAFile) return undefined;
  const secret = outsideSecret(path.path);
  if (secret) return because('deny', cause(`${named}, a built-in secret (${secret.what}, "${secret.pattern}")`, { table: 'outside-secrets' }));
  if (outsideIsOrdinary || isHarmlessDevice(path.path) || set.rules.fileAllow.first(path.path)) return undefined;
  return because('ask', cause(`${named}, outside the repository root, where the policy's rules do not reach`));
}

/** A governance file or folder, or the host's state folder, named by an argument (its operation is unknown). */
function governedArgument(context: Context, path: NormalisedPath & { ok: true }): { what: string; rule?: RuleRef } | undefined {
  if (path.inside) {
    const protection = governanceArgument(context.set, path.path);
    if (protection) return protection;
  }
  const state = stateFolderOf(context.env.stateDirs, absolutePath(path, context.set.environment));
  return state ? { what: `Agent Policy's state folder ${state}` } : undefined;
}

/** An unquoted glob argument expands to files: deny it when it can reach a denied path. */
function globArgument(context: Context, written: string, shown: string, text: boolean): Verdict | undefined {
  const { set } = context;
  // `src/*/` expands to the folders `src/*` matches: the same names, each with a slash.
  const value = written.length > 1 ? written.replace(/\/+$/, '') : written;
  for (const dir of resolvedFrom(context, value)) {
    const pattern = value.startsWith('/') ? value : dir === '' ? value : `${dir}/${value}`;
    const relative = rootRelative(set, pattern);
    if (validateGlob(relative) !== undefined)
      return because('ask', {
        kind: 'glob',
        subject: `command ${shown}`,
        detail: `the glob ${JSON.stringify(value)} cannot be checked against the deny rules`,
        word: value,
      });
    if (tooComplex(relative))
      return because('ask', {
        kind: 'glob',
        subject: `command ${shown}`,
        detail: `the glob ${JSON.stringify(value)} has more wildcards than can be checked against the deny rules in bounded time`,
        word: value,
      });
    try {
      const language = globLanguage(relative, set.environment.caseInsensitive);
      for (const deny of set.rules.fileDeny.all) {
        if (deny.glob.absolute !== relative.startsWith('/')) continue;
        const example = intersectionExample(language, globLanguage(deny.glob.pattern, set.environment.caseInsensitive));
        if (example !== undefined)
          return because('deny', {
            kind: 'glob',
            subject: `command ${shown}`,
            detail: `the glob ${JSON.stringify(value)} can expand to ${example}, denied by "${deny.entry.pattern}" (${at(deny.entry)})`,
            rule: ref(deny.entry),
            word: value,
          });
      }
      if (relative.startsWith('/')) {
        const outside = text ? undefined : outsideGlobVerdict(context, language, value, shown);
        if (outside) return outside;
        continue;
      }
      const governed = governanceGlobReach(set, relative);
      if (governed)
        return because('ask', {
          kind: 'glob',
          subject: `command ${shown}`,
          detail: `the glob ${JSON.stringify(value)} can expand to a path like ${governed.pattern}, ${governed.what}, which agents may not change; a person decides whether this command only reads it`,
          rule: governed.rule,
          word: value,
          table: 'governance',
        });
    } catch (error) {
      if (!(error instanceof UndecidableGlobError)) throw error;
      return because('ask', {
        kind: 'glob',
        subject: `command ${shown}`,
        detail: `the glob ${JSON.stringify(value)} cannot be checked against the deny rules`,
        word: value,
      });
    }
  }
  return undefined;
}

/**
 * A glob outside the root, like a path there: denied when it can expand to a built-in secret,
 * allowed when an absolute `filesystem.allow` covers all it can expand to, else asked.
 */
function outsideGlobVerdict(context: Context, language: ReturnType<typeof globLanguage>, value: string, shown: string): Verdict | undefined {
  const { set } = context;
  // As bash expands it by default (the secrets are mostly dotfiles: `/tmp/*` does not reach /tmp/.netrc).
  const expanded = globLanguage(withoutLeadingDots(value), set.environment.caseInsensitive);
  for (const secret of OUTSIDE_SECRETS) {
    const example = intersectionExample(expanded, globLanguage(secret.pattern.startsWith('/') ? secret.pattern : `/${secret.pattern}`, false));
    if (example !== undefined)
      return because('deny', {
        kind: 'glob',
        subject: `command ${shown}`,
        detail: `the glob ${JSON.stringify(value)} can expand to ${example}, a built-in secret (${secret.what}, "${secret.pattern}")`,
        word: value,
        table: 'outside-secrets',
      });
  }
  // Agent Policy's own state (the audit log, bypasses, approvals) is never covered by an allow.
  const state = context.env.stateDirs.find((dir) =>
    [escapeGlob(dir), `${escapeGlob(dir)}/**`].some((p) => intersectionExample(language, globLanguage(p, false)) !== undefined),
  );
  if (state !== undefined)
    return because('ask', {
      kind: 'glob',
      subject: `command ${shown}`,
      detail: `the glob ${JSON.stringify(value)} can expand into Agent Policy's state folder ${state}, which agents may not change; a person decides whether this command only reads it`,
      word: value,
      table: 'governance',
    });
  if (set.rules.fileAllow.all.some((allow) => allow.glob.absolute && isSubset(language, globLanguage(allow.glob.pattern, set.environment.caseInsensitive))))
    return undefined;
  return because('ask', {
    kind: 'glob',
    subject: `command ${shown}`,
    detail: `the glob ${JSON.stringify(value)} expands outside the repository root, where the policy's rules do not reach`,
    word: value,
  });
}

/**
 * A glob rewritten so that a wildcard at the start of a name does not match a leading dot, as
 * bash expands it without `dotglob` (`*x` is `{[^./]*x,x}`, `?x` is `[^./]x`). A `**` folder and
 * a name starting with a class are kept: they may still reach dotfiles, which is the strict side.
 */
function withoutLeadingDots(glob: string): string {
  return glob
    .split('/')
    .map((segment) => (segment === '**' ? segment : nameWithoutLeadingDot(segment)))
    .join('/');
}

function nameWithoutLeadingDot(segment: string): string {
  if (segment.startsWith('?')) return `[^./]${segment.slice(1)}`;
  if (!segment.startsWith('*')) return segment;
  const rest = segment.replace(/^\*+/, '');
  if (rest === '') return '[^./]*';
  // The star may match nothing: then the name starts as the rest does, still without a dot (`*.ssh` is not `.ssh`).
  return rest.startsWith('.') ? `[^./]*${rest}` : `{[^./]*${rest},${nameWithoutLeadingDot(rest)}}`;
}

// Intersecting a glob with the deny rules costs time exponential in its wildcard folders: the
// agent chooses the glob, so its size is bounded (no ordinary glob comes near these).
const MAX_WILDCARD_SEGMENTS = 3;
const MAX_WILDCARDS = 8;

function tooComplex(glob: string): boolean {
  const wild = glob.split('/').filter((s) => /[*?[]/.test(s)).length;
  return wild > MAX_WILDCARD_SEGMENTS || (glob.match(/[*?[]/g)?.length ?? 0) > MAX_WILDCARDS;
}

function networkTargetsVerdicts(context: Context, inv: Invocation, shape: CommandShape, shown: string): Verdict[] {
  const { targets, sends, saves, unresolved } = networkTargets(inv, shape);
  const subject = `command ${shown}`;
  return [
    ...targets.map((t) => {
      const v = decideEndpoint(context.set, t);
      return fromPath(v, { kind: 'network', subject, detail: v.reason, word: t });
    }),
    // A file it sends is read: `curl -d @.env` is `cat .env`, to a server.
    ...sends.flatMap((file) => pathArgument(context, file, shown, false) ?? []),
    // A file saved under the URL's name is a write there (`wget …/.agent-policy.override.yml`).
    ...saves.flatMap((file) =>
      context.cwds.map((dir) => {
        const v = decidePath(context.set, file, dir, 'write', context.env);
        return fromPath(v, {
          kind: 'path',
          subject,
          detail: `${inv.program ?? 'it'} saves the download as ${JSON.stringify(file)}: ${v.reason}`,
          word: file,
          program: inv.program,
        });
      }),
    ),
    ...unresolved.map((reason) => because('ask', { kind: 'network', subject, detail: reason })),
  ];
}

/** bash opens a connection for a redirection to exactly `/dev/tcp/HOST/PORT` or `/dev/udp/HOST/PORT` (the path is not normalised first). */
const BASH_SOCKET = /^\/dev\/(?:tcp|udp)\/([^/]+)\/([^/]+)$/;

/** A redirection to a bash socket is a network request to HOST:PORT; a service name for the port asks. */
function socketVerdict(context: Context, host: string, port: string, shown: string): Verdict {
  const subject = `redirection ${shown}`;
  if (!/^\d+$/.test(port))
    return because('ask', {
      kind: 'network',
      subject,
      detail: `bash connects to ${host} on the port named ${JSON.stringify(port)}, which the analysis does not look up`,
      word: host,
    });
  const endpoint = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const v = decideEndpoint(context.set, endpoint);
  return fromPath(v, { kind: 'network', subject, detail: `bash connects to ${endpoint}: ${v.reason}`, word: endpoint });
}

function decideRedirect(context: Context, redirect: Redirect): Verdict[] {
  const target = redirect.target;
  const shown = JSON.stringify(redirect.text);
  if (target.value === undefined || target.glob)
    return [
      because('ask', {
        kind: 'expansion',
        subject: `redirection ${shown}`,
        detail: `the target ${target.dynamic ?? target.text} cannot be resolved statically`,
        word: target.text,
      }),
    ];
  if (SAFE_SINKS.test(target.value)) return [];
  const socket = BASH_SOCKET.exec(target.value);
  if (socket) return [socketVerdict(context, socket[1] as string, socket[2] as string, shown)];
  if (context.unknownCwd && !target.value.startsWith('/'))
    return [
      because('ask', {
        kind: 'place',
        subject: `redirection ${shown}`,
        detail: `the target is relative to a directory that "${context.unknownCwd}" chose at run time`,
        word: target.value,
      }),
    ];
  return resolvedFrom(context, target.value).map((dir) => {
    const v = decidePath(context.set, target.value, dir, redirect.mode === 'write' ? 'write' : 'read', context.env);
    return fromPath(v, { kind: 'path', subject: `redirection ${shown}`, detail: v.reason, word: target.value });
  });
}

/** What the analysis believes a line runs, for the bash oracle and explanations: words, redirections, directories. */
export interface LineDescription {
  errors: string[];
  /** Commands the line runs that the analysis cannot see: the decision asks. */
  unresolved: string[];
  commands: { words: (string | undefined)[]; assignments: string[]; dirs: readonly string[]; unknownCwd: string | undefined }[];
  redirects: { mode: 'read' | 'write'; target: string | undefined; dirs: readonly string[]; unknownCwd: string | undefined }[];
}

export function describeLine(set: PolicySet, line: string, cwd = ''): LineDescription {
  const env: DecideEnv = { fs: undefined, bypasses: [], now: 0, stateDirs: [] };
  const analysis = set.environment.shell.withTree(joinContinuations(line), (root) =>
    analyse(root, (command, before) => changedDirectory(set, env, unwrap(command), before), { dirs: [cwd], unknown: undefined }),
  );
  return {
    errors: analysis.errors,
    unresolved: analysis.unresolved,
    commands: analysis.commands.map((c) => ({
      words: c.words.map((w) => w.value),
      assignments: c.assignments.map((a) => a.name),
      dirs: c.place.dirs,
      unknownCwd: c.place.unknown,
    })),
    redirects: analysis.redirects.map((r) => ({ mode: r.mode, target: r.target.value, dirs: r.place.dirs, unknownCwd: r.place.unknown })),
  };
}
