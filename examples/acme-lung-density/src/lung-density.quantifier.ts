import { PolyradError, voxelVolumeMm3, type AlgorithmFinding, type LabelMask, type ReferenceRange, type Volume } from '@polyrad/sdk';

/**
 * Mean lung density (MLD) and lung tissue mass from a CT volume and a lung mask.
 *  - MLD: the mean attenuation of all lung voxels (HU), the first CT densitometric index of emphysema
 *    (Hayhurst MD et al., "Diagnosis of pulmonary emphysema by computerised tomography", Lancet
 *    1984;2:320-322); it falls as emphysema replaces tissue with air and rises with oedema or fibrosis.
 *  - Lung mass: each voxel is a mix of air (-1000 HU, 0 g/mL) and tissue (0 HU, 1 g/mL), so its tissue
 *    weight is (HU + 1000) / 1000 x voxel volume (Gattinoni L et al., "Relationships between lung computed
 *    tomographic density, gas exchange, and PEEP in acute respiratory failure", Anesthesiology
 *    1988;69:824-832), with the tissue fraction clamped to [0, 1].
 */

export interface LungDensityMeasurement {
  meanHu: number;
  massG: number;
  volumeMl: number;
  voxelCount: number;
}

/** Lung labels are looked up by name, so a producer may number them differently. */
const LUNG_LABEL_NAMES = ['lung.right', 'lung.left'];

export const MEAN_LUNG_DENSITY_REFERENCE: ReferenceRange = {
  text: 'no fixed normal range: MLD depends on the inspiration level, the scanner and the reconstruction kernel; compare with the same patient on the same protocol',
  source: 'Hayhurst MD et al., Lancet 1984;2:320-322',
};

export const LUNG_MASS_REFERENCE: ReferenceRange = {
  text: 'no fixed normal range: normal lung weight grows with body height; a higher mass than expected suggests oedema, inflammation or fibrosis',
  source: 'Cressoni M et al., "Limits of normality of quantitative thoracic CT analysis", Crit Care 2013;17:R93',
};

/** 1 at each label value the mask names a lung. */
function lungLabels(mask: LabelMask): Uint8Array {
  const isLung = new Uint8Array(256);
  for (const [value, name] of Object.entries(mask.labelNames)) if (LUNG_LABEL_NAMES.includes(name)) isLung[Number(value)] = 1;
  if (!isLung.some((v) => v === 1)) throw new PolyradError('MASK_INVALID', `the mask names no ${LUNG_LABEL_NAMES.join(' or ')} label`);
  return isLung;
}

export function measureLungDensity(volume: Volume, mask: LabelMask): LungDensityMeasurement {
  const n = volume.voxels.length;
  if (mask.labels.length !== n) throw new PolyradError('MASK_INVALID', `the lung mask has ${mask.labels.length} voxels, the volume ${n}`);
  const isLung = lungLabels(mask);

  // Hot loop over the typed arrays, written by hand: one pass, float64 sums.
  const { labels } = mask;
  const { voxels } = volume;
  let count = 0;
  let huSum = 0;
  let tissueSum = 0;
  for (let p = 0; p < n; p++) {
    if (isLung[labels[p]] === 0) continue;
    const hu = voxels[p];
    count++;
    huSum += hu;
    const tissue = (hu + 1000) / 1000;
    tissueSum += tissue < 0 ? 0 : tissue > 1 ? 1 : tissue;
  }
  if (count === 0) throw new PolyradError('MASK_EMPTY', 'the lung mask holds no lung voxels');
  const mlPerVoxel = voxelVolumeMm3(volume.geometry) / 1000;
  return { meanHu: huSum / count, massG: tissueSum * mlPerVoxel, volumeMl: count * mlPerVoxel, voxelCount: count };
}

/** The packaged model's input: fractions of lung voxels in HISTOGRAM_BINS bins of HISTOGRAM_BIN_HU from -1024 HU (edges clamped). */
export const HISTOGRAM_BINS = 24;
export const HISTOGRAM_BIN_HU = 37;

export function lungHistogram(volume: Volume, mask: LabelMask): Float32Array {
  const counts = new Float64Array(HISTOGRAM_BINS);
  const isLung = lungLabels(mask);
  let count = 0;
  for (let p = 0; p < volume.voxels.length; p++) {
    if (isLung[mask.labels[p]] === 0) continue;
    const bin = Math.floor((volume.voxels[p] + 1024) / HISTOGRAM_BIN_HU);
    counts[bin < 0 ? 0 : bin >= HISTOGRAM_BINS ? HISTOGRAM_BINS - 1 : bin] += 1;
    count++;
  }
  if (count === 0) throw new PolyradError('MASK_EMPTY', 'the lung mask holds no lung voxels');
  return Float32Array.from(counts, (c) => c / count);
}

export const LAA950_REFERENCE: ReferenceRange = {
  text: 'above 5 % is commonly read as emphysema; the value depends on the inspiration level and the reconstruction kernel',
  source: 'Gevenois PA et al., Am J Respir Crit Care Med 1996;154:187-192',
};

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export function lungDensityFindings(m: LungDensityMeasurement): AlgorithmFinding[] {
  return [
    { code: 'acme.lung.mean_density', value: round(m.meanHu, 1), unit: 'HU', reference: MEAN_LUNG_DENSITY_REFERENCE },
    { code: 'acme.lung.mass', value: round(m.massG, 0), unit: 'g', reference: LUNG_MASS_REFERENCE },
  ];
}
