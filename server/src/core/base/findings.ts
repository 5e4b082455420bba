import { CODES, type Code } from './codes';
import type { Finding, RelatedLocation, TextEdit } from './types';

export interface FindingInput {
  uri: string;
  offset: number;
  length: number;
  message: string;
  related?: RelatedLocation[];
  fix?: TextEdit;
}

export function finding(code: Code, input: FindingInput): Finding {
  const result: Finding = {
    code,
    severity: CODES[code].severity,
    message: input.message,
    uri: input.uri,
    offset: input.offset,
    length: input.length,
    related: input.related ?? [],
    blocking: CODES[code].blocking,
  };
  if (input.fix) result.fix = input.fix;
  return result;
}

export function isBlocking(f: Finding): boolean {
  return f.blocking && f.severity === 'error';
}
