// Only types from `vscode`: this module loads without the editor, so a plain unit test holds the
// tables below against package.json (test/unit/client-manifest.test.ts).
import type * as vscode from 'vscode';

/** One setting: where VS Code keeps it (`section.key`), its type and the default that applies when it is unset. */
export type Setting = { readonly section: string; readonly key: string } & (
  | { readonly type: 'string'; readonly default: string }
  | { readonly type: 'number'; readonly default: number }
  | { readonly type: 'boolean'; readonly default: boolean }
);

interface ValueTypes {
  string: string;
  number: number;
  boolean: boolean;
}

/** The value a setting has in code (its declared type). */
export type SettingValue<S extends Setting> = ValueTypes[S['type']];

/** Our settings' section: `agentPolicy.*` in package.json's contributes.configuration. */
export const SECTION = 'agentPolicy';

/** Every setting our code reads, as the manifest declares it (same key, type and default). */
export const SETTINGS = {
  userName: { section: SECTION, key: 'userName', type: 'string', default: '' },
  stateDirectory: { section: SECTION, key: 'stateDirectory', type: 'string', default: '' },
  approvalTimeoutSeconds: { section: SECTION, key: 'approvalTimeoutSeconds', type: 'number', default: 300 },
  approvalServiceEnabled: { section: SECTION, key: 'approvalService.enabled', type: 'boolean', default: true },
} as const satisfies Record<string, Setting>;

/** The id our language client registers with: vscode-languageclient reads `<id>.trace.server` for it. */
export const LANGUAGE_CLIENT_ID = SECTION;

/** Settings we contribute that only the language client library reads (never our code). */
export const LIBRARY_SETTINGS = {
  traceServer: { section: LANGUAGE_CLIENT_ID, key: 'trace.server', type: 'string', default: 'off' },
} as const satisfies Record<string, Setting>;

/**
 * VS Code's own settings that we read: VS Code declares them, so the manifest must not. (The agent
 * settings we write, `chat.tools.*.autoApprove`, are named by the core, which the CLI shares.)
 */
export const EDITOR_SETTINGS = {
  useHooks: { section: 'chat', key: 'useHooks', type: 'boolean', default: true },
} as const satisfies Record<string, Setting>;

/** The part of `vscode.workspace` a reader needs (a test passes its own). */
export interface ConfigurationSource {
  getConfiguration(section: string): Pick<vscode.WorkspaceConfiguration, 'get'>;
}

/** A setting's value now, read afresh on each call (the declared default when unset). */
export function readSetting<S extends Setting>(source: ConfigurationSource, setting: S): SettingValue<S> {
  return source.getConfiguration(setting.section).get<SettingValue<S>>(setting.key, setting.default as SettingValue<S>);
}

/** A setting's full id, as `affectsConfiguration` and the manifest name it. */
export function settingId(setting: Setting): string {
  return `${setting.section}.${setting.key}`;
}
