/**
 * Decisions per second for path and command actions, on a realistic policy and a 1,000-rule
 * policy, beside the article's reference validateToolCall (minimatch per pattern per call) and a
 * picomatch-per-pattern variant, all in the same run. Run: npm run bench
 */
import { minimatch } from 'minimatch';
import picomatch from 'picomatch';
import { evaluate, type PolicySet } from '#core';
import { ARTICLE, policy } from '../test/helpers';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

interface Case {
  name: string;
  inputs: unknown[];
  fn: (x: unknown) => unknown;
  /** Calls per timed batch (a batch amortises the timer's cost). */
  perBatch: number;
  samples: number[];
}

function bench(name: string, inputs: unknown[], fn: (x: unknown) => unknown, perBatch: number): Case {
  return { name, inputs, fn, perBatch, samples: [] };
}

/**
 * Runs every case in interleaved rounds, so that noise from other tenants of the machine falls on
 * the candidates and the baselines alike, and reports the median µs per call over all batches.
 */
function run(cases: Case[], rounds: number, batchesPerRound: number): { name: string; medianUs: number; perSecond: number }[] {
  for (const c of cases) for (let i = 0; i < Math.min(c.inputs.length, 2000); i++) c.fn(c.inputs[i]);
  const cursor = new Map<Case, number>(cases.map((c) => [c, 0]));
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      let k = cursor.get(c) ?? 0;
      for (let b = 0; b < batchesPerRound; b++) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < c.perBatch; i++) c.fn(c.inputs[k++ % c.inputs.length]);
        c.samples.push(Number(process.hrtime.bigint() - start) / 1000 / c.perBatch);
      }
      cursor.set(c, k);
    }
  }
  return cases.map((c) => {
    const m = median(c.samples);
    return { name: c.name, medianUs: m, perSecond: 1e6 / m };
  });
}

interface ArticlePolicy {
  allow: string[];
  deny: string[];
  approval: string[];
}

/** The article's reference approach: minimatch called per pattern per call. */
function validateToolCall(path: string, p: ArticlePolicy, match: (path: string, pattern: string) => boolean): { allowed: boolean; requires_approval: boolean } {
  if (p.deny.some((pattern) => match(path, pattern))) return { allowed: false, requires_approval: false };
  if (!p.allow.some((pattern) => match(path, pattern))) return { allowed: false, requires_approval: false };
  return { allowed: true, requires_approval: p.approval.some((pattern) => match(path, pattern)) };
}

function bigPolicyYaml(n: number): { yaml: string; article: ArticlePolicy } {
  const allow: string[] = [];
  const deny: string[] = [];
  for (let i = 0; i < n / 2; i++) {
    allow.push(`pkg${i % 100}/src/mod${i}/**/*.ts`);
    deny.push(`pkg${i % 100}/src/mod${i}/secret-${i}/**`);
  }
  const list = (xs: string[]) => xs.map((x) => `      - "${x}"`).join('\n');
  const yaml = `version: "2.1"\npermissions:\n  filesystem:\n    allow:\n${list(allow)}\n    deny:\n${list(deny)}\n      - "**/.env*"\n  commands:\n    allow:\n${Array.from({ length: 200 }, (_, i) => `      - "tool${i} run"`).join('\n')}\n      - "npm test"\n      - "git status"\n    deny:\n      - "rm -rf"\n      - "git push --force"\n`;
  return { yaml, article: { allow, deny: [...deny, '**/.env*'], approval: [] } };
}

function paths(n: number, big: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (big) out.push(`pkg${i % 100}/src/mod${(i * 7) % 500}/dir${i % 13}/file${i}.ts`);
    else out.push([`src/utils/file${i}.ts`, `tests/unit/f${i}.spec.ts`, `secrets/key${i}`, `docs/page${i}.md`, `node_modules/x${i}/index.js`][i % 5] as string);
  }
  return out;
}

/**
 * The article's policy with its wildcard globs replaced by ones that backtrack in a regex engine
 * (`*a*a*a*a*b` took seconds on a 250-character name in V8): the same rules in the same places,
 * so the two policies test the same number of globs per decision and differ only in their shape.
 */
const ADVERSARIAL = ARTICLE.replace('"src/**/*.ts"', '"src/**/*a*a*a*a*.ts"')
  .replace('"**/.env*"', '"**/*a*a*a*a*b"')
  .replace('"tests/**/*.spec.ts"', '"tests/**/*b*a*b*a*b*a*c"');

/** Paths of 4,096 characters that the adversarial globs almost match, and the same kind for the ordinary policy. */
function longPaths(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `src/m${i % 10}/${'a'.repeat(2000 + (i % 7))}/${'ab.'.repeat(690)}`.slice(0, 4096));
}

/**
 * A command pattern whose word backtracks in a regex engine (`tool*a*a*a*a*b`), and an ordinary
 * one in its place, decided on 4,096-character command words the agent chooses.
 */
const COMMAND_ADVERSARIAL = ARTICLE.replace('      - "npm test"\n', '      - "npm test"\n      - "tool*a*a*a*a*b"\n');
const COMMAND_ORDINARY = ARTICLE.replace('      - "npm test"\n', '      - "npm test"\n      - "tool*b"\n');

function longCommands(n: number): { action: string; command: string }[] {
  return Array.from({ length: n }, (_, i) => ({ action: 'command.exec', command: `tool${'a'.repeat(4090 - (i % 7))}c` }));
}

const COMMANDS = [
  'npm test',
  'git status && npm run lint',
  'rm -rf build',
  'cat src/a.ts | grep foo > out.txt',
  "bash -c 'npm test'",
  'git push --force origin main',
  'sudo npm test',
  'ls -la src',
  'echo $(git status)',
  'curl https://example.com',
];

async function main(): Promise<void> {
  const realistic = await policy({ '': ARTICLE });
  const articleRealistic: ArticlePolicy = {
    allow: ['src/**/*.ts', 'tests/**/*.spec.ts', 'docs/**'],
    deny: ['**/.env*', 'secrets/**', 'node_modules/**'],
    approval: ['package.json'],
  };
  const big = bigPolicyYaml(1000);
  const large: PolicySet = await policy({ '': big.yaml });
  if (large.refusal) throw new Error(`bench policy refused: ${large.refusal.message}`);
  const mm = (p: string, g: string) => minimatch(p, g, { dot: true });
  const pmCache = new Map<string, (p: string) => boolean>();
  const pm = (p: string, g: string) => {
    let f = pmCache.get(g);
    if (!f) pmCache.set(g, (f = picomatch(g, { dot: true })));
    return f(p);
  };
  const cases: Case[] = [];
  for (const [label, set, article, isBig] of [
    ['realistic', realistic, articleRealistic, false],
    ['1,000-rule', large, big.article, true],
  ] as const) {
    const ps = paths(20000, isBig);
    const actions = ps.map((path) => ({ action: 'filesystem.write', path }));
    cases.push(bench(`path   ${label.padEnd(10)} agent-policy evaluate()`, actions, (a) => evaluate(set, a), 2000));
    cases.push(
      bench(
        `path   ${label.padEnd(10)} baseline: article validateToolCall + minimatch`,
        ps,
        (p) => validateToolCall(p as string, article, mm),
        isBig ? 2 : 2000,
      ),
    );
    cases.push(
      bench(`path   ${label.padEnd(10)} baseline: same, picomatch (compiled once)`, ps, (p) => validateToolCall(p as string, article, pm), isBig ? 10 : 2000),
    );
    const cmds = Array.from({ length: 2000 }, (_, i) => ({ action: 'command.exec', command: `${COMMANDS[i % COMMANDS.length] as string} # ${i}` }));
    cases.push(bench(`command ${label.padEnd(9)} agent-policy evaluate() incl. parsing`, cmds, (a) => evaluate(set, a), 50));
  }
  // Adversarial globs against ordinary ones, on the same 4,096-character paths (issue: within 2×).
  const adversarial = await policy({ '': ADVERSARIAL });
  if (adversarial.refusal) throw new Error(`adversarial policy refused: ${adversarial.refusal.message}`);
  const long = longPaths(200).map((path) => ({ action: 'filesystem.read', path }));
  cases.push(bench('path   4,096-char ordinary policy (ARTICLE)', long, (a) => evaluate(realistic, a), 20));
  cases.push(bench('path   4,096-char adversarial globs, same rules', long, (a) => evaluate(adversarial, a), 20));
  const commandOrdinary = await policy({ '': COMMAND_ORDINARY });
  const commandHostile = await policy({ '': COMMAND_ADVERSARIAL });
  if (commandOrdinary.refusal || commandHostile.refusal || COMMAND_ADVERSARIAL === ARTICLE) throw new Error('the command pattern policies did not load');
  const longCmds = longCommands(100);
  cases.push(bench('command 4,096-char word, ordinary pattern "tool*b"', longCmds, (a) => evaluate(commandOrdinary, a), 10));
  cases.push(bench('command 4,096-char word, adversarial "tool*a*a*a*a*b"', longCmds, (a) => evaluate(commandHostile, a), 10));
  const rows = run(cases, 5, 20);
  console.log('benchmark'.padEnd(70) + 'median µs/decision'.padStart(20) + 'decisions/s'.padStart(14));
  for (const r of rows) console.log(r.name.padEnd(70) + r.medianUs.toFixed(3).padStart(20) + Math.round(r.perSecond).toLocaleString('en-US').padStart(14));
  console.log('\ntargets: path decisions < 1 µs median; command decisions < 50 µs median including parsing');
  for (const r of rows.filter((x) => x.name.includes('agent-policy'))) {
    const target = r.name.startsWith('path') ? 1 : 50;
    console.log(`  ${r.medianUs < target ? 'met   ' : 'MISSED'} ${r.name.replace(/\s+/g, ' ')}: ${r.medianUs.toFixed(3)} µs (target < ${target} µs)`);
  }
  const ordinary = rows.find((r) => r.name.includes('4,096-char ordinary'));
  const hostile = rows.find((r) => r.name.includes('4,096-char adversarial'));
  if (ordinary && hostile) {
    const ratio = hostile.medianUs / ordinary.medianUs;
    console.log(
      `  ${ratio <= 2 ? 'met   ' : 'MISSED'} adversarial globs on 4,096-character paths: ${hostile.medianUs.toFixed(3)} µs, ${ratio.toFixed(2)}× the ordinary policy's ${ordinary.medianUs.toFixed(3)} µs on the same paths (target ≤ 2×)`,
    );
  }
  const plainWord = rows.find((r) => r.name.includes('ordinary pattern "tool*b"'));
  const hostileWord = rows.find((r) => r.name.includes('adversarial "tool*a*a*a*a*b"'));
  if (plainWord && hostileWord) {
    const ratio = hostileWord.medianUs / plainWord.medianUs;
    console.log(
      `  ${ratio <= 2 ? 'met   ' : 'MISSED'} adversarial command pattern on 4,096-character words: ${hostileWord.medianUs.toFixed(3)} µs, ${ratio.toFixed(2)}× the ordinary pattern's ${plainWord.medianUs.toFixed(3)} µs on the same words (target ≤ 2×)`,
    );
  }
}

void main();
