import type { PhantomScene } from '../phantom-scene.js';

export interface NodulePhantomOptions {}

export interface NoduleTruth {}

/** Lung nodules (none yet). */
export function addNodules(_scene: PhantomScene, _options: NodulePhantomOptions = {}): () => NoduleTruth[] {
  return () => [];
}
