/**
 * Per-voxel working state of the lung segmenter (one Uint8Array the size of the volume, reused by
 * every step instead of one mask per step).
 */
export const TISSUE = 0;
/** below the air threshold and not connected to the outside */
export const AIR = 1;
/** air connected to the in-plane image border: outside the body */
export const OUTSIDE = 2;
/** trachea and bronchi, region-grown from the trachea */
export const AIRWAY = 3;
/** within the wall margin of the airway: never lung */
export const AIRWAY_MARGIN = 4;
