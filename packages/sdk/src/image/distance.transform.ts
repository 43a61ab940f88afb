/**
 * Exact squared Euclidean distance transform on an anisotropic grid, by the separable lower-envelope
 * algorithm of Felzenszwalb PF, Huttenlocher DP, "Distance transforms of sampled functions", Theory of
 * Computing 2012;8:415-428: one 1D pass per axis, O(n) in the voxel count. Hot loops on typed arrays.
 */

const FAR = 1e20;

/**
 * Squared distance (mm²) from each voxel centre to the nearest voxel with `feature[p] === 1`; FAR
 * (1e20) where there is none. Grid [nx, ny, nz] with voxel spacing [sx, sy, sz] mm; nz = 1 gives 2D.
 */
export function squaredDistanceTransform(feature: Uint8Array, dims: readonly number[], spacing: readonly number[]): Float32Array {
  const [nx, ny, nz] = dims;
  const out = new Float32Array(nx * ny * nz);
  for (let p = 0; p < out.length; p++) out[p] = feature[p] === 1 ? 0 : FAR;
  const longest = Math.max(nx, ny, nz);
  const f = new Float64Array(longest);
  const d = new Float64Array(longest);
  const v = new Int32Array(longest);
  const z = new Float64Array(longest + 1);
  const pass = (count: number, stride: number, w: number, start: number): void => {
    for (let q = 0; q < count; q++) f[q] = out[start + q * stride];
    envelope(f, count, w, d, v, z);
    for (let q = 0; q < count; q++) out[start + q * stride] = d[q];
  };
  const wx = spacing[0] * spacing[0];
  const wy = spacing[1] * spacing[1];
  const wz = spacing[2] * spacing[2];
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) pass(nx, 1, wx, k * nx * ny + j * nx);
    if (ny > 1) for (let i = 0; i < nx; i++) pass(ny, nx, wy, k * nx * ny + i);
  }
  if (nz > 1) for (let p = 0; p < nx * ny; p++) pass(nz, nx * ny, wz, p);
  return out;
}

/** 1D: d[p] = min over q of (w (p - q)² + f[q]); samples at FAR take no part in the envelope. */
function envelope(f: Float64Array, n: number, w: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] >= FAR) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    // pop parabolas that the new one hides; z[0] = -Infinity ends the loop
    let s = intersection(f, w, q, v[k]);
    while (s <= z[k]) {
      k--;
      s = intersection(f, w, q, v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    for (let q = 0; q < n; q++) d[q] = FAR;
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    const r = v[j];
    d[q] = w * (q - r) * (q - r) + f[r];
  }
}

function intersection(f: Float64Array, w: number, q: number, r: number): number {
  return (f[q] + w * q * q - (f[r] + w * r * r)) / (2 * w * (q - r));
}
