import type { Criterion, CriterionResult, MatchDecision } from './criterion.types.js';
import type { SeriesFingerprint } from './series-fingerprint.js';

/** The platform's fingerprint, or a partial one written by hand (plugin tests). */
export type Fingerprint = Partial<SeriesFingerprint> | Readonly<Record<string, unknown>>;

function asArray(actual: unknown): unknown[] {
  return Array.isArray(actual) ? actual : [actual];
}

function passes(criterion: Criterion, actual: unknown): boolean {
  if (criterion.op === 'exists') return actual !== undefined && actual !== null && actual !== '';
  if (actual === undefined || actual === null) return false;
  // Multi-valued fields (e.g. ImageType, bodyRegions) pass when any value passes.
  const values = asArray(actual);
  switch (criterion.op) {
    case 'equals':
      return values.some((v) => v === criterion.value || String(v) === String(criterion.value));
    case 'in':
      return values.some((v) => criterion.value.some((c) => c === v || String(c) === String(v)));
    case 'regex': {
      const re = new RegExp(criterion.value, criterion.flags ?? 'i');
      return values.some((v) => re.test(String(v)));
    }
    case 'range':
      return values.some((v) => {
        const n = typeof v === 'number' ? v : Number(v);
        if (!Number.isFinite(n)) return false;
        return (criterion.min === undefined || n >= criterion.min) && (criterion.max === undefined || n <= criterion.max);
      });
    case 'contains':
      return values.some((v) => String(v).toLowerCase().includes(String(criterion.value).toLowerCase()));
  }
}

function describe(criterion: Criterion): string {
  const scope = criterion.instances ? `${criterion.instances === 'all' ? 'every' : 'some'} instance: ` : '';
  return scope + describeTest(criterion);
}

function describeTest(criterion: Criterion): string {
  switch (criterion.op) {
    case 'exists':
      return `${criterion.field} present`;
    case 'range':
      return `${criterion.field} in [${criterion.min ?? '-inf'}, ${criterion.max ?? 'inf'}]`;
    case 'in':
      return `${criterion.field} in ${JSON.stringify(criterion.value)}`;
    default:
      return `${criterion.field} ${criterion.op} ${JSON.stringify(criterion.value)}`;
  }
}

/**
 * Scores a plugin's series criteria against one fingerprint and says why, without running plugin code.
 * `instances` (each instance's header attributes, DICOM keywords) serves criteria with `instances: any|all`;
 * without it those criteria are judged on the fingerprint.
 */
export function matchCriteria(
  plugin: { id: string; version: string },
  criteria: Criterion[],
  fingerprint: Fingerprint,
  instances?: ReadonlyArray<Readonly<Record<string, unknown>>>,
): MatchDecision {
  const results: CriterionResult[] = criteria.map((criterion) => {
    if (criterion.instances && instances && instances.length > 0) {
      const values = instances.map((instance) => instance[criterion.field]);
      const passed = criterion.instances === 'all' ? values.every((v) => passes(criterion, v)) : values.some((v) => passes(criterion, v));
      // the explanation shows the distinct values found across the series
      const distinct = [...new Map(values.map((v) => [JSON.stringify(v ?? null), v])).values()];
      return { criterion, actual: distinct, passed };
    }
    const actual = (fingerprint as Readonly<Record<string, unknown>>)[criterion.field];
    return { criterion, actual, passed: passes(criterion, actual) };
  });
  const totalWeight = results.reduce((sum, r) => sum + (r.criterion.weight ?? 1), 0);
  const passedWeight = results.reduce((sum, r) => sum + (r.passed ? (r.criterion.weight ?? 1) : 0), 0);
  const failedRequired = results.filter((r) => r.criterion.required !== false && !r.passed);
  const matched = failedRequired.length === 0;
  const reason = matched
    ? `all required criteria passed (${results.filter((r) => r.passed).map((r) => describe(r.criterion)).join('; ') || 'none declared'})`
    : `required criteria failed: ${failedRequired
        .map((r) => `${describe(r.criterion)} (found ${JSON.stringify(r.actual ?? null)})`)
        .join('; ')}`;
  return {
    pluginId: plugin.id,
    pluginVersion: plugin.version,
    matched,
    score: totalWeight === 0 ? 1 : passedWeight / totalWeight,
    results,
    reason,
  };
}
