import type { Volume } from '@polyrad/sdk';
import { axialStack, coarseStack } from './axial-stack.js';
import { scanRoundStructures } from './round-structure.detector.js';
import type { AortaSegment } from './aorta-diameter.classifier.js';
import { findDescending, MIN_DESCENDING_MM, type DescendingSearch } from './descending-aorta.finder.js';
import { findAscending } from './ascending-aorta.finder.js';
import { measureLimb, type AortaLimb } from './aorta-limb.measurer.js';

export type { AortaLimb } from './aorta-limb.measurer.js';

export interface AortaMeasurement {
  /** the lumen was found in the iodinated-blood HU band (undefined when no aorta was found) */
  contrast?: boolean;
  /** median blood attenuation of the descending aorta, HU */
  bloodHu?: number;
  descending?: AortaLimb;
  ascending?: AortaLimb;
  /** for each limb not found or not measurable: what the search saw, in words */
  notFound: Partial<Record<AortaSegment, string>>;
}

/** Blood HU bands tried in turn: enhanced blood first, so bone never poses as an unenhanced aorta. */
const BANDS = [
  { contrast: true, lo: 130, hi: 650 },
  { contrast: false, lo: -20, hi: 100 },
];
const MIN_RADIUS_MM = 5;
/** in-plane erosion that cuts the lumen from structures touching it along a narrow contact */
const CORE_EROSION_MM = 4;

/**
 * Finds the thoracic aorta on an axial CT and measures its ascending and descending limbs, in named
 * steps (each in its own file, with its own spec):
 *
 * 1. `scanRoundStructures`: round structures per slice (inscribed discs of the blood HU band), enhanced
 *    band first.
 * 2. `findDescending`: of the tracks of discs (`track`) that start left of the body's midline in its
 *    posterior half, the one with the most round lumens (`vesselSection`: a wall seen on much of a
 *    circle, not walled by bone); with contrast, only where enhanced lumens lie in front of it.
 * 3. `findAscending`: the widest round lumen in front of the descending aorta, right of or near the
 *    midline, joined to it over the arch, within 30 mm below the highest such lumen.
 * 4. `measureLimb`: each tracked point measured in the plane perpendicular to the local centre line
 *    (`measureSection`: a trimmed circle fit, so neighbours touching the wall do not widen it), below the
 *    arch, beside the lung, and for the ascending limb above the root (`rootCut`); the limb's diameter is
 *    the largest running median over about 6 mm of sections (maximum diameter perpendicular to the axis of flow,
 *    Isselbacher EM et al., 2022 ACC/AHA aortic disease guideline, Circulation 2022;146:e334).
 * Steps 1-3 run on a coarser copy of thin-slice, fine-pixel series (`coarseStack`), which is ~8x
 * fewer voxels; the round-lumen checks and the measurement read the full-resolution image.
 * A limb not found or not measurable is absent, with what the search saw in `notFound`.
 */
export function measureAorta(volume: Volume): AortaMeasurement {
  const stack = axialStack(volume);
  const coarse = coarseStack(stack);
  const seen: DescendingSearch = { trackedMm: 0, roundMm: 0 };
  for (const band of BANDS) {
    const scan = scanRoundStructures(coarse, band.lo, band.hi, MIN_RADIUS_MM, CORE_EROSION_MM);
    const found = findDescending(coarse, stack, scan, band, seen);
    if (!found) continue;
    const { chain, window, bloodHu } = found;
    const notFound: AortaMeasurement['notFound'] = {};
    const descending = measureLimb(coarse, stack, 'descending', chain, window);
    if (typeof descending === 'string') notFound.descending = descending;
    const ascendingChain = findAscending(coarse, stack, scan, chain, window);
    const ascending = ascendingChain ? measureLimb(coarse, stack, 'ascending', ascendingChain.chain, window, ascendingChain.seedAt) : NO_ASCENDING;
    if (typeof ascending === 'string') notFound.ascending = ascending;
    return {
      contrast: band.contrast,
      bloodHu,
      ...(typeof descending === 'object' ? { descending } : {}),
      ...(typeof ascending === 'object' ? { ascending } : {}),
      notFound,
    };
  }
  const reason =
    `no descending aorta found: no round lumen of blood attenuation (enhanced ${BANDS[0].lo}-${BANDS[0].hi} HU or unenhanced ${BANDS[1].lo}-${BANDS[1].hi} HU) ` +
    `left of and behind the body's centre could be followed over ${MIN_DESCENDING_MM} mm with a clear edge all round ` +
    `(longest candidate followed over ${Math.round(seen.trackedMm)} mm, with a clear edge over ${Math.round(seen.roundMm)} mm)`;
  return { notFound: { descending: reason, ascending: 'not searched: the ascending aorta is traced from the descending aorta over the arch, and no descending aorta was found' } };
}

const NO_ASCENDING = 'no ascending aorta found: no round lumen of blood attenuation anterior to the descending aorta, joined to it over the arch and with a clear edge all round';

