import { defineAlgorithm, PolyradError, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs, type ReferenceRange } from '@polyrad/sdk';
import { CAC_DRS_TEXT, cacDrsCategory, CONTRAST_BLOOD_POOL_HU, scoreAgatston } from './agatston.scorer.js';

export * from './agatston.scorer.js';

const manifest = readPackageManifest(import.meta.url);
const heartMaskType = manifest.consumes[0].type;

const SOURCE = 'Agatston AS et al., J Am Coll Cardiol 1990;15(4):827-832; CAC-DRS: Hecht HS et al., J Cardiovasc Comput Tomogr 2018;12(3):185-191';
// no numeric max: "reference < 0" would misread; the plugin states abnormal (any calcium) itself
const AGATSTON_REFERENCE: ReferenceRange = {
  text: 'Agatston 0: no coronary calcium; CAC-DRS A1 1-99, A2 100-299, A3 >= 300. Scored per 3 mm slice equivalent on non-contrast CT',
  source: SOURCE,
};
const CATEGORY_REFERENCE: ReferenceRange = { text: 'CAC-DRS 0 (Agatston 0), 1 (1-99), 2 (100-299), 3 (>= 300)', source: SOURCE };

/**
 * Plugin entry: the series volume and the heart mask in; the Agatston score and its CAC-DRS category out.
 * Contrast-enhanced CT is declined (no findings, a warning with the reason): iodine in the blood pool is
 * above 130 HU and coronary calcium cannot be scored (header ContrastBolusAgent, or the measured blood pool).
 */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const heart = inputs.artifacts[heartMaskType];
  if (!heart || heart.kind !== 'mask') throw new PolyradError('INPUT_MISSING', `the ${heartMaskType} mask artifact is required`);
  const result = scoreAgatston(inputs.series.volume, heart.mask);
  const declined = inputs.series.fingerprint.contrastInHeader === true
    ? 'the DICOM header names a contrast agent (ContrastBolusAgent)'
    : result.bloodPoolHu > CONTRAST_BLOOD_POOL_HU
      ? `the blood pool measures ${Math.round(result.bloodPoolHu)} HU (above ${CONTRAST_BLOOD_POOL_HU} HU: IV contrast)`
      : undefined;
  if (declined) {
    return { findings: [], warnings: [`coronary calcium not scored: contrast-enhanced CT, ${declined}; the Agatston score is defined on non-contrast CT only`] };
  }
  const score = Math.round(result.score * 10) / 10;
  const category = cacDrsCategory(score);
  const warnings = result.sliceFactor * 3 > 3.5 ? [`slices ${(result.sliceFactor * 3).toFixed(1)} mm apart: thicker than the 3 mm the Agatston score is defined on, small plaques may be missed`] : [];
  const extra = { lesionCount: result.lesions.length, sliceFactor: result.sliceFactor, abnormal: score > 0 };
  return {
    findings: [
      { code: 'heart.cac.agatston', value: score, unit: '', category: CAC_DRS_TEXT[category], reference: AGATSTON_REFERENCE, ...extra },
      { code: 'heart.cac.category', value: category, unit: '', category: CAC_DRS_TEXT[category], reference: CATEGORY_REFERENCE, abnormal: score > 0 },
    ],
    warnings,
  };
}

export default defineAlgorithm(manifest, { run });
