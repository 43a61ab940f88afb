import type { LabelMask, Volume } from '@polyrad/sdk';

/**
 * The operating range of lung densitometry (%LAA-950, Perc15). Both count voxels in the low tail of the
 * lung histogram, so anything that widens the histogram without changing the lung moves them:
 *  - image noise: sharp (lung, bone) kernels and low dose add noise that pushes normal lung at about
 *    -860 HU below -950 HU; with noise SD s the share pushed there is about Phi(-90 / s): 0.5 % at
 *    35 HU, 7 % at 60 HU, which alone spans the "none" to "mild" bands. The -950 HU threshold was
 *    validated on soft-kernel thin sections (Gevenois PA et al., AJRCCM 1996;154:187-192); kernel and
 *    dose effects: Boedeker KL et al., Radiology 2004;232:295-301; Madani A et al., Radiology
 *    2007;243:250-257.
 *  - section thickness: thick sections average emphysematous spaces with the lung around them and
 *    understate LAA-950 (Madani 2007: 1.25 vs 10 mm); the threshold holds for sections up to 3 mm here.
 * IV contrast raises lung attenuation only slightly and is accepted.
 * Noise is measured, not guessed from the kernel name: robust SD of the HU difference between aerated-lung
 * voxels (both below -700 HU, so vessels do not count) about 2 mm apart in-plane, divided by sqrt 2. It
 * includes fine parenchymal texture, so it is an upper bound of the noise; measured: 17-29 HU on soft
 * kernels (LIDC-IDRI-0001/0003, Lung-PET-CT-Dx A0001 kernel B), 61 HU on the same acquisition's lung
 * kernel L (LAA-950 13.6 % against 0.3 % on kernel B).
 */

export const DENSITOMETRY_LIMITS = {
  maxSliceThicknessMm: 3,
  maxNoiseHu: 35,
  noiseLagMm: 2,
};

/**
 * Kernel names that are sharp (lung or bone) by the vendors' own naming; any other kernel is judged by
 * its measured noise alone. GE LUNG/BONE/BONEPLUS/EDGE/DETAIL; Siemens B/I/Br/Bl/Bf 60 and above;
 * Philips L, D, E; Canon/Toshiba FC50-FC59 and FC80-FC89.
 */
export function isSharpKernel(kernel: string): boolean {
  const k = kernel.trim().toUpperCase();
  if (/^(LUNG|BONE|BONEPLUS|EDGE|DETAIL)$/.test(k)) return true;
  if (/^(L|D|E)$/.test(k)) return true;
  if (/^FC[58]\d$/.test(k)) return true;
  const siemens = /^[BI][RLF]?(\d{2})[A-Z]?(\b|$)/.exec(k);
  return siemens !== null && Number(siemens[1]) >= 60;
}

/** Robust noise estimate of aerated lung (see the module comment), HU; NaN when too few voxel pairs. */
export function lungNoiseHu(volume: Volume, mask: LabelMask, lagMm = DENSITOMETRY_LIMITS.noiseLagMm): number {
  const [nx] = volume.geometry.dimensions;
  const lag = Math.max(1, Math.round(lagMm / volume.geometry.spacing[0]));
  const { voxels } = volume;
  const { labels } = mask;
  // integer HU differences of aerated lung fit a histogram; its median is the robust spread
  const histogram = new Float64Array(2048);
  let pairs = 0;
  for (let p = 0; p + lag < voxels.length; p++) {
    if (labels[p] === 0 || labels[p + lag] === 0 || (p % nx) + lag >= nx) continue;
    const a = voxels[p];
    const b = voxels[p + lag];
    if (a >= -700 || b >= -700) continue;
    histogram[Math.min(2047, Math.round(Math.abs(a - b)))]++;
    pairs++;
  }
  if (pairs < 500) return NaN;
  let median = 0;
  for (let cum = 0; median < 2048; median++) {
    cum += histogram[median];
    if (cum >= pairs / 2) break;
  }
  return (1.4826 * median) / Math.SQRT2;
}

export interface DensitometryRangeInput {
  sliceThicknessMm?: number;
  kernel?: string;
  noiseHu: number;
}

/** Why LAA-950 and Perc15 cannot be stated on this series; empty when they can. */
export function densitometryRangeProblems(input: DensitometryRangeInput, limits = DENSITOMETRY_LIMITS): string[] {
  const problems: string[] = [];
  if (input.sliceThicknessMm !== undefined && input.sliceThicknessMm > limits.maxSliceThicknessMm) {
    problems.push(`sections are ${input.sliceThicknessMm} mm thick (LAA-950 is defined on sections up to ${limits.maxSliceThicknessMm} mm; thicker ones average emphysema away)`);
  }
  if (input.kernel && isSharpKernel(input.kernel)) {
    problems.push(`reconstruction kernel "${input.kernel}" is a sharp (lung/bone) kernel; densitometry needs a soft-tissue kernel`);
  }
  if (!Number.isFinite(input.noiseHu)) problems.push('too little aerated lung to measure image noise');
  else if (input.noiseHu > limits.maxNoiseHu) {
    problems.push(`image noise in aerated lung is ${Math.round(input.noiseHu)} HU (at most ${limits.maxNoiseHu} HU): noise pushes normal lung below -950 HU`);
  }
  return problems;
}
