import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type PolicySet } from '#core';
import { COMPILE_TARGETS, compileRules, mergeSettings, type CompileTarget } from '#core/runtimes';
import { writeAtomic } from '#host/files/durable-file';
import { EXIT, SHARED_FILE_MODE, UsageError, type CliIo } from './io';

export function compileTarget(name: string | undefined): CompileTarget {
  if (!name || !(COMPILE_TARGETS as readonly string[]).includes(name)) throw new UsageError(`compile needs --target ${COMPILE_TARGETS.join('|')}`);
  return name as CompileTarget;
}

/** `agent-policy compile --target T`: writes the rules the target can express and lists those it cannot. */
/** `userHome`: where the target's user-level rules go (Gemini CLI reads its policies only from there). */
export function runCompile(set: PolicySet, root: string, target: CompileTarget, io: CliIo, dryRun: boolean, userHome: string): number {
  if (set.refusal) {
    io.stderr(`the policy is not enforceable, so nothing is compiled: ${set.refusal.message}\n`);
    return EXIT.violation;
  }
  const compiled = compileRules(set, target);
  const file = join(compiled.inUserHome ? userHome : root, compiled.file);
  const shown = compiled.inUserHome ? file : compiled.file;
  let text = compiled.text;
  if (compiled.json) {
    let existing: Record<string, unknown> = {};
    if (existsSync(file)) {
      try {
        existing = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      } catch (error) {
        io.stderr(`${shown}: not JSON (${(error as Error).message}); fix it first, nothing was changed\n`);
        return EXIT.usage;
      }
    }
    text = `${JSON.stringify(mergeSettings(existing, compiled.json), null, 2)}\n`;
  }
  if (dryRun) io.stdout(text ?? '');
  else {
    mkdirSync(dirname(file), { recursive: true });
    writeAtomic(file, text ?? '', SHARED_FILE_MODE);
    io.stdout(`${shown}: ${compiled.written} rule(s) written for ${target}\n`);
  }
  if (compiled.notExpressed.length) {
    io.stdout(`${compiled.notExpressed.length} rule(s) ${target} cannot express (the hook still enforces them):\n`);
    for (const n of compiled.notExpressed) io.stdout(`  ${n.rule}\n    ${n.why}\n`);
  }
  return EXIT.ok;
}
