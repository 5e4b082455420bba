/** Host names compare exactly after URL parsing: userinfo, ports, trailing dots and IDN are normalised. */

export interface Endpoint {
  host: string;
  /** The explicit port, '' when the URL used its scheme's default (or none). */
  port: string;
}

const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

function hostOf(url: URL): string {
  let host = url.hostname.toLowerCase();
  while (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

/** Parses a URL, or a bare `host[:port]`, into an endpoint. */
export function parseEndpoint(input: string): Endpoint | undefined {
  const text = input.trim();
  if (text === '' || /[\u0000-\u0020\u007f]/.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(HAS_SCHEME.test(text) ? text : `http://${text}`);
  } catch {
    return undefined;
  }
  const host = hostOf(url);
  if (host === '') return undefined;
  return { host, port: url.port };
}

/** Parses a policy exception: a host name with an optional port, nothing else. */
export function parseException(input: string): Endpoint | undefined {
  if (HAS_SCHEME.test(input) || /[/@?#\s]/.test(input)) return undefined;
  const endpoint = parseEndpoint(input);
  if (!endpoint || !/^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/.test(endpoint.host)) return undefined;
  return endpoint;
}

export function endpointMatches(exception: Endpoint, request: Endpoint): boolean {
  return exception.host === request.host && exception.port === request.port;
}

export function describeEndpoint(e: Endpoint): string {
  return e.port ? `${e.host}:${e.port}` : e.host;
}

/** `git@github.com:org/repo.git` (scp-like syntax) → its host. */
export function scpLikeHost(arg: string): string | undefined {
  const m = /^(?:[^@/\s]+@)?([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\]):(?!\/\/)/.exec(arg);
  return m?.[1];
}
