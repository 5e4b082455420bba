import { LATEST_VERSION, SCHEMAS, isSupportedVersion } from '#core';

/** The parts of a JSON Schema (draft 7) that completion and hover read. */
export interface JsonSchema {
  title?: string;
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  $ref?: string;
  definitions?: Record<string, JsonSchema>;
  minimum?: number;
  pattern?: string;
}

/** A subschema with its references resolved, and the name of the definition it came from. */
export interface ResolvedSchema {
  schema: JsonSchema;
  /** The last `#/definitions/x` followed, e.g. `glob` or `command_pattern`. */
  definition: string | undefined;
  /** The description written where the schema was referenced, which wins over the definition's. */
  description: string | undefined;
}

/** The schema a policy file is validated against: the version's root schema, or its override definition. */
export function schemaFor(version: string | undefined, kind: 'root' | 'override'): { root: JsonSchema; top: ResolvedSchema } {
  const root = SCHEMAS[version !== undefined && isSupportedVersion(version) ? version : LATEST_VERSION] as JsonSchema;
  const top = kind === 'root' ? resolve(root, root) : resolve(root, { $ref: '#/definitions/override' });
  return { root, top };
}

function resolve(root: JsonSchema, schema: JsonSchema): ResolvedSchema {
  let current = schema;
  let definition: string | undefined;
  const description = schema.description;
  for (let hops = 0; current.$ref && hops < 16; hops++) {
    const name = /^#\/definitions\/(.+)$/.exec(current.$ref)?.[1];
    const next = name === undefined ? undefined : root.definitions?.[name];
    if (!next) break;
    definition = name;
    current = next;
  }
  return { schema: current, definition, description: description ?? current.description };
}

/** The subschema at a path of keys and sequence indices, or undefined where the schema has none. */
export function schemaAt(root: JsonSchema, top: ResolvedSchema, path: readonly (string | number)[]): ResolvedSchema | undefined {
  let current: ResolvedSchema = top;
  for (const step of path) {
    const next = typeof step === 'number' ? current.schema.items : current.schema.properties?.[step];
    if (!next) return undefined;
    current = resolve(root, next);
  }
  return current;
}

export function isObjectSchema(schema: JsonSchema): boolean {
  return schema.type === 'object' || schema.properties !== undefined;
}

export function typeLabel(schema: JsonSchema): string {
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'value');
  if (type === 'array' && schema.items)
    return `array of ${typeLabel(schema.items.$ref ? { type: schema.items.$ref.split('/').pop() ?? 'value' } : schema.items)}`;
  return type;
}
