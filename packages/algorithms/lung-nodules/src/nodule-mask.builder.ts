import type { LabelMask, VolumeGeometry } from '@polyrad/sdk';
import type { DetectedNodule } from './nodule.detector.js';

/** A Uint8 label map holds 255 labels; the gate reports "too many to trust" long before that. */
const MAX_LABELS = 255;

/** The label a radiologist reads beside the outline: the finding it belongs to, e.g. "nodule 1 (right, 14 mm)". */
export function lesionLabel(kind: 'nodule' | 'mass', index: number, n: Pick<DetectedNodule, 'side' | 'longAxisMm'>): string {
  return `${kind} ${index} (${n.side}, ${Math.round(n.longAxisMm)} mm)`;
}

export interface LesionMask {
  mask: LabelMask;
  /** the label of each lesion, in the order given (undefined past the 255th) */
  labels: (string | undefined)[];
}

/**
 * One label per measured lesion on the series grid: nodules first, then masses, numbered within each kind
 * in the order of their findings. A voxel claimed by two lesions keeps the first (they do not overlap in
 * practice: a voxel is taken by one lesion when grown).
 */
export function buildLesionMask(geometry: VolumeGeometry, lesions: Array<{ kind: 'nodule' | 'mass'; lesion: DetectedNodule }>): LesionMask {
  const [nx, ny, nz] = geometry.dimensions;
  const labels = new Uint8Array(nx * ny * nz);
  const labelNames: Record<number, string> = {};
  const counts = { nodule: 0, mass: 0 };
  const names = lesions.map(({ kind, lesion }, i) => {
    if (i >= MAX_LABELS) return undefined;
    const name = lesionLabel(kind, ++counts[kind], lesion);
    labelNames[i + 1] = name;
    for (const p of lesion.voxels) if (labels[p] === 0) labels[p] = i + 1;
    return name;
  });
  return { mask: { geometry, labels, labelNames }, labels: names };
}
