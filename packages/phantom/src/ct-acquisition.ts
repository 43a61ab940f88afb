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

/**
 * Sub-slices per image slice for a slice thickness (mm): 1 at <= 1 mm, 3 at 1.25-3 mm, 5 at 5 mm. Always
 * odd, so a slice's centre is the centre of a sub-slice and its labels are the classes at the nominal slice
 * position, the same whichever way the slices run.
 */
export function zSupersamplingFor(sliceThicknessMm: number): number {
  return oddSupersampling(Math.ceil(sliceThicknessMm / SUB_SLICE_MM - 1e-9));
}

/** the odd sub-slice count at or above `f` (at least 1) */
export function oddSupersampling(f: number): number {
  const n = Math.max(1, Math.round(f));
  return n % 2 === 1 ? n : n + 1;
}

export interface CtAcquisitionInput {
  /** tissue class per voxel of the fine grid: [nx, ny, nzImage x zSupersampling], index i + j*nx + m*nx*ny */
  tissue: Uint8Array;
  /** image size [nx, ny, nz] */
  dimensions: [number, number, number];
  /** sub-slices per image slice, odd (image slice k averages fine slices k*f .. k*f + f - 1; its labels are those of fine slice k*f + (f-1)/2) */
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
  /** the acquired image as its truth is counted (see AcquiredImage) */
  image: AcquiredImage;
}

/**
 * What truth is counted on, so that it is exact for the image that is output:
 * - volumes and voxel counts: on the image grid, each image voxel taking the tissue class of its slice's
 *   central sub-slice (`classAt`), the class whose label `labels` holds; a count x image voxel volume is
 *   what the label map gives;
 * - HU-threshold truths (Agatston, LAA-950): on the noise-free image (`noiseFreeSlice`): sub-slice
 *   average (partial volume) and the kernel's edge response (a sharp kernel's overshoot included), rounded
 *   as the image is, before the noise is added: the image the same call gives with noiseSd 0.
 */
export interface AcquiredImage {
  /** image size [nx, ny, nz] */
  dimensions: [number, number, number];
  zSupersampling: number;
  /** the fine tissue map (see CtAcquisitionInput.tissue) */
  tissue: Uint8Array;
  /** in-plane reach of the kernel's point response, pixels: how far a structure's HU spreads beyond its own pixels */
  kernelReachPx: number;
  /** tissue class of image voxel p (index i + j*nx + k*nx*ny): its slice's central sub-slice */
  classAt(p: number): number;
  /** image voxels of each tissue class (by `classAt`), 256 entries */
  classCounts(): Float64Array;
  /** the noise-free HU of image slice k (nx*ny values) into `out` */
  noiseFreeSlice(k: number, out: Float64Array): void;
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
  if (f % 2 !== 1) throw new Error('acquireCt: zSupersampling must be odd (the slice centre is a sub-slice)');
  const voxels = new Int16Array(nxy * nz);
  const labels = new Uint8Array(nxy * nz);
  const label = Uint8Array.from(input.classLabel);
  const noise = new Float64Array(nxy);
  const scratch = new Float64Array(nxy);
  const signal = new Float64Array(nxy);
  const noiseScale = input.noiseSd / noiseKernelNorm(input.kernel);
  const image = acquiredImage(input);
  for (let k = 0; k < nz; k++) {
    image.noiseFreeSignal(k, signal);
    const row = k * nxy;
    const centreBase = (k * f + (f >> 1)) * nxy;
    for (let p = 0; p < nxy; p++) labels[row + p] = label[input.tissue[centreBase + p]];
    // one normal draw per voxel, in voxel order, so the image is a pure function of the seed
    for (let p = 0; p < nxy; p++) noise[p] = input.rng.normal();
    shapeNoise(noise, scratch, nx, ny, input.kernel);
    for (let p = 0; p < nxy; p++) voxels[row + p] = toImageHu(signal[p] + noiseScale * noise[p]);
  }
  return { voxels, labels, image };
}

/** HU as stored in the image: rounded and clamped to the 12-bit CT range */
function toImageHu(v: number): number {
  return Math.round(v < -1024 ? -1024 : v > 3071 ? 3071 : v);
}

function acquiredImage(input: CtAcquisitionInput): AcquiredImage & { noiseFreeSignal(k: number, out: Float64Array): void } {
  const [nx, ny, nz] = input.dimensions;
  const f = input.zSupersampling;
  const nxy = nx * ny;
  const hu = Float64Array.from(input.classHu);
  const offsetClasses = input.offset?.classes ?? new Uint8Array(256);
  const offsetHu = input.offset?.hu ?? new Float64Array(nxy);
  const scratch = new Float64Array(nxy);
  const centre = f >> 1;
  let counts: Float64Array | undefined;
  /** sub-slice average of slice k, then the kernel's edge response (before rounding) */
  const noiseFreeSignal = (k: number, signal: Float64Array): void => {
    signal.fill(0);
    for (let q = 0; q < f; q++) {
      const base = (k * f + q) * nxy;
      for (let p = 0; p < nxy; p++) {
        const cls = input.tissue[base + p];
        signal[p] += hu[cls] + (offsetClasses[cls] === 1 ? offsetHu[p] : 0);
      }
    }
    for (let p = 0; p < nxy; p++) signal[p] /= f;
    shapeSignal(signal, scratch, nx, ny, input.kernel);
  };
  return {
    dimensions: [nx, ny, nz],
    zSupersampling: f,
    tissue: input.tissue,
    kernelReachPx: input.kernel === 'standard' ? 0 : 1,
    classAt: (p) => {
      const k = Math.floor(p / nxy);
      return input.tissue[(k * f + centre) * nxy + (p - k * nxy)];
    },
    classCounts: () => {
      if (counts) return counts;
      counts = new Float64Array(256);
      for (let k = 0; k < nz; k++) {
        const base = (k * f + centre) * nxy;
        for (let p = 0; p < nxy; p++) counts[input.tissue[base + p]]++;
      }
      return counts;
    },
    noiseFreeSlice: (k, out) => {
      noiseFreeSignal(k, out);
      for (let p = 0; p < nxy; p++) out[p] = toImageHu(out[p]);
    },
    noiseFreeSignal,
  };
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
