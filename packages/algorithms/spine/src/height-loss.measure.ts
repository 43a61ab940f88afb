import type { VertebraMeasurement } from './spine.analyzer.js';
import { median } from './spine-statistics.helper.js';

/** a posterior height within this band of the column's typical one is plausible (adjacent thoracic bodies differ by a few %, T1 to T12 by ~45 %) */
const TYPICAL_BAND = { min: 0.7, max: 1.25 } as const;
/** a body genuinely lower all across (a crush) is also shorter along the slices: its run of ring slices is below this share of the typical run */
const CRUSH_EXTENT_SHARE = 0.85;
/** adjacent bodies more than this factor taller than a body's posterior wall: a crush, or a missed endplate */
const CRUSH_NEIGHBOUR_EXCESS = 1.1;
/** ... and a crush's run of ring slices is shorter than its neighbours' (dev seed 1037: a 24 % crush, 17 against 18.5 mm) */
const SHORTER_THAN_ADJACENT = 0.95;
/** adjacent bodies: centres no further apart than this multiple of the column's typical spacing (no level missed between) */
const ADJACENT_SPACING = 1.5;

/**
 * Step 6a: a posterior height far from the column's typical one (the median of at least three bodies) means
 * the endplates were missed, unless the body's run of ring slices is short as well: then the body is lower
 * all across, which a crush fracture does, and it stays graded.
 */
export function rejectAtypicalHeights(vertebrae: VertebraMeasurement[]): void {
  const reliable = vertebrae.filter((v) => v.heightsReliable);
  const typical = median(reliable.map((v) => v.heightsMm.posterior));
  const typicalExtent = median(reliable.map((v) => v.extentMm));
  for (const v of vertebrae) {
    const low = v.heightsMm.posterior < TYPICAL_BAND.min * typical;
    const crushed = low && v.extentMm < CRUSH_EXTENT_SHARE * typicalExtent;
    if (reliable.length < 3 || (low && !crushed) || v.heightsMm.posterior > TYPICAL_BAND.max * typical) v.heightsReliable = false;
  }
}

/**
 * Step 6b: Genant's height loss of each body with reliable heights: its lowest height against the larger of its
 * own posterior height and the mean posterior height of its adjacent graded bodies (Genant HK et al., J Bone
 * Miner Res 1993;8:1137-1148: a wedge or a biconcave body is judged against its own posterior wall, a crush,
 * which lowers the posterior wall too, against the adjacent vertebrae; a single neighbour is carried along the
 * column's height trend). Sets `heightLossPercent` and
 * `comparedWithAdjacent` (the adjacent bodies it was compared with; 0: a crush could not be seen).
 */
export function measureHeightLoss(vertebrae: VertebraMeasurement[]): void {
  const zs = vertebrae.map((v) => v.center[2]);
  const spacings = zs.slice(1).map((z, n) => Math.abs(z - zs[n]));
  const typical = median(spacings);
  const slope = heightTrend(vertebrae.filter((v) => v.heightsReliable && v.complete));
  vertebrae.forEach((v, n) => {
    const adjacent = [n - 1, n + 1]
      .filter((m) => m >= 0 && m < vertebrae.length && vertebrae[m].heightsReliable && vertebrae[m].complete)
      .filter((m) => Math.abs(zs[m] - zs[n]) <= ADJACENT_SPACING * typical);
    // one neighbour only: carried to this level along the column's trend (bodies grow ~0.7 mm a level caudally),
    // as the mean of both neighbours would be
    const expected = adjacent.map((m) => vertebrae[m].heightsMm.posterior + (adjacent.length === 1 ? slope * (zs[n] - zs[m]) : 0));
    const { anterior, middle, posterior } = v.heightsMm;
    const neighbours = expected.length > 0 ? expected.reduce((s, h) => s + h, 0) / expected.length : 0;
    const neighbourExtent = adjacent.length > 0 ? adjacent.reduce((s, m) => s + vertebrae[m].extentMm, 0) / adjacent.length : 0;
    // neighbours much taller than this body's back wall mean a crush only if its run of ring slices is shorter
    // too; otherwise one of the heights missed an endplate (dev seed 1039: a neighbour read 24 mm for 20 mm made
    // a normal body a grade 2), and the body is not graded
    if (neighbours > CRUSH_NEIGHBOUR_EXCESS * posterior && !(v.extentMm < SHORTER_THAN_ADJACENT * neighbourExtent)) v.heightsReliable = false;
    const reference = Math.max(posterior, neighbours);
    v.comparedWithAdjacent = adjacent.length;
    v.lossAgainstAdjacent = neighbours > posterior;
    v.heightLossPercent = v.heightsReliable && reference > 0 ? Math.max(0, 100 * (1 - Math.min(anterior, middle, posterior) / reference)) : 0;
  });
}

/** least-squares slope of posterior height over z (mm per mm) of the bodies given; 0 from fewer than three */
function heightTrend(bodies: VertebraMeasurement[]): number {
  if (bodies.length < 3) return 0;
  const zs = bodies.map((v) => v.center[2]);
  const hs = bodies.map((v) => v.heightsMm.posterior);
  const mz = zs.reduce((s, z) => s + z, 0) / zs.length;
  const mh = hs.reduce((s, h) => s + h, 0) / hs.length;
  const szz = zs.reduce((s, z) => s + (z - mz) ** 2, 0);
  return szz > 0 ? zs.reduce((s, z, n) => s + (z - mz) * (hs[n] - mh), 0) / szz : 0;
}
