import { RequestType } from 'vscode-languageserver/node';
import type { ProtocolRequest } from '#protocol/request';

/** The LSP request type of one of our protocol's requests: its handler and its senders are typed by the one definition. */
export function lspRequest<Params, Result>(request: ProtocolRequest<Params, Result>): RequestType<Params, Result, void> {
  return new RequestType<Params, Result, void>(request.method);
}
