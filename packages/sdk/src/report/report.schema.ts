import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { REJECTION_REASONS, type Report } from './report.types.js';

const vec3 = { type: 'array', items: { type: 'number' }, minItems: 3, maxItems: 3 } as const;
const findingCode = { type: 'string', pattern: '^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*$' } as const;
const readerStamp = { reader: { type: 'string', minLength: 1 }, at: { type: 'string', format: 'date-time' } } as const;

const versionList = { type: 'array', items: { type: 'object', required: ['id', 'version'], properties: { id: { type: 'string' }, version: { type: 'string' } } } } as const;
const comparedFinding = { type: 'object', required: ['code', 'value', 'unit'], properties: { code: findingCode, value: { type: 'number' }, unit: { type: 'string' } } } as const;

/** JSON Schema of report.json; Report is its TypeScript mirror. */
export const reportSchema = {
  $id: 'https://polyrad.dev/schemas/report.json',
  type: 'object',
  required: ['study', 'series', 'algorithms', 'findings', 'impression', 'warnings', 'status', 'disclaimer', 'generatedAt', 'generator'],
  additionalProperties: false,
  // a signed report names who signed it and when
  if: { properties: { status: { const: 'signed' } }, required: ['status'] },
  then: { required: ['signedBy', 'signedAt'] },
  properties: {
    study: {
      type: 'object',
      required: ['studyInstanceUid', 'patientId', 'studyDate', 'accessionNumber'],
      additionalProperties: false,
      properties: {
        studyInstanceUid: { type: 'string' },
        patientId: { type: 'string' },
        studyDate: { type: 'string' },
        accessionNumber: { type: 'string' },
      },
    },
    series: {
      type: 'array',
      items: {
        type: 'object',
        required: ['seriesInstanceUid', 'modality', 'fingerprint'],
        additionalProperties: false,
        properties: {
          seriesInstanceUid: { type: 'string' },
          modality: { type: 'string' },
          fingerprint: { type: 'object' },
          decisions: {
            type: 'array',
            items: {
              type: 'object',
              required: ['pluginId', 'pluginVersion', 'matched', 'score', 'reason'],
              properties: {
                pluginId: { type: 'string' },
                pluginVersion: { type: 'string' },
                matched: { type: 'boolean' },
                score: { type: 'number' },
                reason: { type: 'string' },
              },
            },
          },
        },
      },
    },
    algorithms: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'version', 'status'],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          version: { type: 'string' },
          status: { enum: ['succeeded', 'failed', 'skipped'] },
          reason: { type: 'string' },
          durationMs: { type: 'number', minimum: 0 },
          seriesInstanceUid: { type: 'string' },
          selection: { type: 'string' },
        },
      },
    },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'assessment', 'value', 'unit', 'algorithm', 'seriesInstanceUid'],
        // not assessed: no value, no category, no judgement, and a reason; measured: a value
        if: { properties: { assessment: { const: 'not-assessed' } }, required: ['assessment'] },
        dependentRequired: { indeterminate: ['category'] },
        then: { required: ['reason'], properties: { value: { type: 'null' }, reason: { minLength: 1 } }, not: { anyOf: [{ required: ['category'] }, { required: ['abnormal'] }, { required: ['indeterminate'] }] } },
        else: { properties: { value: { type: ['number', 'string'] } } },
        properties: {
          code: findingCode,
          assessment: { enum: ['measured', 'not-assessed'] },
          value: { type: ['number', 'string', 'null'] },
          unit: { type: 'string' },
          reason: { type: 'string' },
          category: { type: 'string' },
          indeterminate: {
            type: 'object',
            required: ['between', 'cutoff', 'margin', 'reason'],
            properties: {
              between: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 },
              cutoff: { type: 'number' },
              margin: { type: 'number', exclusiveMinimum: 0 },
              reason: { type: 'string', minLength: 1 },
            },
          },
          reference: {
            type: 'object',
            required: ['text', 'source'],
            properties: { min: { type: 'number' }, max: { type: 'number' }, text: { type: 'string' }, source: { type: 'string' } },
          },
          algorithm: {
            type: 'object',
            required: ['id', 'version'],
            properties: { id: { type: 'string' }, version: { type: 'string' } },
          },
          seriesInstanceUid: { type: 'string' },
          label: { type: 'string', minLength: 1 },
          center: vec3,
          review: {
            type: 'object',
            required: ['action', 'reader', 'at'],
            additionalProperties: false,
            properties: {
              action: { enum: ['accepted', 'rejected', 'edited'] },
              value: { type: ['number', 'string'] },
              category: { type: 'string' },
              reason: { enum: REJECTION_REASONS },
              note: { type: 'string' },
              ...readerStamp,
            },
          },
        },
      },
    },
    readerFindings: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'value', 'unit', 'reader', 'at'],
        additionalProperties: false,
        properties: { code: findingCode, value: { type: ['number', 'string'] }, unit: { type: 'string' }, category: { type: 'string' }, note: { type: 'string' }, ...readerStamp },
      },
    },
    readerImpression: { type: 'string' },
    comparison: {
      type: 'object',
      required: ['status', 'prior', 'current'],
      // not assessed says why
      if: { properties: { status: { const: 'not-assessed' } } },
      then: { required: ['reason'], properties: { reason: { minLength: 1 } } },
      properties: {
        status: { enum: ['assessed', 'not-assessed'] },
        reason: { type: 'string' },
        prior: {
          type: 'object',
          required: ['studyInstanceUid', 'studyDate', 'algorithms'],
          properties: { studyInstanceUid: { type: 'string' }, studyDate: { type: 'string' }, accessionNumber: { type: 'string' }, algorithms: versionList },
        },
        current: { type: 'object', required: ['algorithms'], properties: { algorithms: versionList } },
        intervalDays: { type: 'number' },
        priorResults: { enum: ['stored', 'analysed again', 'retrieved from PACS'] },
        registration: { type: 'object', properties: { translationMm: vec3, rotationDeg: vec3, centreMm: vec3, lungDice: { type: 'number' }, boneDice: { type: 'number' } } },
        newFindings: { type: 'array', items: comparedFinding },
        resolvedFindings: { type: 'array', items: comparedFinding },
        unmeasuredPriorFindings: { type: 'array', items: comparedFinding },
      },
    },
    signedBy: { type: 'string', minLength: 1 },
    signedAt: { type: 'string', format: 'date-time' },
    amendments: { type: 'array', items: { type: 'object', required: ['reader', 'at'], additionalProperties: false, properties: { ...readerStamp } } },
    impression: { type: 'string' },
    warnings: { type: 'array', items: { type: 'string' } },
    priority: {
      type: 'object',
      required: ['level', 'reasons'],
      properties: { level: { enum: ['urgent', 'routine'] }, reasons: { type: 'array', items: { type: 'string' } } },
    },
    status: { enum: ['draft', 'signed'] },
    disclaimer: { type: 'string', minLength: 1 },
    generatedAt: { type: 'string', format: 'date-time' },
    generator: {
      type: 'object',
      required: ['name', 'version'],
      properties: { name: { const: 'polyrad' }, version: { type: 'string' } },
    },
  },
} as const;

// Compiled on first use, so importing the SDK stays cheap for plugin workers.
let validate: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (!validate) {
    const ajv = new Ajv2020.default({ allErrors: true, strict: false });
    addFormats.default(ajv);
    validate = ajv.compile(reportSchema);
  }
  return validate;
}

/** Problems with a report against the schema, as "path message" lines; empty when valid. */
export function reportSchemaErrors(report: unknown): string[] {
  const validate = validator();
  return validate(report) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

export function isValidReport(report: unknown): report is Report {
  return reportSchemaErrors(report).length === 0;
}
