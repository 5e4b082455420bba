import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeActions } from '#service/code-actions';
import { complete } from '#service/completion';
import { explain } from '#service/explain';
import { hover } from '#service/hover';
import { documentSymbols, foldingRanges } from '#service/outline';
import { parseLenient } from '#service/yaml-position';
import { applyEdits, caret, decideIn, overrideUri, ROOT_URI, serviceWorkspace } from './service-fixtures';

/** Completion labels at the caret of a root-policy fixture. */
async function labelsAt(marked: string, files: string[] = [], overrides: Record<string, string> = {}): Promise<string[]> {
  const { text, offset } = caret(marked);
  const ws = await serviceWorkspace({ '': text, ...overrides }, files);
  return complete(ws, ROOT_URI, offset).map((c) => c.label);
}

async function overrideLabelsAt(dir: string, marked: string, files: string[] = [], rootText = 'version: "2.1"\n'): Promise<string[]> {
  const { text, offset } = caret(marked);
  const ws = await serviceWorkspace({ '': rootText, [dir]: text }, files);
  return complete(ws, overrideUri(dir), offset).map((c) => c.label);
}

async function hoverAt(marked: string, files: string[] = []): Promise<string> {
  const { text, offset } = caret(marked);
  const ws = await serviceWorkspace({ '': text }, files);
  return hover(ws, ROOT_URI, offset)?.markdown ?? '';
}

const FILES = ['src/index.ts', 'src/utils/log.ts', 'src/utils/fmt.ts', 'docs/guide.md', 'backend/main.go', 'backend/api/routes.go', 'package.json'];

describe('language service: completion', () => {
  it('offers the top-level keys the file does not have yet, with their documentation', async () => {
    const { text, offset } = caret('version: "2.1"\nperm‸\n');
    const ws = await serviceWorkspace({ '': text });
    const items = complete(ws, ROOT_URI, offset);
    assert.deepEqual(
      items.map((i) => i.label),
      ['permissions'],
    );
    assert.match(items[0]?.documentation ?? '', /What the agent may touch/);
    assert.deepEqual(items[0]?.replace, { offset: text.indexOf('perm'), length: 4 });
    const all = await labelsAt('version: "2.1"\naudit: {}\n‸\n');
    assert.ok(all.includes('default_permissions') && all.includes('bypass') && all.includes('constraints'));
    assert.ok(!all.includes('version') && !all.includes('audit'), 'keys already present are not offered again');
  });

  it('follows the schema into nested sections, and only offers what that version has', async () => {
    assert.deepEqual(await labelsAt('version: "2.1"\npermissions:\n  filesystem:\n    ‸\n'), ['allow', 'deny']);
    assert.deepEqual(await labelsAt('version: "2.1"\npermissions:\n  ‸\n'), ['filesystem', 'commands', 'network']);
    const old = await labelsAt('version: "1.0"\n‸\n');
    assert.ok(!old.includes('bypass') && !old.includes('default_permissions'), '1.0 has no bypass section');
    assert.deepEqual(await overrideLabelsAt('backend', 'permissions:\n  ‸\n'), ['filesystem', 'commands'], 'an override has no network rules');
  });

  it('completes version values: every supported version in the root, the root version in an override', async () => {
    assert.deepEqual((await labelsAt('version: ‸\n')).sort(), ['"1.0"', '"2.1"']);
    assert.deepEqual(await overrideLabelsAt('backend', 'version: ‸\n', [], 'version: "1.0"\n'), ['"1.0"']);
  });

  it('completes enum and boolean values, and the keys of a new approval rule', async () => {
    assert.deepEqual(await labelsAt('version: "2.1"\naudit:\n  alert_on_deny: ‸\n'), ['true', 'false']);
    assert.deepEqual(await labelsAt('version: "2.1"\nconstraints:\n  require_human_approval:\n    - ‸\n'), ['file_pattern', 'command_pattern']);
  });

  it("completes path globs from the workspace's real folders, one level at a time", async () => {
    const top = await labelsAt('version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - ‸\n', FILES);
    assert.deepEqual(top, ['backend/**', 'docs/**', 'src/**', 'package.json']);
    const { text, offset } = caret('version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - "src/‸"\n');
    const ws = await serviceWorkspace({ '': text }, FILES);
    const items = complete(ws, ROOT_URI, offset);
    assert.deepEqual(
      items.map((i) => i.label),
      ['src/utils/**', 'src/index.ts'],
    );
    assert.equal(items[0]?.insertText, '"src/utils/**"');
    assert.deepEqual(items[0]?.replace, { offset: text.indexOf('"src/'), length: '"src/"'.length }, 'the quotes are replaced too');
    // The editor matches what was typed in the range ("src/, with its quote) against filterText:
    // without the quote in it every item would be filtered out.
    assert.equal(items[0]?.filterText, '"src/utils/**"');
    assert.ok(items.every((i) => i.filterText?.startsWith('"src/')));
    const bare = await serviceWorkspace({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - \n' }, FILES);
    const unquoted = complete(bare, ROOT_URI, 'version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - '.length);
    assert.ok(unquoted.length > 0 && unquoted.every((i) => i.filterText === undefined), 'nothing typed, no quote: the label is matched');
  });

  it("offers only paths under an override's own directory", async () => {
    const labels = await overrideLabelsAt('backend', 'permissions:\n  filesystem:\n    allow:\n      - ‸\n', FILES);
    assert.deepEqual(labels, ['backend/**']);
    const inside = await overrideLabelsAt('backend', 'permissions:\n  filesystem:\n    allow:\n      - "backend/‸\n', FILES);
    assert.deepEqual(inside, ['backend/api/**', 'backend/main.go']);
  });

  it('offers nothing inside a comment', async () => {
    assert.deepEqual(await labelsAt('version: "2.1"\n# perm‸\n'), []);
  });
});

describe('language service: hover', () => {
  it("shows a key's documentation from the version's schema", async () => {
    const md = await hoverAt('version: "2.1"\nper‸missions:\n  filesystem: {}\n');
    assert.match(md, /\*\*permissions\*\* \(object\)/);
    assert.match(md, /What the agent may touch/);
    assert.match(await hoverAt('vers‸ion: "2.1"\n'), /Supported versions: `1.0`, `2.1`/);
  });

  it('on a path pattern: how many workspace files it matches, examples, and what shadows it', async () => {
    const md = await hoverAt('version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - "src/**"\n      - "src/ut‸ils/**"\n', FILES);
    assert.match(md, /Matches 2 of 7 workspace files:/);
    assert.match(md, /`src\/utils\/log.ts`/);
    // The globs in the message are escaped, so Markdown shows them as written.
    assert.match(md, /AP2006: "src\/utils\/\\\*\\\*" is shadowed/);
    const clean = await hoverAt('version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - "do‸cs/**"\n', FILES);
    assert.match(clean, /Matches 1 of 7 workspace files:\n- `docs\/guide.md`/);
    assert.match(clean, /No other rule shadows or overlaps it/);
  });

  it('on a command pattern: the command forms it catches', async () => {
    const deny = await hoverAt('version: "2.1"\npermissions:\n  commands:\n    deny:\n      - "rm -r‸f"\n');
    for (const form of ['rm -rf', 'rm -fr', 'rm -r -f', 'rm --recursive --force', 'rm -R -f']) assert.ok(deny.includes(`\`${form}\``), `${form} in:\n${deny}`);
    assert.match(deny, /behind wrappers/);
    const push = await hoverAt('version: "2.1"\npermissions:\n  commands:\n    deny:\n      - "git push --fo‸rce"\n');
    assert.ok(push.includes('`git push --force-with-lease`'), 'a deny also catches what implies the flag');
    const allow = await hoverAt('version: "2.1"\npermissions:\n  commands:\n    allow:\n      - "git push --fo‸rce"\n');
    assert.ok(!allow.includes('--force-with-lease') && allow.includes('Allows a command that starts with'), 'an allow never admits an implied flag');
  });
});

const CONFLICT_ROOT =
  'version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - "src/**"\n    deny:\n      - "backend/secrets/**"\n      - "**/.env*"\n';
const CONFLICT_OVERRIDE = 'permissions:\n  filesystem:\n    allow:\n      - "backend/src/**"\n      - "backend/secrets/test-fixtures/**"\n';

describe('language service: diagnostics across files', () => {
  it('reports a conflict in both files, each pointing at the other, and re-checks overrides when the root changes', async () => {
    const ws = await serviceWorkspace({ '': CONFLICT_ROOT, backend: CONFLICT_OVERRIDE });
    const inOverride =
      ws
        .analysis()
        .findings.get(overrideUri('backend'))
        ?.filter((f) => f.code === 'AP2002') ?? [];
    const inRoot =
      ws
        .analysis()
        .findings.get(ROOT_URI)
        ?.filter((f) => f.code === 'AP2002') ?? [];
    assert.equal(inOverride.length, 1);
    assert.equal(inRoot.length, 1);
    assert.equal(inOverride[0]?.related[0]?.uri, ROOT_URI);
    assert.equal(inRoot[0]?.related[0]?.uri, overrideUri('backend'));
    ws.set({ uri: ROOT_URI, dir: '', text: CONFLICT_ROOT.replace('      - "backend/secrets/**"\n', '') });
    const left = ws.analysis().findings.get(overrideUri('backend')) ?? [];
    assert.deepEqual(
      left.map((f) => f.code),
      ['AP2013', 'AP2013'],
      'editing the root cleared the conflict; only the .env carve-out notes remain',
    );
  });

  it('puts an unsupported version error on the version value', async () => {
    const text = 'version: "9.9"\n';
    const ws = await serviceWorkspace({ '': text });
    const f = ws
      .analysis()
      .findings.get(ROOT_URI)
      ?.find((x) => x.code === 'AP2001');
    assert.deepEqual([f?.offset, f?.length], [text.indexOf('"9.9"'), 5]);
  });
});

describe('language service: code actions, keyed on the code', () => {
  it('removes a duplicate or shadowed pattern', async () => {
    const text = 'version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - "src/**"\n      - "src/**"\n      - "src/a/**"\n';
    const ws = await serviceWorkspace({ '': text });
    const findings = ws.analysis().findings.get(ROOT_URI) ?? [];
    assert.deepEqual(findings.map((f) => f.code).sort(), ['AP2005', 'AP2006']);
    for (const code of ['AP2006', 'AP2005']) {
      const f = (ws.analysis().findings.get(ROOT_URI) ?? []).find((x) => x.code === code);
      assert.ok(f);
      const [action] = codeActions(ws, ROOT_URI, f.offset, 0);
      assert.ok(action);
      applyEdits(ws, action.edits);
    }
    assert.equal(ws.text(ROOT_URI), 'version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - "src/**"\n');
  });

  it('moves a conflicting allow into an explicit, verified exception in the root; decisions stay the same', async () => {
    const ws = await serviceWorkspace({ '': CONFLICT_ROOT, backend: CONFLICT_OVERRIDE });
    const probes = [
      'backend/secrets/prod.key',
      'backend/secrets/test-fixtures/a.json',
      'backend/secrets/test-fixtures',
      'backend/secrets/tests/x',
      'backend/secrets/test-fixtures2/x',
      'backend/src/main.go',
      'backend/secrets/test-fixtures/.env',
      'src/a.ts',
    ];
    const before = probes.map((p) => decideIn(ws, p));
    const f = ws
      .analysis()
      .findings.get(overrideUri('backend'))
      ?.find((x) => x.code === 'AP2002');
    assert.ok(f);
    const actions = codeActions(ws, f.uri, f.offset, f.length);
    assert.deepEqual(
      actions.map((a) => a.title),
      [
        'Move "backend/secrets/test-fixtures/**" into the root as an explicit exception to "backend/secrets/**"',
        'Remove the conflicting allow "backend/secrets/test-fixtures/**" from the override',
      ],
    );
    applyEdits(ws, actions[0]?.edits ?? []);
    const after = ws.analysis();
    assert.deepEqual(
      after.set.findings.filter((x) => x.code !== 'AP2013').map((x) => `${x.code} ${x.message}`),
      [],
      'no conflict remains',
    );
    assert.ok(!ws.text(overrideUri('backend'))?.includes('test-fixtures'), 'the allow left the override');
    assert.match(ws.text(ROOT_URI) ?? '', /allow:\n {6}- "src\/\*\*"\n {6}- "backend\/secrets\/test-fixtures\/\*\*"\n/);
    const expected = before.map((d, i) => (probes[i]?.startsWith('backend/secrets/test-fixtures/') && !probes[i]?.endsWith('.env') ? 'allow' : d));
    assert.deepEqual(
      probes.map((p) => decideIn(ws, p)),
      expected,
      'only the fixtures became allowed; .env files stay denied',
    );
  });

  it('upgrades a 1.0 policy and its overrides to 2.1', async () => {
    const ws = await serviceWorkspace({
      '': 'version: "1.0"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n',
      backend: 'version: "1.0"\n',
      web: 'permissions: {}\n',
    });
    const f = ws
      .analysis()
      .findings.get(ROOT_URI)
      ?.find((x) => x.code === 'AP2014');
    assert.ok(f, 'an outdated version is reported');
    const [action] = codeActions(ws, ROOT_URI, f.offset, 0);
    assert.equal(action?.title, 'Upgrade the policy from 1.0 to 2.1 (root and 1 override)');
    applyEdits(ws, action?.edits ?? []);
    assert.equal(ws.analysis().set.settings.version, '2.1');
    assert.equal(ws.text(overrideUri('backend')), 'version: "2.1"\n');
    assert.deepEqual(
      ws.analysis().set.findings.map((x) => x.code),
      [],
    );
  });

  it('selects actions by code: a finding without a builder gets none', async () => {
    const ws = await serviceWorkspace({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/../x"]\n' });
    const f = ws.analysis().findings.get(ROOT_URI)?.[0];
    assert.ok(f);
    assert.deepEqual(codeActions(ws, ROOT_URI, f.offset, 0), []);
    const anchored = await serviceWorkspace({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    deny:\n      - ".env"\n' });
    const hint = anchored
      .analysis()
      .findings.get(ROOT_URI)
      ?.find((x) => x.code === 'AP2012');
    assert.ok(hint);
    const [fix] = codeActions(anchored, ROOT_URI, hint.offset, 0);
    applyEdits(anchored, fix?.edits ?? []);
    assert.match(anchored.text(ROOT_URI) ?? '', /- "\*\*\/\.env"/);
  });
});

describe('language service: symbols, folding, explain', () => {
  it("outlines the policy's sections and folds multi-line ones", () => {
    const text = 'version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - "src/**"\n      - "docs/**"\naudit:\n  retention_days: 30\n';
    const symbols = documentSymbols(parseLenient(text));
    assert.deepEqual(
      symbols.map((s) => [s.name, s.kind]),
      [
        ['version', 'setting'],
        ['permissions', 'section'],
        ['audit', 'section'],
      ],
    );
    assert.deepEqual(
      symbols[1]?.children[0]?.children[0]?.children.map((c) => c.name),
      ['src/**', 'docs/**'],
    );
    const folds = foldingRanges(parseLenient(text), text).map((r) => text.slice(r.startOffset, r.endOffset).split('\n')[0]);
    assert.deepEqual(folds, ['permissions:', 'filesystem:', 'allow:', 'audit:']);
  });

  it('explains a decision with the rules that produced it, as the editor has the policy', async () => {
    const ws = await serviceWorkspace({ '': CONFLICT_ROOT + 'constraints:\n  require_human_approval:\n    - command_pattern: "git commit"\n' });
    const denied = explain(ws, { path: 'backend/secrets/key.pem' });
    assert.equal(denied.decision, 'deny');
    assert.equal(denied.rules[0]?.pattern, 'backend/secrets/**');
    assert.equal(denied.rules[0]?.offset, CONFLICT_ROOT.indexOf('"backend/secrets/**"'));
    const asked = explain(ws, { command: 'git commit -m x' });
    assert.equal(asked.decision, 'ask', 'an approval rule asks even without an allow');
    assert.equal(asked.rules[0]?.list, 'require_human_approval');
    assert.equal(explain(ws, {}).decision, 'deny', 'nothing to explain is not an allow');
  });
});

describe('language contribution', () => {
  it('gives both policy file names their own language, with a grammar built on YAML and a language configuration', async () => {
    const { readFileSync, existsSync } = await import('node:fs');
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
      contributes: {
        languages: { id: string; filenames: string[]; configuration: string }[];
        grammars: { language: string; scopeName: string; path: string }[];
      };
    };
    const language = manifest.contributes.languages.find((l) => l.id === 'agent-policy');
    assert.deepEqual(language?.filenames, ['.agent-policy.yml', '.agent-policy.override.yml']);
    assert.ok(existsSync(language?.configuration ?? ''));
    const grammarEntry = manifest.contributes.grammars.find((g) => g.language === 'agent-policy');
    const grammar = JSON.parse(readFileSync(grammarEntry?.path ?? '', 'utf8')) as {
      scopeName: string;
      patterns: { include: string }[];
      repository: Record<string, { match: string }>;
    };
    assert.equal(grammar.scopeName, grammarEntry?.scopeName);
    assert.ok(
      grammar.patterns.some((p) => p.include === 'source.yaml'),
      'everything else is YAML',
    );
    const version = new RegExp(grammar.repository.version?.match ?? '');
    assert.equal(version.exec('version: "2.1"')?.[5], '"2.1"');
    assert.ok(new RegExp(grammar.repository['rule-key']?.match ?? '').test('    - file_pattern: "x"'));
    assert.ok(!new RegExp(grammar.repository['section-key']?.match ?? '').test('  unknown_key:'));
  });
});

describe('rule documentation', () => {
  it('documents every code the core can report, under a heading diagnostics link to', async () => {
    const { readFileSync } = await import('node:fs');
    const { CODES, codeDocUrl } = await import('#core');
    const doc = readFileSync('docs/rules.md', 'utf8');
    for (const code of Object.keys(CODES)) assert.match(doc, new RegExp(`^## ${code}\\n\\n\\*\\*${CODES[code as keyof typeof CODES].name}\\*\\*`, 'm'), code);
    assert.equal(codeDocUrl('AP2002', 'file:///ext/docs/rules.md'), 'file:///ext/docs/rules.md#ap2002');
  });
});

describe('language service: text in Markdown', () => {
  it("keeps a finding's globs literal in a hover: their stars are not bold", async () => {
    const { markdownText } = await import('#service/hover');
    assert.equal(markdownText('"**/.env*" (.agent-policy.yml:9:9) carves paths'), '"\\*\\*/.env\\*" (.agent-policy.yml:9:9) carves paths');
    assert.equal(markdownText('a_b [x] <y> `z` #1 | ~'), 'a\\_b \\[x\\] \\<y\\> \\`z\\` \\#1 \\| \\~');
  });
});
