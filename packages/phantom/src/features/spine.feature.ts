import { patientToVoxel, type Vec3 } from '@polyrad/sdk';
import { SeededRandom } from '../seeded-random.js';
import { PHANTOM_LABELS, type PhantomScene } from '../phantom-scene.js';

/** Genant 1993 deformity types: anterior wedge, central (biconcave) endplate collapse, whole-body crush. */
export type VertebralFractureShape = 'wedge' | 'biconcave' | 'crush';

export interface SpineFracturePhantomOptions {
  /** index of the fractured vertebra (0 = most superior in the field of view); default: drawn among the complete ones */
  vertebra?: number;
  /** height loss, % (anterior height for a wedge, middle height for a biconcave fracture, against the posterior height) */
  heightLossPercent: number;
  /** default 'wedge' */
  shape?: VertebralFractureShape;
}

export interface SpinePhantomOptions {
  /**
   * trabecular mean HU: one value for every vertebra, or one per vertebra from the top (the last one
   * repeats); default a patient mean drawn from `trabecularHuRange` with +-10 HU between levels
   */
  trabecularHu?: number | number[];
  /** range of the drawn patient mean, HU; default [90, 220] */
  trabecularHuRange?: [number, number];
  /** vertebral body height, mm; default drawn from 25-29 */
  bodyHeightMm?: number;
  /** intervertebral disc height, mm; default drawn from 5-8 */
  discHeightMm?: number;
  /** one crushed vertebra, or false for none; default a 32 % anterior wedge (Genant grade 2) */
  fracture?: SpineFracturePhantomOptions | false;
  /** pedicles, laminae and spinous processes behind each body; default true */
  posteriorElements?: boolean;
}

export interface VertebraTruth {
  /** 0 = most superior vertebral body in the field of view */
  index: number;
  /** LPS centre of the body (on its axis, half-way between the nominal endplates), mm */
  center: Vec3;
  /** the body and part of both adjacent discs lie inside the field of view */
  complete: boolean;
  /** mean HU of the trabecular class (the image adds zero-mean Gaussian noise) */
  trabecularHu: number;
  trabecularVoxelCount: number;
  /**
   * body heights counted from the voxels (bone voxels x slice spacing) along the vertical voxel
   * columns through the mid-sagittal plane at 75 % of the radius in front of the axis (anterior), on
   * the axis (middle) and 75 % of the radius behind it (posterior), mm
   */
  heightsMm: { anterior: number; middle: number; posterior: number };
  /** 100 x (1 - min(anterior, middle) / posterior), from the counted heights */
  heightLossPercent: number;
  /** Genant semiquantitative grade of that height loss (0 = no fracture) */
  genantGrade: 0 | 1 | 2 | 3;
  fracture?: VertebralFractureShape;
}

export interface SpineTruth {
  vertebrae: VertebraTruth[];
  /** index of the crushed vertebra, if any */
  fractured?: number;
  /** body radius (circular cross-section), mm */
  radiusMm: number;
}

/**
 * Genant semiquantitative grade of a vertebral height loss: grade 1 (mild) 20-25 %, grade 2
 * (moderate) 25-40 %, grade 3 (severe) > 40 % (Genant HK et al., J Bone Miner Res 1993;8:1137-1148).
 */
export function genantGradeOf(heightLossPercent: number): 0 | 1 | 2 | 3 {
  if (heightLossPercent < 20) return 0;
  if (heightLossPercent < 25) return 1;
  if (heightLossPercent <= 40) return 2;
  return 3;
}

/**
 * The vertebral column: replaces the core layout's plain bone cylinder with discrete vertebral bodies
 * (cortical shell, endplates, a trabecular core of its own mean HU per level) separated by discs, a
 * posterior arch per level, and optionally one wedge or biconcave fracture of known height loss.
 */
export function addSpine(scene: PhantomScene, options: SpinePhantomOptions = {}): () => SpineTruth {
  // one draw from the shared stream, so options never shift the features drawn after this one
  const rng = new SeededRandom(Math.floor(scene.rng.next() * 4294967296));
  const { geometry, tissue, layout } = scene;
  const [nx, ny, nz] = geometry.dimensions;
  const [sx, sy, sz] = geometry.spacing;
  const nxy = nx * ny;
  const R = layout.spine.radius;
  const axisV = layout.spine.v;
  const cortical = layout.spine.cortical;
  // vertical shell thickness >= one slice, so every voxel column through a body meets its endplates
  const endplate = Math.max(cortical, 1.01 * sz);
  const bodyHeight = options.bodyHeightMm ?? rng.uniform(25, 29);
  const discHeight = options.discHeightMm ?? rng.uniform(5, 8);
  const period = bodyHeight + discHeight;
  const [huMin, huMax] = options.trabecularHuRange ?? [90, 220];
  const patientHu = rng.uniform(huMin, huMax);

  const soft = scene.classId('soft');
  const disc = scene.defineClass('spine.disc', 80, PHANTOM_LABELS.body);
  const shell = scene.defineClass('vertebra.cortical', 700, PHANTOM_LABELS.vertebra);
  const arch = scene.defineClass('vertebra.arch', 600, PHANTOM_LABELS.bone);
  const oldBone = [scene.classId('bone.cortical'), scene.classId('bone.trabecular')];

  // vertebrae from the top: body n spans w in [top_n - height_n, top_n]
  const wTop = layout.wTop;
  const wBottom = layout.wBottom;
  const firstTop = wTop + rng.uniform(0, period);
  interface Level {
    top: number;
    height: number;
    hu: number;
    cls: number;
  }
  const levels: Level[] = [];
  for (let n = 0, top = firstTop; top - bodyHeight > wBottom - period; n++) {
    const height = bodyHeight + rng.uniform(-0.8, 0.8);
    const given = options.trabecularHu;
    const hu = Math.round(
      typeof given === 'number' ? given : Array.isArray(given) ? given[Math.min(n, given.length - 1)] : patientHu + rng.uniform(-10, 10),
    );
    levels.push({ top, height, hu, cls: scene.defineClass(`vertebra.${n}.trabecular`, hu, PHANTOM_LABELS.vertebra) });
    top -= height + discHeight;
  }
  const isComplete = (l: Level): boolean => l.top + discHeight / 2 <= wTop && l.top - l.height - discHeight / 2 >= wBottom;
  const completeIdx = levels.map((l, n) => (isComplete(l) ? n : -1)).filter((n) => n >= 0);
  const fractureOpt = options.fracture === undefined ? { heightLossPercent: 32 } : options.fracture;
  const pick = rng.int(0, Math.max(0, completeIdx.length - 1));
  const fractured = fractureOpt === false ? undefined : fractureOpt.vertebra ?? (completeIdx.length > 0 ? completeIdx[pick] : undefined);
  const loss = fractureOpt === false ? 0 : fractureOpt.heightLossPercent / 100;
  const shape = fractureOpt === false ? undefined : fractureOpt.shape ?? 'wedge';
  // mid-sagittal measuring columns (v grows posterior)
  const vAnterior = axisV - 0.75 * R;
  const vPosterior = axisV + 0.75 * R;
  const concaveRadius = 0.6 * R;

  /** superior and inferior endplate w of body n at in-plane offset (du, dv) from the axis */
  const endplates = (n: number, du: number, dv: number): [number, number] => {
    const l = levels[n];
    let top = l.top;
    let bottom = l.top - l.height;
    if (n === fractured) {
      if (shape === 'wedge') {
        // superior endplate tilted: full height behind the posterior column, loss x height at the anterior one
        top -= loss * l.height * Math.max(0, (vPosterior - (axisV + dv)) / (vPosterior - vAnterior));
      } else {
        // both endplates cave in centrally; the posterior and anterior columns keep their height
        const r2 = (du * du + dv * dv) / (concaveRadius * concaveRadius);
        const depth = r2 < 1 ? (loss * l.height * (1 - r2)) / 2 : 0;
        top -= depth;
        bottom += depth;
      }
    }
    return [top, bottom];
  };

  // voxel box around the axis (the grid is axis-aligned, so x depends on i only, and so on)
  const axisAt = (w: number): Vec3 => scene.toPatient(0, axisV, w);
  const c = patientToVoxel(geometry, axisAt(0));
  const reach = R + 4;
  const i0 = Math.max(0, Math.floor(c[0] - reach / sx));
  const i1 = Math.min(nx - 1, Math.ceil(c[0] + reach / sx));
  const j0 = Math.max(0, Math.floor(c[1] - reach / sy));
  const j1 = Math.min(ny - 1, Math.ceil(c[1] + reach / sy));
  const x0 = geometry.origin[0];
  const dirX = geometry.direction[0][0];
  const dirZ = geometry.direction[2][2];
  // hot loop on the tissue map: reset the old cylinder, then draw discs and bodies
  for (let k = 0; k < nz; k++) {
    const w = geometry.origin[2] + k * sz * dirZ;
    for (let j = j0; j <= j1; j++) {
      const y = geometry.origin[1] + j * sy;
      for (let i = i0; i <= i1; i++) {
        const p = i + j * nx + k * nxy;
        const cls = tissue[p];
        if (cls !== oldBone[0] && cls !== oldBone[1]) continue;
        const [u, v] = scene.toLocal([x0 + i * sx * dirX, y, w]);
        const dv = v - axisV;
        const r = Math.hypot(u, dv);
        let next = r < R ? disc : soft;
        if (r < R) {
          // the body whose span (with half a disc either side) holds w
          const n = Math.max(0, Math.min(levels.length - 1, Math.floor((firstTop + discHeight / 2 - w) / period)));
          for (const m of [n - 1, n, n + 1]) {
            if (m < 0 || m >= levels.length) continue;
            const [top, bottom] = endplates(m, u, dv);
            if (w <= top && w >= bottom) {
              next = R - r < cortical || top - w < endplate || w - bottom < endplate ? shell : levels[m].cls;
              break;
            }
          }
        }
        tissue[p] = next;
      }
    }
  }

  // posterior arch: pedicles to a ring around the canal, laminae, and a spinous process sloping down
  if (options.posteriorElements ?? true) {
    const into = scene.filter([soft, scene.classId('fat')]);
    for (const l of levels) {
      const w = l.top - 0.4 * l.height;
      const canalV = axisV + R + 7;
      const P = (u: number, v: number, dw = 0): Vec3 => scene.toPatient(u, v, w + dw);
      for (const side of [-1, 1]) {
        scene.stampCapsule(P(side * 0.55 * R, axisV + 0.7 * R), P(side * 9, canalV), 3.5, into, arch);
        scene.stampCapsule(P(side * 9, canalV), P(0, canalV + 9), 3, into, arch);
      }
      scene.stampCapsule(P(0, canalV + 9), P(0, canalV + 22, -8), 3.5, into, arch);
    }
  }

  return () => {
    const count = new Float64Array(levels.length);
    const trabecular = new Map(levels.map((l, n) => [l.cls, n]));
    for (let p = 0; p < tissue.length; p++) {
      const n = trabecular.get(tissue[p]);
      if (n !== undefined) count[n]++;
    }
    /** bone voxels of body n along the vertical column through local (0, v), x slice spacing */
    const columnHeight = (n: number, v: number): number => {
      const l = levels[n];
      const [fi, fj] = patientToVoxel(geometry, scene.toPatient(0, v, 0));
      const i = Math.round(fi);
      const j = Math.round(fj);
      let bone = 0;
      for (let k = 0; k < nz; k++) {
        const w = geometry.origin[2] + k * sz * dirZ;
        if (w > l.top + discHeight / 2 || w < l.top - l.height - discHeight / 2) continue;
        const cls = tissue[i + j * nx + k * nxy];
        if (cls === shell || cls === l.cls) bone++;
      }
      return bone * sz;
    };
    const vertebrae = levels.map((l, n): VertebraTruth => {
      const heightsMm = { anterior: columnHeight(n, vAnterior), middle: columnHeight(n, axisV), posterior: columnHeight(n, vPosterior) };
      const heightLossPercent = heightsMm.posterior > 0 ? 100 * (1 - Math.min(heightsMm.anterior, heightsMm.middle) / heightsMm.posterior) : 0;
      return {
        index: n,
        center: axisAt(l.top - l.height / 2),
        complete: isComplete(l),
        trabecularHu: l.hu,
        trabecularVoxelCount: count[n],
        heightsMm,
        heightLossPercent,
        genantGrade: genantGradeOf(heightLossPercent),
        ...(n === fractured ? { fracture: shape } : {}),
      };
    });
    return { vertebrae, radiusMm: R, ...(fractured !== undefined ? { fractured } : {}) };
  };
}
