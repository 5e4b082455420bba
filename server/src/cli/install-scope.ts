import { UsageError } from './io';

/** `--scope`: a project's hook (the default) or a user-level one. */
export function installScope(value: string | undefined): 'project' | 'user' {
  if (value === undefined || value === 'project' || value === 'user') return value ?? 'project';
  throw new UsageError('--scope is project or user');
}
