// A scripted model on 127.0.0.1 for the real agent runtimes: it speaks the Anthropic Messages API
// (Claude Code, and Copilot CLI in its bring-your-own-key `anthropic` mode), the OpenAI Responses
// API (Codex) and the Gemini API (Gemini CLI), all streaming over SSE.
//
// A test gives it a script: one tool call per model turn (in that runtime's own tool names), then a
// final text answer. Which step a request gets is read from the conversation it carries (how many
// tool calls of ours the history already holds), not from a counter, so retries and the runtimes'
// side requests (titles, token counts, quota probes, Gemini's routing and next-speaker checks) never
// consume the script: a request that offers no tools is a side request and gets a plain answer.
// Every request body is recorded so a test can read what the runtime sent back (a denial's text,
// whether a secret reached the model).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ToolCall {
  /** The runtime's own tool name (`Write`, `exec_command`, `write_file`, `create`, …). */
  tool: string;
  /** The tool's arguments; a string is a freeform (custom) tool's input, as Codex's `apply_patch`. */
  input: Record<string, unknown> | string;
}

export interface Script {
  calls: ToolCall[];
  /** The last turn's text (default "Done."). */
  final?: string;
}

export type Api = 'anthropic' | 'openai' | 'gemini';

export interface RecordedRequest {
  api: Api | 'other';
  method: string;
  path: string;
  /** `main` when it offered tools (a turn of the agent's loop), `side` otherwise. */
  kind: 'main' | 'side';
  /** The script step served (index into calls; calls.length = the final answer), for main requests. */
  step?: number;
  body: unknown;
  /** The raw body text, for searching (e.g. that a secret never reached the model). */
  text: string;
}

export interface ModelServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Every string in the agent-loop requests (JSON decoded), joined: what the model was shown. */
  shown(): string;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export async function startModelServer(script: Script, options: { log?: (line: string) => void } = {}): Promise<ModelServer> {
  const requests: RecordedRequest[] = [];
  const final = script.final ?? 'Done.';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      try {
        handle(req, res, body, text);
      } catch (error) {
        options.log?.(`error ${String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(error) } }));
      }
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, body: unknown, text: string): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const record = (api: RecordedRequest['api'], kind: RecordedRequest['kind'], step?: number) => {
      requests.push({ api, method, path, kind, ...(step === undefined ? {} : { step }), body, text });
      options.log?.(`${method} ${req.url} ${api} ${kind}${step === undefined ? '' : ` step ${step}`}`);
    };
    const b = isObject(body) ? body : {};

    // Anthropic Messages API.
    if (method === 'POST' && path.endsWith('/messages/count_tokens')) {
      record('anthropic', 'side');
      return json(res, { input_tokens: Math.ceil(text.length / 4) });
    }
    if (method === 'POST' && path.endsWith('/messages')) {
      const tools = asArray(b.tools);
      if (tools.length === 0) {
        record('anthropic', 'side');
        return anthropic(res, b, { text: 'OK' });
      }
      const step = asArray(b.messages).filter(
        (m) =>
          isObject(m) &&
          m.role === 'assistant' &&
          asArray(m.content).some((c) => isObject(c) && c.type === 'tool_use' && String(c.id).startsWith('toolu_script')),
      ).length;
      record('anthropic', 'main', step);
      const call = script.calls[step];
      return anthropic(res, b, call ? { call, id: `toolu_script${step}` } : { text: final });
    }

    // OpenAI Responses API.
    if (method === 'POST' && path.endsWith('/responses')) {
      const tools = asArray(b.tools);
      if (tools.length === 0) {
        record('openai', 'side');
        return responses(res, { text: 'OK' });
      }
      const step = asArray(b.input).filter(
        (i) => isObject(i) && (i.type === 'function_call' || i.type === 'custom_tool_call') && String(i.call_id).startsWith('call_script'),
      ).length;
      record('openai', 'main', step);
      const call = script.calls[step];
      return responses(res, call ? { call, id: `call_script${step}` } : { text: final });
    }
    if (method === 'GET' && path.endsWith('/models')) {
      record('openai', 'side');
      return json(res, { object: 'list', data: [], models: [] });
    }

    // Gemini API: /v1beta/models/MODEL:method
    const gemini = /:(streamGenerateContent|generateContent|countTokens)$/.exec(path);
    if (method === 'POST' && gemini) {
      if (gemini[1] === 'countTokens') {
        record('gemini', 'side');
        return json(res, { totalTokens: Math.ceil(text.length / 4) });
      }
      const tools = asArray(b.tools).flatMap((t) => (isObject(t) ? asArray(t.functionDeclarations) : []));
      const stream = gemini[1] === 'streamGenerateContent';
      if (tools.length === 0) {
        record('gemini', 'side');
        const config = isObject(b.generationConfig) ? b.generationConfig : {};
        // Side requests that want JSON (routing, next-speaker, loop checks) get an object that says
        // "the user speaks next, use the default model, no loop".
        const answer =
          config.responseMimeType === 'application/json' || config.responseJsonSchema || config.responseSchema
            ? JSON.stringify({
                reasoning: 'scripted',
                next_speaker: 'user',
                model_choice: 'flash',
                is_stuck: false,
                unproductive_state_analysis: 'none',
                unproductive_state_confidence: 0,
              })
            : 'OK';
        return geminiReply(res, stream, { text: answer });
      }
      // Gemini CLI does not send back the ids it was given: count the model turns that called a function.
      const at = asArray(b.contents).filter(
        (c) => isObject(c) && c.role === 'model' && asArray(c.parts).some((p) => isObject(p) && isObject(p.functionCall)),
      ).length;
      record('gemini', 'main', at);
      const call = script.calls[at];
      return geminiReply(res, stream, call ? { call, id: `script${at}` } : { text: final });
    }

    record('other', 'side');
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `scripted model server: no route for ${method} ${path}` } }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    shown: () =>
      requests
        .filter((r) => r.kind === 'main')
        .flatMap((r) => strings(r.body))
        .join('\n'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isObject(value)) return Object.values(value).flatMap(strings);
  return [];
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

type Turn = { call: ToolCall; id: string } | { text: string };

function sse(res: ServerResponse, events: Array<[string | undefined, unknown]>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const [event, data] of events) res.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
  res.end();
}

let counter = 0;

function anthropic(res: ServerResponse, body: Json, turn: Turn): void {
  const id = `msg_scripted${++counter}`;
  const model = typeof body.model === 'string' ? body.model : 'claude-sonnet-4-5';
  const usage = { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const block = 'call' in turn ? { type: 'tool_use', id: turn.id, name: turn.call.tool, input: turn.call.input } : { type: 'text', text: turn.text };
  const stopReason = 'call' in turn ? 'tool_use' : 'end_turn';
  if (body.stream !== true) {
    return json(res, { id, type: 'message', role: 'assistant', model, content: [block], stop_reason: stopReason, stop_sequence: null, usage });
  }
  const start = 'call' in turn ? { type: 'tool_use', id: turn.id, name: turn.call.tool, input: {} } : { type: 'text', text: '' };
  const delta = 'call' in turn ? { type: 'input_json_delta', partial_json: JSON.stringify(turn.call.input) } : { type: 'text_delta', text: turn.text };
  sse(res, [
    [
      'message_start',
      {
        type: 'message_start',
        message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
      },
    ],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: start }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 20 } }],
    ['message_stop', { type: 'message_stop' }],
  ]);
}

function responses(res: ServerResponse, turn: Turn): void {
  const id = `resp_scripted${++counter}`;
  let item: Json;
  if ('call' in turn) {
    item =
      typeof turn.call.input === 'string'
        ? { type: 'custom_tool_call', id: `ctc_${turn.id}`, status: 'completed', call_id: turn.id, name: turn.call.tool, input: turn.call.input }
        : {
            type: 'function_call',
            id: `fc_${turn.id}`,
            status: 'completed',
            call_id: turn.id,
            name: turn.call.tool,
            arguments: JSON.stringify(turn.call.input),
          };
  } else {
    item = { type: 'message', id: `msg_${id}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: turn.text, annotations: [] }] };
  }
  const usage = {
    input_tokens: 100,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 20,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 120,
  };
  sse(res, [
    ['response.created', { type: 'response.created', response: { id, object: 'response', status: 'in_progress', output: [] } }],
    ['response.output_item.added', { type: 'response.output_item.added', output_index: 0, item }],
    ['response.output_item.done', { type: 'response.output_item.done', output_index: 0, item }],
    ['response.completed', { type: 'response.completed', response: { id, object: 'response', status: 'completed', output: [item], usage } }],
  ]);
}

function geminiReply(res: ServerResponse, stream: boolean, turn: Turn): void {
  const part = 'call' in turn ? { functionCall: { id: turn.id, name: turn.call.tool, args: turn.call.input } } : { text: turn.text };
  const chunk = {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 20, totalTokenCount: 120 },
    modelVersion: 'gemini-2.5-flash',
  };
  if (!stream) return json(res, chunk);
  sse(res, [[undefined, chunk]]);
}
