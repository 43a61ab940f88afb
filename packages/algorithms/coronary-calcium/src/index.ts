import { defineAlgorithm, notAssessed, PolyradError, readPackageManifest, type AlgorithmFinding, type AlgorithmInputs, type AlgorithmOutputs, type ReferenceRange, type SeriesInput } from '@polyrad/sdk';
import { CAC_DRS_TEXT, CAC_REFERENCE_SLICE_MM, cacDrsCategory, cacDrsDecision, CONTRAST_BLOOD_POOL_HU, scoreAgatston, type AgatstonResult, type AorticSection } from './agatston.scorer.js';

export * from './agatston.scorer.js';

const manifest = readPackageManifest(import.meta.url);
const heartMaskType = manifest.consumes[0].type;
const aortaType = manifest.consumes[1].type;

const SOURCE = 'Agatston AS et al., J Am Coll Cardiol 1990;15(4):827-832; CAC-DRS: Hecht HS et al., J Cardiovasc Comput Tomogr 2018;12(3):185-191';
// no numeric max: "reference < 0" would misread; the plugin states abnormal (any calcium) itself
const AGATSTON_REFERENCE: ReferenceRange = {
  text: 'Agatston 0: no coronary calcium; CAC-DRS A1 1-99, A2 100-299, A3 >= 300. Scored per 3 mm slice equivalent on non-contrast CT',
  source: SOURCE,
};
const CATEGORY_REFERENCE: ReferenceRange = { text: 'CAC-DRS 0 (Agatston 0), 1 (1-99), 2 (100-299), 3 (>= 300)', source: SOURCE };

/**
 * Thickest slice scored, mm. The Agatston score is defined on 3 mm slices (Agatston 1990; CAC-DRS keeps
 * that definition); on thicker slices partial volume lowers small plaques' peak HU under 130 HU and blurs
 * the rest over neighbouring slices, so plaques vanish and the area x weight products change: neither a
 * score nor a "0" can be compared with the categories.
 */
export const CAC_MAX_SLICE_MM = 3;
/**
 * Highest image noise (robust SD in the heart's interior, on the slices as scored) at which a score is
 * given, HU. Blood and myocardium lie near 40 HU, 90 HU under the 130 HU threshold: at SD 20 that is
 * 4.5 SD (about 3 voxels per million cross it by noise alone, a handful in a thin-slice coronary
 * territory); at SD 25 it is 3.6 SD, one voxel in 6000, hundreds of voxels whose neighbouring pairs form
 * 1 mm2 "lesions" (on the realistic phantom at 0.6 mm and SD 26: about 20 Agatston points of noise), so
 * neither a 0 nor a small score could be stated.
 */
export const CAC_MAX_NOISE_HU = 20;

const FINDINGS = [
  { code: 'heart.cac.agatston', unit: '' },
  { code: 'heart.cac.category', unit: '' },
] as const;

function declined(reason: string, warnings: string[] = []): AlgorithmOutputs {
  return { findings: FINDINGS.map(({ code, unit }) => notAssessed(code, unit, `coronary calcium not scored: ${reason}`)), warnings };
}

/** Slice thickness the operating range is judged at: the header's SliceThickness, never less than the slice increment. */
function sliceThicknessMm(series: SeriesInput): number {
  const header = Number(series.fingerprint.SliceThickness);
  return Math.max(series.volume.geometry.spacing[2], Number.isFinite(header) && header > 0 ? header : 0);
}

/** Why this series lies outside the score's operating range before anything is measured, or undefined. */
function outsideOperatingRange(series: SeriesInput): string | undefined {
  if (series.fingerprint.contrastInHeader === true) return 'contrast-enhanced CT, the DICOM header names a contrast agent (ContrastBolusAgent); the Agatston score is defined on non-contrast CT only';
  const thickness = sliceThicknessMm(series);
  if (thickness > CAC_MAX_SLICE_MM + 0.01) {
    return `slices are ${thickness.toFixed(1)} mm: the Agatston score is defined at ${CAC_REFERENCE_SLICE_MM} mm, and ${thickness.toFixed(1)} mm slices blur calcium (small plaques fall under 130 HU), so neither a score nor a CAC 0 would be reliable`;
  }
  return undefined;
}

/**
 * The aorta plugin's measured cross-sections of the ascending aorta, or none when it was not measured.
 * Only the ascending aorta: it runs beside the heart's base inside the epicardial margin, where root and
 * wall plaques were scored as coronary (seeds 9055, 9194: 171 and 287 on hearts without coronary
 * calcium). The descending aorta lies behind the left atrium, beside the groove where the circumflex
 * artery runs (seed 9092: a circumflex plaque within 3 mm of its wall); its wall calcium is left out when
 * it continues beyond the coronary territory, as bone is.
 */
export function aorticSections(data: unknown): AorticSection[] {
  const ascending = data && typeof data === 'object' ? (data as { ascending?: { diameters?: { center: AorticSection['center']; maxMm: number }[] } }).ascending : undefined;
  return (ascending?.diameters ?? []).filter((d) => Array.isArray(d.center) && d.maxMm > 0).map((d) => ({ center: d.center, radiusMm: d.maxMm / 2 }));
}

/** Why the measured image cannot carry a score (contrast in the blood pool, noise), or undefined. */
function failedImageGate(result: AgatstonResult): string | undefined {
  if (result.bloodPoolHu > CONTRAST_BLOOD_POOL_HU) {
    return `contrast-enhanced CT, the blood pool measures ${Math.round(result.bloodPoolHu)} HU (above ${CONTRAST_BLOOD_POOL_HU} HU: IV contrast); the Agatston score is defined on non-contrast CT only`;
  }
  if (!(result.noiseHu <= CAC_MAX_NOISE_HU)) {
    return `image noise in the heart measures SD ${Math.round(result.noiseHu)} HU (at most ${CAC_MAX_NOISE_HU} HU): noise alone would cross the 130 HU threshold, so neither a score nor a CAC 0 would be reliable`;
  }
  return undefined;
}

/**
 * Plugin entry: the series volume and the heart mask in; the Agatston score and its CAC-DRS category out,
 * or both not assessed with the reason: contrast (header or blood pool), slices thicker than 3 mm, image
 * noise, or calcium at the aortic root, valves or annuli that cannot be separated from the coronary arteries and
 * would change the category. Thinner slices are scored as they are and normalised to 3 mm (slice increment
 * / 3 mm), within the noise limit. A CAC 0 is stated only when
 * every check passed. A score within its measurement error of the 100 or 300 cut-off is reported with a
 * borderline category, and the CAC-DRS class is not stated (cacDrsDecision). (Without a heart mask the platform skips this plugin with the segmentation's reason.)
 */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const outside = outsideOperatingRange(inputs.series);
  if (outside) return declined(outside);
  const heart = inputs.artifacts[heartMaskType];
  if (!heart || heart.kind !== 'mask') throw new PolyradError('INPUT_MISSING', `the ${heartMaskType} mask artifact is required`);
  const aorta = inputs.artifacts[aortaType];
  const result = scoreAgatston(inputs.series.volume, heart.mask, aorta?.kind === 'json' ? aorticSections(aorta.data) : []);
  const failed = failedImageGate(result);
  if (failed) return declined(failed);
  const score = Math.round(result.score * 10) / 10;
  const category = cacDrsCategory(score);
  const warnings: string[] = [];
  if (score > 0 && !(aorta?.kind === 'json' && aorticSections(aorta.data).length)) {
    warnings.push('the ascending aorta was not measured on this series, so calcium in the wall of the aortic root could not be told from coronary calcium by its position: check that every counted lesion lies on a coronary artery');
  }
  if (result.ambiguous.lesions.length) {
    const other = Math.round(result.ambiguous.score * 10) / 10;
    const seen = `Agatston ${score} in the coronary territory, and another ${other} in ${result.ambiguous.lesions.length} lesion(s) reaching into the heart where the aortic root, the valves and their annuli are, which could not be separated from the coronary arteries`;
    const upper = cacDrsCategory(score + other);
    if (upper !== category) return declined(`${seen}: CAC-DRS A${category} without them, A${upper} with them`, warnings);
    warnings.push(`${seen}; they were not counted, and the CAC-DRS category is A${category} either way`);
  }
  const extra = { lesionCount: result.lesions.length, aorticWallRegionsExcluded: result.aorticRegions, sliceFactor: result.sliceFactor, noiseHu: Math.round(result.noiseHu), abnormal: score > 0 };
  const { indeterminate } = cacDrsDecision(score);
  if (indeterminate) {
    // any calcium is abnormal on both sides of the 100 and 300 cut-offs; only the class is left open
    const agatston = { code: 'heart.cac.agatston', value: score, unit: '', category: `borderline CAC-DRS ${indeterminate.between.join('/')}`, indeterminate, reference: AGATSTON_REFERENCE, ...extra };
    return { findings: [agatston, notAssessed('heart.cac.category', '', `CAC-DRS class not stated: Agatston ${indeterminate.reason.replace(/^borderline: /, '')}`)], warnings };
  }
  const findings: AlgorithmFinding[] = [
    { code: 'heart.cac.agatston', value: score, unit: '', category: CAC_DRS_TEXT[category], reference: AGATSTON_REFERENCE, ...extra },
    { code: 'heart.cac.category', value: category, unit: '', category: CAC_DRS_TEXT[category], reference: CATEGORY_REFERENCE, abnormal: score > 0 },
  ];
  return { findings, warnings };
}

export default defineAlgorithm(manifest, { run });
