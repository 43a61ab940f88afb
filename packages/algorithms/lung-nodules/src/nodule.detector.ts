import { PolyradError, voxelToPatient, type LabelMask, type Vec3, type Volume, squaredDistanceTransform } from '@polyrad/sdk';
import { buildLungHull } from './lung-hull.builder.js';
import { measure, shapeOf } from './nodule-shape.js';
import { screenSubsolid } from './subsolid.screen.js';
import { growGroundGlass, lungBaselineHu, smoothedHu } from './ground-glass.extent.js';
import { faceNeighbours, openWithBall, takeComponent, visitShellFaces } from './voxel-morphology.js';

/**
 * Lung nodule detection: solid nodules by multiscale morphological opening and 3D shape, then the
 * ground glass around and apart from them.
 *
 * 1. Search region: the lung mask closed with a 15 mm ball and with its cavities filled (buildLungHull),
 *    so nodules inside the lung and on the pleura are included while chest wall, mediastinum and the
 *    liver dome are not.
 * 2. Solid voxels: >= -400 HU inside that region, about half way between aerated lung (~-850 HU) and
 *    soft tissue (~+40 HU), i.e. the half-maximum edge of a solid nodule.
 * 3. Vessels and nodules touch, so solid voxels are opened with balls of growing radius r (granulometry:
 *    Serra J, "Image Analysis and Mathematical Morphology", 1982). An opening keeps every shape that is
 *    a union of r-balls: a nodule of radius R > r survives whole while vessels thinner than r vanish, so
 *    a nodule comes apart from its vessels at the first scale above their radius. Openings come from two
 *    exact Euclidean distance maps (erode: distance > r; dilate back: distance <= r).
 * 4. At each scale every 3D component is judged by shape, the way a reader scrolls through slices:
 *    vessels are tubes (one long principal axis) or branching trees, a nodule is a compact blob. From the
 *    principal axes of the component (covariance eigenvalues, voxels counted as boxes) it must have
 *    elongation sqrt(l1/l3) <= 2 and fill its equivalent ellipsoid (volume / (4/3 pi a b c) >= 0.6, with
 *    a = sqrt(5 l1) as for a solid ellipsoid) so trees fail; and at least half of its surface must face
 *    aerated lung, so structures in the hilum or the chest wall that the closing let in do not count.
 *    Aliasing leaves short pieces of vessels about as thick as r; a nodule must be at least a pixel
 *    thicker (inscribed radius, measured from aerated lung only so a pleural nodule is as deep as it is
 *    thick) than r, unless it is a round, full piece of at least two r-balls that is half a pixel thicker
 *    than the vessel it joins (a small nodule on a vessel nearly as thick, which comes apart just below
 *    its own radius). Accepted components are claimed; coarser scales only see what finer ones left.
 * Thin-slice scans (pixels finer than `searchVoxelMm`) are searched on a grid of whole blocks of voxels
 *    about that size (mean HU, majority lung label): nodules from 4 mm still span several voxels, and the
 *    distance maps, which take nearly all of the time, shrink with the voxel count. Each nodule found there
 *    is measured on the full-resolution grid: its solid voxels inside the blocks it covers.
 * 5. Measurement (Lung-RADS v2022, Fleischner: Bankier AA et al., Radiology 2017;285:584-600): on the
 *    axial slice where the nodule is largest, long axis = longest extent, short axis = extent at right
 *    angles to it, each between pixel centres plus one pixel spacing; volume = voxel count x voxel
 *    volume; centre = centroid in LPS.
 * 6. Ground glass (Lung-RADS v2022 types): a solid nodule with a ground-glass halo is grown into it and
 *    measured whole (part-solid, its solid component being the solid nodule); compact hazy regions the
 *    solid nodules do not account for (subsolid.screen.ts) are non-solid, or part-solid when they touch a
 *    solid piece, grown to their half-way edge and measured whole (ground-glass.extent.ts). On sections
 *    thicker than 2.5 mm, or when elongated, a hazy region is only flagged (vessels in the section average
 *    to ground glass). Whether the result supports a Lung-RADS category is decided apart (lung-rads.gate.ts).
 * Hot loops run on typed arrays by hand.
 */

export interface NoduleDetectionOptions {
  solidThresholdHu?: number;
  /** opening radii, mm, finest first */
  scalesMm?: number[];
  /** smallest mean diameter reported, mm (smaller solid nodules are not reported) */
  minMeanDiameterMm?: number;
  /** largest equivalent-sphere diameter of a candidate, mm (above: a mass or an organ, not a nodule) */
  maxEquivalentDiameterMm?: number;
  maxElongation?: number;
  minEllipsoidFill?: number;
  minAirContact?: number;
  /** how much thicker than the opening ball (inscribed radius, in pixels of the scan) a nodule must be */
  depthMarginPixels?: number;
  closingRadiusMm?: number;
  /** finest voxel edge of the search grid, mm: finer pixels are searched in blocks (measured at full resolution) */
  searchVoxelMm?: number;
  /** half-width of the zone around the midline where a candidate outside the aerated lung is juxtamediastinal, mm */
  mediastinalZoneMm?: number;
  /**
   * thickest section on which a hazy region is measured as a ground-glass lesion, mm: on thicker sections
   * vessels lying in the section average to ground-glass HU (3 mm phantoms: 9 such regions per scan), so
   * a hazy region there is only flagged, not measured
   */
  maxGroundGlassSectionMm?: number;
  /** most elongated hazy region measured as a non-solid nodule (more: a vessel's partial volume or a scar is as likely; flagged only) */
  maxGroundGlassElongation?: number;
  /** half-width of the zone around the midline where ground glass alone is flagged, not measured, mm */
  hilarZoneMm?: number;
  /** ground glass fainter than this above the lung's median is flagged, not measured (dependent density), HU */
  minGroundGlassAboveLungHu?: number;
}

export type NoduleType = 'solid' | 'part-solid' | 'non-solid';

export interface DetectedNodule {
  /** Lung-RADS v2022 attenuation type; the axes, volume and centre are those of the whole lesion */
  type: NoduleType;
  /** part-solid: the solid component's axes on its own largest axial slice */
  solidComponent?: { longAxisMm: number; shortAxisMm: number; meanDiameterMm: number };
  /** mean HU of the whole lesion (ground-glass and part-solid lesions) */
  meanHu?: number;
  /** mean smoothed HU of the ground glass the lesion was grown from */
  groundGlassHu?: number;
  /** LPS centroid, mm */
  center: Vec3;
  side: 'left' | 'right';
  longAxisMm: number;
  shortAxisMm: number;
  /** (long + short) / 2 to one decimal */
  meanDiameterMm: number;
  volumeMm3: number;
  voxelCount: number;
  /** the lesion's voxels as indices into the series grid (what its mask shows; their count gives the volume) */
  voxels: Int32Array;
  /** opening radius at which it came apart from its surroundings, mm */
  scaleMm: number;
  elongation: number;
  /**
   * outside the aerated lung (reached only through the hull's closing), within `mediastinalZoneMm` of the
   * midline between the lungs and leaning on the tissue on its midline side: where hilar vessels, lymph nodes and the
   * mediastinal pleura lie, which the shape tests cannot tell from a nodule (the left pulmonary artery of
   * LIDC-IDRI-0001 was reported as an 18 mm nodule; the realistic phantom shows the same)
   */
  juxtamediastinal: boolean;
  /**
   * mean HU of the non-solid lung 1.5-3.5 mm around a solid nodule, when that is ground glass (> -700 HU)
   * rather than aerated lung: the halo of a part-solid lesion, which is then grown and measured whole
   */
  haloHu?: number;
}

/** A compact hazy (ground-glass range) region the solid detector did not account for. */
export interface SubsolidCandidate {
  /** LPS centroid, mm */
  center: Vec3;
  side: 'left' | 'right';
  longAxisMm: number;
  meanDiameterMm: number;
  volumeMm3: number;
  meanHu: number;
}

export interface NoduleDetection {
  nodules: DetectedNodule[];
  /** compact candidates below the reporting size */
  belowSize: number;
  /** hazy regions flagged but not measured: on thick sections or too elongated to be told from vessels */
  subsolid: SubsolidCandidate[];
}

const DEFAULTS: Required<NoduleDetectionOptions> = {
  solidThresholdHu: -400,
  scalesMm: [1.5, 2, 2.5, 3, 4, 5, 7],
  minMeanDiameterMm: 4,
  maxEquivalentDiameterMm: 40,
  maxElongation: 2,
  minEllipsoidFill: 0.6,
  minAirContact: 0.5,
  depthMarginPixels: 1,
  closingRadiusMm: 15,
  searchVoxelMm: 1.25,
  mediastinalZoneMm: 65,
  maxGroundGlassSectionMm: 2.5,
  maxGroundGlassElongation: 1.8,
  hilarZoneMm: 35,
  minGroundGlassAboveLungHu: 150,
};

export function detectNodules(volume: Volume, mask: LabelMask, options: NoduleDetectionOptions = {}): NoduleDetection {
  const o = { ...DEFAULTS, ...options };
  const sideOf = lungSidesOf(volume, mask);
  const crop = cropToLungs(volume, mask, [...sideOf.keys()], o.closingRadiusMm);
  if (!crop) return { nodules: [], belowSize: 0, subsolid: [] };
  const { fine, lo } = crop;
  const block = fine.spacing.map((s) => Math.max(1, Math.floor(o.searchVoxelMm / s + 1e-6)));
  const search = block.every((b) => b === 1) ? fine : blockAverage(fine, block, [...sideOf.keys()]);
  const region = searchRegionOf(search, [...sideOf.keys()], o);
  const toPatient = (c: { ci: number; cj: number; ck: number }): Vec3 => voxelToPatient(volume.geometry, c.ci + lo[0], c.cj + lo[1], c.ck + lo[2]);
  const sideOfVoxels = (voxels: ArrayLike<number>): 'left' | 'right' => {
    const votes = new Map<number, number>();
    for (let m = 0; m < voxels.length; m++) votes.set(region.hull[voxels[m]], (votes.get(region.hull[voxels[m]]) ?? 0) + 1);
    return sideOf.get([...votes.entries()].filter(([v]) => sideOf.has(v)).sort((x, y) => y[1] - x[1])[0][0])!;
  };
  const found = findSolidNodules(search, region, o, Math.min(fine.spacing[0], fine.spacing[1]), (nodule) => {
    const full = search === fine ? nodule : solidVoxelsOfBlocks(nodule, search.dims, fine, block, o.solidThresholdHu);
    if (full.length === 0) return null;
    return { full, measured: measure(full, fine.dims[0], fine.dims[0] * fine.dims[1], fine.spacing) };
  });
  // search-grid voxel indices to the crop grid's (the centre of the block), and to LPS
  const fromSearch = (m: { ci: number; cj: number; ck: number }): { ci: number; cj: number; ck: number } => ({ ci: m.ci * block[0] + (block[0] - 1) / 2, cj: m.cj * block[1] + (block[1] - 1) / 2, ck: m.ck * block[2] + (block[2] - 1) / 2 });
  const searchToPatient = (c: { ci: number; cj: number; ck: number }): Vec3 => toPatient(fromSearch(c));
  const fineToSeries = (fineVoxels: number[]): Int32Array => cropToSeries(fineVoxels, fine.dims, lo, volume.geometry.dimensions);
  // a ground-glass lesion is grown on the search grid: its mask is every full-resolution voxel of its blocks
  const searchToSeries = (blocks: number[]): Int32Array => fineToSeries(search === fine ? blocks : solidVoxelsOfBlocks(blocks, search.dims, fine, block, -Infinity));
  const midlineX = midlineOf(search, sideOf, searchToPatient);
  const inAeratedLung = (voxels: number[]): number => voxels.filter((p) => search.labels[p] !== 0).length / voxels.length;
  const solid: DetectedNodule[] = found.accepted.map(({ voxels, full, measured, scaleMm, elongation }) => ({
    type: 'solid',
    ...groundGlassHalo(voxels, search, region),
    juxtamediastinal:
      inAeratedLung(voxels) < 0.5 && Math.abs(toPatient(measured)[0] - midlineX) < o.mediastinalZoneMm && facesMidline(voxels, region.hull, search, searchToPatient, midlineX),
    center: toPatient(measured),
    side: sideOfVoxels(voxels),
    longAxisMm: measured.longAxisMm,
    shortAxisMm: measured.shortAxisMm,
    meanDiameterMm: measured.meanDiameterMm,
    volumeMm3: full.length * fine.spacing[0] * fine.spacing[1] * fine.spacing[2],
    voxelCount: full.length,
    voxels: fineToSeries(full),
    scaleMm,
    elongation,
  }));
  const { lesions, unmeasured } = withGroundGlass(solid, found, search, region.hull, o, midlineX, (voxels, measured) => ({ center: toPatient(fromSearch(measured)), side: sideOfVoxels(voxels) }), searchToSeries);
  lesions.sort((x, y) => y.meanDiameterMm - x.meanDiameterMm);
  return { nodules: lesions, belowSize: found.belowSize, subsolid: unmeasured };
}

/** How many voxels of `voxels` lie more than one 6-neighbour step from `core`. */
function beyondRim(voxels: number[], core: number[], dims: number[]): number {
  const rim = new Set(core);
  for (const p of core) for (const q of faceNeighbours(p, dims)) rim.add(q);
  return voxels.filter((p) => !rim.has(p)).length;
}

/**
 * Step 6: ground glass. A solid nodule with a ground-glass halo is measured whole (solid core plus the
 * ground glass connected to it, grown to its half-way edge): part-solid when the whole is larger than its
 * core by more than a voxel on each side, its solid component being the solid nodule. A hazy region of the
 * subsolid screen (subsolid.screen.ts) not yet part of a lesion is non-solid, or part-solid when it
 * touches a solid piece (also one below reporting size: a small solid component is still one, and
 * calling it non-solid would lower its category); grown to its edge the same way and measured whole.
 */
function withGroundGlass(
  solid: DetectedNodule[],
  found: ReturnType<typeof findSolidNodules>,
  search: CropGrid,
  hull: Uint8Array,
  o: Required<NoduleDetectionOptions>,
  midlineX: number,
  place: (voxels: number[], measured: Measured) => { center: Vec3; side: 'left' | 'right' },
  toSeries: (voxels: number[]) => Int32Array,
): { lesions: DetectedNodule[]; unmeasured: SubsolidCandidate[] } {
  const solidHu = o.solidThresholdHu;
  const { dims, spacing } = search;
  const [nx] = dims;
  const nxy = dims[0] * dims[1];
  const voxelMm3 = spacing[0] * spacing[1] * spacing[2];
  const pixel = Math.min(spacing[0], spacing[1]);
  const smooth = smoothedHu(search);
  const lungHu = lungBaselineHu(search, smooth);
  const taken = new Set<number>();
  const byOwner = new Map(found.accepted.map((a, index) => [a.ownerId, index]));
  const lesions = [...solid];
  const unmeasured: SubsolidCandidate[] = [];
  const meanOf = (voxels: number[]): number => voxels.reduce((s, p) => s + search.hu[p], 0) / voxels.length;
  const wholeLesion = (seed: number[], groundGlassHu: number, type: 'part-solid' | 'non-solid', solidPart?: Pick<DetectedNodule, 'longAxisMm' | 'shortAxisMm' | 'meanDiameterMm'>): DetectedNodule | null => {
    const edgeHu = (lungHu + groundGlassHu) / 2;
    const seedMeasure = measure(seed, nx, nxy, spacing);
    // reach: 12 mm, or 3/4 of the seed's long axis for larger seeds; on LIDC-IDRI-0003 a reach of the whole
    // long axis merged the part-solid nodule with ground glass below it (46 mm against the readers' 27-36 mm)
    const voxels = growGroundGlass(seed, search, smooth, hull, { edgeHu, solidHu, maxRadiusMm: Math.max(12, 0.75 * seedMeasure.longAxisMm) });
    const measured = measure(voxels, nx, nxy, spacing);
    // a solid nodule's own partial-volume rim (a voxel deep) is not ground glass: the halo must add more
    // than that to the long axis and hold at least a third as many voxels as the solid part beyond it
    if (type === 'part-solid' && solidPart && (measured.longAxisMm < solidPart.longAxisMm + 2 * pixel || beyondRim(voxels, seed, dims) < seed.length / 3)) return null;
    for (const p of voxels) taken.add(p);
    return {
      type,
      ...place(voxels, measured),
      longAxisMm: measured.longAxisMm,
      shortAxisMm: measured.shortAxisMm,
      meanDiameterMm: measured.meanDiameterMm,
      volumeMm3: voxels.length * voxelMm3,
      voxelCount: voxels.length,
      voxels: toSeries(voxels),
      scaleMm: 0,
      elongation: shapeOf(Int32Array.from(voxels), nx, nxy, spacing).elongation,
      juxtamediastinal: false,
      meanHu: Math.round(meanOf(voxels)),
      groundGlassHu: Math.round(groundGlassHu),
      ...(solidPart ? { solidComponent: { longAxisMm: solidPart.longAxisMm, shortAxisMm: solidPart.shortAxisMm, meanDiameterMm: solidPart.meanDiameterMm } } : {}),
    };
  };
  solid.forEach((nodule, index) => {
    // only where a halo was measured around it: grown from every solid nodule, the ground-glass edge
    // took in the spiculation and atelectasis around the LIDC-IDRI-0001 nodule (44 mm against the readers' 33)
    if (nodule.haloHu === undefined || nodule.juxtamediastinal) return;
    const voxels = found.ownerVoxels[found.accepted[index].ownerId - 1];
    const whole = wholeLesion(voxels, nodule.haloHu, 'part-solid', nodule);
    // an elongated halo is dependent or scarred lung along the pleura, not the ground glass of this nodule
    if (whole && whole.elongation <= o.maxGroundGlassElongation) lesions[lesions.indexOf(nodule)] = whole;
  });
  for (const r of screenSubsolid(search, hull, found.owner, smooth, lungHu)) {
    if (r.voxels.filter((p) => taken.has(p)).length > r.voxels.length / 2) continue;
    const pieces = r.owners.map((id) => found.ownerVoxels[id - 1]);
    const largest = r.owners.map((id) => byOwner.get(id)).filter((i): i is number => i !== undefined).map((i) => lesions[i]).filter((l) => l.type === 'solid')[0];
    const solidVoxels = pieces.flat();
    // hazy voxels fewer than the solid ones they touch: the partial-volume rim of a solid nodule
    if (solidVoxels.length >= r.voxels.length) continue;
    if (search.spacing[2] > o.maxGroundGlassSectionMm || (pieces.length === 0 && r.elongation > o.maxGroundGlassElongation)) {
      unmeasured.push({ ...place(r.voxels, r.measured), longAxisMm: r.measured.longAxisMm, meanDiameterMm: r.measured.meanDiameterMm, volumeMm3: r.voxels.length * voxelMm3, meanHu: Math.round(r.meanHu) });
      continue;
    }
    const solidPart = largest ?? (solidVoxels.length ? measure(solidVoxels, nx, nxy, spacing) : undefined);
    const whole = wholeLesion([...r.voxels, ...solidVoxels], r.meanHu, solidPart ? 'part-solid' : 'non-solid', solidPart);
    if (!whole) continue;
    // flagged only: elongated as a whole, faint (dependent lung), or ground glass alone near the hilum (the
    // partial volume of hilar vessels: 4 regions of 19-24 mm on LIDC-IDRI-0001, none marked by its readers)
    const faint = r.meanHu < lungHu + o.minGroundGlassAboveLungHu;
    if (whole.elongation > o.maxGroundGlassElongation || faint || (!solidPart && Math.abs(whole.center[0] - midlineX) < o.hilarZoneMm)) {
      unmeasured.push({ center: whole.center, side: whole.side, longAxisMm: whole.longAxisMm, meanDiameterMm: whole.meanDiameterMm, volumeMm3: whole.volumeMm3, meanHu: whole.meanHu! });
      continue;
    }
    if (largest) lesions.splice(lesions.indexOf(largest), 1, whole);
    else lesions.push(whole);
  }
  return { lesions, unmeasured };
}

/**
 * Whether a candidate's contact with what lies beyond the lung hull (6-neighbours outside it) sits on its
 * midline side: the in-plane direction from the candidate's centre to that contact points within 60
 * degrees of the midline (or, near the spine, of the posteromedial diagonal). A hilar vessel leans on the mediastinum; a nodule on the chest wall, even near
 * the midline in front or behind, leans outwards.
 */
function facesMidline(voxels: number[], hull: Uint8Array, search: CropGrid, toPatient: (c: { ci: number; cj: number; ck: number }) => Vec3, midlineX: number): boolean {
  const [nx, ny, nz] = search.dims;
  const nxy = nx * ny;
  const at = (p: number): number[] => [p % nx, Math.floor(p / nx) % ny, Math.floor(p / nxy)];
  const centre = [0, 0, 0];
  const contact = [0, 0, 0];
  let contacts = 0;
  for (const p of voxels) {
    const [i, j, k] = at(p);
    centre[0] += i;
    centre[1] += j;
    centre[2] += k;
    for (const [q, ok] of [[p - 1, i > 0], [p + 1, i < nx - 1], [p - nx, j > 0], [p + nx, j < ny - 1], [p - nxy, k > 0], [p + nxy, k < nz - 1]] as const) {
      if (!ok || hull[q] !== 0) continue;
      const c = at(q);
      for (let d = 0; d < 3; d++) contact[d] += c[d];
      contacts++;
    }
  }
  if (contacts === 0) return false;
  const from = toPatient({ ci: centre[0] / voxels.length, cj: centre[1] / voxels.length, ck: centre[2] / voxels.length });
  const to = toPatient({ ci: contact[0] / contacts, cj: contact[1] / contacts, ck: contact[2] / contacts });
  const dx = to[0] - from[0];
  const dy = to[1] - from[1];
  const towardMidline = Math.sign(midlineX - from[0]) * dx;
  if (towardMidline > 0.5 * Math.hypot(dx, dy)) return true;
  // in the paravertebral gutter (the descending aorta, azygos and oesophagus lie against the spine) the
  // mediastinum is behind and medial: contact within 60 degrees of the posteromedial diagonal (LPS +y)
  const posteromedial = (towardMidline + dy) / Math.SQRT2;
  return Math.abs(from[0] - midlineX) < PARAVERTEBRAL_ZONE_MM && posteromedial > 0.5 * Math.hypot(dx, dy);
}

/** half-width of the paravertebral gutter around the midline, mm (the descending aorta lies within 40 mm of it) */
const PARAVERTEBRAL_ZONE_MM = 40;

/**
 * The shell 1.5-3.5 mm around a nodule (search grid, by distance from its voxels on its bounding box plus
 * the shell), solid voxels (vessels) and what lies beyond the hull left out: its mean HU when that is in
 * the ground-glass range (> -700 HU; aerated lung next to a solid nodule stays near -800 and below).
 */
function groundGlassHalo(voxels: number[], search: CropGrid, region: SearchRegion): { haloHu?: number } {
  const [nx, ny] = search.dims;
  const nxy = nx * ny;
  const reach = voxels.reduce((b, p) => {
    const c = [p % nx, Math.floor(p / nx) % ny, Math.floor(p / nxy)];
    return c.map((v, d) => [Math.min(b[d][0], v), Math.max(b[d][1], v)]);
  }, [[Infinity, -Infinity], [Infinity, -Infinity], [Infinity, -Infinity]]);
  const lo = reach.map((r, d) => Math.max(0, r[0] - Math.ceil(3.5 / search.spacing[d])));
  const hi = reach.map((r, d) => Math.min(search.dims[d] - 1, r[1] + Math.ceil(3.5 / search.spacing[d])));
  const box = [0, 1, 2].map((d) => hi[d] - lo[d] + 1);
  const member = new Uint8Array(box[0] * box[1] * box[2]);
  for (const p of voxels) member[(p % nx) - lo[0] + ((Math.floor(p / nx) % ny) - lo[1]) * box[0] + (Math.floor(p / nxy) - lo[2]) * box[0] * box[1]] = 1;
  const distance2 = squaredDistanceTransform(member, box, search.spacing);
  let sum = 0;
  let count = 0;
  for (let k = 0, b = 0; k < box[2]; k++)
    for (let j = 0; j < box[1]; j++)
      for (let i = 0; i < box[0]; i++, b++) {
        if (distance2[b] <= 1.5 * 1.5 || distance2[b] > 3.5 * 3.5) continue;
        const p = i + lo[0] + (j + lo[1]) * nx + (k + lo[2]) * nxy;
        if (region.hull[p] === 0 || search.hu[p] >= -300) continue;
        sum += search.hu[p];
        count++;
      }
  return count > 0 && sum / count > -700 ? { haloHu: Math.round(sum / count) } : {};
}

/** Patient x of the midline: half-way between the two lungs' centroids. */
function midlineOf(search: CropGrid, sideOf: Map<number, 'left' | 'right'>, toPatient: (c: { ci: number; cj: number; ck: number }) => Vec3): number {
  const [nx, ny] = search.dims;
  const sum = new Map<number, { i: number; j: number; k: number; n: number }>();
  for (const value of sideOf.keys()) sum.set(value, { i: 0, j: 0, k: 0, n: 0 });
  search.labels.forEach((l, p) => {
    const s = sum.get(l);
    if (!s) return;
    s.i += p % nx;
    s.j += Math.floor(p / nx) % ny;
    s.k += Math.floor(p / (nx * ny));
    s.n++;
  });
  const xs = [...sum.values()].filter((s) => s.n > 0).map((s) => toPatient({ ci: s.i / s.n, cj: s.j / s.n, ck: s.k / s.n })[0]);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Lung label value -> side, from the mask's label names. */
function lungSidesOf(volume: Volume, mask: LabelMask): Map<number, 'left' | 'right'> {
  if (mask.labels.length !== volume.voxels.length || mask.geometry.dimensions.some((d, i) => d !== volume.geometry.dimensions[i])) {
    throw new PolyradError('MASK_INVALID', 'the lung mask is not on the grid of the series volume');
  }
  const sideOf = new Map<number, 'left' | 'right'>();
  for (const [value, name] of Object.entries(mask.labelNames)) {
    if (name === 'lung.right') sideOf.set(Number(value), 'right');
    if (name === 'lung.left') sideOf.set(Number(value), 'left');
  }
  if (sideOf.size !== 2) throw new PolyradError('MASK_INVALID', 'the lung mask must name a lung.right and a lung.left label');
  return sideOf;
}

/** The lungs' bounding box plus room for the closing, as a grid of its own; null without lung voxels. */
function cropToLungs(volume: Volume, mask: LabelMask, lungValues: number[], closingRadiusMm: number): { fine: CropGrid; lo: number[] } | null {
  const { geometry } = volume;
  const [NX, NY, NZ] = geometry.dimensions;
  const [sx, sy, sz] = geometry.spacing;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-1, -1, -1];
  const isLung = new Uint8Array(256);
  for (const value of lungValues) isLung[value] = 1;
  for (let k = 0, p = 0; k < NZ; k++) {
    for (let j = 0; j < NY; j++) {
      for (let i = 0; i < NX; i++, p++) {
        if (!isLung[mask.labels[p]]) continue;
        if (i < lo[0]) lo[0] = i;
        if (i > hi[0]) hi[0] = i;
        if (j < lo[1]) lo[1] = j;
        if (j > hi[1]) hi[1] = j;
        if (k < lo[2]) lo[2] = k;
        if (k > hi[2]) hi[2] = k;
      }
    }
  }
  if (hi[0] < 0) return null;
  const margin = [Math.ceil(closingRadiusMm / sx) + 1, Math.ceil(closingRadiusMm / sy) + 1, Math.ceil(closingRadiusMm / sz) + 1];
  for (let d = 0; d < 3; d++) {
    lo[d] = Math.max(0, lo[d] - margin[d]);
    hi[d] = Math.min(geometry.dimensions[d] - 1, hi[d] + margin[d]);
  }
  const cropDims = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const cropLabels = new Uint8Array(cropDims[0] * cropDims[1] * cropDims[2]);
  const cropHu = new Float32Array(cropLabels.length);
  for (let k = 0, p = 0; k < cropDims[2]; k++) {
    for (let j = 0; j < cropDims[1]; j++) {
      const src = (k + lo[2]) * NX * NY + (j + lo[1]) * NX + lo[0];
      for (let i = 0; i < cropDims[0]; i++, p++) {
        cropLabels[p] = mask.labels[src + i];
        cropHu[p] = volume.voxels[src + i];
      }
    }
  }
  return { fine: { dims: cropDims, spacing: [sx, sy, sz], labels: cropLabels, hu: cropHu }, lo };
}

/** Where and what is searched on the search grid: hull, solid and aerated voxels, depth below aerated lung. */
interface SearchRegion {
  hull: Uint8Array;
  solid: Uint8Array;
  air: Uint8Array;
  /** squared distance to aerated lung, mm² */
  depth2: Float32Array;
}

function searchRegionOf(search: CropGrid, lungValues: number[], o: Required<NoduleDetectionOptions>): SearchRegion {
  const n = search.labels.length;
  const hull = buildLungHull(search.labels, search.dims, search.spacing, lungValues, { closingRadiusMm: o.closingRadiusMm, maxHoleVolumeMm3: 40_000 });
  // depth = distance to aerated lung only: a nodule on the pleura is as deep as it is thick, not cut in
  // half by the chest wall behind it
  const solid = new Uint8Array(n);
  const air = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    solid[p] = hull[p] !== 0 && search.hu[p] >= o.solidThresholdHu ? 1 : 0;
    air[p] = hull[p] !== 0 && !solid[p] ? 1 : 0;
  }
  return { hull, solid, air, depth2: squaredDistanceTransform(air, search.dims, search.spacing) };
}

type Measured = ReturnType<typeof measure>;

interface AcceptedNodule {
  /** search-grid voxels */
  voxels: number[];
  /** full-resolution voxels */
  full: number[];
  measured: Measured;
  scaleMm: number;
  elongation: number;
  /** its claim in `owner` */
  ownerId: number;
}

/**
 * Steps 3 and 4: the multiscale opening and the shape judgement of every component. `measureFull` takes a
 * nodule's search-grid voxels to its full-resolution voxels and their measurement. Returns the nodules of
 * reporting size, the count of smaller ones, and for the ground-glass steps the owner (1 + index into
 * `ownerVoxels`, the claimed voxels of every piece, also those below reporting size) of every claimed voxel.
 */
function findSolidNodules(
  search: CropGrid,
  region: SearchRegion,
  o: Required<NoduleDetectionOptions>,
  scanPixel: number,
  measureFull: (voxels: number[]) => { full: number[]; measured: Measured } | null,
): { accepted: AcceptedNodule[]; belowSize: number; owner: Int32Array; ownerVoxels: number[][] } {
  const { dims, spacing } = search;
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const n = nxy * nz;
  const { hull, solid, air, depth2 } = region;
  const claimed = new Uint8Array(n);
  const owner = new Int32Array(n);
  const ownerVoxels: number[][] = [];
  const opened = new Uint8Array(n);
  const queue = new Int32Array(n);
  const voxelMm3 = spacing[0] * spacing[1] * spacing[2];
  const pixel = Math.min(spacing[0], spacing[1]);
  const accepted: AcceptedNodule[] = [];
  let belowSize = 0;
  for (const r of o.scalesMm) {
    if (!openWithBall(solid, depth2, r, dims, spacing, opened)) break;
    for (let start = 0; start < n; start++) {
      if (!opened[start]) continue;
      const tail = takeComponent(opened, start, dims, queue);
      const component = queue.slice(0, tail);
      if (component.some((p) => claimed[p])) continue;
      const equivalentDiameter = Math.cbrt((6 * tail * voxelMm3) / Math.PI);
      if (equivalentDiameter > o.maxEquivalentDiameterMm) continue;
      const shape = shapeOf(component, nx, nxy, spacing);
      if (shape.elongation > o.maxElongation || shape.fill < o.minEllipsoidFill) continue;
      // a piece of a tube about as wide as the scale is what aliasing leaves of a vessel: a nodule must be
      // thicker (inscribed radius) than the ball that set it free; a pixel of the scan, not of the search
      // grid, or blocks would drop small nodules that the scan resolves
      let depth2Max = 0;
      for (const p of component) if (depth2[p] > depth2Max) depth2Max = depth2[p];
      const barelyThicker = Math.sqrt(depth2Max) < r + o.depthMarginPixels * scanPixel;
      if (barelyThicker && !isSmallNoduleOnVessel(component, shape, r, depth2Max, solid, depth2, dims, voxelMm3, scanPixel)) continue;
      // vessels a little thicker than r can still hang on; opening the component once more at 0.6 of
      // its inscribed radius drops them (a sphere survives any ball up to its own radius), then the
      // opening's shaved rim voxels are taken back
      const depth = Math.sqrt(depth2Max);
      const core = openComponent(component, air, hull, Math.min(0.6 * depth, r + 3 * pixel), dims, spacing);
      const grown = regrow(core, solid, claimed, nx, ny, nz);
      if (airContact(grown, solid, hull, nx, ny, nz) < o.minAirContact) continue;
      ownerVoxels.push(grown);
      for (const p of grown) {
        claimed[p] = 1;
        owner[p] = ownerVoxels.length;
      }
      // a nodule barely thicker than r survived the opening whole: the grown rim would be its vessel
      const nodule = barelyThicker ? Array.from(component) : grown;
      const result = measureFull(nodule);
      if (!result) continue;
      if (result.measured.meanDiameterMm < o.minMeanDiameterMm) {
        belowSize++;
        continue;
      }
      accepted.push({ voxels: nodule, ...result, scaleMm: r, elongation: shape.elongation, ownerId: ownerVoxels.length });
    }
  }
  return { accepted, belowSize, owner, ownerVoxels };
}

export interface CropGrid {
  dims: number[];
  spacing: number[];
  labels: Uint8Array;
  hu: Float32Array;
}

/**
 * The grid coarsened by whole blocks of `block` voxels: mean HU (the partial-volume value a scan with that
 * voxel size would record) and the lung label covering at least half of the block. Hot loop by hand.
 */
function blockAverage(grid: CropGrid, block: number[], lungValues: number[]): CropGrid {
  const [nx, ny, nz] = grid.dims;
  const [bx, by, bz] = block;
  const dims = [Math.ceil(nx / bx), Math.ceil(ny / by), Math.ceil(nz / bz)];
  const n = dims[0] * dims[1] * dims[2];
  const sum = new Float64Array(n);
  const count = new Uint16Array(n);
  const votes = lungValues.map(() => new Uint16Array(n));
  // label value -> its vote array, block column of each voxel column: no search or division per voxel
  const voteOf: (Uint16Array | undefined)[] = new Array(256).fill(undefined);
  lungValues.forEach((value, v) => (voteOf[value] = votes[v]));
  const column = Int32Array.from({ length: nx }, (_, i) => Math.floor(i / bx));
  for (let k = 0, p = 0; k < nz; k++) {
    const ck = Math.floor(k / bz) * dims[0] * dims[1];
    for (let j = 0; j < ny; j++) {
      const cj = ck + Math.floor(j / by) * dims[0];
      for (let i = 0; i < nx; i++, p++) {
        const c = cj + column[i];
        sum[c] += grid.hu[p];
        count[c]++;
        const vote = voteOf[grid.labels[p]];
        if (vote !== undefined) vote[c]++;
      }
    }
  }
  const labels = new Uint8Array(n);
  const hu = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    hu[c] = sum[c] / count[c];
    for (let v = 0; v < lungValues.length; v++) {
      if (2 * votes[v][c] >= count[c]) {
        labels[c] = lungValues[v];
        break;
      }
    }
  }
  return { dims, spacing: grid.spacing.map((s, d) => s * block[d]), labels, hu };
}

/** Crop-grid voxel indices to the series grid's (the crop starts at `lo`). */
function cropToSeries(voxels: number[], dims: number[], lo: number[], seriesDims: readonly number[]): Int32Array {
  const [cx, cy] = dims;
  const [NX, NY] = seriesDims;
  return Int32Array.from(voxels, (p) => {
    const i = p % cx;
    const j = ((p - i) / cx) % cy;
    const k = (p - i - j * cx) / (cx * cy);
    return i + lo[0] + (j + lo[1]) * NX + (k + lo[2]) * NX * NY;
  });
}

/** Full-resolution voxels at or above the solid threshold inside the given blocks of the search grid. */
function solidVoxelsOfBlocks(blocks: number[], searchDims: number[], grid: CropGrid, block: number[], thresholdHu: number): number[] {
  const [cx, cy] = searchDims;
  const [nx, ny, nz] = grid.dims;
  const [bx, by, bz] = block;
  const voxels: number[] = [];
  for (const c of blocks) {
    const ci = c % cx;
    const cj = ((c - ci) / cx) % cy;
    const ck = (c - ci - cj * cx) / (cx * cy);
    for (let k = ck * bz; k < Math.min(nz, (ck + 1) * bz); k++) {
      for (let j = cj * by; j < Math.min(ny, (cj + 1) * by); j++) {
        for (let i = ci * bx; i < Math.min(nx, (ci + 1) * bx); i++) {
          const p = i + j * nx + k * nx * ny;
          if (grid.hu[p] >= thresholdHu) voxels.push(p);
        }
      }
    }
  }
  return voxels;
}

/**
 * A nodule only a little larger than the vessel it grew on comes apart at a scale just below its own
 * radius, so it misses the depth margin like an aliased vessel piece; what still tells them apart: the
 * aliased piece is one thick spot of a tube, about one ball of radius r, while the nodule survives the
 * opening whole (at least two balls), is round and fills its ellipsoid like a sphere, and is thicker
 * (inscribed radius) by at least half a pixel than the vessel where it joins it (solid voxels outside the
 * piece within three voxel steps). Hot loop by hand.
 */
function isSmallNoduleOnVessel(component: Int32Array, shape: { elongation: number; fill: number }, r: number, depth2Max: number, solid: Uint8Array, depth2: Float32Array, dims: number[], voxelMm3: number, pixel: number): boolean {
  if (component.length * voxelMm3 < 2 * (4 / 3) * Math.PI * r ** 3 || shape.elongation > 1.5 || shape.fill < 0.9) return false;
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const seen = new Set<number>(component);
  let ring: number[] = Array.from(component);
  let vessel2 = 0;
  for (let step = 0; step < 3; step++) {
    const next: number[] = [];
    for (const p of ring) {
      const i = p % nx;
      const j = ((p - i) / nx) % ny;
      const k = (p - i - j * nx) / nxy;
      const neighbours = [i > 0 ? p - 1 : -1, i < nx - 1 ? p + 1 : -1, j > 0 ? p - nx : -1, j < ny - 1 ? p + nx : -1, k > 0 ? p - nxy : -1, k < nz - 1 ? p + nxy : -1];
      for (const q of neighbours) {
        if (q < 0 || !solid[q] || seen.has(q)) continue;
        seen.add(q);
        next.push(q);
        if (depth2[q] > vessel2) vessel2 = depth2[q];
      }
    }
    ring = next;
  }
  return Math.sqrt(depth2Max) >= Math.sqrt(vessel2) + pixel / 2;
}

/** Share of the component's 6-neighbour shell that is aerated lung (in the hull, not solid). */
function airContact(voxels: ArrayLike<number>, solid: Uint8Array, hull: Uint8Array, nx: number, ny: number, nz: number): number {
  let air = 0;
  let total = 0;
  visitShellFaces(Array.from(voxels), [nx, ny, nz], (q) => {
    total++;
    if (hull[q] !== 0 && !solid[q]) air++;
  });
  return total === 0 ? 0 : air / total;
}

/**
 * Opening of one component by a ball of radius s (on its own bounding box), keeping the connected part
 * that holds its deepest voxel; the component itself when s is too small to change it.
 */
function openComponent(voxels: Int32Array, air: Uint8Array, hull: Uint8Array, s: number, dims: number[], spacing: number[]): Int32Array {
  const [nx, ny] = dims;
  const nxy = nx * ny;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  const ijk = (p: number): number[] => {
    const k = Math.floor(p / nxy);
    const j = Math.floor((p - k * nxy) / nx);
    return [p - k * nxy - j * nx, j, k];
  };
  for (const p of voxels) {
    const c = ijk(p);
    for (let d = 0; d < 3; d++) {
      lo[d] = Math.min(lo[d], c[d] - 1);
      hi[d] = Math.max(hi[d], c[d] + 1);
    }
  }
  const [mx, my, mz] = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const local = (p: number): number => {
    const c = ijk(p);
    return c[0] - lo[0] + (c[1] - lo[1]) * mx + (c[2] - lo[2]) * mx * my;
  };
  // as for the depth above: what is not the component counts as background unless it lies beyond the pleura
  const outside = new Uint8Array(mx * my * mz);
  const beyondPleura = new Uint8Array(mx * my * mz);
  for (let k = 0, q = 0; k < mz; k++) {
    for (let j = 0; j < my; j++) {
      for (let i = 0; i < mx; i++, q++) {
        const [gi, gj, gk] = [i + lo[0], j + lo[1], k + lo[2]];
        const inGrid = gi >= 0 && gj >= 0 && gk >= 0 && gi < nx && gj < ny && gk < dims[2];
        outside[q] = inGrid && air[gi + gj * nx + gk * nxy] ? 1 : 0;
        beyondPleura[q] = !inGrid || hull[gi + gj * nx + gk * nxy] === 0 ? 1 : 0;
      }
    }
  }
  const member = new Uint8Array(outside.length);
  for (const p of voxels) member[local(p)] = 1;
  const depth2 = squaredDistanceTransform(outside, [mx, my, mz], spacing);
  const seeds = new Uint8Array(outside.length);
  let deepest = local(voxels[0]);
  for (let q = 0; q < seeds.length; q++) {
    seeds[q] = member[q] && depth2[q] > s * s ? 1 : 0;
    if (member[q] && depth2[q] > depth2[deepest]) deepest = q;
  }
  if (!seeds[deepest]) return voxels;
  const reach2 = squaredDistanceTransform(seeds, [mx, my, mz], spacing);
  // the thin rim where a juxtapleural nodule meets the chest wall is nodule, not vessel: it stays
  const toWall2 = squaredDistanceTransform(beyondPleura, [mx, my, mz], spacing);
  const keep = new Uint8Array(outside.length);
  for (let q = 0; q < keep.length; q++) keep[q] = member[q] && (reach2[q] <= s * s || toWall2[q] <= s * s) ? 1 : 0;
  // the connected part around the deepest voxel
  const inPart = new Uint8Array(keep.length);
  const queue = [deepest];
  inPart[deepest] = 1;
  const mxy = mx * my;
  for (let head = 0; head < queue.length; head++) {
    const q = queue[head];
    const i = q % mx;
    const j = ((q - i) / mx) % my;
    const k = (q - i - j * mx) / mxy;
    for (const [t, ok] of [[q - 1, i > 0], [q + 1, i < mx - 1], [q - mx, j > 0], [q + mx, j < my - 1], [q - mxy, k > 0], [q + mxy, k < mz - 1]] as const) {
      if (ok && keep[t] && !inPart[t]) {
        inPart[t] = 1;
        queue.push(t);
      }
    }
  }
  return Int32Array.from(voxels.filter((p) => inPart[local(p)] === 1));
}

/** The component plus its unclaimed solid 6-neighbours (one conditional dilation). */
function regrow(voxels: Int32Array, solid: Uint8Array, claimed: Uint8Array, nx: number, ny: number, nz: number): number[] {
  const nxy = nx * ny;
  const result = new Set<number>(voxels);
  for (const p of voxels) {
    const i = p % nx;
    const j = ((p - i) / nx) % ny;
    const k = (p - i - j * nx) / nxy;
    const neighbours = [i > 0 ? p - 1 : -1, i < nx - 1 ? p + 1 : -1, j > 0 ? p - nx : -1, j < ny - 1 ? p + nx : -1, k > 0 ? p - nxy : -1, k < nz - 1 ? p + nxy : -1];
    for (const q of neighbours) if (q >= 0 && solid[q] && !claimed[q]) result.add(q);
  }
  return [...result];
}
