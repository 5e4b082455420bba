import type { ProtocolRequest } from './request';

/**
 * The local approval service's wire format. The editor listens on a Unix socket (a named pipe on
 * Windows) in the state folder and publishes it in SERVICE_INFO_FILE; an agent runtime's hook (the
 * CLI's `hook`, or VS Code's agent's plugin hook, vscode-hook/main.ts) connects, sends one JSON line
 * (a ServiceRequest) and reads one JSON line back (a ServiceAnswer). host/approval-service.ts is
 * both ends.
 */
export const approvalServiceRequest: ProtocolRequest<ServiceRequest, ServiceAnswer> = {
  /** Not sent: the connection carries this one request. */
  method: 'approval-service/decide',
  direction: 'hook-to-editor',
};

export const SERVICE_INFO_FILE = 'approval-service.json';

export interface ServiceInfo {
  socket: string;
  token: string;
  pid: number;
  started_at: string;
}

export interface ServiceRequest {
  token: string;
  /** The action as the core takes it (`{"action":"filesystem.write","path":...}`). */
  action?: unknown;
  /**
   * Instead of an action: a whole hook payload of the runtime (VS Code's built-in agent's plugin
   * hook), which the editor decides, records and, for an ask, puts to the person itself.
   */
  hook?: Record<string, unknown>;
  /** Who asks: `claude-code`, `cursor`, ... */
  runtime: string;
  agent_id?: string;
  /** For a file write: the proposed content, shown beside the current one. */
  proposed_content?: string;
  timeout_ms?: number;
  /** A fresh random value: the answer's MAC covers it, so an answer cannot be replayed. */
  nonce?: string;
}

export interface ServiceReply {
  decision: 'allow' | 'deny';
  reason: string;
  /** Set when a human was asked. */
  approval_id?: string;
  status?: string;
  /**
   * HMAC of the answer and the request's nonce by the log's seal key (seal-file.ts): the client
   * honours only an answer from a service that holds the seal, never one from whoever could write
   * the info file in the state folder and listen on a socket of their own.
   */
  mac?: string;
}

/** A request the service would not take (no token, not JSON, too large, no action): never a decision. */
export interface ServiceError {
  error: string;
}

export type ServiceAnswer = ServiceReply | ServiceError;
