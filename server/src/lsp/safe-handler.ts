import { LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';

/**
 * Runs every handler the same way: a request cancelled before or while it ran is answered as
 * cancelled (LSP's RequestCancelled), and one that throws is logged and answered with its fallback,
 * so one bad request never takes the session down. A fallback is never more permissive than the
 * answer it stands for (explain's is a denial).
 */
export function safeHandlers(log: (message: string) => void) {
  return {
    request<P, R>(name: string, fallback: (error: unknown) => R, handler: (params: P) => R | Promise<R>) {
      return async (params: P, token: CancellationToken): Promise<R | ResponseError<void>> => {
        if (token.isCancellationRequested) return cancelled(name);
        try {
          const result = await handler(params);
          return token.isCancellationRequested ? cancelled(name) : result;
        } catch (error) {
          log(`agent-policy: ${name} failed: ${messageOf(error)}`);
          return fallback(error);
        }
      };
    },
    notification<P>(name: string, handler: (params: P) => void) {
      return (params: P): void => {
        try {
          handler(params);
        } catch (error) {
          log(`agent-policy: ${name} failed: ${messageOf(error)}`);
        }
      };
    },
  };
}

function cancelled(name: string): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, `${name} was cancelled`);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
