import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COMMAND_IDS } from '../../client/src/command-ids';
import * as settings from '../../client/src/settings';

// The manifest (package.json `contributes`) and the extension's code name the same commands and
// settings: a command contributed but never registered shows in the palette and fails; a
// setting read but not declared (or declared with another default) behaves differently from
// what the Settings editor shows.

interface Manifest {
  contributes: {
    commands?: { command: string }[];
    menus?: Record<string, { command?: string; alt?: string; submenu?: string }[]>;
    keybindings?: { command: string }[];
    viewsWelcome?: { view: string; contents: string }[];
    configuration?: ManifestConfiguration | ManifestConfiguration[];
  };
}
interface ManifestConfiguration {
  properties?: Record<string, { type?: string | string[]; default?: unknown }>;
}

const commandIds: readonly string[] = COMMAND_IDS;
const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Manifest;
const contributes = manifest.contributes;

const sorted = (values: Iterable<string>): string[] => [...values].sort();
const duplicates = (values: readonly string[]): string[] => values.filter((v, i) => values.indexOf(v) !== i);

describe('the manifest names the commands the code registers', () => {
  const contributed = (contributes.commands ?? []).map((c) => c.command);

  it('contributes every registered command and registers every contributed one', () => {
    assert.deepEqual(duplicates(contributed), [], 'a command contributed twice');
    assert.deepEqual(duplicates(commandIds), [], 'a command id listed twice in client/src/command-ids.ts');
    assert.deepEqual(sorted(contributed), sorted(commandIds));
  });

  it('has menus, keybindings and welcome links name only registered commands', () => {
    const known = new Set(commandIds);
    const referenced: { where: string; command: string }[] = [];
    for (const [menu, entries] of Object.entries(contributes.menus ?? {}))
      for (const entry of entries)
        for (const command of [entry.command, entry.alt]) if (command !== undefined) referenced.push({ where: `menus.${menu}`, command });
    for (const binding of contributes.keybindings ?? []) referenced.push({ where: 'keybindings', command: binding.command });
    for (const welcome of contributes.viewsWelcome ?? [])
      for (const link of welcome.contents.matchAll(/\(command:([\w.-]+)/g)) referenced.push({ where: `viewsWelcome.${welcome.view}`, command: link[1] ?? '' });
    assert.ok(referenced.length > 0, 'the manifest references no command at all: the walk above no longer reads it');
    assert.deepEqual(
      referenced.filter((r) => !known.has(r.command)),
      [],
    );
  });
});

describe('the manifest declares the settings the code reads', () => {
  const configurations = [contributes.configuration ?? []].flat();
  const declared = new Map(configurations.flatMap((c) => Object.entries(c.properties ?? {})).map(([id, p]) => [id, { type: p.type, default: p.default }]));
  const specs = (table: Record<string, settings.Setting>): [string, { type: string; default: unknown }][] =>
    Object.values(table).map((s) => [settings.settingId(s), { type: s.type, default: s.default }]);

  it('declares each of our settings, and the language client library’s, with the type and default the code uses, and no other', () => {
    const code = new Map([...specs(settings.SETTINGS), ...specs(settings.LIBRARY_SETTINGS)]);
    assert.deepEqual(sorted(declared.keys()), sorted(code.keys()));
    for (const [id, spec] of code) assert.deepEqual(declared.get(id), spec, id);
  });

  it('keeps every declared setting under our section', () => {
    assert.deepEqual(
      [...declared.keys()].filter((id) => !id.startsWith(`${settings.SECTION}.`)),
      [],
    );
    for (const s of Object.values(settings.SETTINGS)) assert.equal(s.section, settings.SECTION, settings.settingId(s));
  });

  it('leaves VS Code’s own settings to VS Code', () => {
    for (const s of Object.values(settings.EDITOR_SETTINGS)) {
      assert.notEqual(s.section, settings.SECTION, settings.settingId(s));
      assert.equal(declared.has(settings.settingId(s)), false, settings.settingId(s));
    }
  });

  it('reads a setting from its section, with the declared default when it is unset', () => {
    const values = new Map<string, unknown>();
    const asked: string[] = [];
    const source = {
      getConfiguration: (section: string) => ({
        get: <T>(key: string, defaultValue?: T): T | undefined => {
          asked.push(`${section}.${key}`);
          return values.has(`${section}.${key}`) ? (values.get(`${section}.${key}`) as T) : defaultValue;
        },
      }),
    };
    const timeout = settings.SETTINGS.approvalTimeoutSeconds;
    assert.equal(settings.readSetting(source, timeout), timeout.default);
    values.set('agentPolicy.approvalTimeoutSeconds', 5);
    assert.equal(settings.readSetting(source, timeout), 5);
    assert.deepEqual(asked, ['agentPolicy.approvalTimeoutSeconds', 'agentPolicy.approvalTimeoutSeconds']);
  });
});

describe("a cloned repository's settings cannot weaken the record", () => {
  const raw = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { scope?: string }> } };
    capabilities: { untrustedWorkspaces: { restrictedConfigurations?: string[] }; virtualWorkspaces?: { supported: boolean } };
  };
  it("takes who approves and where the audit log lives only from the person's own settings, never a workspace's", () => {
    // `machine`: user (or remote) settings only; a workspace's .vscode/settings.json cannot set it.
    for (const key of ['agentPolicy.userName', 'agentPolicy.stateDirectory'])
      assert.equal(raw.contributes.configuration.properties[key]?.scope, 'machine', key);
  });

  it('ignores every Agent Policy setting of an untrusted workspace, and does not run in a virtual one', () => {
    const restricted = new Set(raw.capabilities.untrustedWorkspaces.restrictedConfigurations ?? []);
    for (const key of Object.keys(raw.contributes.configuration.properties).filter((k) => k !== 'agentPolicy.trace.server'))
      assert.ok(restricted.has(key), key);
    assert.equal(raw.capabilities.virtualWorkspaces?.supported, false);
  });
});
