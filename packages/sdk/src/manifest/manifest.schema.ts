/** JSON Schema (draft 2020-12) of manifest.json; AlgorithmManifest is its TypeScript mirror. */
const semverPattern = '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?$';
const typeIdPattern = '^[a-z][a-z0-9-]*(\\.[a-z0-9-]+)+$';

const criterion = {
  type: 'object',
  required: ['field', 'op'],
  properties: {
    field: { type: 'string', minLength: 1 },
    op: { enum: ['equals', 'in', 'regex', 'range', 'exists', 'contains'] },
    value: {},
    flags: { type: 'string', pattern: '^[imsu]*$' },
    min: { type: 'number' },
    max: { type: 'number' },
    required: { type: 'boolean' },
    weight: { type: 'number', minimum: 0 },
    description: { type: 'string' },
    instances: { enum: ['any', 'all'] },
  },
  additionalProperties: false,
  allOf: [
    { if: { properties: { op: { enum: ['equals', 'regex', 'contains'] } } }, then: { required: ['value'] } },
    { if: { properties: { op: { const: 'in' } } }, then: { required: ['value'], properties: { value: { type: 'array', minItems: 1 } } } },
    { if: { properties: { op: { const: 'regex' } } }, then: { properties: { value: { type: 'string' } } } },
    { if: { properties: { op: { const: 'range' } } }, then: { anyOf: [{ required: ['min'] }, { required: ['max'] }] } },
  ],
} as const;

export const manifestSchema = {
  $id: 'https://polyrad.dev/schemas/manifest.json',
  type: 'object',
  required: ['id', 'name', 'version', 'description', 'vendor', 'engines', 'entry', 'series', 'consumes', 'produces', 'findings', 'limits'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: typeIdPattern, maxLength: 128 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    version: { type: 'string', pattern: semverPattern },
    description: { type: 'string', minLength: 1 },
    intendedUse: { type: 'string' },
    vendor: {
      type: 'object',
      required: ['id', 'name'],
      additionalProperties: false,
      properties: { id: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' }, name: { type: 'string' }, url: { type: 'string' } },
    },
    engines: {
      type: 'object',
      required: ['sdk'],
      additionalProperties: false,
      properties: { sdk: { type: 'string', minLength: 1 }, polyrad: { type: 'string', minLength: 1 } },
    },
    entry: { type: 'string', minLength: 1 },
    series: {
      type: 'object',
      required: ['criteria'],
      additionalProperties: false,
      properties: { criteria: { type: 'array', items: criterion } },
    },
    consumes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'range'],
        additionalProperties: false,
        properties: { type: { type: 'string', pattern: typeIdPattern }, range: { type: 'string', minLength: 1 }, optional: { type: 'boolean' } },
      },
    },
    produces: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'version'],
        additionalProperties: false,
        properties: {
          type: { type: 'string', pattern: typeIdPattern },
          version: { type: 'string', pattern: semverPattern },
          description: { type: 'string' },
          kind: { enum: ['mask', 'volume', 'json'] },
          schema: { type: 'object' },
        },
      },
    },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'unit'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', pattern: '^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*$' },
          label: { type: 'string', minLength: 1, maxLength: 200 },
          unit: { type: 'string' },
          description: { type: 'string' },
        },
      },
    },
    config: { type: 'object' },
    limits: {
      type: 'object',
      required: ['timeoutMs', 'memoryMb'],
      additionalProperties: false,
      properties: { timeoutMs: { type: 'integer', minimum: 100, maximum: 3600000 }, memoryMb: { type: 'integer', minimum: 16, maximum: 65536 } },
    },
    models: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'sha256', 'provenance'],
        additionalProperties: false,
        properties: { path: { type: 'string' }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, provenance: { type: 'string' } },
      },
    },
  },
} as const;
