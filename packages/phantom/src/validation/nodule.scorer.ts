import type { FindingOutcome, NoduleOutcome, ReferenceNodule, ReportFinding } from './validation.types.js';
import { isNotAssessed } from './finding-outcome.js';
import { contradictsLungRads } from './lung-rads.reference.js';
import { matchNodules, reportedNodules } from './nodule.matcher.js';
import { MAX_FALSE_POSITIVES_PER_SCAN, NODULE_MIN_MM, noduleSizeTolerance } from './validation-tolerance.js';

export interface NoduleScore {
  outcomes: FindingOutcome[];
  nodules: NoduleOutcome[];
  falsePositives: number | null;
}

/**
 * Scores the nodule findings of one scan against its reference lesions: each lesion >= 6 mm must be
 * found (a missed lesion is out of tolerance when the plugin measured, "not assessed" when it
 * declined), its long axis within tolerance; at most 2 unmatched reports >= 6 mm; and the Lung-RADS
 * category equal to `referenceLungRads` (exact truth) or, with `lowerBoundOnly`, not a negative
 * statement below it (readers' annotations give no exact category).
 */
export function scoreNodules(
  caseId: string,
  findings: ReportFinding[],
  references: ReferenceNodule[],
  referenceLungRads: string | undefined,
  lowerBoundOnly = false,
): NoduleScore {
  const lungRads = findings.find((f) => f.code === 'lung.lungrads');
  const declined = findings.filter((f) => ['lung.nodule', 'lung.mass', 'lung.lungrads'].includes(f.code) && isNotAssessed(f));
  const measured = lungRads !== undefined && !isNotAssessed(lungRads);
  const notAssessedNote = declined[0]?.reason ?? (lungRads ? 'no reason given' : 'no Lung-RADS finding reported');
  const required = references.filter((r) => r.longAxisMm >= NODULE_MIN_MM);
  const match = matchNodules(reportedNodules(findings), references);
  const nodules: NoduleOutcome[] = [];
  const outcomes: FindingOutcome[] = [];
  for (const reference of required) {
    const pair = match.pairs.find((p) => p.reference === reference);
    const base = { caseId, code: 'lung.nodule', truth: round1(reference.longAxisMm) };
    if (pair) {
      const size = noduleSizeTolerance(pair.reported.longAxisMm, reference.longAxisMm);
      nodules.push({ caseId, reference, status: 'found', reportedLongAxisMm: pair.reported.longAxisMm, distanceMm: pair.distanceMm, sizeWithin: size.within });
      outcomes.push({ ...base, status: 'measured', reported: pair.reported.longAxisMm, error: size.error, errorUnit: size.errorUnit, within: size.within });
    } else if (measured) {
      nodules.push({ caseId, reference, status: 'missed' });
      outcomes.push({ ...base, status: 'measured', within: false, note: `${reference.type} lesion of ${round1(reference.longAxisMm)} mm not found` });
    } else {
      nodules.push({ caseId, reference, status: 'not-assessed' });
      outcomes.push({ ...base, status: 'not-assessed', note: notAssessedNote });
    }
  }
  const falsePositives = measured ? match.unmatchedReported.filter((r) => r.longAxisMm >= NODULE_MIN_MM).length : null;
  if (falsePositives !== null) {
    outcomes.push({
      caseId,
      code: 'lung.nodule.false-positives',
      status: 'measured',
      reported: falsePositives,
      truth: 0,
      error: falsePositives,
      errorUnit: 'per scan',
      within: falsePositives <= MAX_FALSE_POSITIVES_PER_SCAN,
    });
  }
  if (referenceLungRads !== undefined) {
    const base = { caseId, code: 'lung.lungrads', truth: referenceLungRads };
    if (!lungRads) outcomes.push({ ...base, status: 'missing', note: 'not reported' });
    else if (!measured) outcomes.push({ ...base, status: 'not-assessed', note: notAssessedNote });
    else {
      const reported = String(lungRads.value);
      const wrongNegative = contradictsLungRads(reported, referenceLungRads);
      const within = lowerBoundOnly ? !wrongNegative : reported === referenceLungRads;
      outcomes.push({
        ...base,
        status: 'measured',
        reported,
        within,
        ...(wrongNegative ? { wrongNegative, note: `Lung-RADS ${reported} but the reference implies ${lowerBoundOnly ? 'at least ' : ''}${referenceLungRads}` } : {}),
      });
    }
  }
  return { outcomes, nodules, falsePositives };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
