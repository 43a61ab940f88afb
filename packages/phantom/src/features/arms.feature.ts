import { PHANTOM_LABELS, type PhantomScene } from '../phantom-scene.js';
import type { SeededRandom } from '../seeded-random.js';

/**
 * Arm position in a chest CT. Arms up (raised above the head, the standard chest position) leave the
 * field of view; arms down lie beside the chest through every slice, add soft tissue and a humerus on
 * either side of the thorax (more bone and body outside the rib cage, streak-free here) and, on a small
 * field of view, may be cut by its edge as on real scans.
 */
export type ArmPosition = 'up' | 'down';

/**
 * Both upper arms beside the chest: an elliptical limb (subcutaneous fat over muscle) around a humerus
 * (cortical tube ~700-1000 HU, fatty marrow), lateral to the body and slightly tilted along z, drawn
 * only where the map is still air. Draws from its own `rng` so arms never move the rest of the anatomy.
 */
export function addArms(scene: PhantomScene, rng: SeededRandom): void {
  const { geometry, tissue, layout } = scene;
  const [nx, ny, nz] = geometry.dimensions;
  const [sx, sy, sz] = geometry.spacing;
  const air = scene.classId('air');
  const fat = scene.classId('fat');
  const muscle = scene.classId('soft');
  const cortex = scene.defineClass('humerus.cortical', Math.round(rng.uniform(700, 1000)), PHANTOM_LABELS.bone);
  const marrow = scene.defineClass('humerus.marrow', Math.round(rng.uniform(-60, 40)), PHANTOM_LABELS.bone);
  const bx = layout.body.halfWidth;
  const by = layout.body.halfDepth;
  const arms = [-1, 1].map((side) => {
    const a = rng.uniform(38, 55) + 0.15 * (bx - 145); // half-width, grows with the patient
    const b = rng.uniform(40, 55) + 0.15 * (by - 110);
    return {
      side,
      a,
      b,
      u: side * (bx + rng.uniform(3, 25) + a),
      v: rng.uniform(-0.05, 0.25) * by,
      tilt: rng.uniform(-0.08, 0.08), // mm of lateral drift per mm along z
      fat: rng.uniform(4, 14),
      boneR: rng.uniform(10, 13),
      cortexMm: rng.uniform(2.5, 4),
      boneU: rng.uniform(-0.2, 0.2) * a,
      boneV: rng.uniform(-0.1, 0.2) * b,
    };
  });
  const dirX = geometry.direction[0][0];
  const dirZ = geometry.direction[2][2];
  for (let k = 0; k < nz; k++) {
    const w = geometry.origin[2] + k * sz * dirZ;
    for (let j = 0; j < ny; j++) {
      const y = geometry.origin[1] + j * sy;
      const row = k * nx * ny + j * nx;
      for (let i = 0; i < nx; i++) {
        const p = row + i;
        if (tissue[p] !== air) continue;
        const [u, v] = scene.toLocal([geometry.origin[0] + i * sx * dirX, y, w]);
        if (Math.abs(u) < bx) continue;
        const arm = u < 0 ? arms[0] : arms[1];
        const du = u - arm.u - arm.tilt * w;
        const dv = v - arm.v;
        if ((du / arm.a) ** 2 + (dv / arm.b) ** 2 > 1) continue;
        const rb = Math.hypot(du - arm.boneU, dv - arm.boneV);
        if (rb < arm.boneR) tissue[p] = rb > arm.boneR - arm.cortexMm ? cortex : marrow;
        else tissue[p] = (du / (arm.a - arm.fat)) ** 2 + (dv / (arm.b - arm.fat)) ** 2 > 1 ? fat : muscle;
      }
    }
  }
}
