import { categoriseMeasurement, categoryFields, notAssessed, PolyradError, voxelVolumeMm3, type AlgorithmFinding, type CategoryDecision, type LabelMask, type ReferenceRange, type Volume } from '@polyrad/sdk';
import { densitometryRangeProblems, lungNoiseHu } from './densitometry-range.gate.js';

/**
 * Lung densitometry from a CT volume and a left/right lung mask:
 *  - lung volumes (voxel count x voxel volume);
 *  - %LAA-950: percentage of lung voxels below -950 HU, the threshold validated against
 *    macroscopic emphysema by Gevenois PA, de Maertelaer V, De Vuyst P, Zanen J, Yernault JC,
 *    "Comparison of computed density and macroscopic morphometry in pulmonary emphysema",
 *    AJRCCM 1996;154:187-192;
 *  - Perc15: the 15th percentile of the lung attenuation histogram (Dirksen A et al., "A randomized
 *    clinical trial of alpha1-antitrypsin augmentation therapy", AJRCCM 1999;160:1468-1472; Parr DG,
 *    Stoel BC, Stolk J, Stockley RA, AJRCCM 2004;170:1172-1178; Dirksen A et al., ERJ 2009;33:1345-1353).
 * One pass over the voxels with integer-HU histograms per lung (hot loop over typed arrays).
 */

export interface LungDensitometry {
  volumeMl: { left: number; right: number; total: number };
  laa950Percent: { left: number; right: number; total: number };
  perc15Hu: { left: number; right: number; total: number };
  meanHu: { left: number; right: number; total: number };
  voxelCount: { left: number; right: number; total: number };
}

export interface EmphysemaQuantification {
  measurements: LungDensitometry;
  /** robust noise of aerated lung, HU (densitometry-range.gate.ts) */
  noiseHu: number;
  findings: AlgorithmFinding[];
}

/** Label values looked up by name in the mask, so a producer may number its labels differently. */
function labelValue(mask: LabelMask, name: string): number {
  for (const [value, label] of Object.entries(mask.labelNames)) if (label === name) return Number(value);
  throw new PolyradError('MASK_INVALID', `the lung mask has no "${name}" label`);
}

const HISTOGRAM_OFFSET = 1024;
const HISTOGRAM_BINS = 4096;

export function measureLungDensity(volume: Volume, mask: LabelMask): LungDensitometry {
  const n = volume.voxels.length;
  if (mask.labels.length !== n) {
    throw new PolyradError('MASK_INVALID', `the lung mask has ${mask.labels.length} voxels, the volume ${n}`);
  }
  const right = labelValue(mask, 'lung.right');
  const left = labelValue(mask, 'lung.left');
  // histogram[side * BINS + hu + 1024], side 0 = right, 1 = left
  const histogram = new Float64Array(2 * HISTOGRAM_BINS);
  const side = new Int8Array(256).fill(-1);
  side[right] = 0;
  side[left] = 1;
  const labels = mask.labels;
  const voxels = volume.voxels;
  for (let p = 0; p < n; p++) {
    const s = side[labels[p]];
    if (s < 0) continue;
    let h = Math.round(voxels[p]) + HISTOGRAM_OFFSET;
    h = h < 0 ? 0 : h >= HISTOGRAM_BINS ? HISTOGRAM_BINS - 1 : h;
    histogram[s * HISTOGRAM_BINS + h]++;
  }
  const mlPerVoxel = voxelVolumeMm3(volume.geometry) / 1000;
  const summarise = (sides: number[]) => {
    let count = 0, below = 0, sum = 0;
    const merged = new Float64Array(HISTOGRAM_BINS);
    for (const s of sides)
      for (let h = 0; h < HISTOGRAM_BINS; h++) {
        const c = histogram[s * HISTOGRAM_BINS + h];
        merged[h] += c;
        count += c;
        sum += c * (h - HISTOGRAM_OFFSET);
        if (h - HISTOGRAM_OFFSET < -950) below += c;
      }
    let perc15 = NaN;
    for (let h = 0, cum = 0; h < HISTOGRAM_BINS && count > 0; h++) {
      cum += merged[h];
      if (cum >= 0.15 * count) {
        perc15 = h - HISTOGRAM_OFFSET;
        break;
      }
    }
    return { count, laa: count ? (100 * below) / count : NaN, perc15, mean: count ? sum / count : NaN };
  };
  const r = summarise([0]);
  const l = summarise([1]);
  const t = summarise([0, 1]);
  return {
    volumeMl: { right: r.count * mlPerVoxel, left: l.count * mlPerVoxel, total: t.count * mlPerVoxel },
    laa950Percent: { right: r.laa, left: l.laa, total: t.laa },
    perc15Hu: { right: r.perc15, left: l.perc15, total: t.perc15 },
    meanHu: { right: r.mean, left: l.mean, total: t.mean },
    voxelCount: { right: r.count, left: l.count, total: t.count },
  };
}

/**
 * Emphysema extent by %LAA-950. Cut-offs: below 5 % is taken as within normal limits, the threshold
 * COPDGene uses to define CT emphysema (Regan EA et al., "Genetic epidemiology of COPD (COPDGene) study
 * design", COPD 2010;7:32-43; Lynch DA et al., Radiology 2015;277:192-205 discusses its use). The
 * mild (5-<10 %), moderate (10-<20 %) and severe (>=20 %) bands above it are a local convention for
 * grading extent, not a consensus standard; the report says so in the reference text.
 */
export type EmphysemaCategory = 'none' | 'mild' | 'moderate' | 'severe';

/**
 * Measurement error of %LAA-950: ±2 percentage points, the tolerance the validation holds the plugin to
 * (README "Validation"; packages/phantom validation-tolerance.ts, laa950Tolerance; p95 error 0.4-0.75
 * points on the reporting seeds 9120-9159, but kernel and dose move real values by more).
 */
export const LAA950_ERROR_POINTS = 2;

/** The grade of an LAA-950 value, or borderline within LAA950_ERROR_POINTS of a cut-off. */
export function emphysemaCategory(laa950Percent: number): CategoryDecision<EmphysemaCategory> {
  return categoriseMeasurement<EmphysemaCategory>(laa950Percent, {
    categories: ['none', 'mild', 'moderate', 'severe'],
    cutoffs: [5, 10, 20].map((at) => ({ at, equalGoesTo: 'above' as const, margin: LAA950_ERROR_POINTS })),
    unit: '%',
  });
}

export const LAA950_REFERENCE: ReferenceRange = {
  max: 5,
  text:
    '%LAA-950 < 5 % within normal limits (none); 5-<10 % mild, 10-<20 % moderate, >= 20 % severe emphysema (local grading convention above the 5 % threshold). Full-inspiration, non-contrast CT; depends on reconstruction kernel and dose.',
  source:
    'Gevenois PA et al., AJRCCM 1996;154:187-192 (-950 HU threshold); Regan EA et al., COPD 2010;7:32-43 (COPDGene, >= 5 % = emphysema)',
};

/**
 * Approximate adult reference of one lung's CT volume at full inspiration: predicted TLC (Quanjer PH et
 * al., "Lung volumes and forced ventilatory flows", ERS 1993, Eur Respir J 1993;6 Suppl 16:5-40)
 * spans roughly 4-8 L across adult sex, height and age, and the right lung holds about 53-55 % of it.
 * Volumes outside the range are worth a look (hyperinflation, restriction, poor inspiration) but
 * depend strongly on body size and inspiratory effort.
 */
export const LUNG_VOLUME_REFERENCE: Record<'left' | 'right', ReferenceRange> = {
  right: {
    min: 2000,
    max: 4400,
    text: 'approximate adult range at full inspiration (about 53-55 % of a predicted TLC of 4-8 L); depends on sex, height, age and inspiratory effort',
    source: 'Quanjer PH et al., Eur Respir J 1993;6 Suppl 16:5-40 (ERS predicted TLC); right/left split from CT lung volumetry literature',
  },
  left: {
    min: 1800,
    max: 3800,
    text: 'approximate adult range at full inspiration (about 45-47 % of a predicted TLC of 4-8 L); depends on sex, height, age and inspiratory effort',
    source: 'Quanjer PH et al., Eur Respir J 1993;6 Suppl 16:5-40 (ERS predicted TLC); right/left split from CT lung volumetry literature',
  },
};

export const PERC15_REFERENCE: ReferenceRange = {
  text:
    'lower (more negative) values mean more emphysema; there is no universal normal limit (scanner, kernel and inspiration dependent); used mainly to follow progression in the same patient on the same scanner protocol. Perc15 < -950 HU means more than 15 % of lung is below -950 HU.',
  source: 'Dirksen A et al., AJRCCM 1999;160:1468-1472; Parr DG et al., AJRCCM 2004;170:1172-1178; Dirksen A et al., Eur Respir J 2009;33:1345-1353',
};

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

export interface EmphysemaContext {
  /** SliceThickness from the header; the slice spacing stands in when absent */
  sliceThicknessMm?: number;
  kernel?: string;
  /** from the lung mask's meta: whether both apices and both bases lie in the scan; unknown when absent */
  coverage?: { apices: boolean; bases: boolean };
  coverageNote?: string;
}

/**
 * Densitometry plus the report findings (DESIGN.md codes) with reference ranges and categories. Each
 * finding is measured only inside its operating range: volumes need the whole lungs in the scan;
 * LAA-950 and Perc15 need thin sections, a soft kernel and low noise (densitometry-range.gate.ts).
 * Otherwise it is not assessed with the reason, never a number that reads as "no emphysema".
 */
export function quantifyEmphysema(volume: Volume, mask: LabelMask, context: EmphysemaContext = {}): EmphysemaQuantification {
  const m = measureLungDensity(volume, mask);
  if (m.voxelCount.total === 0) throw new PolyradError('MASK_EMPTY', 'the lung mask contains no lung voxels');
  const noiseHu = lungNoiseHu(volume, mask);
  const rangeProblems = densitometryRangeProblems({
    sliceThicknessMm: context.sliceThicknessMm ?? volume.geometry.spacing[2],
    kernel: context.kernel,
    noiseHu,
  });
  const volumeProblem = coverageProblem(context);
  const findings: AlgorithmFinding[] = [
    ...SIDES.map((side) => volumeFinding(side, m, absentSide(m, side) ?? volumeProblem)),
    ...densityFindings(m, rangeProblems),
  ];
  return { measurements: m, noiseHu, findings };
}

const SIDES = ['right', 'left'] as const;

const absentSide = (m: LungDensitometry, side: 'right' | 'left'): string | undefined =>
  m.voxelCount[side] === 0 ? `the lung mask has no ${side} lung` : undefined;

function coverageProblem(context: EmphysemaContext): string | undefined {
  if (!context.coverage) return 'the lung mask does not say whether both lungs lie entirely in the scan';
  if (context.coverage.apices && context.coverage.bases) return undefined;
  return context.coverageNote ?? 'the lungs are not entirely in the scan';
}

function volumeFinding(side: 'right' | 'left', m: LungDensitometry, problem: string | undefined): AlgorithmFinding {
  const code = `lung.${side}.volume`;
  if (problem) return notAssessed(code, 'mL', problem, { side });
  return { code, value: round(m.volumeMl[side], 0), unit: 'mL', side, reference: LUNG_VOLUME_REFERENCE[side] };
}

/** LAA-950 (total and per lung) and Perc15; not assessed, with the reasons, outside the range. */
function densityFindings(m: LungDensitometry, problems: string[]): AlgorithmFinding[] {
  const laa = (code: string, value: number, extra: Record<string, unknown>, own: string[] = []): AlgorithmFinding =>
    problems.length || own.length
      ? notAssessed(code, '%', [...own, ...problems].join('; '), extra)
      : { code, value: round(value, 1), unit: '%', ...categoryFields(emphysemaCategory(round(value, 1))), reference: LAA950_REFERENCE, ...extra };
  return [
    laa('lung.laa950', m.laa950Percent.total, problems.length ? {} : { lungVolumeMl: round(m.volumeMl.total, 0) }),
    ...SIDES.map((side) => laa(`lung.${side}.laa950`, m.laa950Percent[side], { side }, absentSide(m, side) ? [absentSide(m, side)!] : [])),
    problems.length
      ? notAssessed('lung.perc15', 'HU', problems.join('; '))
      : { code: 'lung.perc15', value: m.perc15Hu.total, unit: 'HU', reference: PERC15_REFERENCE },
  ];
}
