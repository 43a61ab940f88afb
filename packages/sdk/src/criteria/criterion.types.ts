/**
 * One condition on a series, evaluated on its fingerprint (DICOM keywords verbatim for header
 * attributes, camelCase for measured fields). `required` criteria gate; `weight` ranks candidates.
 */
export type Criterion =
  | (CriterionBase & { op: 'equals'; value: string | number | boolean })
  | (CriterionBase & { op: 'in'; value: Array<string | number> })
  | (CriterionBase & { op: 'regex'; value: string; flags?: string })
  | (CriterionBase & { op: 'range'; min?: number; max?: number })
  | (CriterionBase & { op: 'exists' })
  | (CriterionBase & { op: 'contains'; value: string | number });

export interface CriterionBase {
  /** fingerprint field or DICOM keyword, e.g. "Modality", "SliceThickness", "bodyRegions" */
  field: string;
  /** a gate unless false; optional criteria only add to the score */
  required?: boolean;
  weight?: number;
  /** why the plugin asks for this, shown in match explanations */
  description?: string;
  /**
   * Judge the header attribute on every instance of the series instead of the series fingerprint:
   * 'any' passes when one instance passes (a localizer among axial images), 'all' only when each does
   * (every image ORIGINAL, not DERIVED).
   */
  instances?: 'any' | 'all';
}

export interface CriterionResult {
  criterion: Criterion;
  passed: boolean;
  /** the value found on the series, for the explanation */
  actual: unknown;
}

export interface MatchDecision {
  pluginId: string;
  pluginVersion: string;
  matched: boolean;
  /** sum of weights of passed criteria over sum of all weights, 0..1 */
  score: number;
  results: CriterionResult[];
  /** one sentence: why it (does not) apply */
  reason: string;
}
