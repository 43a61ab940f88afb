import { voxelToPatient, type BodyRegion, type SeriesFingerprint, type Volume } from '@polyrad/sdk';

/**
 * What a CT series shows, measured from its pixels rather than trusted from BodyPartExamined or the
 * series description (often empty or wrong). Cheap by design: it samples at most ~48 axial slices on a
 * coarse in-plane grid, so dispatch costs milliseconds next to the plugins it selects. The fields are
 * documented on SeriesFingerprint; mediastinalBloodHu and contrastMeasured are absent without lung slices.
 */
export type ContentFingerprint = Required<Pick<SeriesFingerprint, 'bodyRegions' | 'lungCoverage' | 'lungAirMl'>> &
  Pick<SeriesFingerprint, 'mediastinalBloodHu' | 'contrastMeasured'>;

/** A slice counts as lung when enclosed air covers this share of the body cross-section. */
const LUNG_SLICE_AIR_FRACTION = 0.12;
/** Enhanced blood is 150-400 HU; unenhanced blood and myocardium 30-60 HU. */
const CONTRAST_BLOOD_HU = 120;

interface SliceSample {
  z: number;
  bodyMm2: number;
  airMm2: number;
  boneMm2: number;
  mediastinum: number[];
}

/** Returns undefined when the volume is not axial CT in HU (regions cannot be judged from its pixels). */
export function detectBodyRegions(volume: Volume): ContentFingerprint | undefined {
  const { geometry, voxels } = volume;
  const [nx, ny, nz] = geometry.dimensions;
  const axial = Math.abs(geometry.direction[2][2]) > 0.95;
  if (volume.unit !== 'HU' || !axial || nz < 2 || nx < 16 || ny < 16) return undefined;
  const stride = Math.max(1, Math.round(Math.max(nx, ny) / 128));
  const pixelMm2 = geometry.spacing[0] * geometry.spacing[1] * stride * stride;
  const sampleCount = Math.min(nz, 48);
  const samples: SliceSample[] = [];
  for (let s = 0; s < sampleCount; s++) {
    const k = Math.round((s * (nz - 1)) / Math.max(1, sampleCount - 1));
    samples.push(sampleSlice(voxels, nx, ny, k, stride, pixelMm2, voxelToPatient(geometry, 0, 0, k)[2], geometry.direction[1][1] >= 0));
  }
  samples.sort((a, b) => b.z - a.z); // head to foot
  const isLung = (s: SliceSample): boolean => s.bodyMm2 > 0 && s.airMm2 / s.bodyMm2 > LUNG_SLICE_AIR_FRACTION && s.airMm2 > 2000;
  // skull: a small cross-section with a bony ring and no lung (brain in a shell of bone)
  const isHead = (s: SliceSample): boolean =>
    !isLung(s) && s.bodyMm2 > 5000 && s.bodyMm2 < 35000 && s.boneMm2 > 0.06 * s.bodyMm2 && s.airMm2 < 0.05 * s.bodyMm2;
  const lungIdx = samples.map((s, n) => (isLung(s) ? n : -1)).filter((n) => n >= 0);
  const lowestLung = lungIdx.length ? lungIdx[lungIdx.length - 1] : -1;
  const isAbdomen = (s: SliceSample, n: number): boolean => !isLung(s) && !isHead(s) && s.bodyMm2 > 35000 && (lowestLung < 0 || n > lowestLung);
  const enough = (count: number): boolean => count >= 2 && count >= 0.08 * samples.length;

  const regions: BodyRegion[] = [];
  if (enough(samples.filter(isHead).length)) regions.push('head');
  if (enough(lungIdx.length)) regions.push('thorax');
  if (enough(samples.filter(isAbdomen).length)) regions.push('abdomen');

  const thorax = regions.includes('thorax');
  const lungCoverage = !thorax ? 'none' : !isLung(samples[0]) && !isLung(samples[samples.length - 1]) ? 'complete' : 'partial';
  const sampleStepMm = (Math.abs(samples[0].z - samples[samples.length - 1].z) || geometry.spacing[2]) / Math.max(1, samples.length - 1);
  const lungAirMl = thorax ? Math.round(lungIdx.reduce((sum, n) => sum + samples[n].airMm2, 0) * sampleStepMm / 1000) : 0;
  const result: ContentFingerprint = { bodyRegions: regions, lungCoverage, lungAirMl };
  if (thorax) {
    const blood = lungIdx.flatMap((n) => samples[n].mediastinum);
    if (blood.length >= 20) {
      blood.sort((a, b) => a - b);
      result.mediastinalBloodHu = blood[Math.floor(blood.length / 2)];
      result.contrastMeasured = result.mediastinalBloodHu > CONTRAST_BLOOD_HU;
    }
  }
  return result;
}

/**
 * One coarse axial slice: body (> -500 HU), air enclosed by the body (lung, not the air around the
 * patient), bone, and the soft tissue lying between air on both
 * sides in the anterior half of the lungs' extent (heart and great vessels, not the spine).
 * Hand-written loops over the typed array: this runs on every series at dispatch.
 */
function sampleSlice(
  voxels: ArrayLike<number>,
  nx: number,
  ny: number,
  k: number,
  stride: number,
  pixelMm2: number,
  z: number,
  anteriorFirst: boolean,
): SliceSample {
  const w = Math.ceil(nx / stride);
  const h = Math.ceil(ny / stride);
  const hu = new Int16Array(w * h);
  const base = k * nx * ny;
  for (let j = 0, r = 0; j < ny; j += stride, r++) for (let i = 0, c = 0; i < nx; i += stride, c++) hu[r * w + c] = voxels[base + j * nx + i];
  let body = 0;
  let bone = 0;
  for (let p = 0; p < w * h; p++) {
    if (hu[p] <= -500) continue;
    body++;
    if (hu[p] > 300) bone++;
  }
  // air not reachable from the image border without crossing the body: lungs and airways, not the
  // gap between the patient and the table (open at the sides) or the room
  const outside = new Uint8Array(w * h);
  const stack: number[] = [];
  const visit = (p: number): void => {
    if (outside[p] === 0 && hu[p] <= -500) {
      outside[p] = 1;
      stack.push(p);
    }
  };
  for (let c = 0; c < w; c++) {
    visit(c);
    visit((h - 1) * w + c);
  }
  for (let r = 0; r < h; r++) {
    visit(r * w);
    visit(r * w + w - 1);
  }
  while (stack.length > 0) {
    const p = stack.pop()!;
    const r = Math.floor(p / w);
    const c = p - r * w;
    if (c > 0) visit(p - 1);
    if (c < w - 1) visit(p + 1);
    if (r > 0) visit(p - w);
    if (r < h - 1) visit(p + w);
  }
  const enclosed = (r: number, c: number): boolean => outside[r * w + c] === 0;
  let air = 0;
  let airTop = h;
  let airBottom = -1;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      if (hu[r * w + c] < -400 && enclosed(r, c)) {
        air++;
        if (r < airTop) airTop = r;
        if (r > airBottom) airBottom = r;
      }
    }
  }
  const mediastinum: number[] = [];
  if (air > 0) {
    // the anterior half of the lungs' extent holds the heart and ascending aorta, the posterior half the spine
    const middle = airTop + (airBottom - airTop) / 2;
    const [from, to] = anteriorFirst ? [airTop, middle] : [middle, airBottom];
    for (let r = Math.ceil(from); r <= to; r++) {
      let leftAir = -1;
      for (let c = 0; c < w; c++) {
        const v = hu[r * w + c];
        if (v < -400 && enclosed(r, c)) leftAir = c;
        else if (leftAir >= 0 && v > -20 && v < 600) {
          let rightAir = false;
          for (let d = c + 1; d < w && !rightAir; d++) rightAir = hu[r * w + d] < -400 && enclosed(r, d);
          if (!rightAir) break;
          mediastinum.push(v);
        }
      }
    }
  }
  return { z, bodyMm2: body * pixelMm2, airMm2: air * pixelMm2, boneMm2: bone * pixelMm2, mediastinum };
}
