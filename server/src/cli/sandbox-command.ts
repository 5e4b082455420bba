import { stringify } from 'yaml';
import type { PolicySet } from '#core';
import { EXIT, UsageError, type CliIo } from './io';

/**
 * `agent-policy sandbox --emit compose`: the container boundary for the agent, from the policy:
 * no new privileges, every capability dropped, a read-only root file system, the source mounted
 * read-only, one writable scratch volume, and no network at all when `allow_outbound` is false.
 */
export function runSandbox(set: PolicySet, io: CliIo, emit: string | undefined): number {
  if (emit !== 'compose') throw new UsageError('sandbox needs --emit compose');
  const outbound = set.rules.network?.allowOutbound ?? false;
  const exceptions = set.rules.network?.exceptions.map((e) => e.entry.pattern) ?? [];
  const agent: Record<string, unknown> = {
    image: '${AGENT_IMAGE:-node:20-bookworm-slim}',
    working_dir: '/workspace',
    user: '${AGENT_UID:-1000}:${AGENT_GID:-1000}',
    read_only: true,
    security_opt: ['no-new-privileges:true'],
    cap_drop: ['ALL'],
    volumes: [
      { type: 'bind', source: '.', target: '/workspace', read_only: true },
      { type: 'volume', source: 'agent-scratch', target: '/scratch' },
    ],
    tmpfs: ['/tmp:rw,noexec,nosuid,size=256m'],
    environment: { HOME: '/scratch', TMPDIR: '/tmp' },
  };
  if (!outbound) agent.network_mode = 'none';
  const header = [
    '# The agent container boundary, written by "agent-policy sandbox --emit compose" from .agent-policy.yml.',
    `# network: ${outbound ? 'outbound allowed by the policy' : 'none (allow_outbound is false)'}${!outbound && exceptions.length ? `; the exceptions (${exceptions.join(', ')}) need an egress proxy, which this file does not add, so they are blocked here too` : ''}`,
    '# Agent Policy still decides every action inside the container (its hooks run there); this is the third layer.',
  ];
  io.stdout(`${header.join('\n')}\n${stringify({ services: { agent }, volumes: { 'agent-scratch': {} } })}`);
  return EXIT.ok;
}
