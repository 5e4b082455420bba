import { coveredBy, relation, type PathRule } from '#core';

/**
 * Rewrites a root deny of a whole directory (`P/**`) so that it no longer covers what an
 * override allows below it (`P/a/b/**` or the single path `P/a/b`): the explicit exception the
 * conflict asks for. Globs have no negation here, so "any segment except `a`" is spelled as
 * alternatives that differ from `a` at some character, or are a proper prefix of it, or extend it.
 * The result is checked with the glob automata before it is offered: the new denies cover exactly
 * the old deny minus the allow. Returns undefined when the rule shapes are not these, or the check fails.
 */
export function denyWithException(deny: PathRule, allow: PathRule, caseInsensitive: boolean): string[] | undefined {
  const d = deny.glob.pattern;
  const a = allow.glob.pattern;
  if (deny.glob.absolute || allow.glob.absolute || !d.endsWith('/**')) return undefined;
  const base = d.slice(0, -3);
  if (!isLiteral(base) || base === '') return undefined;
  const recursive = a.endsWith('/**');
  const target = recursive ? a.slice(0, -3) : a;
  if (!isLiteral(target) || !target.startsWith(`${base}/`) || target.length - base.length > 200) return undefined;
  const below = target.slice(base.length + 1).split('/');
  const result: string[] = [];
  let prefix = base;
  below.forEach((segment, i) => {
    const others = otherSegments(segment);
    const last = i === below.length - 1;
    if (recursive) result.push(`${prefix}/*`);
    else result.push(`${prefix}/${others}`);
    result.push(`${prefix}/${others}/**`);
    prefix = `${prefix}/${segment}`;
    if (!recursive && !last) result.push(prefix);
  });
  if (!recursive) result.push(`${target}/**`);
  return exact(d, a, result, caseInsensitive) ? result : undefined;
}

function isLiteral(path: string): boolean {
  return !/[*?[\]{}()!@+\\,]/.test(path) && !path.split('/').some((s) => s === '' || s === '.' || s === '..');
}

/** A brace group matching every non-empty segment except `name`. */
function otherSegments(name: string): string {
  const parts: string[] = [];
  for (let i = 0; i < name.length; i++) {
    const head = name.slice(0, i);
    if (i > 0) parts.push(head);
    parts.push(`${head}[^${escapeClass(name[i] as string)}]*`);
  }
  parts.push(`${name}?*`);
  return `{${parts.join(',')}}`;
}

function escapeClass(c: string): string {
  return /[\]\\^]/.test(c) ? `\\${c}` : c;
}

function exact(deny: string, allow: string, replacement: string[], caseInsensitive: boolean): boolean {
  try {
    for (const r of replacement) {
      if (!relation(r, deny, caseInsensitive).subset) return false;
      if (relation(r, allow, caseInsensitive).example !== undefined) return false;
    }
    return coveredBy(deny, [...replacement, allow], caseInsensitive);
  } catch {
    return false;
  }
}
