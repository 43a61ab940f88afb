import type { AlgorithmFinding } from '@polyrad/sdk';
import type { SpineAnalysis, VertebraMeasurement } from './spine.analyzer.js';

export type BoneDensityCategory = 'normal' | 'osteopenia' | 'osteoporosis';

/**
 * Opportunistic screening bands for trabecular attenuation (Pickhardt PJ et al., Ann Intern Med
 * 2013;158:588-595, L1 at routine CT): <= 110 HU osteoporosis (threshold of high specificity),
 * 110-160 HU osteopenia (<= 160 HU: 90 % sensitivity for osteoporosis), > 160 HU normal.
 */
export function boneDensityCategory(hu: number): BoneDensityCategory {
  if (hu <= 110) return 'osteoporosis';
  if (hu <= 160) return 'osteopenia';
  return 'normal';
}

export const FRACTURE_CATEGORIES = ['', 'mild', 'moderate', 'severe'] as const;

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
const round1 = (x: number): number => Math.round(x * 10) / 10;
const roundHeights = (h: VertebraMeasurement['heightsMm']): VertebraMeasurement['heightsMm'] => ({
  anterior: round1(h.anterior),
  middle: round1(h.middle),
  posterior: round1(h.posterior),
});

/** vertebrae whose trabecular attenuation counts: fully covered, measured, not fractured */
export function densityVertebrae(analysis: SpineAnalysis): VertebraMeasurement[] {
  return analysis.vertebrae.filter((v) => v.complete && v.trabecularHu !== undefined && !isFractured(v));
}

export function isFractured(v: VertebraMeasurement): boolean {
  return v.complete && v.heightsReliable && genantGrade(v.heightLossPercent) > 0;
}

/**
 * spine.trabecular_attenuation: the mean over the fully covered, non-fractured vertebral bodies (a
 * chest CT rarely shows L1, and the levels are not numbered; a fracture compacts bone and raises its
 * attenuation); spine.fracture: one per fully covered body graded >= 1.
 */
export function spineFindings(analysis: SpineAnalysis): AlgorithmFinding[] {
  const findings: AlgorithmFinding[] = [];
  const measured = densityVertebrae(analysis);
  if (measured.length > 0) {
    const hu = measured.reduce((s, v) => s + v.trabecularHu!, 0) / measured.length;
    findings.push({
      code: 'spine.trabecular_attenuation',
      value: round1(hu),
      unit: 'HU',
      category: boneDensityCategory(hu),
      reference: {
        min: 160,
        text: 'trabecular attenuation (validated at L1): > 160 HU normal, 110-160 HU osteopenia, <= 110 HU osteoporosis likely',
        source: PICKHARDT,
      },
      method: `mean of ${measured.length} fully covered, non-fractured vertebral bodies (elliptical trabecular ROI on the central slices)`,
      vertebrae: analysis.vertebrae.map((v) => ({
        index: v.index,
        center: v.center,
        complete: v.complete,
        trabecularHu: v.trabecularHu === undefined ? null : round1(v.trabecularHu),
        heightsMm: v.heightsReliable ? roundHeights(v.heightsMm) : null,
      })),
    });
  }
  for (const v of analysis.vertebrae.filter(isFractured)) {
    const grade = genantGrade(v.heightLossPercent);
    findings.push({
      code: 'spine.fracture',
      value: grade,
      unit: '',
      category: FRACTURE_CATEGORIES[grade],
      // the value is the grade, not the height loss: no numeric range applies, every fracture is abnormal
      reference: { text: 'vertebral height loss: < 20 % normal; grade 1 mild 20-25 %, grade 2 moderate 25-40 %, grade 3 severe > 40 %', source: GENANT },
      abnormal: true,
      heightLossPercent: round1(v.heightLossPercent),
      heightsMm: roundHeights(v.heightsMm),
      center: v.center,
      vertebraIndex: v.index,
    });
  }
  return findings;
}
