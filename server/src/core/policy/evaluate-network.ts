import { describeEndpoint, endpointMatches, parseEndpoint } from '../base/network';
import type { PolicySet } from './policy-set';
import { at, ref, type Verdict } from './verdict';

export function decideEndpoint(set: PolicySet, raw: unknown): Verdict {
  if (typeof raw !== 'string') return { decision: 'deny', reason: 'network.request: the url or host is missing or not a string', rules: [] };
  const endpoint = parseEndpoint(raw);
  if (!endpoint) return { decision: 'deny', reason: `network.request ${JSON.stringify(raw)}: not a URL or host name that can be parsed`, rules: [] };
  const what = `network.request ${describeEndpoint(endpoint)}`;
  const network = set.rules.network;
  if (!network) return { decision: 'deny', reason: `${what}: the policy has no network section, so outbound requests are denied`, rules: [] };
  const exception = network.exceptions.find((e) => endpointMatches(e.endpoint, endpoint));
  const outbound = network.allowOutboundEntry ? [ref(network.allowOutboundEntry)] : [];
  if (network.allowOutbound) {
    if (exception)
      return {
        decision: 'deny',
        reason: `${what}: denied by exception "${exception.entry.pattern}" (${at(exception.entry)}) to allow_outbound: true`,
        rules: [ref(exception.entry)],
      };
    return { decision: 'allow', reason: `${what}: allow_outbound is true`, rules: outbound };
  }
  if (exception)
    return { decision: 'allow', reason: `${what}: allowed by exception "${exception.entry.pattern}" (${at(exception.entry)})`, rules: [ref(exception.entry)] };
  return { decision: 'deny', reason: `${what}: allow_outbound is false and the host is not an exception`, rules: outbound };
}
