import type { Volume } from '@polyrad/sdk';
import { RAYS, type RingSearch } from './vertebral-ring.search.js';
import { median } from './spine-statistics.helper.js';

/** share of rays that must meet the outline for a body slice */
export const RING_SHARE = 0.7;

/** (i, j) voxel position of the vertebral column on the axial slices */
export interface ColumnPosition {
  ci: number;
  cj: number;
}

/**
 * Step 1: where the column lies, as the median best ring centre over a dozen slices searched whole on a
 * 3 mm grid: a single slice may pick a rib head or a vessel, the median of a dozen does not. Undefined
 * when fewer than two slices show a ring (no spine in the field of view).
 */
export function locateColumn(volume: Volume, search: RingSearch): ColumnPosition | undefined {
  const [nx, ny, nz] = volume.geometry.dimensions;
  const found: ColumnPosition[] = [];
  let previous: ColumnPosition | undefined;
  for (let s = 0; s < 12; s++) {
    const c = search.bestCentre(Math.round(((s + 0.5) * nz) / 12), 0, nx - 1, 0, ny - 1, 3, previous);
    if (c.rays >= RING_SHARE * RAYS) found.push(c);
    previous = c;
  }
  if (found.length < 2) return undefined;
  return { ci: Math.round(median(found.map((c) => c.ci))), cj: Math.round(median(found.map((c) => c.cj))) };
}
