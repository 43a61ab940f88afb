import { categoriseMeasurement, categoryFields, defineAlgorithm, notAssessed, readPackageManifest, type AlgorithmFinding, type CategoryDecision, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { measureCardiothoracicRatio } from './cardiothoracic-ratio.measurer.js';

export * from './cardiothoracic-ratio.measurer.js';

const manifest = readPackageManifest(import.meta.url);

/**
 * CTR > 0.50 on a PA film suggests cardiomegaly (Danzer 1919). An AP film magnifies the heart, which
 * lies further from the detector, so the same threshold overcalls enlargement there.
 */
export const CTR_REFERENCE = {
  max: 0.5,
  text: 'CTR <= 0.50 on a PA chest radiograph is normal; > 0.50 suggests cardiac enlargement. AP and supine films magnify the heart and overestimate the CTR.',
  source: 'Danzer CS. The cardio-thoracic ratio: an index of cardiac enlargement. Am J Med Sci 1919;157:513-521',
};

/**
 * Measurement error of the CTR: ±0.04, the tolerance its phantom radiographs hold it to
 * (cardiothoracic-ratio.measurer.spec.ts); a CTR within it of 0.50 is borderline, not "normal".
 */
export const CTR_ERROR = 0.04;

export function ctrCategory(ctr: number): CategoryDecision<'normal' | 'enlarged'> {
  return categoriseMeasurement<'normal' | 'enlarged'>(ctr, { categories: ['normal', 'enlarged'], cutoffs: [{ at: CTR_REFERENCE.max, equalGoesTo: 'below', margin: CTR_ERROR }], unit: '' });
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim().toUpperCase() : undefined;
}

/**
 * Plugin entry: a frontal chest radiograph in, the cardiothoracic ratio (heart.ctr) out; not assessed with
 * the reason on a lateral view, or when the lung fields and heart borders were not found or failed their
 * checks (cardiothoracic-ratio.measurer.ts, ctrQualityProblems): never a default normal.
 */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const { volume, fingerprint } = inputs.series;
  const photometric = text(fingerprint.PhotometricInterpretation);
  const view = text(fingerprint.ViewPosition);
  if (view === 'LL' || view === 'RL' || view === 'LATERAL') {
    return { findings: [notAssessed('heart.ctr', '', `ViewPosition is ${view}: the CTR is defined on a frontal (PA) film only`)] };
  }
  const result = measureCardiothoracicRatio(volume, photometric);
  if ('declined' in result) return { findings: [notAssessed('heart.ctr', '', result.declined)] };
  const m = result.measurement;
  const warnings: string[] = [];
  if (volume.geometry.dimensions[2] > 1) warnings.push(`the series has ${volume.geometry.dimensions[2]} frames; the CTR was measured on the first`);
  if (view === 'AP') warnings.push('ViewPosition is AP: the heart is magnified on an AP film, so the CTR overestimates heart size and the 0.50 threshold (defined for PA films) overcalls enlargement');
  else if (view !== 'PA') warnings.push('the view (PA or AP) is not in the header; the 0.50 threshold holds for PA films, and an AP film overestimates the CTR');
  if (!photometric) warnings.push(`PhotometricInterpretation is not in the header; polarity was judged from the image (${m.inverted ? 'inverted, MONOCHROME1-like' : 'MONOCHROME2-like'})`);
  const finding: AlgorithmFinding = {
    code: 'heart.ctr',
    value: Math.round(m.ctr * 100) / 100,
    unit: '',
    ...categoryFields(ctrCategory(Math.round(m.ctr * 100) / 100)),
    reference: CTR_REFERENCE,
    heartWidthPx: m.heartWidthPx,
    thoracicWidthPx: m.thoracicWidthPx,
    mrdPx: m.mrdPx,
    mldPx: m.mldPx,
    landmarksPx: m.landmarksPx,
  };
  return { findings: [finding], warnings };
}

export default defineAlgorithm(manifest, { run });
