import { patientToVoxel, type Vec3, type Volume } from '@polyrad/sdk';

/**
 * Rigid (translation) registration of a prior chest CT onto the current one, good enough to match
 * findings, on what moves with the patient and barely changes between exams: the lungs' air and the
 * bones (spine, ribs, sternum). Both volumes are block-averaged onto grids aligned to one LPS lattice
 * (so slice thickness, pixel size and field of view do not matter), each cell labelled lung (-950..-500 HU
 * mean) or bone (>= 180 HU mean), and the shift that maximises the Dice overlap of both labels inside the
 * region both exams cover is searched coarse to fine (16, 8, 4 mm; refineLocally takes it to 1 mm around each finding). The overlap is counted only where
 * both fields of view reach, so a shorter scan or a tighter field of view does not bias it; deeper or
 * shallower inspiration changes the lungs, the bones keep the shift honest. Rotation is not estimated:
 * patients lie supine on the same table axis, and the local refinement around each finding
 * (refineLocally) absorbs what a small rotation leaves.
 */

export type Translation = Vec3;

export interface RegistrationResult {
  /** current = prior + translation (LPS, mm) */
  translation: Translation;
  /** Dice of the lung cells and of the bone cells over the common region at the best shift (0..1) */
  lungDice: number;
  boneDice: number;
  /** cubic mm of lung both exams cover at that shift, in the current exam's cells */
  commonLungMl: number;
}

export type RegistrationOutcome = ({ status: 'registered' } & RegistrationResult) | { status: 'failed'; reason: string; best?: RegistrationResult };

/** Below these the two exams do not show the same chest in the same place (checked on the phantom pairs and the LIDC CTs). */
export const MIN_LUNG_DICE = 0.6;
export const MIN_BONE_DICE = 0.35;
export const MIN_COMMON_LUNG_ML = 500;

const LUNG = 1;
const BONE = 2;
const LEVELS_MM = [16, 8, 4];

/** Cells of one exam on the common lattice: label per cell; index (a, b, c) of cell (origin + (a, b, c) * cell). */
interface CellGrid {
  cell: number;
  /** lattice index of cell (0, 0, 0) */
  start: Vec3;
  dims: Vec3;
  labels: Uint8Array;
  /** summed-volume tables of lung and bone counts, (dims + 1)^3 */
  lungSum: Float64Array;
  boneSum: Float64Array;
}

/** Mean HU per cell of `cell` mm on the LPS lattice (cells at multiples of `cell`), then labels. */
function cellGrid(volume: Volume, cell: number): CellGrid {
  const { geometry, voxels } = volume;
  const [nx, ny, nz] = geometry.dimensions;
  const corners: Vec3[] = [];
  for (const i of [0, nx - 1]) for (const j of [0, ny - 1]) for (const k of [0, nz - 1]) corners.push(voxelAt(volume, i, j, k));
  const start = [0, 1, 2].map((a) => Math.floor(Math.min(...corners.map((c) => c[a])) / cell)) as Vec3;
  const end = [0, 1, 2].map((a) => Math.floor(Math.max(...corners.map((c) => c[a])) / cell)) as Vec3;
  const dims = [0, 1, 2].map((a) => end[a] - start[a] + 1) as Vec3;
  const sums = new Float64Array(dims[0] * dims[1] * dims[2]);
  const counts = new Uint32Array(sums.length);
  const { origin, spacing, direction } = geometry;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const base = [0, 1, 2].map((a) => origin[a] + j * spacing[1] * direction[1][a] + k * spacing[2] * direction[2][a]);
      const row = k * nx * ny + j * nx;
      for (let i = 0; i < nx; i++) {
        const x = base[0] + i * spacing[0] * direction[0][0];
        const y = base[1] + i * spacing[0] * direction[0][1];
        const z = base[2] + i * spacing[0] * direction[0][2];
        const a = Math.floor(x / cell) - start[0];
        const b = Math.floor(y / cell) - start[1];
        const c = Math.floor(z / cell) - start[2];
        if (a < 0 || b < 0 || c < 0 || a >= dims[0] || b >= dims[1] || c >= dims[2]) continue;
        const q = a + b * dims[0] + c * dims[0] * dims[1];
        sums[q] += voxels[row + i];
        counts[q]++;
      }
    }
  }
  const labels = new Uint8Array(sums.length);
  for (let q = 0; q < sums.length; q++) {
    if (counts[q] === 0) continue;
    const hu = sums[q] / counts[q];
    if (hu >= -950 && hu <= -500) labels[q] = LUNG;
    else if (hu >= 180) labels[q] = BONE;
  }
  return { cell, start, dims, labels, lungSum: summedVolume(labels, dims, LUNG), boneSum: summedVolume(labels, dims, BONE) };
}

function voxelAt(volume: Volume, i: number, j: number, k: number): Vec3 {
  const { origin, spacing, direction } = volume.geometry;
  return [0, 1, 2].map((a) => origin[a] + i * spacing[0] * direction[0][a] + j * spacing[1] * direction[1][a] + k * spacing[2] * direction[2][a]) as Vec3;
}

function summedVolume(labels: Uint8Array, dims: Vec3, label: number): Float64Array {
  const [X, Y, Z] = dims.map((d) => d + 1);
  const s = new Float64Array(X * Y * Z);
  for (let c = 1; c < Z; c++)
    for (let b = 1; b < Y; b++)
      for (let a = 1; a < X; a++) {
        const v = labels[a - 1 + (b - 1) * dims[0] + (c - 1) * dims[0] * dims[1]] === label ? 1 : 0;
        const at = (x: number, y: number, z: number) => s[x + y * X + z * X * Y];
        s[a + b * X + c * X * Y] = v + at(a - 1, b, c) + at(a, b - 1, c) + at(a, b, c - 1) - at(a - 1, b - 1, c) - at(a - 1, b, c - 1) - at(a, b - 1, c - 1) + at(a - 1, b - 1, c - 1);
      }
  return s;
}

/** count in the box [lo, hi) of grid-local cell indices */
function boxCount(grid: CellGrid, sum: Float64Array, lo: Vec3, hi: Vec3): number {
  const X = grid.dims[0] + 1;
  const Y = grid.dims[1] + 1;
  const at = (x: number, y: number, z: number) => sum[x + y * X + z * X * Y];
  const [a0, b0, c0] = lo;
  const [a1, b1, c1] = hi;
  return at(a1, b1, c1) - at(a0, b1, c1) - at(a1, b0, c1) - at(a1, b1, c0) + at(a0, b0, c1) + at(a0, b1, c0) + at(a1, b0, c0) - at(a0, b0, c0);
}

interface Scored extends RegistrationResult {
  score: number;
}

/** Dice of both labels over the common region, for a shift of `shift` cells (current = prior + shift). */
function scoreShift(prior: CellGrid, current: CellGrid, shift: Vec3): Scored | undefined {
  // common region in lattice cells: the current grid and the prior grid moved by the shift
  const lo = [0, 1, 2].map((a) => Math.max(current.start[a], prior.start[a] + shift[a])) as Vec3;
  const hi = [0, 1, 2].map((a) => Math.min(current.start[a] + current.dims[a], prior.start[a] + shift[a] + prior.dims[a])) as Vec3;
  if (lo.some((v, a) => v >= hi[a])) return undefined;
  const cLo = lo.map((v, a) => v - current.start[a]) as Vec3;
  const cHi = hi.map((v, a) => v - current.start[a]) as Vec3;
  const pLo = lo.map((v, a) => v - prior.start[a] - shift[a]) as Vec3;
  const pHi = hi.map((v, a) => v - prior.start[a] - shift[a]) as Vec3;
  let lungBoth = 0;
  let boneBoth = 0;
  const [cx, cy] = current.dims;
  const [px, py] = prior.dims;
  for (let c = cLo[2]; c < cHi[2]; c++) {
    const pc = c - cLo[2] + pLo[2];
    for (let b = cLo[1]; b < cHi[1]; b++) {
      const pb = b - cLo[1] + pLo[1];
      const cRow = b * cx + c * cx * cy;
      const pRow = pb * px + pc * px * py - cLo[0] + pLo[0];
      for (let a = cLo[0]; a < cHi[0]; a++) {
        const l = current.labels[cRow + a];
        if (l === 0 || l !== prior.labels[pRow + a]) continue;
        if (l === LUNG) lungBoth++;
        else boneBoth++;
      }
    }
  }
  const lungC = boxCount(current, current.lungSum, cLo, cHi);
  const lungP = boxCount(prior, prior.lungSum, pLo, pHi);
  const boneC = boxCount(current, current.boneSum, cLo, cHi);
  const boneP = boxCount(prior, prior.boneSum, pLo, pHi);
  const lungDice = lungC + lungP > 0 ? (2 * lungBoth) / (lungC + lungP) : 0;
  const boneDice = boneC + boneP > 0 ? (2 * boneBoth) / (boneC + boneP) : 0;
  const commonLungMl = (lungBoth * current.cell ** 3) / 1000;
  // a shift that leaves little lung in common cannot be trusted however well that little overlaps
  const coverage = Math.min(1, commonLungMl / 2000);
  return { translation: shift.map((s) => s * current.cell) as Vec3, lungDice, boneDice, commonLungMl, score: (lungDice + boneDice) * coverage };
}

function searchAround(prior: CellGrid, current: CellGrid, centre: Vec3, radius: Vec3): Scored | undefined {
  let best: Scored | undefined;
  for (let dz = -radius[2]; dz <= radius[2]; dz++)
    for (let dy = -radius[1]; dy <= radius[1]; dy++)
      for (let dx = -radius[0]; dx <= radius[0]; dx++) {
        const s = scoreShift(prior, current, [centre[0] + dx, centre[1] + dy, centre[2] + dz]);
        if (s && (!best || s.score > best.score)) best = s;
      }
  return best;
}

/** A runner-up this close to the best (score ratio) at another place means the shift is not determined. */
export const AMBIGUITY_RATIO = 0.97;
const CANDIDATES = 3;

/**
 * Registers `prior` onto `current` (both CT volumes in HU). The coarse search spans ±96 mm left-right and
 * antero-posterior (patients lie near the table's centre) and every craniocaudal shift where the exams
 * overlap (table positions are not comparable between exams). The best few coarse optima are refined;
 * when two end up nearly as good at places 12 mm or more apart (a scan cut through both lung apices and
 * bases, where only the repeating vertebrae are left to align), the shift is ambiguous and registration fails.
 */
export function registerRigid(prior: Volume, current: Volume): RegistrationOutcome {
  const grids = LEVELS_MM.map((cell) => ({ p: cellGrid(prior, cell), c: cellGrid(current, cell) }));
  const { p, c } = grids[0];
  const zSpan = Math.ceil((p.dims[2] + c.dims[2]) / 2) + 1;
  const zCentre = Math.round(c.start[2] + c.dims[2] / 2 - (p.start[2] + p.dims[2] / 2));
  const coarse = localMaxima(p, c, [0, 0, zCentre], [6, 6, zSpan]).slice(0, CANDIDATES);
  if (coarse.length === 0) return { status: 'failed', reason: 'registration failed: the two exams have no region in common' };
  const refined = coarse
    .map((start) => {
      let best: Scored = start;
      for (const { p: pg, c: cg } of grids.slice(1)) {
        const centre = best.translation.map((t) => Math.round(t / cg.cell)) as Vec3;
        best = searchAround(pg, cg, centre, [2, 2, 2]) ?? best;
      }
      return best;
    })
    .sort((a, b) => b.score - a.score);
  const [best, ...others] = refined;
  const result: RegistrationResult = { translation: best.translation, lungDice: best.lungDice, boneDice: best.boneDice, commonLungMl: best.commonLungMl };
  const rival = others.find((o) => distanceMm(o.translation, best.translation) >= 12 && o.score >= AMBIGUITY_RATIO * best.score);
  const failures = [
    result.lungDice < MIN_LUNG_DICE ? `lung overlap (Dice) ${result.lungDice.toFixed(2)} < ${MIN_LUNG_DICE}` : '',
    result.boneDice < MIN_BONE_DICE ? `bone overlap (Dice) ${result.boneDice.toFixed(2)} < ${MIN_BONE_DICE}` : '',
    result.commonLungMl < MIN_COMMON_LUNG_ML ? `only ${Math.round(result.commonLungMl)} mL of lung in common (< ${MIN_COMMON_LUNG_ML} mL)` : '',
    rival ? `ambiguous: shifts ${fmt(best.translation)} and ${fmt(rival.translation)} mm fit almost equally well (the scans may not cover both lung apices and bases)` : '',
  ].filter(Boolean);
  if (failures.length) return { status: 'failed', reason: `registration failed: ${failures.join('; ')}`, best: result };
  return { status: 'registered', ...result };
}

const fmt = (t: Vec3) => `(${t.map((v) => Math.round(v)).join(', ')})`;
const distanceMm = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Scored shifts that beat all their 26 neighbours, best first. */
function localMaxima(prior: CellGrid, current: CellGrid, centre: Vec3, radius: Vec3): Scored[] {
  const [rx, ry, rz] = radius;
  const wx = 2 * rx + 1;
  const wy = 2 * ry + 1;
  const scores = new Map<number, Scored>();
  for (let dz = -rz; dz <= rz; dz++)
    for (let dy = -ry; dy <= ry; dy++)
      for (let dx = -rx; dx <= rx; dx++) {
        const s = scoreShift(prior, current, [centre[0] + dx, centre[1] + dy, centre[2] + dz]);
        if (s) scores.set(dx + rx + (dy + ry) * wx + (dz + rz) * wx * wy, s);
      }
  const maxima: Scored[] = [];
  for (const [key, s] of scores) {
    const x = key % wx;
    const y = Math.floor(key / wx) % wy;
    const z = Math.floor(key / (wx * wy));
    let top = true;
    for (let a = -1; a <= 1 && top; a++)
      for (let b = -1; b <= 1 && top; b++)
        for (let d = -1; d <= 1 && top; d++) {
          if (!a && !b && !d) continue;
          const n = scores.get(x + a + (y + b) * wx + (z + d) * wx * wy);
          if (n && x + a >= 0 && x + a < wx && y + b >= 0 && y + b < wy && n.score > s.score) top = false;
        }
    if (top && s.score > 0) maxima.push(s);
  }
  return maxima.sort((a, b) => b.score - a.score);
}

/** Trilinear HU at an LPS point; -1000 (air) outside the volume. */
export function sampleHu(volume: Volume, point: Vec3): number {
  const [fi, fj, fk] = patientToVoxel(volume.geometry, point);
  const [nx, ny, nz] = volume.geometry.dimensions;
  const i0 = Math.floor(fi);
  const j0 = Math.floor(fj);
  const k0 = Math.floor(fk);
  if (i0 < 0 || j0 < 0 || i0 >= nx - 1 || j0 >= ny - 1 || k0 < 0 || k0 > nz - 1) return -1000;
  const k1 = Math.min(k0 + 1, nz - 1);
  const di = fi - i0;
  const dj = fj - j0;
  const dk = fk - k0;
  const v = (i: number, j: number, k: number) => volume.voxels[i + j * nx + k * nx * ny];
  const plane = (k: number) => (v(i0, j0, k) * (1 - di) + v(i0 + 1, j0, k) * di) * (1 - dj) + (v(i0, j0 + 1, k) * (1 - di) + v(i0 + 1, j0 + 1, k) * di) * dj;
  return plane(k0) * (1 - dk) + plane(k1) * dk;
}

export interface LocalRefinement {
  /** current = prior + translation near this point */
  translation: Translation;
  /** normalised cross-correlation of the two neighbourhoods at that shift (-1..1) */
  correlation: number;
}

const PATCH_HALF_MM = 16;
const PATCH_STEP_MM = 2;

function patch(volume: Volume, centre: Vec3): Float64Array {
  const n = (2 * PATCH_HALF_MM) / PATCH_STEP_MM + 1;
  const out = new Float64Array(n * n * n);
  let q = 0;
  for (let c = 0; c < n; c++)
    for (let b = 0; b < n; b++)
      for (let a = 0; a < n; a++) {
        const hu = sampleHu(volume, [centre[0] - PATCH_HALF_MM + a * PATCH_STEP_MM, centre[1] - PATCH_HALF_MM + b * PATCH_STEP_MM, centre[2] - PATCH_HALF_MM + c * PATCH_STEP_MM]);
        // above soft tissue only bone and contrast differ, which says nothing about position in the lung
        out[q++] = Math.max(-1000, Math.min(200, hu));
      }
  return out;
}

function correlation(a: Float64Array, b: Float64Array): number {
  let ma = 0;
  let mb = 0;
  for (let q = 0; q < a.length; q++) {
    ma += a[q];
    mb += b[q];
  }
  ma /= a.length;
  mb /= b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let q = 0; q < a.length; q++) {
    ab += (a[q] - ma) * (b[q] - mb);
    aa += (a[q] - ma) ** 2;
    bb += (b[q] - mb) ** 2;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * Refines the global shift around one point of the prior (a nodule's centre): the 32 mm neighbourhood
 * (vessels, fissures, pleura and the nodule itself) is matched by normalised cross-correlation within
 * ±`searchMm` of the global shift, at 2 mm then 1 mm; this absorbs a different inspiration depth and a
 * small rotation, which move the lung bases more than the apices.
 */
export function refineLocally(prior: Volume, current: Volume, priorPoint: Vec3, global: Translation, searchMm = 8): LocalRefinement {
  const reference = patch(prior, priorPoint);
  let best: LocalRefinement = { translation: global, correlation: -Infinity };
  const scan = (centre: Translation, radius: number, step: number) => {
    for (let dz = -radius; dz <= radius + 1e-9; dz += step)
      for (let dy = -radius; dy <= radius + 1e-9; dy += step)
        for (let dx = -radius; dx <= radius + 1e-9; dx += step) {
          const t: Translation = [centre[0] + dx, centre[1] + dy, centre[2] + dz];
          const r = correlation(reference, patch(current, [priorPoint[0] + t[0], priorPoint[1] + t[1], priorPoint[2] + t[2]]));
          if (r > best.correlation) best = { translation: t, correlation: r };
        }
  };
  scan(global, searchMm, 2);
  scan(best.translation, 1, 1);
  return best;
}
