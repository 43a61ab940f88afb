import type { PhantomScene } from '../phantom-scene.js';

export interface HeartPhantomOptions {}

export interface HeartTruth {
  /** volume of the heart label, mL */
  volumeMl: number;
}

/** The heart (drawn by the core layout as one ellipsoid); coronary calcium is added here. */
export function addHeart(scene: PhantomScene, _options: HeartPhantomOptions = {}): () => HeartTruth {
  const heart = scene.classId('heart');
  const [sx, sy, sz] = scene.geometry.spacing;
  return () => {
    let count = 0;
    for (const c of scene.tissue) if (c === heart) count++;
    return { volumeMl: (count * sx * sy * sz) / 1000 };
  };
}
