import { parsePolicyFile, type PolicyFile } from './policy-file';
import type { SchemaKind } from './schema-validation';
import type { PolicySource } from '../base/types';

interface Cached {
  text: string;
  kind: SchemaKind;
  inheritedVersion: string | undefined;
  file: PolicyFile;
}

/**
 * Parsed policy files by URI, reused while a file's text (and what it inherits) is unchanged. A
 * language server keeps one, so re-checking the set after an edit parses only the edited file.
 */
export class PolicyFileCache {
  private readonly files = new Map<string, Cached>();

  parse(source: PolicySource, kind: SchemaKind, inheritedVersion?: string): PolicyFile {
    const hit = this.files.get(source.uri);
    if (hit && hit.text === source.text && hit.kind === kind && hit.inheritedVersion === inheritedVersion && hit.file.source.dir === source.dir)
      return hit.file;
    const file = parsePolicyFile(source, kind, inheritedVersion);
    this.files.set(source.uri, { text: source.text, kind, inheritedVersion, file });
    return file;
  }

  /** Forgets files that are no longer part of the set. */
  retain(uris: ReadonlySet<string>): void {
    for (const uri of this.files.keys()) if (!uris.has(uri)) this.files.delete(uri);
  }
}
