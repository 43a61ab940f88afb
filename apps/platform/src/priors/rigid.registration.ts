import { patientToVoxel, type Vec3, type Volume } from '@polyrad/sdk';

/**
 * Rigid registration of a prior chest CT onto the current one, good enough to match findings, on what
 * moves with the patient and barely changes between exams: the lungs' air and the bones (spine, ribs,
 * sternum). Both volumes are block-averaged onto grids aligned to one LPS lattice (so slice thickness,
 * pixel size and field of view do not matter), each cell labelled lung (-950..-500 HU mean) or bone
 * (>= 180 HU mean), and the shift that maximises the Dice overlap of both labels inside the region both
 * exams cover is searched coarse to fine (16, 8, 4 mm). The overlap is counted only where both fields of
 * view reach, so a shorter scan or a tighter field of view does not bias it; deeper or shallower
 * inspiration changes the lungs, the bones keep the shift honest. A patient who lies a few degrees
 * rolled or tilted is then followed by a rotation search (up to 10 degrees about each axis, with the
 * shift, on the 8 and 4 mm grids); refineLocally takes each finding's place to 1 mm.
 */

export type Translation = Vec3;

export interface RegistrationResult {
  /** current = R(rotationDeg) (prior - centre) + centre + translation (LPS, mm) */
  translation: Translation;
  /** degrees about the L-R (x), A-P (y) and S-I (z) axes, applied x, then y, then z */
  rotationDeg: Vec3;
  /** centre of the rotation: the centroid of the prior's lungs (LPS, mm) */
  centre: Vec3;
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
  /** 1 where the exam's field of view reaches the cell */
  covered: Uint8Array;
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
  const covered = new Uint8Array(sums.length);
  for (let q = 0; q < sums.length; q++) {
    if (counts[q] === 0) continue;
    covered[q] = 1;
    const hu = sums[q] / counts[q];
    if (hu >= -950 && hu <= -500) labels[q] = LUNG;
    else if (hu >= 180) labels[q] = BONE;
  }
  return { cell, start, dims, labels, covered, lungSum: summedVolume(labels, dims, LUNG), boneSum: summedVolume(labels, dims, BONE) };
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

interface Scored extends Omit<RegistrationResult, 'rotationDeg' | 'centre'> {
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
  const counts: OverlapCounts = {
    lungBoth,
    boneBoth,
    lungC: boxCount(current, current.lungSum, cLo, cHi),
    lungP: boxCount(prior, prior.lungSum, pLo, pHi),
    boneC: boxCount(current, current.boneSum, cLo, cHi),
    boneP: boxCount(prior, prior.boneSum, pLo, pHi),
  };
  return scoreOverlap(counts, current.cell, shift.map((s) => s * current.cell) as Vec3);
}

/** Cells of each label in the common region on each side, and of each label on both. */
interface OverlapCounts {
  lungBoth: number;
  boneBoth: number;
  lungC: number;
  lungP: number;
  boneC: number;
  boneP: number;
}

function scoreOverlap(n: OverlapCounts, cell: number, translation: Translation): Scored {
  const lungDice = n.lungC + n.lungP > 0 ? (2 * n.lungBoth) / (n.lungC + n.lungP) : 0;
  const boneDice = n.boneC + n.boneP > 0 ? (2 * n.boneBoth) / (n.boneC + n.boneP) : 0;
  const commonLungMl = (n.lungBoth * cell ** 3) / 1000;
  // a shift that leaves little lung in common cannot be trusted however well that little overlaps
  const coverage = Math.min(1, commonLungMl / 2000);
  return { translation, lungDice, boneDice, commonLungMl, score: (lungDice + boneDice) * coverage };
}

/** Row-major 3x3 matrix of the rotation by `deg` about x, then y, then z. */
function rotationMatrix(deg: Vec3): number[] {
  const [a, b, c] = deg.map((d) => (d * Math.PI) / 180);
  const [ca, sa, cb, sb, cc, sc] = [Math.cos(a), Math.sin(a), Math.cos(b), Math.sin(b), Math.cos(c), Math.sin(c)];
  // Rz * Ry * Rx
  return [cc * cb, cc * sb * sa - sc * ca, cc * sb * ca + sc * sa, sc * cb, sc * sb * sa + cc * ca, sc * sb * ca - cc * sa, -sb, cb * sa, cb * ca];
}

const rotate = (m: number[], v: Vec3): Vec3 => [m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2], m[6] * v[0] + m[7] * v[1] + m[8] * v[2]];
const rotateBack = (m: number[], v: Vec3): Vec3 => [m[0] * v[0] + m[3] * v[1] + m[6] * v[2], m[1] * v[0] + m[4] * v[1] + m[7] * v[2], m[2] * v[0] + m[5] * v[1] + m[8] * v[2]];

/** Where a point of the prior lies in the current exam. */
export function toCurrent(reg: Pick<RegistrationResult, 'translation' | 'rotationDeg' | 'centre'>, point: Vec3): Vec3 {
  const r = rotate(rotationMatrix(reg.rotationDeg), [0, 1, 2].map((a) => point[a] - reg.centre[a]) as Vec3);
  return [0, 1, 2].map((a) => r[a] + reg.centre[a] + reg.translation[a]) as Vec3;
}

/** Where a point of the current exam lies in the prior. */
export function toPrior(reg: Pick<RegistrationResult, 'translation' | 'rotationDeg' | 'centre'>, point: Vec3): Vec3 {
  const r = rotateBack(rotationMatrix(reg.rotationDeg), [0, 1, 2].map((a) => point[a] - reg.centre[a] - reg.translation[a]) as Vec3);
  return [0, 1, 2].map((a) => r[a] + reg.centre[a]) as Vec3;
}

/** The shift that takes a prior point to its place in the current exam (what refineLocally starts from there). */
export function shiftAt(reg: Pick<RegistrationResult, 'translation' | 'rotationDeg' | 'centre'>, priorPoint: Vec3): Translation {
  const q = toCurrent(reg, priorPoint);
  return [0, 1, 2].map((a) => q[a] - priorPoint[a]) as Translation;
}

/** The shift that takes a current point back to its place in the prior. */
export function shiftBackAt(reg: Pick<RegistrationResult, 'translation' | 'rotationDeg' | 'centre'>, currentPoint: Vec3): Translation {
  const p = toPrior(reg, currentPoint);
  return [0, 1, 2].map((a) => p[a] - currentPoint[a]) as Translation;
}

/** How directions of one exam turn into the other's (prior to current, or back): for refineLocally. */
export function localAxes(reg: Pick<RegistrationResult, 'rotationDeg'>, direction: 'to current' | 'to prior'): number[] {
  const m = rotationMatrix(reg.rotationDeg);
  return direction === 'to current' ? m : [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

/**
 * Dice of both labels for a rotation and shift: every prior cell the field of view covers is moved
 * (its centre) and compared with the current cell it lands in, where the current exam covers that.
 */
function scoreTransform(prior: CellGrid, current: CellGrid, rotationDeg: Vec3, centre: Vec3, translation: Translation): Scored {
  const m = rotationMatrix(rotationDeg);
  const n: OverlapCounts = { lungBoth: 0, boneBoth: 0, lungC: 0, lungP: 0, boneC: 0, boneP: 0 };
  const { cell } = prior;
  const [px, py, pz] = prior.dims;
  const [cx, cy, cz] = current.dims;
  const offset = [0, 1, 2].map((a) => centre[a] + translation[a]);
  for (let c = 0; c < pz; c++) {
    const z = (prior.start[2] + c + 0.5) * cell - centre[2];
    for (let b = 0; b < py; b++) {
      const y = (prior.start[1] + b + 0.5) * cell - centre[1];
      for (let a = 0; a < px; a++) {
        const q = a + b * px + c * px * py;
        if (!prior.covered[q]) continue;
        const x = (prior.start[0] + a + 0.5) * cell - centre[0];
        const ca = Math.floor((m[0] * x + m[1] * y + m[2] * z + offset[0]) / cell) - current.start[0];
        const cb = Math.floor((m[3] * x + m[4] * y + m[5] * z + offset[1]) / cell) - current.start[1];
        const cc = Math.floor((m[6] * x + m[7] * y + m[8] * z + offset[2]) / cell) - current.start[2];
        if (ca < 0 || cb < 0 || cc < 0 || ca >= cx || cb >= cy || cc >= cz) continue;
        const cq = ca + cb * cx + cc * cx * cy;
        if (!current.covered[cq]) continue;
        const lp = prior.labels[q];
        const lc = current.labels[cq];
        if (lp === LUNG) n.lungP++;
        else if (lp === BONE) n.boneP++;
        if (lc === LUNG) n.lungC++;
        else if (lc === BONE) n.boneC++;
        if (lp !== 0 && lp === lc) {
          if (lp === LUNG) n.lungBoth++;
          else n.boneBoth++;
        }
      }
    }
  }
  return scoreOverlap(n, cell, translation);
}

/** Centroid of the lung cells (LPS, mm). */
function lungCentroid(grid: CellGrid): Vec3 {
  const sum = [0, 0, 0];
  let count = 0;
  const [dx, dy, dz] = grid.dims;
  for (let c = 0; c < dz; c++)
    for (let b = 0; b < dy; b++)
      for (let a = 0; a < dx; a++) {
        if (grid.labels[a + b * dx + c * dx * dy] !== LUNG) continue;
        sum[0] += a;
        sum[1] += b;
        sum[2] += c;
        count++;
      }
  return [0, 1, 2].map((a) => (grid.start[a] + (count ? sum[a] / count : grid.dims[a] / 2) + 0.5) * grid.cell) as Vec3;
}

const MAX_ROTATION_DEG = 10;
/** grid (mm), angle steps tried about each axis (degrees), shift step (mm) */
const ROTATION_LEVELS: Array<{ cell: number; angles: number[]; shiftMm: number }> = [
  { cell: 8, angles: [-6, -4, -2, 2, 4, 6], shiftMm: 4 },
  { cell: 4, angles: [-1, 1], shiftMm: 2 },
  { cell: 4, angles: [-0.5, 0.5], shiftMm: 1 },
];

/**
 * Rotation and shift from the shift alone, by coordinate ascent: about each axis in turn the angles of
 * the level are tried, then the 26 neighbouring shifts, until nothing improves; coarse angles on the 8 mm
 * grid, fine ones on the 4 mm grid. The identity is always a candidate, so an exam that lies as the prior
 * did keeps (near) zero angles.
 */
function searchRotation(grids: Array<{ p: CellGrid; c: CellGrid }>, shift: Translation): Scored & Pick<RegistrationResult, 'rotationDeg' | 'centre'> {
  const centre = lungCentroid(grids.find((g) => g.p.cell === 8)!.p);
  let rotationDeg: Vec3 = [0, 0, 0];
  let translation = shift;
  let best: Scored | undefined;
  for (const level of ROTATION_LEVELS) {
    const { p, c } = grids.find((g) => g.p.cell === level.cell)!;
    best = scoreTransform(p, c, rotationDeg, centre, translation);
    for (let round = 0; round < 6; round++) {
      let improved = false;
      const consider = (r: Vec3, t: Translation) => {
        if (r.some((v) => Math.abs(v) > MAX_ROTATION_DEG)) return;
        const s = scoreTransform(p, c, r, centre, t);
        if (s.score > best!.score + 1e-9) {
          best = s;
          rotationDeg = r;
          translation = t;
          improved = true;
        }
      };
      for (let axis = 0; axis < 3; axis++) {
        const from = rotationDeg;
        for (const step of level.angles) consider(from.map((v, a) => (a === axis ? v + step : v)) as Vec3, translation);
      }
      const from = translation;
      for (let dz = -1; dz <= 1; dz++)
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) if (dx || dy || dz) consider(rotationDeg, [from[0] + dx * level.shiftMm, from[1] + dy * level.shiftMm, from[2] + dz * level.shiftMm]);
      if (!improved) break;
    }
  }
  return { ...best!, rotationDeg, centre };
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
  const rival = others.find((o) => distanceMm(o.translation, best.translation) >= 12 && o.score >= AMBIGUITY_RATIO * best.score);
  // the shift at the lungs' centre stands for the rotation's translation at that point
  const rotated = searchRotation(grids, best.translation);
  const result: RegistrationResult = {
    translation: rotated.translation,
    rotationDeg: rotated.rotationDeg,
    centre: rotated.centre,
    lungDice: rotated.lungDice,
    boneDice: rotated.boneDice,
    commonLungMl: rotated.commonLungMl,
  };
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

/** The neighbourhood of `centre`, its offsets turned by `axes` (row-major 3x3) when given. */
function patch(volume: Volume, centre: Vec3, axes?: number[]): Float64Array {
  const n = (2 * PATCH_HALF_MM) / PATCH_STEP_MM + 1;
  const out = new Float64Array(n * n * n);
  let q = 0;
  for (let c = 0; c < n; c++)
    for (let b = 0; b < n; b++)
      for (let a = 0; a < n; a++) {
        const o: Vec3 = [-PATCH_HALF_MM + a * PATCH_STEP_MM, -PATCH_HALF_MM + b * PATCH_STEP_MM, -PATCH_HALF_MM + c * PATCH_STEP_MM];
        const d = axes ? rotate(axes, o) : o;
        const hu = sampleHu(volume, [centre[0] + d[0], centre[1] + d[1], centre[2] + d[2]]);
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
 * small rotation, which move the lung bases more than the apices. `axes` (localAxes) turns the
 * neighbourhood in `current` as the registration found the patient turned.
 */
export function refineLocally(prior: Volume, current: Volume, priorPoint: Vec3, global: Translation, searchMm = 8, axes?: number[]): LocalRefinement {
  const reference = patch(prior, priorPoint);
  let best: LocalRefinement = { translation: global, correlation: -Infinity };
  const scan = (centre: Translation, radius: number, step: number) => {
    for (let dz = -radius; dz <= radius + 1e-9; dz += step)
      for (let dy = -radius; dy <= radius + 1e-9; dy += step)
        for (let dx = -radius; dx <= radius + 1e-9; dx += step) {
          const t: Translation = [centre[0] + dx, centre[1] + dy, centre[2] + dz];
          const r = correlation(reference, patch(current, [priorPoint[0] + t[0], priorPoint[1] + t[1], priorPoint[2] + t[2]], axes));
          if (r > best.correlation) best = { translation: t, correlation: r };
        }
  };
  scan(global, searchMm, 2);
  scan(best.translation, 1, 1);
  return best;
}
