import { patientToVoxel, type Vec3 } from '@polyrad/sdk';
import { SeededRandom } from '../seeded-random.js';
import { PHANTOM_LABELS, type PhantomScene } from '../phantom-scene.js';
import type { AcquiredImage } from '../ct-acquisition.js';

/** Genant 1993 deformity types: anterior wedge, central (biconcave) endplate collapse, whole-body crush. */
export type VertebralFractureShape = 'wedge' | 'biconcave' | 'crush';

export interface SpineFracturePhantomOptions {
  /** index of the fractured vertebra (0 = most superior in the field of view); default: drawn among the complete ones */
  vertebra?: number;
  /**
   * height loss, %: of the anterior height for a wedge and of the middle height for a biconcave
   * fracture (against the posterior height), of the whole body for a crush (against the adjacent bodies)
   */
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
  /** range of the drawn patient mean, HU; default [90, 220] (80-250 spans osteoporotic to normal) */
  trabecularHuRange?: [number, number];
  /** one body height for every level, mm; default thoracic heights growing caudally, ~18 mm at T1 to ~26 mm at T12 */
  bodyHeightMm?: number;
  /** one disc height for every level, mm; default ~3.5 mm at T1 growing to ~6 mm at T12 */
  discHeightMm?: number;
  /** cortical bone (shell and endplates) HU; default drawn from 400-900 */
  corticalHu?: number;
  /** cortical thickness, mm; default 1 */
  cortexMm?: number;
  /** one crushed vertebra, or false for none; default a 32 % anterior wedge (Genant grade 2) */
  fracture?: SpineFracturePhantomOptions | false;
  /** pedicles, laminae, spinous and transverse processes behind each body; default true */
  posteriorElements?: boolean;
}

export interface VertebraTruth {
  /** 0 = most superior vertebral body in the field of view */
  index: number;
  /** anatomical level (T1..T12, then L1..), from the drawn start level */
  level: string;
  /** LPS centre of the body (on its axis, half-way between the nominal endplates), mm */
  center: Vec3;
  /** the body and part of both adjacent discs lie inside the field of view */
  complete: boolean;
  /**
   * mean HU of the trabecular class: the noise-free image's HU inside the body, away from the cortex and
   * endplates by half a slice (partial volume) and a pixel (kernel); the image adds zero-mean noise
   */
  trabecularHu: number;
  /** trabecular voxels of this body in the image's label map */
  trabecularVoxelCount: number;
  /**
   * body heights counted from the tissue map (bone voxels of this body x sub-slice spacing) along the
   * vertical voxel columns through the mid-sagittal plane at 65 % of the half-depth in front of the axis
   * (anterior), on the axis (middle) and 65 % behind it (posterior, clear of the concave back wall), mm
   */
  heightsMm: { anterior: number; middle: number; posterior: number };
  /**
   * Genant 1993 height reduction, from the counted heights: 100 x (1 - min(anterior, middle, posterior) /
   * reference), where the reference is the larger of this body's posterior height and the mean posterior
   * height of its complete neighbours (so a crush, which lowers the posterior wall too, is measured
   * against the adjacent vertebrae); 0 for a body cut by the field of view (not graded)
   */
  heightLossPercent: number;
  /** Genant semiquantitative grade of that height loss (0 = no fracture) */
  genantGrade: 0 | 1 | 2 | 3;
  fracture?: VertebralFractureShape;
}

export interface SpineTruth {
  vertebrae: VertebraTruth[];
  /** index of the crushed vertebra, if any */
  fractured?: number;
  /** the layout's spine radius (body half-widths are ~1-1.15x, half-depths ~0.88-0.98x this), mm */
  radiusMm: number;
  /** mean HU of the cortical class, before in-plane partial volume (see addSpine) */
  corticalHu: number;
}

/** anterior and posterior height columns, as a fraction of the body's half-depth from its axis */
const COLUMN = 0.65;

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
 * The thoracic spine: replaces the core layout's plain bone cylinder with vertebrae of real shape. Each
 * body is bean-shaped in cross-section (an ellipse wider than deep with a concave posterior wall facing
 * the canal), with a thin cortex (~1 mm, 400-900 HU), slightly concave cortical endplates and a trabecular
 * core of its own mean HU; heights grow caudally (T1 ~18 mm to T12 ~26 mm, Panjabi MM et al., Spine
 * 1991;16:888-901) with discs between them; behind each body pedicles, laminae, transverse and spinous
 * processes close the canal. One fracture may be drawn: anterior wedge, biconcave or crush (Genant 1993).
 *
 * In-plane the map has no partial volume, so a cortex thinner than a pixel is drawn one pixel thick at a
 * proportionally lower HU (the same bone per unit area, as a real scanner would blur it); along z the
 * acquisition's sub-slice averaging does that.
 */
export function addSpine(scene: PhantomScene, options: SpinePhantomOptions = {}): (image: AcquiredImage) => SpineTruth {
  // one draw from the shared stream, so options never shift the features drawn after this one
  const rng = new SeededRandom(Math.floor(scene.rng.next() * 4294967296));
  const { geometry, tissue, layout } = scene;
  const [nx, ny, nz] = geometry.dimensions;
  const [sx, sy, sz] = geometry.spacing;
  const nxy = nx * ny;
  const R = layout.spine.radius;
  const axisV = layout.spine.v;
  const [huMin, huMax] = options.trabecularHuRange ?? [90, 220];
  const patientHu = rng.uniform(huMin, huMax);
  const corticalHu = Math.round(options.corticalHu ?? rng.uniform(400, 900));
  const cortexMm = options.cortexMm ?? 1;
  const startLevel = rng.int(1, 2);
  const endplateDepth = rng.uniform(0.3, 0.8); // normal endplate concavity at the centre, mm

  const soft = scene.classId('soft');
  const fat = scene.classId('fat');
  const oldBone = [scene.classId('bone.cortical'), scene.classId('bone.trabecular')];
  const paintable = scene.filter([...oldBone, soft, fat, scene.classId('mediastinum')]);
  const disc = scene.defineClass('spine.disc', 80, PHANTOM_LABELS.body);
  // shell thickness in-plane: at least a pixel, at the HU that keeps cortex x thickness
  const wallMm = Math.max(cortexMm, 1.05 * Math.max(sx, sy));
  const plateMm = Math.max(cortexMm, 1.05 * sz);
  const diluted = (thickness: number): number => Math.round(patientHu + ((corticalHu - patientHu) * cortexMm) / thickness);
  const shell = scene.defineClass('vertebra.cortical', diluted(wallMm), PHANTOM_LABELS.vertebra);
  const plate = scene.defineClass('vertebra.endplate', diluted(plateMm), PHANTOM_LABELS.vertebra);
  const arch = scene.defineClass('vertebra.arch', Math.round((corticalHu + patientHu) / 2), PHANTOM_LABELS.bone);

  // vertebrae from the top: body n spans w in [top_n - height_n, top_n], with a disc below it
  const wTop = layout.wTop;
  const wBottom = layout.wBottom;
  interface Level {
    name: string;
    top: number;
    height: number;
    disc: number;
    /** half-width (u) and half-depth (v) of the body */
    a: number;
    b: number;
    hu: number;
    cls: number;
  }
  const levels: Level[] = [];
  const growth = (level: number): number => Math.min(1, (level - 1) / 11); // 0 at T1, 1 at T12
  // endplates lie on sub-slice boundaries and heights are whole sub-slices, so the counted heights are
  // the drawn ones and a requested height loss is realised to within half a sub-slice
  const w0 = geometry.origin[2];
  const snap = (w: number): number => w0 + (Math.round((w - w0) / sz - 0.5) + 0.5) * sz;
  const whole = (mm: number): number => Math.max(1, Math.round(mm / sz)) * sz;
  let top = snap(wTop + rng.uniform(0, 25));
  for (let n = 0; top > wBottom - 30; n++) {
    const level = startLevel + n;
    const t = growth(level);
    const height = whole(options.bodyHeightMm ?? 18 + 8 * t + rng.uniform(-0.6, 0.6));
    const discMm = whole(options.discHeightMm ?? 3.5 + 2.5 * t + rng.uniform(-0.4, 0.4));
    const given = options.trabecularHu;
    const hu = Math.round(
      typeof given === 'number' ? given : Array.isArray(given) ? given[Math.min(n, given.length - 1)] : patientHu + rng.uniform(-10, 10),
    );
    levels.push({
      name: level <= 12 ? `T${level}` : `L${level - 12}`,
      top,
      height,
      disc: discMm,
      a: Math.min(R * (1 + 0.15 * t), R + 2.5),
      b: R * (0.88 + 0.1 * t),
      hu,
      cls: scene.defineClass(`vertebra.${n}.trabecular`, hu, PHANTOM_LABELS.vertebra),
    });
    top -= height + discMm;
  }
  const discAbove = (n: number): number => (n > 0 ? levels[n - 1].disc : levels[n].disc);
  const isComplete = (n: number): boolean => levels[n].top + discAbove(n) / 2 <= wTop && levels[n].top - levels[n].height - levels[n].disc / 2 >= wBottom;
  /** complete neighbours of body n: the reference a crush is measured against */
  const neighbours = (n: number): number[] => (isComplete(n) ? [n - 1, n + 1].filter((m) => m >= 0 && m < levels.length && isComplete(m)) : []);
  // a fracture is drawn on a complete body with at least one complete neighbour
  const candidates = levels.map((_, n) => n).filter((n) => neighbours(n).length > 0);
  const fractureOpt = options.fracture === undefined ? { heightLossPercent: 32 } : options.fracture;
  const pick = rng.int(0, Math.max(0, candidates.length - 1));
  const fractured = fractureOpt === false ? undefined : fractureOpt.vertebra ?? (candidates.length > 0 ? candidates[pick] : undefined);
  const loss = fractureOpt === false ? 0 : fractureOpt.heightLossPercent / 100;
  const shape = fractureOpt === false ? undefined : fractureOpt.shape ?? 'wedge';
  // bone removed at the lowest column, whole sub-slices: the lowest height is (1 - loss) x the reference
  // the truth will count (the larger of the posterior height and the neighbours' mean height)
  let removal = 0;
  if (fractured !== undefined) {
    const l = levels[fractured];
    const near = neighbours(fractured);
    const neighbourMean = near.length > 0 ? near.reduce((sum, m) => sum + levels[m].height, 0) / near.length : l.height;
    const reference = shape === 'crush' ? neighbourMean : Math.max(l.height, neighbourMean);
    removal = Math.max(0, l.height - Math.round(((1 - loss) * reference) / sz) * sz);
  }
  const removalUp = Math.round(removal / 2 / sz) * sz;

  /** body outline at in-plane offset (u, dv) from the axis, shrunk by `inset` mm: ellipse minus the canal's concavity */
  const inBean = (l: Level, u: number, dv: number, inset: number): boolean => {
    const a = l.a - inset;
    const b = l.b - inset;
    if ((u / a) ** 2 + (dv / b) ** 2 >= 1) return false;
    // posterior concavity: a circle of radius 0.45a whose front bulges 0.18b into the back of the body
    const rc = 0.45 * l.a + inset;
    const cv = l.b + 0.45 * l.a - 0.18 * l.b;
    return u * u + (dv - cv) ** 2 > rc * rc;
  };
  /** superior and inferior endplate w of body n at in-plane offset (u, dv), with the normal concavity and any fracture */
  const endplates = (n: number, u: number, dv: number): [number, number] => {
    const l = levels[n];
    // the normal concavity is central (the anterior and posterior columns see flat endplates); a fractured
    // body's endplates have lost it: the fracture alone sets its heights
    const r2 = (u / l.a) ** 2 + (dv / l.b) ** 2;
    const concavity = n === fractured ? 0 : endplateDepth * Math.max(0, 1 - r2 / 0.3);
    let upper = l.top - concavity;
    let lower = l.top - l.height + concavity;
    if (n === fractured) {
      if (shape === 'wedge') {
        // superior endplate tilted: full height behind 0.5b, the whole removal in front of -0.5b (the
        // measuring columns sit at +-0.65b, on the flat parts)
        upper -= removal * Math.max(0, Math.min(1, (0.5 * l.b - dv) / l.b));
      } else if (shape === 'biconcave') {
        // both endplates cave in centrally (flat-bottomed); the anterior and posterior walls keep their height
        const c2 = (u * u) / (0.6 * l.a) ** 2 + (dv * dv) / (0.6 * l.b) ** 2;
        const f = c2 < 0.15 ? 1 : Math.max(0, (1 - c2) / 0.85);
        upper -= removalUp * f;
        lower += (removal - removalUp) * f;
      } else {
        // crush: the whole body loses height, both endplates move towards its middle
        upper -= removalUp;
        lower += removal - removalUp;
      }
    }
    return [upper, lower];
  };

  // voxel box around the axis (the grid is axis-aligned, so x depends on i only, and so on)
  const axisAt = (w: number): Vec3 => scene.toPatient(0, axisV, w);
  const c = patientToVoxel(geometry, axisAt(0));
  const reach = R + 6;
  const i0 = Math.max(0, Math.floor(c[0] - reach / sx));
  const i1 = Math.min(nx - 1, Math.ceil(c[0] + reach / sx));
  const j0 = Math.max(0, Math.floor(c[1] - reach / sy));
  const j1 = Math.min(ny - 1, Math.ceil(c[1] + reach / sy));
  const x0 = geometry.origin[0];
  const dirX = geometry.direction[0][0];
  const dirZ = geometry.direction[2][2];
  const levelAt = (w: number): number => {
    for (let n = 0; n < levels.length; n++) if (w > levels[n].top - levels[n].height - levels[n].disc) return n;
    return levels.length - 1;
  };
  // hot loop on the tissue map: the old cylinder becomes soft tissue, then discs and bodies are drawn
  for (let k = 0; k < nz; k++) {
    const w = geometry.origin[2] + k * sz * dirZ;
    const n = levelAt(w);
    for (let j = j0; j <= j1; j++) {
      const y = geometry.origin[1] + j * sy;
      for (let i = i0; i <= i1; i++) {
        const p = i + j * nx + k * nxy;
        const cls = tissue[p];
        if (paintable[cls] !== 1) continue;
        const [u, v] = scene.toLocal([x0 + i * sx * dirX, y, w]);
        const dv = v - axisV;
        let next = cls === oldBone[0] || cls === oldBone[1] ? soft : cls;
        for (const m of [n - 1, n, n + 1]) {
          if (m < 0 || m >= levels.length) continue;
          const l = levels[m];
          if (!inBean(l, u, dv, 0)) continue;
          const [upper, lower] = endplates(m, u, dv);
          if (w <= upper && w >= lower) {
            next = upper - w < plateMm || w - lower < plateMm ? plate : inBean(l, u, dv, wallMm) ? l.cls : shell;
            break;
          }
          // the disc fills the bean between this body and the next one down (and the room a fracture left)
          if (m === n && w < lower && w > l.top - l.height - l.disc - 1) next = disc;
          if (m === n && w > upper && w <= l.top + discAbove(m)) next = disc;
        }
        tissue[p] = next;
      }
    }
  }

  // posterior arch: pedicles, laminae around the canal, transverse processes, a spinous process sloping down
  if (options.posteriorElements ?? true) {
    const into = scene.filter([soft, fat]);
    for (const l of levels) {
      const w = l.top - 0.35 * l.height;
      const canalR = 7 + rng.uniform(-1, 1);
      const canalV = axisV + l.b + canalR - 0.18 * l.b;
      const P = (u: number, v: number, dw = 0): Vec3 => scene.toPatient(u, v, w + dw);
      const pedicle = 2.5 + 1.2 * growth(levels.indexOf(l) + startLevel);
      for (const side of [-1, 1]) {
        const root = P(side * 0.6 * l.a, axisV + 0.75 * l.b);
        const joint = P(side * (canalR + 2.5), canalV + 1);
        scene.stampCapsule(root, joint, pedicle, into, arch);
        scene.stampCapsule(joint, P(0, canalV + canalR + 2.5, -2), 2.8, into, arch);
        scene.stampCapsule(joint, P(side * (canalR + 20), canalV + 6, 1), 3, into, arch);
      }
      scene.stampCapsule(P(0, canalV + canalR + 2.5, -2), P(0, canalV + canalR + 26, -14), 3.2, into, arch);
    }
  }

  return (image) => {
    // counted on the image's label map (each image voxel the class of its slice's central sub-slice)
    const counts = image.classCounts();
    const count = levels.map((l) => counts[l.cls]);
    /** bone voxels of body n along the vertical column through local (0, v), x sub-slice spacing */
    const columnHeight = (n: number, v: number): number => {
      const l = levels[n];
      const [fi, fj] = patientToVoxel(geometry, scene.toPatient(0, v, 0));
      const i = Math.round(fi);
      const j = Math.round(fj);
      let bone = 0;
      for (let k = 0; k < nz; k++) {
        const w = geometry.origin[2] + k * sz * dirZ;
        if (w > l.top + discAbove(n) / 2 || w < l.top - l.height - l.disc / 2) continue;
        const cls = tissue[i + j * nx + k * nxy];
        if (cls === shell || cls === plate || cls === l.cls) bone++;
      }
      return bone * sz;
    };
    const heights = levels.map((l, n) => ({ anterior: columnHeight(n, axisV - COLUMN * l.b), middle: columnHeight(n, axisV), posterior: columnHeight(n, axisV + COLUMN * l.b) }));
    const vertebrae = levels.map((l, n): VertebraTruth => {
      const h = heights[n];
      const near = neighbours(n).map((m) => heights[m].posterior);
      const expected = near.length > 0 ? near.reduce((sum, x) => sum + x, 0) / near.length : 0;
      const reference = Math.max(h.posterior, expected);
      // a body cut by the field of view is not graded (never fractured here; its counted heights are partial)
      const heightLossPercent = reference > 0 && isComplete(n) ? 100 * (1 - Math.min(h.anterior, h.middle, h.posterior) / reference) : 0;
      return {
        index: n,
        level: l.name,
        center: axisAt(l.top - l.height / 2),
        complete: isComplete(n),
        trabecularHu: l.hu,
        trabecularVoxelCount: count[n],
        heightsMm: h,
        heightLossPercent,
        genantGrade: genantGradeOf(heightLossPercent),
        ...(n === fractured ? { fracture: shape } : {}),
      };
    });
    return { vertebrae, radiusMm: R, corticalHu, ...(fractured !== undefined ? { fractured } : {}) };
  };
}
