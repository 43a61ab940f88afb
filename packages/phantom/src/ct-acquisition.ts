import type { SeededRandom } from './seeded-random.js';

/**
 * How the synthetic chest is "scanned": the tissue-class map is drawn on a grid finer along z than the
 * image (several sub-slices per reconstructed slice), and each image voxel is the mean class HU over the
 * sub-slices its slice covers (a rectangular slice sensitivity profile of the nominal thickness), so a
 * structure thinner than the slice is averaged with its surroundings as on a real scan: a 4 mm calcium in
 * a 5 mm slice loses peak HU, a 1 mm cortex at 3 mm reads far below cortical bone. The reconstruction
 * kernel then shapes edges and noise in-plane: a soft kernel blurs slightly and gives smooth, blotchy
 * noise; a sharp (bone/lung) kernel overshoots at edges and gives fine-grained noise; the standard
 * kernel leaves edges alone with white noise. Noise SD is the same for every kernel (it is the SD the
 * caller asks for), only its texture changes.
 */
export type ReconstructionKernel = 'soft' | 'standard' | 'sharp';

/** Sub-slice step the tissue map is drawn at when not given: fine enough that a 2-3 mm lesion spans several. */
export const SUB_SLICE_MM = 1;

/** Sub-slices per image slice for a slice thickness (mm): 1 at <= 1 mm, 5 at 5 mm. */
export function zSupersamplingFor(sliceThicknessMm: number): number {
  return Math.max(1, Math.ceil(sliceThicknessMm / SUB_SLICE_MM - 1e-9));
}

export interface CtAcquisitionInput {
  /** tissue class per voxel of the fine grid: [nx, ny, nzImage x zSupersampling], index i + j*nx + m*nx*ny */
  tissue: Uint8Array;
  /** image size [nx, ny, nz] */
  dimensions: [number, number, number];
  /** sub-slices per image slice (image slice k averages fine slices k*f .. k*f + f - 1) */
  zSupersampling: number;
  /** mean HU and label per tissue class */
  classHu: ArrayLike<number>;
  classLabel: ArrayLike<number>;
  /** an in-plane HU offset (per pixel, nx*ny) added to the classes flagged 1 in `offsetClasses` (the lung's gravity gradient) */
  offset?: { classes: Uint8Array; hu: Float64Array };
  noiseSd: number;
  kernel: ReconstructionKernel;
  rng: SeededRandom;
}

export interface CtAcquisition {
  voxels: Int16Array;
  /** label of the class at each slice's central sub-slice */
  labels: Uint8Array;
}

/** Relative edge overshoot of the sharp kernel (unsharp mask gain). */
const SHARP_EDGE_GAIN = 0.6;
/** High-frequency gain of the sharp kernel's noise. */
const SHARP_NOISE_GAIN = 1.5;

/** HU image and label map of a fine tissue map, slice by slice (memory: the outputs plus a few slice buffers). */
export function acquireCt(input: CtAcquisitionInput): CtAcquisition {
  const [nx, ny, nz] = input.dimensions;
  const f = input.zSupersampling;
  const nxy = nx * ny;
  if (input.tissue.length !== nxy * nz * f) throw new Error('acquireCt: tissue map does not match dimensions x zSupersampling');
  const voxels = new Int16Array(nxy * nz);
  const labels = new Uint8Array(nxy * nz);
  const hu = Float64Array.from(input.classHu);
  const label = Uint8Array.from(input.classLabel);
  const offsetClasses = input.offset?.classes ?? new Uint8Array(256);
  const offsetHu = input.offset?.hu ?? new Float64Array(nxy);
  const signal = new Float64Array(nxy);
  const noise = new Float64Array(nxy);
  const scratch = new Float64Array(nxy);
  const noiseScale = input.noiseSd / noiseKernelNorm(input.kernel);
  const centre = f >> 1;
  for (let k = 0; k < nz; k++) {
    signal.fill(0);
    for (let q = 0; q < f; q++) {
      const base = (k * f + q) * nxy;
      for (let p = 0; p < nxy; p++) {
        const cls = input.tissue[base + p];
        signal[p] += hu[cls] + (offsetClasses[cls] === 1 ? offsetHu[p] : 0);
      }
    }
    const centreBase = (k * f + centre) * nxy;
    for (let p = 0; p < nxy; p++) {
      signal[p] /= f;
      labels[k * nxy + p] = label[input.tissue[centreBase + p]];
    }
    // one normal draw per voxel, in voxel order, so the image is a pure function of the seed
    for (let p = 0; p < nxy; p++) noise[p] = input.rng.normal();
    shapeSignal(signal, scratch, nx, ny, input.kernel);
    shapeNoise(noise, scratch, nx, ny, input.kernel);
    const row = k * nxy;
    for (let p = 0; p < nxy; p++) {
      const v = signal[p] + noiseScale * noise[p];
      voxels[row + p] = Math.round(v < -1024 ? -1024 : v > 3071 ? 3071 : v);
    }
  }
  return { voxels, labels };
}

/** 3x3 binomial blur ([1 2 1]/4 in x and y), edges clamped; src -> dst. */
export function binomialBlur(src: Float64Array, dst: Float64Array, nx: number, ny: number): void {
  const tmp = new Float64Array(nx);
  for (let j = 0; j < ny; j++) {
    const up = (j > 0 ? j - 1 : j) * nx;
    const row = j * nx;
    const down = (j < ny - 1 ? j + 1 : j) * nx;
    for (let i = 0; i < nx; i++) tmp[i] = 0.25 * src[up + i] + 0.5 * src[row + i] + 0.25 * src[down + i];
    for (let i = 0; i < nx; i++) dst[row + i] = 0.25 * tmp[i > 0 ? i - 1 : i] + 0.5 * tmp[i] + 0.25 * tmp[i < nx - 1 ? i + 1 : i];
  }
}

function shapeSignal(signal: Float64Array, scratch: Float64Array, nx: number, ny: number, kernel: ReconstructionKernel): void {
  if (kernel === 'standard') return;
  binomialBlur(signal, scratch, nx, ny);
  if (kernel === 'soft') signal.set(scratch);
  else for (let p = 0; p < signal.length; p++) signal[p] += SHARP_EDGE_GAIN * (signal[p] - scratch[p]);
}

function shapeNoise(noise: Float64Array, scratch: Float64Array, nx: number, ny: number, kernel: ReconstructionKernel): void {
  if (kernel === 'standard') return;
  binomialBlur(noise, scratch, nx, ny);
  if (kernel === 'soft') {
    // twice blurred: correlation length of a few pixels, the blotchy texture of soft-tissue kernels
    binomialBlur(scratch, noise, nx, ny);
    return;
  }
  for (let p = 0; p < noise.length; p++) noise[p] += SHARP_NOISE_GAIN * (noise[p] - scratch[p]);
}

/** SD of unit white noise after the kernel's noise filter (root sum of squared weights of its impulse response). */
function noiseKernelNorm(kernel: ReconstructionKernel): number {
  const n = 9;
  const impulse = new Float64Array(n * n);
  impulse[4 * n + 4] = 1;
  shapeNoise(impulse, new Float64Array(n * n), n, n, kernel);
  return Math.sqrt(impulse.reduce((s, w) => s + w * w, 0));
}
