import type { CommandPattern } from '../shell/command-pattern';
import type { RuleEntry } from './policy-file';

export interface CommandRule {
  entry: RuleEntry;
  pattern: CommandPattern;
  /** The override's directory ('' for the root policy): the rule applies to commands run under it. */
  scope: string;
  /** Position in policy order. */
  ordinal: number;
}

const GLOB = /[*?[{]/;
const MAX_CACHED_PROGRAMS = 1024;

/**
 * Command rules indexed by program name, so a decision tests only the rules for the program it
 * runs (plus rules whose program is itself a glob), in policy order.
 */
export class CommandRuleIndex {
  private readonly byProgram = new Map<string, CommandRule[]>();
  private readonly globbed: CommandRule[] = [];
  private readonly merged = new Map<string, CommandRule[]>();
  readonly all: CommandRule[] = [];

  add(rule: CommandRule): void {
    this.all.push(rule);
    this.merged.clear();
    if (GLOB.test(rule.pattern.program)) {
      this.globbed.push(rule);
      return;
    }
    const bucket = this.byProgram.get(rule.pattern.program);
    if (bucket) bucket.push(rule);
    else this.byProgram.set(rule.pattern.program, [rule]);
  }

  /** The rules that could match a command running `program`, in policy order. */
  forProgram(program: string): readonly CommandRule[] {
    const literal = this.byProgram.get(program);
    if (this.globbed.length === 0) return literal ?? [];
    if (!literal) return this.globbed;
    let rules = this.merged.get(program);
    if (!rules) {
      rules = [...literal, ...this.globbed].sort((a, b) => a.ordinal - b.ordinal);
      // Program names come from agents' commands: keep the cache bounded.
      if (this.merged.size >= MAX_CACHED_PROGRAMS) this.merged.clear();
      this.merged.set(program, rules);
    }
    return rules;
  }
}
