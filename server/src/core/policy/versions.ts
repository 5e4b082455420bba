import schema10 from '../../../../schemas/policy-1.0.schema.json';
import schema21 from '../../../../schemas/policy-2.1.schema.json';

/** The policy versions this runtime enforces, each with its JSON Schema (the single source). */
export const SCHEMAS: Readonly<Record<string, object>> = {
  '1.0': schema10,
  '2.1': schema21,
};

export const SUPPORTED_VERSIONS: readonly string[] = Object.keys(SCHEMAS);

export const LATEST_VERSION = '2.1';

export function isSupportedVersion(version: string): boolean {
  return Object.prototype.hasOwnProperty.call(SCHEMAS, version);
}
