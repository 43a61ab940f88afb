import { categoriseMeasurement, categoryFields, notAssessed, type AlgorithmFinding, type CategoryScale } from '@polyrad/sdk';
import type { SpineAnalysis, VertebraMeasurement } from './spine.analyzer.js';
import { MIN_DENSITY_BODIES, MIN_GRADED_BODIES, densityExclusion, densitySpreadFailure, gradingExclusion, gradingRangeFailure, heightLossMarginPercent, mayBeFractured, missedLevels, untracedEnds } from './spine-quality.gate.js';

export type BoneDensityCategory = 'normal' | 'osteopenia' | 'osteoporosis';

/**
 * Measurement error of the mean trabecular attenuation: ±20 HU, the tolerance the validation holds the
 * plugin to (README "Validation"; packages/phantom validation-tolerance.ts, trabecularTolerance). Its
 * p95 error on the reporting seeds was 3.9 HU, but real levels differ by tens of HU, so the validated
 * bound, not the phantom's spread, decides the band.
 */
export const TRABECULAR_ERROR_HU = 20;

/**
 * Opportunistic screening bands for trabecular attenuation (Pickhardt PJ et al., Ann Intern Med
 * 2013;158:588-595, L1 at routine CT): <= 110 HU osteoporosis (threshold of high specificity),
 * 110-160 HU osteopenia (<= 160 HU: 90 % sensitivity for osteoporosis), > 160 HU normal; each cut-off
 * with a borderline band of ±TRABECULAR_ERROR_HU.
 */
export const BONE_DENSITY_SCALE: CategoryScale<BoneDensityCategory> = {
  categories: ['osteoporosis', 'osteopenia', 'normal'],
  cutoffs: [
    { at: 110, equalGoesTo: 'below', margin: TRABECULAR_ERROR_HU },
    { at: 160, equalGoesTo: 'below', margin: TRABECULAR_ERROR_HU },
  ],
  unit: 'HU',
};

/** Genant categories by grade; grade 0 (no height loss of 20 % or more) is stated only when measured */
export const FRACTURE_CATEGORIES = ['none', 'mild', 'moderate', 'severe'] as const;

/**
 * Genant semiquantitative grade of a vertebral height loss: 1 mild 20-25 %, 2 moderate 25-40 %,
 * 3 severe > 40 %, 0 below 20 % (Genant HK et al., J Bone Miner Res 1993;8:1137-1148).
 */
export function genantGrade(heightLossPercent: number): 0 | 1 | 2 | 3 {
  if (heightLossPercent < 20) return 0;
  if (heightLossPercent < 25) return 1;
  if (heightLossPercent <= 40) return 2;
  return 3;
}

const PICKHARDT = 'Pickhardt PJ et al., Ann Intern Med 2013;158:588-595';
const GENANT = 'Genant HK et al., J Bone Miner Res 1993;8:1137-1148';
const GENANT_TEXT = 'vertebral height loss: < 20 % normal (grade 0); grade 1 mild 20-25 %, grade 2 moderate 25-40 %, grade 3 severe > 40 %';
const round1 = (x: number): number => Math.round(x * 10) / 10;
const roundHeights = (h: VertebraMeasurement['heightsMm']): VertebraMeasurement['heightsMm'] => ({
  anterior: round1(h.anterior),
  middle: round1(h.middle),
  posterior: round1(h.posterior),
});
const levels = (vs: VertebraMeasurement[]): string => vs.map((v) => v.center[2].toFixed(0)).join(', ');

/** What the findings depend on beyond the analysis: the series' slice spacing and contrast phase. */
export interface SpineFindingContext {
  sliceSpacingMm: number;
  /** IV contrast in the header or measured (raises trabecular attenuation, Pickhardt 2016: ~10 HU in the portal phase) */
  contrast: boolean;
}

/** vertebrae whose trabecular attenuation counts: they pass the ROI checks and are not (possibly) fractured */
export function densityVertebrae(analysis: SpineAnalysis, sliceSpacingMm: number): VertebraMeasurement[] {
  return analysis.vertebrae.filter((v) => densityExclusion(v, analysis.vertebrae) === undefined && !mayBeFractured(v, sliceSpacingMm));
}

/** can be graded: fully covered, thin enough slices, and the body passes the grading checks */
function isGraded(v: VertebraMeasurement, sliceSpacingMm: number): boolean {
  return v.complete && gradingRangeFailure(sliceSpacingMm) === undefined && gradingExclusion(v, sliceSpacingMm) === undefined;
}

/** graded with a height loss of grade 1 or more (a fracture compacts bone and raises its attenuation) */
export function isFractured(v: VertebraMeasurement, sliceSpacingMm: number): boolean {
  return isGraded(v, sliceSpacingMm) && genantGrade(v.heightLossPercent) > 0;
}

/**
 * spine.trabecular_attenuation: the mean over the bodies that pass the ROI checks and are not
 * fractured (a chest CT rarely shows L1, and the levels are not numbered), or not assessed when fewer
 * than MIN_DENSITY_BODIES pass. spine.fracture: one per fully covered body graded >= 1; then either
 * one measured "grade 0" finding when every fully covered body was graded without a level missed
 * between them, or one not-assessed finding saying which bodies were not graded and why.
 */
export function spineFindings(analysis: SpineAnalysis, context: SpineFindingContext): AlgorithmFinding[] {
  return [attenuationFinding(analysis, context), ...fractureFindings(analysis, context)];
}

function attenuationFinding(analysis: SpineAnalysis, context: SpineFindingContext): AlgorithmFinding {
  const measured = densityVertebrae(analysis, context.sliceSpacingMm);
  const vertebrae = analysis.vertebrae.map((v) => ({
    index: v.index,
    center: v.center,
    complete: v.complete,
    trabecularHu: v.trabecularHu === undefined ? null : round1(v.trabecularHu),
    heightsMm: v.heightsReliable ? roundHeights(v.heightsMm) : null,
    excluded: densityExclusion(v, analysis.vertebrae) ?? (mayBeFractured(v, context.sliceSpacingMm) ? 'fractured or possibly fractured' : null),
  }));
  const phase = context.contrast ? 'contrast-enhanced series: reads higher than unenhanced (about +10 HU in the portal phase, more in the arterial phase)' : 'unenhanced series';
  if (measured.length < MIN_DENSITY_BODIES) {
    const excluded = analysis.vertebrae.map((v) => `z ${v.center[2].toFixed(0)}: ${densityExclusion(v, analysis.vertebrae) ?? 'fractured or possibly fractured'}`);
    const seen = analysis.vertebrae.length === 0 ? 'no vertebral body found (the spine may be outside the field of view)' : `${measured.length} of ${analysis.vertebrae.length} vertebral bodies passed the ROI checks (${excluded.join('; ')})`;
    return notAssessed('spine.trabecular_attenuation', 'HU', `trabecular attenuation not assessed: at least ${MIN_DENSITY_BODIES} bodies needed, ${seen}`, { vertebrae });
  }
  const spread = densitySpreadFailure(measured);
  if (spread) return notAssessed('spine.trabecular_attenuation', 'HU', `trabecular attenuation not assessed: ${spread}`, { vertebrae });
  const hu = measured.reduce((s, v) => s + v.trabecularHu!, 0) / measured.length;
  return {
    code: 'spine.trabecular_attenuation',
    assessment: 'measured',
    value: round1(hu),
    unit: 'HU',
    ...categoryFields(categoriseMeasurement(round1(hu), BONE_DENSITY_SCALE)),
    reference: {
      min: 160,
      text: 'trabecular attenuation (validated at L1): > 160 HU normal, 110-160 HU osteopenia, <= 110 HU osteoporosis likely',
      source: PICKHARDT,
    },
    method: `mean of ${measured.length} fully covered, non-fractured vertebral bodies (elliptical trabecular ROI on the central slices); ${phase}`,
    contrast: context.contrast,
    vertebrae,
  };
}

function fractureFindings(analysis: SpineAnalysis, context: SpineFindingContext): AlgorithmFinding[] {
  const complete = analysis.vertebrae.filter((v) => v.complete);
  const outOfRange = gradingRangeFailure(context.sliceSpacingMm);
  if (outOfRange) return [notAssessed('spine.fracture', '', `fracture screening not assessed: ${outOfRange}`, { vertebraeGraded: 0 })];
  const slice = context.sliceSpacingMm;
  const fractures = complete.filter((v) => isFractured(v, slice)).map((v) => fractureFinding(v, slice));
  const graded = complete.filter((v) => isGraded(v, slice));
  const ungraded = complete.filter((v) => !isGraded(v, slice));
  const missed = missedLevels(analysis.vertebrae);
  const gaps: string[] = [];
  if (complete.length === 0) gaps.push(analysis.vertebrae.length === 0 ? 'no vertebral body found' : 'no vertebral body fully inside the volume');
  for (const why of new Set(ungraded.map((v) => gradingExclusion(v, slice)!))) {
    const these = ungraded.filter((v) => gradingExclusion(v, slice) === why);
    gaps.push(`${these.length} of ${complete.length} fully covered bodies not graded, ${why} (z ${levels(these)} mm)`);
  }
  if (missed.length > 0) gaps.push(`${missed.length} level(s) between the bodies found were not found (near z ${missed.map((z) => z.toFixed(0)).join(', ')} mm)`);
  for (const [from, to] of complete.length > 0 ? untracedEnds(analysis.vertebrae, analysis.zRangeMm) : []) {
    gaps.push(`no vertebral body found between z ${from.toFixed(0)} and ${to.toFixed(0)} mm, where the volume holds room for one`);
  }
  if (gaps.length === 0 && graded.length < MIN_GRADED_BODIES) gaps.push(`only ${graded.length} bodies graded, at least ${MIN_GRADED_BODIES} needed to trust their heights`);
  if (gaps.length > 0) {
    const normal = graded.length - fractures.length;
    const seen = normal > 0 ? `; ${normal} graded bodies showed no height loss of 20 % or more (z ${levels(graded.filter((v) => !isFractured(v, slice)))} mm)` : '';
    return [...fractures, notAssessed('spine.fracture', '', `fracture screening not assessed: ${gaps.join('; ')}${seen}`, { vertebraeGraded: graded.length })];
  }
  if (fractures.length > 0) return fractures;
  // every fully covered body graded against its own posterior wall and its adjacent bodies, none with a height loss of 20 % or more: Genant grade 0, stated as measured
  return [
    {
      code: 'spine.fracture',
      assessment: 'measured',
      value: 0,
      unit: '',
      category: FRACTURE_CATEGORIES[0],
      abnormal: false,
      reference: { text: GENANT_TEXT, source: GENANT },
      method: `anterior, middle and posterior heights of ${graded.length} fully covered vertebral bodies (z ${levels(graded)} mm), each against its own posterior height and its adjacent bodies, no level missed between them`,
      vertebraeGraded: graded.length,
    },
  ];
}

/**
 * Genant grades 1-3 of a fractured body by its height loss, each cut-off (25 %, 40 %) with a borderline band
 * of the body's own height-loss margin (slice spacing against its height, and the adjacent bodies it was
 * compared with: heightLossMarginPercent). The 20 % threshold is not here: a body that close to it is not
 * graded at all (gradingExclusion).
 */
export function fractureGradeScale(marginPercent: number): CategoryScale<(typeof FRACTURE_CATEGORIES)[1 | 2 | 3]> {
  return {
    categories: ['mild', 'moderate', 'severe'],
    cutoffs: [
      { at: 25, equalGoesTo: 'above', margin: marginPercent },
      { at: 40, equalGoesTo: 'below', margin: marginPercent },
    ],
    unit: '%',
  };
}

function fractureFinding(v: VertebraMeasurement, sliceSpacingMm: number): AlgorithmFinding {
  const grade = genantGrade(v.heightLossPercent);
  const margin = heightLossMarginPercent(v, sliceSpacingMm);
  // the grade of a loss within its margin of 25 or 40 % is stated as borderline, as every other category
  // near its cut-off is: the margin is what the heights can be read to, so the grade beyond it is not known
  const decision = categoriseMeasurement(v.heightLossPercent, fractureGradeScale(margin));
  return {
    code: 'spine.fracture',
    assessment: 'measured',
    value: grade,
    unit: '',
    ...categoryFields(decision.indeterminate ? decision : { category: FRACTURE_CATEGORIES[grade] }),
    // the value is the grade, not the height loss: no numeric range applies, every fracture is abnormal
    reference: { text: GENANT_TEXT, source: GENANT },
    abnormal: true,
    heightLossPercent: round1(v.heightLossPercent),
    heightLossMarginPercent: round1(margin),
    heightsMm: roundHeights(v.heightsMm),
    center: v.center,
    vertebraIndex: v.index,
  };
}
