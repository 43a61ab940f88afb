/** Frames of every instance: a multi-frame file counts each frame, a single-frame file one. */
export function sliceCountOf(headers: Array<{ NumberOfFrames?: number }>): number {
  return headers.reduce((sum, h) => sum + (h.NumberOfFrames && h.NumberOfFrames > 1 ? h.NumberOfFrames : 1), 0);
}
