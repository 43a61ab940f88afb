import type { PhantomScene } from '../phantom-scene.js';

export interface SpinePhantomOptions {}

export interface SpineTruth {}

/** The vertebral column (the core layout draws a plain bone cylinder). */
export function addSpine(_scene: PhantomScene, _options: SpinePhantomOptions = {}): () => SpineTruth {
  return () => ({});
}
