import type { VoxelArray } from '@polyrad/sdk';

/**
 * Iterative optimal threshold between "body" and "non-body" voxels, as in Hu S, Hoffman EA,
 * Reinhardt JM, "Automatic lung segmentation for accurate quantitation of volumetric X-ray CT
 * images", IEEE TMI 2001;20(6):490-498 (after Ridler & Calvard 1978): start at T0,
 * then T(i+1) = (mean below T(i) + mean above T(i)) / 2 until it stops changing. Runs on a 1-HU
 * histogram, so it is one pass over the voxels. The result is clamped to [-700, -300] HU so a
 * strange histogram cannot produce a nonsensical lung threshold.
 */
export function optimalThreshold(voxels: VoxelArray, start = -500): number {
  const histogram = voxels instanceof Float32Array ? huHistogram(voxels, true) : huHistogram(voxels, false);
  let threshold = start;
  for (let iteration = 0; iteration < 100; iteration++) {
    const cut = Math.floor(threshold) + 1024;
    let nBelow = 0, sumBelow = 0, nAbove = 0, sumAbove = 0;
    for (let h = 0; h < 4096; h++) {
      const count = histogram[h];
      if (h <= cut) {
        nBelow += count;
        sumBelow += count * (h - 1024);
      } else {
        nAbove += count;
        sumAbove += count * (h - 1024);
      }
    }
    if (nBelow === 0 || nAbove === 0) break;
    const next = (sumBelow / nBelow + sumAbove / nAbove) / 2;
    if (Math.abs(next - threshold) < 0.5) {
      threshold = next;
      break;
    }
    threshold = next;
  }
  return Math.max(-700, Math.min(-300, threshold));
}

/** 1-HU histogram from -1024 to 3071 HU (clamped); integer voxels need no rounding. Hot loop. */
function huHistogram(voxels: VoxelArray, round: boolean): Float64Array {
  const histogram = new Float64Array(4096);
  for (let p = 0; p < voxels.length; p++) {
    let hu = (round ? Math.round(voxels[p]) : voxels[p]) + 1024;
    hu = hu < 0 ? 0 : hu > 4095 ? 4095 : hu;
    histogram[hu]++;
  }
  return histogram;
}
