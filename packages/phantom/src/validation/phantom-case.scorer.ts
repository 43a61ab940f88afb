import type { Vec3 } from '@polyrad/sdk';
import type { ChestPhantomTruth } from '../chest-phantom.generator.js';
import type { CaseScore, FindingOutcome, ReferenceNodule, ReportFinding, ValidationReport } from './validation.types.js';
import { isNotAssessed, numericOutcome } from './finding-outcome.js';
import { highestLungRads } from './lung-rads.reference.js';
import { scoreNodules } from './nodule.scorer.js';
import {
  agatstonTolerance,
  aortaDiameterTolerance,
  heartVolumeTolerance,
  laa950Tolerance,
  lungVolumeTolerance,
  trabecularTolerance,
} from './validation-tolerance.js';

const distance = (a: Vec3, b: Vec3): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** phantom nodules and masses as reference lesions */
export function phantomReferenceNodules(truth: ChestPhantomTruth): ReferenceNodule[] {
  return truth.nodules.map((n) => ({ center: n.center, longAxisMm: n.longAxisMm, shortAxisMm: n.shortAxisMm, type: n.type }));
}

/** the examination's Lung-RADS truth: the highest of the phantom's per-nodule categories, 1 without nodules */
export const phantomLungRads = (truth: ChestPhantomTruth): string => highestLungRads(truth.nodules.map((n) => n.lungRads));

/**
 * The spine plugin's attenuation is the mean over the fully covered vertebral bodies it did not grade as
 * fractured; the truth is the same mean over the phantom's complete, unfractured vertebrae.
 */
export function phantomTrabecularHu(truth: ChestPhantomTruth): number | undefined {
  const bodies = truth.spine.vertebrae.filter((v) => v.complete && v.genantGrade === 0);
  return bodies.length ? bodies.reduce((s, v) => s + v.trabecularHu, 0) / bodies.length : undefined;
}

/**
 * Fractures per vertebra: every reported fracture is assigned to the nearest phantom vertebra (within
 * 20 mm of its centre). A truth fracture must be reported there with its Genant grade (Genant HK et
 * al., JBMR 1993;8:1137-1148); a reported fracture where the truth has none is a false positive. When
 * the spine was measured and a truth fracture is not reported, the report implies "no fracture" - a
 * wrong negative; when the plugin declined, it is not assessed.
 */
/** Genant's names of grades 0-3, as the spine plugin's categories give them */
const GENANT_NAMES = ['none', 'mild', 'moderate', 'severe'];

export function scoreFractures(caseId: string, findings: ReportFinding[], truth: ChestPhantomTruth): FindingOutcome[] {
  const vertebrae = truth.spine.vertebrae;
  const reported = findings.filter((f) => f.code === 'spine.fracture');
  const declined = reported.find(isNotAssessed);
  const graded = reported.filter((f) => !isNotAssessed(f) && Array.isArray(f.center));
  const density = findings.find((f) => f.code === 'spine.trabecular_attenuation');
  const spineMeasured = graded.length > 0 || (density !== undefined && !isNotAssessed(density));
  const assigned = new Map<number, ReportFinding>();
  const outcomes: FindingOutcome[] = [];
  for (const f of graded) {
    const nearest = vertebrae.reduce((a, b) => (distance(b.center, f.center!) < distance(a.center, f.center!) ? b : a), vertebrae[0]);
    if (nearest && distance(nearest.center, f.center!) <= 20 && nearest.genantGrade > 0 && !assigned.has(nearest.index)) assigned.set(nearest.index, f);
    else outcomes.push({ caseId, code: 'spine.fracture', status: 'measured', reported: f.value ?? '', truth: 0, within: false, note: `false positive: grade ${f.value} where the truth has no fracture` });
  }
  // a fracture of a body cut by the field of view need not be found, but is right when it is
  for (const v of vertebrae.filter((t) => t.genantGrade > 0 && (t.complete || assigned.has(t.index)))) {
    const base = { caseId, code: 'spine.fracture', truth: v.genantGrade };
    const f = assigned.get(v.index);
    if (f) {
      const grade = Number(f.value);
      // a borderline grade ("borderline moderate/severe") is right when the truth is either of its two
      const borderline = f.indeterminate?.between.includes(GENANT_NAMES[v.genantGrade]) === true;
      outcomes.push({ ...base, status: 'measured', reported: grade, error: Math.abs(grade - v.genantGrade), errorUnit: 'grade', within: grade === v.genantGrade || borderline, ...(f.indeterminate ? { note: f.indeterminate.reason } : {}) });
    } else if (declined) outcomes.push({ ...base, status: 'not-assessed', note: declined.reason ?? 'no reason given' });
    else if (spineMeasured) {
      outcomes.push({ ...base, status: 'measured', reported: 0, within: false, wrongNegative: true, note: `grade ${v.genantGrade} ${v.fracture ?? ''} fracture not reported although the spine was measured (implied "no fracture")` });
    } else outcomes.push({ ...base, status: density ? 'not-assessed' : 'missing', note: density?.reason ?? 'spine not reported' });
  }
  return outcomes;
}

/** CAC: the Agatston score within tolerance AND its CAC-DRS class right; "0" or a score of 0 against a calcified truth is a wrong negative. */
export function scoreCalcium(caseId: string, findings: ReportFinding[], truth: ChestPhantomTruth): FindingOutcome[] {
  const score = numericOutcome(caseId, findings, 'heart.cac.agatston', truth.heart.agatston, agatstonTolerance);
  const category = findings.find((f) => f.code === 'heart.cac.category');
  const base = { caseId, code: 'heart.cac.category', truth: truth.heart.cacDrs };
  let classOutcome: FindingOutcome;
  if (!category) classOutcome = { ...base, status: 'missing', note: 'not reported' };
  else if (isNotAssessed(category)) classOutcome = { ...base, status: 'not-assessed', note: category.reason ?? 'no reason given' };
  else {
    const reported = String(category.value);
    const wrongNegative = reported === '0' && truth.heart.cacDrs !== '0';
    classOutcome = { ...base, status: 'measured', reported, within: reported === truth.heart.cacDrs, ...(wrongNegative ? { wrongNegative, note: `CAC-DRS 0 but the truth is ${truth.heart.cacDrs}` } : {}) };
  }
  if (score.status === 'measured') {
    if (score.reported === 0 && truth.heart.agatston > 0) {
      score.wrongNegative = true;
      score.note = `Agatston 0 but the truth is ${Math.round(truth.heart.agatston)}`;
    }
    if (score.within && classOutcome.status === 'measured' && !classOutcome.within) {
      score.within = false;
      score.note = `score within tolerance but CAC-DRS ${classOutcome.reported} against ${truth.heart.cacDrs}`;
    }
  }
  return [score, classOutcome];
}

/** Every finding of one phantom case compared with the phantom's truth. */
export function scorePhantomCase(caseId: string, report: ValidationReport, truth: ChestPhantomTruth): CaseScore {
  const f = report.findings;
  const outcomes: FindingOutcome[] = [
    numericOutcome(caseId, f, 'lung.right.volume', truth.lungVolumeMl.right, lungVolumeTolerance),
    numericOutcome(caseId, f, 'lung.left.volume', truth.lungVolumeMl.left, lungVolumeTolerance),
    numericOutcome(caseId, f, 'lung.laa950', truth.laa950Percent.total, laa950Tolerance),
    numericOutcome(caseId, f, 'lung.right.laa950', truth.laa950Percent.right, laa950Tolerance),
    numericOutcome(caseId, f, 'lung.left.laa950', truth.laa950Percent.left, laa950Tolerance),
    numericOutcome(caseId, f, 'heart.volume', truth.heart.volumeMl, heartVolumeTolerance),
    ...scoreCalcium(caseId, f, truth),
    numericOutcome(caseId, f, 'aorta.ascending.diameter', truth.aorta.ascendingDiameterMm, aortaDiameterTolerance),
    numericOutcome(caseId, f, 'aorta.descending.diameter', truth.aorta.descendingDiameterMm, aortaDiameterTolerance),
  ];
  const trabecular = phantomTrabecularHu(truth);
  if (trabecular !== undefined) outcomes.push(numericOutcome(caseId, f, 'spine.trabecular_attenuation', trabecular, trabecularTolerance));
  outcomes.push(...scoreFractures(caseId, f, truth));
  const nodules = scoreNodules(caseId, f, phantomReferenceNodules(truth), phantomLungRads(truth));
  outcomes.push(...nodules.outcomes);
  return {
    caseId,
    outcomes,
    nodules: nodules.nodules,
    falsePositives: nodules.falsePositives,
    failures: report.algorithms.filter((a) => a.status === 'failed').map((a) => `${a.id}: ${a.reason ?? 'failed'}`),
  };
}
