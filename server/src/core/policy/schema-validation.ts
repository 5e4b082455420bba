import type { ErrorObject } from 'ajv';
import { VALIDATORS } from './schema-validators.generated';

export type SchemaKind = 'root' | 'override';

export interface SchemaError {
  /** Path of keys/indices to the offending value. */
  path: (string | number)[];
  /** When the error is about a key (unknown key), the key itself. */
  key?: string;
  message: string;
}

/** A validator compiled at build time (scripts/schema-validators.mjs), so loading a policy compiles nothing. */
interface Validator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

function validatorFor(version: string, kind: SchemaKind): Validator | undefined {
  const byVersion = VALIDATORS as Record<string, Record<SchemaKind, Validator>>;
  return Object.prototype.hasOwnProperty.call(byVersion, version) ? byVersion[version]?.[kind] : undefined;
}

/** Validates a parsed policy against its version's schema; an unknown version yields no errors here. */
export function validateAgainstSchema(value: unknown, version: string, kind: SchemaKind): SchemaError[] {
  const validate = validatorFor(version, kind);
  if (!validate || validate(value)) return [];
  return (validate.errors ?? []).filter(isReportable).map(toSchemaError);
}

function isReportable(error: ErrorObject): boolean {
  // `oneOf`/`anyOf` summaries repeat what their branches already said.
  return error.keyword !== 'oneOf' && error.keyword !== 'anyOf' && error.keyword !== 'if';
}

function toSchemaError(error: ErrorObject): SchemaError {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const where = path.length ? `"${path.join('.')}"` : 'the policy';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      return { path, key, message: `Unknown key "${key}" in ${where}.` };
    }
    case 'required':
      return { path, message: `${where} is missing the required key "${String(params.missingProperty)}".` };
    case 'enum':
      return { path, message: `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}.` };
    case 'type':
      return { path, message: `${where} must be ${article(String(params.type))}.` };
    default:
      return { path, message: `${where} ${error.message ?? 'is not valid'}.` };
  }
}

function article(type: string): string {
  return type === 'array' || type === 'object' || type === 'integer' ? `an ${type}` : `a ${type}`;
}
