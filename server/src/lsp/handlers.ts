import type {
  CodeAction,
  CodeActionParams,
  CompletionItem,
  CompletionParams,
  DocumentSymbol,
  DocumentSymbolParams,
  FoldingRange,
  FoldingRangeParams,
  Hover,
  HoverParams,
} from 'vscode-languageserver/node';
import { codeActions } from '#service/code-actions';
import { complete } from '#service/completion';
import { explain } from '#service/explain';
import { hover } from '#service/hover';
import { documentSymbols, foldingRanges } from '#service/outline';
import { parseLenient } from '#service/yaml-position';
import type { ExplainParams, ExplainResult } from '#protocol/language-server';
import { toCodeAction, toCompletionItem, toExplainResult, toFoldingRange, toHover, toSymbol } from './converters';
import { Positions } from './positions';
import type { PolicySession } from './session';

/** Each request the server answers: find the file in the session, ask the language service, convert. */
export function requestHandlers(session: PolicySession, docUrl: (code: string) => string) {
  const positionsOf = (uri: string): Positions => session.positions(uri);
  return {
    completion: async (params: CompletionParams): Promise<CompletionItem[]> => {
      const file = await session.policyFile(params.textDocument.uri);
      return file ? complete(file.workspace, file.uri, file.at.offset(params.position)).map((e) => toCompletionItem(e, file.at)) : [];
    },

    hover: async (params: HoverParams): Promise<Hover | null> => {
      const file = await session.policyFile(params.textDocument.uri);
      const result = file && hover(file.workspace, file.uri, file.at.offset(params.position));
      return file && result ? toHover(result, file.at) : null;
    },

    codeActions: async (params: CodeActionParams): Promise<CodeAction[]> => {
      const file = await session.policyFile(params.textDocument.uri);
      if (!file) return [];
      const start = file.at.offset(params.range.start);
      return codeActions(file.workspace, file.uri, start, file.at.offset(params.range.end) - start).map((a) => toCodeAction(a, file.at, positionsOf, docUrl));
    },

    documentSymbols: (params: DocumentSymbolParams): DocumentSymbol[] => {
      const text = session.text(params.textDocument.uri);
      return text === undefined ? [] : documentSymbols(parseLenient(text)).map((s) => toSymbol(s, new Positions(text)));
    },

    foldingRanges: (params: FoldingRangeParams): FoldingRange[] => {
      const text = session.text(params.textDocument.uri);
      if (text === undefined) return [];
      const at = new Positions(text);
      return foldingRanges(parseLenient(text), text).map((r) => toFoldingRange(r, at));
    },

    explain: async (params: ExplainParams | null): Promise<ExplainResult> => {
      const workspace = await session.loaded();
      return workspace
        ? toExplainResult(explain(workspace, params ?? {}), positionsOf)
        : denied('no workspace folder is open, so there is no policy to decide by');
    },
  };
}

/** An explain answer that decides nothing in the agent's favour. */
export function denied(reason: string): ExplainResult {
  return { action: {}, decision: 'deny', allowed: false, requires_approval: false, reason, rules: [] };
}
