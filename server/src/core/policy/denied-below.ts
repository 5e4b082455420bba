import { acceptsWithPrefix, globLanguage, UndecidableGlobError } from '../globs/glob-language';
import type { PolicySet } from './policy-set';
import type { PathRule } from './rule-index';

/**
 * A directory argument (`grep -r x secrets`, `grep -r x .`) reaches the denied directories below
 * it. Only denies with a literal base count: a root-wide carve-out such as `**` + `/.env*` could
 * match below any directory, and treating every word as a read of it would deny everything.
 */
export function deniedBelow(set: PolicySet, path: string): PathRule | undefined {
  const prefix = path === '' ? '' : `${set.environment.caseInsensitive ? path.toLowerCase() : path}/`;
  for (const deny of set.rules.fileDeny.withBaseAtOrBelow(path)) {
    if (deny.glob.absolute !== path.startsWith('/')) continue;
    if (deny.scope !== '' && !(deny.scope + '/').startsWith(prefix) && !prefix.startsWith(deny.scope + '/')) continue;
    try {
      if (acceptsWithPrefix(globLanguage(deny.glob.pattern, set.environment.caseInsensitive), prefix)) return deny;
    } catch (error) {
      if (!(error instanceof UndecidableGlobError)) throw error;
      return deny;
    }
  }
  return undefined;
}
