import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancellationTokenSource, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { denied } from '../../server/src/lsp/handlers';
import { safeHandlers } from '../../server/src/lsp/safe-handler';

// Every request of the language server runs through one wrapper (server/src/lsp/safe-handler.ts).
describe('the language server runs every handler safely', () => {
  const logged: string[] = [];
  const safe = safeHandlers((m) => logged.push(m));
  const live = new CancellationTokenSource().token;

  it('answers a handler that throws with its fallback, and logs why, instead of failing the session', async () => {
    const handler = safe.request(
      'hover',
      () => null,
      () => {
        throw new Error('the YAML parser broke');
      },
    );
    assert.equal(await handler({}, live), null);
    assert.match(logged.at(-1) ?? '', /hover failed: the YAML parser broke/);
  });

  it("answers explain's failure with a denial that names the failure: a fallback never allows", async () => {
    const handler = safe.request(
      'explain',
      (e) => denied(`the language server failed to decide: ${(e as Error).message}`),
      async () => {
        await Promise.resolve();
        throw new Error('no shell parser');
      },
    );
    const answer = await handler({}, live);
    assert.ok(!(answer instanceof ResponseError));
    assert.equal(answer.decision, 'deny');
    assert.equal(answer.allowed, false);
    assert.match(answer.reason, /no shell parser/);
  });

  it('answers a request cancelled before it runs, or while it ran, as cancelled (the handler does not run, or its result is dropped)', async () => {
    const before = new CancellationTokenSource();
    before.cancel();
    let ran = false;
    const early = await safe.request(
      'completion',
      () => [],
      () => ((ran = true), ['x']),
    )({}, before.token);
    assert.ok(early instanceof ResponseError && early.code === LSPErrorCodes.RequestCancelled);
    assert.equal(ran, false);

    const during = new CancellationTokenSource();
    const late = await safe.request(
      'completion',
      () => [],
      async () => {
        during.cancel();
        await Promise.resolve();
        return ['x'];
      },
    )({}, during.token);
    assert.ok(late instanceof ResponseError && late.code === LSPErrorCodes.RequestCancelled);
  });

  it('keeps a notification that throws from reaching the connection, and logs it', () => {
    safe.notification('didChange', () => {
      throw new Error('bad change');
    })({});
    assert.match(logged.at(-1) ?? '', /didChange failed: bad change/);
  });
});
