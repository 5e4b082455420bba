/**
 * One request of a protocol between two of our processes: its name, who sends it to whom, and (as
 * types only) what it carries and what comes back. Each side builds its transport's request from
 * the one definition (lsp/typed-requests.ts, client/src/language-client.ts), so the two sides cannot
 * drift apart.
 */
export interface ProtocolRequest<Params, Result> {
  readonly method: string;
  readonly direction: Direction;
  /** Never set: carries the types. */
  readonly types?: { params: Params; result: Result };
}

export type Direction =
  /** The editor's language client asks the language server. */
  | 'client-to-server'
  /** An agent runtime's hook (our hook process) asks the editor's approval service. */
  | 'hook-to-editor';

export type ParamsOf<R> = R extends ProtocolRequest<infer P, unknown> ? P : never;
export type ResultOf<R> = R extends ProtocolRequest<unknown, infer T> ? T : never;
