import type { Vec3 } from '@polyrad/sdk';
import { PHANTOM_LABELS, type PhantomScene } from '../phantom-scene.js';

export interface AortaPhantomOptions {
  /** ascending aorta diameter, mm; default drawn from the seed (28-34) */
  ascendingDiameterMm?: number;
  /** descending thoracic aorta diameter, mm; default drawn from the seed (22-26) */
  descendingDiameterMm?: number;
}

export interface AortaTruth {
  ascendingDiameterMm: number;
  descendingDiameterMm: number;
  /** LPS centre line, root over the arch to the lowest slice */
  centerLine: Vec3[];
}

/** Draws the thoracic aorta as tubes along the layout's centre line. */
export function addAorta(scene: PhantomScene, options: AortaPhantomOptions = {}): () => AortaTruth {
  const { aorta } = scene.layout;
  const ascending = options.ascendingDiameterMm ?? 2 * aorta.ascendingRadius;
  const descending = options.descendingDiameterMm ?? 2 * aorta.descendingRadius;
  const blood = scene.defineClass('aorta.blood', scene.contrast ? 300 : 40, PHANTOM_LABELS.aorta);
  const centerLine = aorta.centerLine.map(([u, v, w]) => scene.toPatient(u, v, w));
  // the arch passes beside the trachea: it displaces, never cuts, the airway
  const any = scene.filter([scene.classId('airway.lumen'), scene.classId('airway.wall')], true);
  for (let s = 0; s + 1 < centerLine.length; s++) {
    const radius = (s < aorta.archIndex ? ascending : descending) / 2;
    scene.stampCapsule(centerLine[s], centerLine[s + 1], radius, any, blood);
  }
  return () => ({ ascendingDiameterMm: ascending, descendingDiameterMm: descending, centerLine });
}
