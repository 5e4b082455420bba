import { LATEST_VERSION, SUPPORTED_VERSIONS } from '#core';
import { completionContext, type CompletionContext } from './completion-context';
import type { PolicyWorkspace } from './policy-workspace';
import { isObjectSchema, schemaAt, schemaFor, typeLabel, type JsonSchema, type ResolvedSchema } from './schema-lookup';

export interface CompletionEntry {
  label: string;
  kind: 'key' | 'value' | 'version' | 'folder' | 'file';
  detail?: string;
  documentation?: string;
  insertText: string;
  replace: { offset: number; length: number };
  /**
   * What the editor matches against the text typed in `replace`. Inside quotes that text starts
   * with the quote, so a value is matched in its quoted form (`"src/**"`), or the editor filters
   * every item out ("No suggestions").
   */
  filterText?: string;
  sortText?: string;
}

const MAX_PATH_ITEMS = 200;

/** Completion at an offset of a policy file: keys and values from the schema, versions, and workspace paths. */
export function complete(workspace: PolicyWorkspace, uri: string, offset: number): CompletionEntry[] {
  const text = workspace.text(uri);
  if (text === undefined) return [];
  const context = completionContext(text, offset);
  if (!context) return [];
  const analysis = workspace.analysis();
  const file = analysis.file(uri);
  const kind = file?.kind ?? 'root';
  const { root, top } = schemaFor(file?.version?.value ?? analysis.set.settings.version, kind);
  const at = schemaAt(root, top, context.path);
  if (!at) return [];
  if (context.kind === 'key' || (typeof context.path[context.path.length - 1] === 'number' && isObjectSchema(at.schema))) {
    return isObjectSchema(at.schema) ? keys(root, at, context) : [];
  }
  const last = context.path[context.path.length - 1];
  if (context.path.length === 1 && last === 'version')
    return versions(context, kind === 'root' ? SUPPORTED_VERSIONS : [analysis.set.settings.version ?? LATEST_VERSION]);
  if (at.definition === 'glob' || last === 'file_pattern') return paths(workspace, context, file?.source.dir ?? '');
  return values(at.schema, context);
}

function keys(root: JsonSchema, at: ResolvedSchema, context: CompletionContext): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  for (const [name, raw] of Object.entries(at.schema.properties ?? {})) {
    if (context.siblings.includes(name) || !name.startsWith(context.prefix)) continue;
    const property = schemaAt(root, at, [name]);
    const container = property !== undefined && (isObjectSchema(property.schema) || property.schema.type === 'array');
    out.push({
      label: name,
      kind: 'key',
      detail: property ? typeLabel(property.schema) : undefined,
      documentation: raw.description ?? property?.description,
      insertText: container ? `${name}:` : `${name}: `,
      replace: context.replace,
    });
  }
  return out;
}

function quoted(value: string, context: CompletionContext): string {
  const quote = context.quote ?? '"';
  return `${quote}${value}${quote}`;
}

/** A value completion: replaces the word at the caret (quotes included) and is matched as it will be written. */
function valueEntry(entry: Omit<CompletionEntry, 'replace' | 'filterText'>, context: CompletionContext): CompletionEntry {
  return { ...entry, replace: context.replace, ...(context.quote !== undefined ? { filterText: entry.insertText } : {}) };
}

function versions(context: CompletionContext, list: readonly string[]): CompletionEntry[] {
  return list.map((v, i) =>
    valueEntry(
      {
        label: `"${v}"`,
        kind: 'version',
        detail: v === LATEST_VERSION ? 'current format' : 'supported',
        insertText: quoted(v, context),
        sortText: String(v === LATEST_VERSION ? 0 : i + 1),
      },
      context,
    ),
  );
}

function values(schema: JsonSchema, context: CompletionContext): CompletionEntry[] {
  const options: unknown[] = schema.enum ?? (schema.type === 'boolean' ? [true, false] : []);
  return options.map((v) =>
    valueEntry(
      {
        label: typeof v === 'string' ? `"${v}"` : String(v),
        kind: 'value',
        ...(schema.description !== undefined ? { documentation: schema.description } : {}),
        insertText: typeof v === 'string' ? quoted(v, context) : String(v),
      },
      context,
    ),
  );
}

/**
 * Globs from the workspace's real folders and files, one level below what was typed. In an
 * override only paths under its own directory are offered (an override governs nothing else).
 */
function paths(workspace: PolicyWorkspace, context: CompletionContext, scope: string): CompletionEntry[] {
  const typed = context.prefix;
  const parent = typed.includes('/') ? typed.slice(0, typed.lastIndexOf('/')) : '';
  const within = (p: string): boolean => scope === '' || p === scope || p.startsWith(`${scope}/`);
  const out: CompletionEntry[] = [];
  const add = (label: string, kind: 'folder' | 'file', detail: string): void => {
    if (out.length < MAX_PATH_ITEMS && label.startsWith(typed) && !out.some((o) => o.label === label))
      out.push(valueEntry({ label, kind, detail, insertText: quoted(label, context), sortText: `${kind === 'folder' ? 0 : 1}${label}` }, context));
  };
  if (scope !== '' && !within(parent) && scope.startsWith(typed)) add(`${scope}/**`, 'folder', "everything under this override's directory");
  const directories = workspace.host.files.directories();
  for (const dir of directories) {
    if (parentOf(dir) === parent && within(dir)) add(`${dir}/**`, 'folder', 'everything under this folder');
  }
  for (const file of workspace.host.files.files()) {
    if (parentOf(file) === parent && within(file)) add(file, 'file', 'this file');
  }
  return out;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}
