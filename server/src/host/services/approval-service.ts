import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { ensurePrivateDir } from '../files/state-dir';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeAtomic } from '../files/durable-file';
import { answerMac, answerMacValid, requestBinding, sealStateKey } from '../audit/seal-file';
import type { ApprovalStatus } from '#core';
import { SERVICE_INFO_FILE, type ServiceAnswer, type ServiceError, type ServiceInfo, type ServiceReply, type ServiceRequest } from '#protocol/approval-service';
import type { Approver } from '../enforcer';

/**
 * The local approval service (its wire format: protocol/approval-service.ts): the editor listens on
 * a Unix socket (a named pipe on Windows) and external agent runtimes' hook adapters ask it for a
 * human's decision. Only this user can reach it (the socket and its info file are 0600 in the 0700
 * state folder) and every request must carry the session's token, which is written only to that
 * info file.
 */
const MAX_REQUEST_BYTES = 1024 * 1024;

export type ServiceHandler = (request: Omit<ServiceRequest, 'token'>) => Promise<ServiceReply>;

export interface RunningService {
  info: ServiceInfo;
  close(): Promise<void>;
}

/** Where the socket goes: the state folder, or a private temp folder when that path is too long for a socket. */
export function socketPath(stateDir: string): string {
  const digest = createHash('sha256').update(stateDir).digest('hex').slice(0, 16);
  if (process.platform === 'win32') return `\\\\.\\pipe\\agent-policy-${digest}`;
  const inState = join(stateDir, 'approval.sock');
  if (Buffer.byteLength(inState) <= 100) return inState;
  // A fresh private folder (mkdtemp: this user's, 0700, a name no one could create first);
  // clients find the socket through the info file. A fixed /tmp/agent-policy-UID could be squatted.
  const dir = mkdtempSync(join(tmpdir(), 'agent-policy-'));
  return join(dir, `${digest}.sock`);
}

export async function startApprovalService(
  stateDir: string,
  handle: ServiceHandler,
  sealKey: () => string | undefined = () => sealStateKey(join(stateDir, 'audit')),
): Promise<RunningService> {
  ensurePrivateDir(stateDir);
  const socket = socketPath(stateDir);
  if (process.platform !== 'win32') rmSync(socket, { force: true });
  const token = randomBytes(32).toString('hex');
  const server = createServer((connection) => serve(connection, token, handle, sealKey));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  if (process.platform !== 'win32') chmodSync(socket, 0o600);
  const info: ServiceInfo = { socket, token, pid: process.pid, started_at: new Date().toISOString() };
  const infoFile = join(stateDir, SERVICE_INFO_FILE);
  writeAtomic(infoFile, JSON.stringify(info, null, 2));
  chmodSync(infoFile, 0o600);
  return { info, close: () => stop(server, socket, infoFile, token) };
}

async function stop(server: Server, socket: string, infoFile: string, token: string): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // Remove the info file only if it is still ours (another window may have taken over).
  try {
    if ((JSON.parse(readFileSync(infoFile, 'utf8')) as ServiceInfo).token === token) {
      rmSync(infoFile, { force: true });
      if (process.platform !== 'win32') rmSync(socket, { force: true });
    }
  } catch {
    /* already gone */
  }
  // The private temp folder a long state path's socket lives in is this service's alone.
  const folder = dirname(socket);
  if (process.platform !== 'win32' && dirname(folder) === tmpdir() && basename(folder).startsWith('agent-policy-'))
    rmSync(folder, { recursive: true, force: true });
}

function serve(connection: Socket, token: string, handle: ServiceHandler, sealKey: () => string | undefined): void {
  let buffered = '';
  let binding: string | undefined;
  connection.setEncoding('utf8');
  const reply = (body: ServiceAnswer): void => {
    // Read after deciding: the decision's own audit entry may be the one that created the seal.
    const key = 'decision' in body && binding !== undefined ? sealKey() : undefined;
    connection.end(`${JSON.stringify(key !== undefined && binding !== undefined ? { ...body, mac: answerMac(key, binding, body as ServiceReply) } : body)}\n`);
  };
  connection.on('error', () => connection.destroy());
  connection.on('data', (chunk: string) => {
    buffered += chunk;
    if (buffered.length > MAX_REQUEST_BYTES) return reply({ error: 'request too large' });
    const nl = buffered.indexOf('\n');
    if (nl < 0) return;
    connection.removeAllListeners('data');
    let request: ServiceRequest;
    try {
      request = JSON.parse(buffered.slice(0, nl)) as ServiceRequest;
    } catch {
      return reply({ error: 'the request is not JSON' });
    }
    if (!sameToken(request.token, token)) return reply({ error: 'bad token' });
    if (typeof request.nonce === 'string' && /^[0-9a-f]{32,64}$/.test(request.nonce)) binding = requestBinding(request.nonce, buffered.slice(0, nl));
    const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (typeof request.runtime !== 'string' || !(isObject(request.action) || isObject(request.hook)))
      return reply({ error: 'a request needs "action" or "hook" (an object) and "runtime"' });
    const { token: _omit, nonce: _nonce, ...rest } = request;
    handle(rest).then(reply, (error: unknown) => reply({ decision: 'deny', reason: `the approval service failed: ${(error as Error).message}` }));
  });
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The running service's info, or undefined when no editor is serving this state folder. */
export function readServiceInfo(stateDir: string): ServiceInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(stateDir, SERVICE_INFO_FILE), 'utf8')) as ServiceInfo;
    return typeof info.socket === 'string' && typeof info.token === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Asks the editor's approval service. Resolves undefined when no service answers (the caller
 * falls back to its runtime's own prompt); a reply of `{error}` becomes a denial.
 */
export async function askApprovalService(
  stateDir: string,
  request: Omit<ServiceRequest, 'token'>,
  timeoutMs = 60 * 60 * 1000,
): Promise<ServiceReply | undefined> {
  const info = readServiceInfo(stateDir);
  if (!info) return undefined;
  const nonce = randomBytes(16).toString('hex');
  return new Promise((resolve) => {
    const connection = createConnection(info.socket);
    let text = '';
    let connected = false;
    const timer = setTimeout(() => {
      connection.destroy();
      resolve({ decision: 'deny', reason: 'no answer from the approval service in time' });
    }, timeoutMs);
    connection.setEncoding('utf8');
    const line = JSON.stringify({ ...request, token: info.token, nonce });
    connection.on('connect', () => {
      connected = true;
      connection.write(`${line}\n`);
    });
    connection.on('data', (chunk: string) => (text += chunk));
    connection.on('error', () => {
      clearTimeout(timer);
      resolve(connected ? { decision: 'deny', reason: 'the approval service closed the connection' } : undefined);
    });
    connection.on('end', () => {
      clearTimeout(timer);
      try {
        const body = JSON.parse(text) as Partial<ServiceReply & ServiceError>;
        if (typeof body.error === 'string') return resolve({ decision: 'deny', reason: `the approval service refused the request: ${body.error}` });
        const reason = typeof body.reason === 'string' ? body.reason : 'the approval service gave no reason';
        if (!answerMacValid(sealStateKey(join(stateDir, 'audit')), requestBinding(nonce, line), body))
          return resolve({
            decision: 'deny',
            reason: `the approval service's answer is not authenticated by this log's seal (a service that is not Agent Policy's, or an answer meant for another request), so it is not honoured`,
          });
        // Only an explicit allow allows; anything else from the service is a denial.
        resolve({ ...body, decision: body.decision === 'allow' ? 'allow' : 'deny', reason });
      } catch {
        resolve({ decision: 'deny', reason: 'the approval service sent an unreadable answer' });
      }
    });
  });
}

/** The editor's approval service as an approver: undefined (nobody to ask) when no editor serves this state folder. */
export function approvalServiceApprover(stateDir: string): Approver {
  return {
    async ask(request) {
      const reply = await askApprovalService(
        stateDir,
        {
          action: request.action,
          runtime: request.actor.runtime,
          ...(request.actor.agentId ? { agent_id: request.actor.agentId } : {}),
          ...(request.proposedContent !== undefined ? { proposed_content: request.proposedContent } : {}),
          timeout_ms: request.timeoutMs,
        },
        request.timeoutMs,
      );
      if (!reply) return undefined;
      // A reply without a request id never reached a person (a timeout, a refusal): keep the policy's reason with it.
      const reason = reply.approval_id || reply.decision === 'allow' ? reply.reason : `${request.result.reason}; ${reply.reason}, so it is denied`;
      return { allowed: reply.decision === 'allow', reason, approvalId: reply.approval_id, status: approvalStatus(reply.status) };
    },
  };
}

function approvalStatus(value: string | undefined): ApprovalStatus | undefined {
  return value === 'pending' || value === 'approved' || value === 'denied' || value === 'expired' ? value : undefined;
}
