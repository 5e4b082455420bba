import { loadPolicySet, PolicyFileCache, type FileSystemView, type Finding, type PolicyFile, type PolicySet, type PolicySource, type ShellParser } from '#core';

/** The workspace's files as the host listed them (repository-relative POSIX paths, bounded). */
export interface WorkspaceFiles {
  files(): readonly string[];
  directories(): readonly string[];
  /** True when the listing stopped at its bound, so counts are lower limits. */
  truncated(): boolean;
}

/** What the language service needs from its host; it performs no I/O of its own. */
export interface ServiceHost {
  /** Absolute POSIX path of the repository root. */
  root: string;
  caseInsensitive: boolean;
  shell: ShellParser;
  files: WorkspaceFiles;
  /** Symlink resolution for `explain`; without it paths are decided as written. */
  fs?: FileSystemView;
}

export interface Analysis {
  set: PolicySet;
  /** Findings by policy URI; every policy file has an entry, so hosts can clear old diagnostics. */
  findings: ReadonlyMap<string, readonly Finding[]>;
  file(uri: string): PolicyFile | undefined;
}

/**
 * The policy files of one repository (the root and every override), as the editor currently has
 * them, and their analysis. The analysis is recomputed on demand after a change; unchanged files
 * are not re-parsed, and glob and command analyses are memoised in the core.
 */
export class PolicyWorkspace {
  private readonly sources = new Map<string, PolicySource>();
  private readonly cache = new PolicyFileCache();
  private current: Analysis | undefined;

  constructor(readonly host: ServiceHost) {}

  set(source: PolicySource): void {
    const previous = this.sources.get(source.uri);
    if (previous && previous.text === source.text && previous.dir === source.dir) return;
    this.sources.set(source.uri, source);
    this.current = undefined;
  }

  delete(uri: string): void {
    if (this.sources.delete(uri)) this.current = undefined;
  }

  has(uri: string): boolean {
    return this.sources.has(uri);
  }

  text(uri: string): string | undefined {
    return this.sources.get(uri)?.text;
  }

  uris(): string[] {
    return [...this.sources.keys()];
  }

  /** Whether the full analysis of the current sources is at hand (no work to get it). */
  analysed(): boolean {
    return this.current !== undefined;
  }

  analysis(): Analysis {
    this.current ??= this.analyse('full');
    return this.current;
  }

  /**
   * What enforcement sees (every blocking finding, and the rest of what loading reports) without the
   * pairwise conflict analysis: the first diagnostics after start, published before the full ones.
   */
  quickAnalysis(): Analysis {
    return this.current ?? this.analyse('enforcement');
  }

  private analyse(mode: 'full' | 'enforcement'): Analysis {
    const sources = [...this.sources.values()];
    this.cache.retain(new Set(this.sources.keys()));
    const set = loadPolicySet(sources, {
      root: this.host.root,
      caseInsensitive: this.host.caseInsensitive,
      shell: this.host.shell,
      cache: this.cache,
      analysis: mode,
    });
    const findings = new Map<string, Finding[]>(sources.map((s) => [s.uri, []]));
    for (const f of set.findings) {
      const list = findings.get(f.uri);
      if (list) list.push(f);
      else findings.set(f.uri, [f]);
    }
    const byUri = new Map(set.files.map((f) => [f.source.uri, f]));
    return { set, findings, file: (uri) => byUri.get(uri) };
  }
}
