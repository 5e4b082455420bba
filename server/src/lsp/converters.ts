import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  DiagnosticTag,
  DocumentSymbol,
  InsertTextFormat,
  MarkupKind,
  SymbolKind,
  type CodeAction,
  type CompletionItem,
  type Diagnostic,
  type FoldingRange,
  type Hover,
  type TextEdit,
} from 'vscode-languageserver/node';
import type { Finding } from '#core';
import type { ServiceCodeAction } from '#service/code-actions';
import type { CompletionEntry } from '#service/completion';
import type { ExplainResult as ServiceExplainResult } from '#service/explain';
import type { HoverResult } from '#service/hover';
import type { FoldRange, OutlineSymbol } from '#service/outline';
import type { ExplainResult } from '#protocol/language-server';
import type { Positions } from './positions';

/**
 * The language service's answers (offsets) as LSP's (positions): the one place the server converts.
 * `at` converts in the file a request is about; `positionsOf` in any other file a result names.
 */
export type PositionsOf = (uri: string) => Positions;

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;
const UNNECESSARY = new Set(['AP2005', 'AP2006', 'AP2007']);

export function toDiagnostic(f: Finding, at: Positions, positionsOf: PositionsOf, docUrl: (code: string) => string): Diagnostic {
  const diagnostic: Diagnostic = {
    range: at.range(f.offset, f.length),
    severity: SEVERITY[f.severity],
    code: f.code,
    codeDescription: { href: docUrl(f.code) },
    source: 'agent-policy',
    message: f.message,
  };
  if (UNNECESSARY.has(f.code)) diagnostic.tags = [DiagnosticTag.Unnecessary];
  if (f.related.length) {
    diagnostic.relatedInformation = f.related.map((r) => ({
      location: { uri: r.uri, range: positionsOf(r.uri).range(r.offset, r.length) },
      message: r.message,
    }));
  }
  return diagnostic;
}

const COMPLETION_KIND = {
  key: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  version: CompletionItemKind.EnumMember,
  folder: CompletionItemKind.Folder,
  file: CompletionItemKind.File,
} as const;

export function toCompletionItem(e: CompletionEntry, at: Positions): CompletionItem {
  const item: CompletionItem = {
    label: e.label,
    kind: COMPLETION_KIND[e.kind],
    insertTextFormat: InsertTextFormat.PlainText,
    textEdit: { range: at.range(e.replace.offset, e.replace.length), newText: e.insertText },
  };
  if (e.detail) item.detail = e.detail;
  if (e.documentation) item.documentation = { kind: MarkupKind.Markdown, value: e.documentation };
  if (e.sortText) item.sortText = e.sortText;
  if (e.filterText) item.filterText = e.filterText;
  return item;
}

export function toHover(result: HoverResult, at: Positions): Hover {
  return { contents: { kind: MarkupKind.Markdown, value: result.markdown }, range: at.range(result.offset, result.length) };
}

export function toCodeAction(action: ServiceCodeAction, at: Positions, positionsOf: PositionsOf, docUrl: (code: string) => string): CodeAction {
  const changes: Record<string, TextEdit[]> = {};
  for (const edit of action.edits) (changes[edit.uri] ??= []).push({ range: positionsOf(edit.uri).range(edit.offset, edit.length), newText: edit.newText });
  return {
    title: action.title,
    kind: action.kind === 'quickfix' ? CodeActionKind.QuickFix : CodeActionKind.RefactorRewrite,
    diagnostics: [toDiagnostic(action.finding, at, positionsOf, docUrl)],
    isPreferred: action.preferred ?? false,
    edit: { changes },
  };
}

const SYMBOL_KIND = { section: SymbolKind.Namespace, list: SymbolKind.Array, entry: SymbolKind.String, setting: SymbolKind.Property } as const;

export function toSymbol(s: OutlineSymbol, at: Positions): DocumentSymbol {
  return DocumentSymbol.create(
    s.name || '(empty)',
    s.detail,
    SYMBOL_KIND[s.kind],
    at.range(s.offset, s.length),
    at.range(s.selectionOffset, s.selectionLength),
    s.children.map((c) => toSymbol(c, at)),
  );
}

export function toFoldingRange(r: FoldRange, at: Positions): FoldingRange {
  return { startLine: at.position(r.startOffset).line, endLine: at.position(r.endOffset).line };
}

/** The deciding rules with the ranges where they are written (built-in rules have none). */
export function toExplainResult(result: ServiceExplainResult, positionsOf: PositionsOf): ExplainResult {
  return {
    ...result,
    rules: result.rules.map((r) => {
      const { offset, length, ...rule } = r;
      return offset === undefined || length === undefined ? rule : { ...rule, range: positionsOf(r.file).range(offset, length) };
    }),
  };
}
