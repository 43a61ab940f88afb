import type { Vec3 } from '@polyrad/sdk';
import type { NoduleType } from '../features/nodules.feature.js';
import type { ReferenceNodule } from './validation.types.js';

/** Where one DICOM slice lies: its tags ImagePositionPatient, ImageOrientationPatient and PixelSpacing. */
export interface SliceGeometry {
  position: Vec3;
  /** ImageOrientationPatient[0..2]: the direction of increasing column index */
  rowDirection: Vec3;
  /** ImageOrientationPatient[3..5]: the direction of increasing row index */
  columnDirection: Vec3;
  /** PixelSpacing: [between rows, between columns], mm */
  pixelSpacing: [number, number];
}

/** LPS position of pixel (column x, row y) of a slice (DICOM PS3.3 C.7.6.2.1.1). */
export function pixelToPatient(g: SliceGeometry, x: number, y: number): Vec3 {
  const [dr, dc] = g.pixelSpacing;
  return [0, 1, 2].map((d) => g.position[d] + x * dc * g.rowDirection[d] + y * dr * g.columnDirection[d]) as Vec3;
}

export interface LidcRoi {
  z: number;
  sopInstanceUid: string;
  inclusion: boolean;
  /** outline points, [column, row] pixels */
  points: [number, number][];
}

export interface LidcReaderNodule {
  reader: number;
  id: string;
  /** LIDC texture rating, 1 (non-solid) .. 5 (solid), when the reader rated it */
  texture?: number;
  malignancy?: number;
  rois: LidcRoi[];
}

const tag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(xml)?.[1];

/**
 * The nodules each reader outlined in an LIDC-IDRI XML (Armato SG et al., Med Phys 2011;38:915-931): one
 * readingSession per reader, one unblindedReadNodule per nodule with one roi (outline) per slice.
 * Non-nodules (<nonNodule>) are ignored.
 */
export function parseLidcXml(xml: string): LidcReaderNodule[] {
  return xml
    .split('<readingSession>')
    .slice(1)
    .flatMap((session, reader) =>
      session
        .split('<unblindedReadNodule>')
        .slice(1)
        .map((block) => block.split('</unblindedReadNodule>')[0])
        .map((block) => {
          const texture = tag(block, 'texture');
          const malignancy = tag(block, 'malignancy');
          return {
            reader,
            id: tag(block, 'noduleID') ?? '',
            ...(texture ? { texture: Number(texture) } : {}),
            ...(malignancy ? { malignancy: Number(malignancy) } : {}),
            rois: [...block.matchAll(/<roi>([\s\S]*?)<\/roi>/g)].map(([, roi]) => ({
              z: Number(tag(roi, 'imageZposition')),
              sopInstanceUid: tag(roi, 'imageSOP_UID') ?? '',
              inclusion: tag(roi, 'inclusion') !== 'FALSE',
              points: [...roi.matchAll(/<xCoord>(\d+)<\/xCoord>\s*<yCoord>(\d+)<\/yCoord>/g)].map(([, x, y]) => [Number(x), Number(y)] as [number, number]),
            })),
          };
        }),
    );
}

/** LIDC texture 1-2 non-solid (ground glass), 3 part-solid (mixed), 4-5 solid */
export function lidcTextureType(texture: number | undefined): NoduleType {
  if (texture === undefined || texture >= 4) return 'solid';
  return texture === 3 ? 'part-solid' : 'non-solid';
}

interface ReaderLesion {
  reader: number;
  center: Vec3;
  longAxisMm: number;
  shortAxisMm: number;
  texture?: number;
}

/** centroid of all outline points, and long/short axis of the outline on the slice of largest area */
function measureReaderNodule(n: LidcReaderNodule, slice: SliceGeometry): ReaderLesion | undefined {
  const rois = n.rois.filter((r) => r.inclusion && r.points.length > 0);
  if (rois.length === 0) return undefined;
  const toPatient = (x: number, y: number, z: number): Vec3 => {
    const p = pixelToPatient(slice, x, y);
    return [p[0], p[1], z];
  };
  const area = (pts: [number, number][]): number =>
    Math.abs(pts.reduce((s, [x, y], i) => s + x * pts[(i + 1) % pts.length][1] - pts[(i + 1) % pts.length][0] * y, 0)) / 2;
  const largest = rois.reduce((a, b) => (area(b.points) > area(a.points) ? b : a));
  const mm = largest.points.map(([x, y]) => toPatient(x, y, largest.z));
  let longAxisMm = 0;
  let dir = [1, 0];
  for (const a of mm) {
    for (const b of mm) {
      const d = Math.hypot(b[0] - a[0], b[1] - a[1]);
      if (d > longAxisMm) [longAxisMm, dir] = [d, [(b[0] - a[0]) / d, (b[1] - a[1]) / d]];
    }
  }
  const across = mm.map((p) => -p[0] * dir[1] + p[1] * dir[0]);
  const all = rois.flatMap((r) => r.points.map(([x, y]) => toPatient(x, y, r.z)));
  const center = [0, 1, 2].map((d) => all.reduce((s, p) => s + p[d], 0) / all.length) as Vec3;
  return { reader: n.reader, center, longAxisMm, shortAxisMm: Math.max(...across) - Math.min(...across), ...(n.texture ? { texture: n.texture } : {}) };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Reference lesions from LIDC readers' outlines: each reader's outlined nodule joins the group of
 * another reader's lesion whose centre lies within max(5 mm, half the larger long axis); a group
 * marked by at least `minReaders` readers becomes a reference with the readers' mean centre and
 * axes and the type of their median texture rating. Axial slices are assumed (LIDC), so each
 * outline's z is its imageZposition.
 */
export function lidcReferenceNodules(xml: string, slice: SliceGeometry, minReaders: number): ReferenceNodule[] {
  const lesions = parseLidcXml(xml)
    .map((n) => measureReaderNodule(n, slice))
    .filter((l): l is ReaderLesion => l !== undefined);
  const groups: ReaderLesion[][] = [];
  for (const lesion of lesions) {
    const group = groups.find((g) =>
      g.every((m) => m.reader !== lesion.reader) &&
      g.some((m) => Math.hypot(...([0, 1, 2].map((d) => m.center[d] - lesion.center[d]) as Vec3)) <= Math.max(5, Math.max(m.longAxisMm, lesion.longAxisMm) / 2)),
    );
    if (group) group.push(lesion);
    else groups.push([lesion]);
  }
  return groups
    .filter((g) => g.length >= minReaders)
    .map((g) => {
      const textures = g.map((m) => m.texture).filter((t): t is number => t !== undefined);
      return {
        center: [0, 1, 2].map((d) => mean(g.map((m) => m.center[d]))) as Vec3,
        longAxisMm: mean(g.map((m) => m.longAxisMm)),
        shortAxisMm: mean(g.map((m) => m.shortAxisMm)),
        type: lidcTextureType(textures.length ? median(textures) : undefined),
        readers: g.length,
      };
    });
}

export interface VocBox {
  name: string;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

/** The boxes (<object><bndbox>) of a Pascal VOC annotation, in pixels. */
export function parseVocBoxes(xml: string): VocBox[] {
  return [...xml.matchAll(/<object>([\s\S]*?)<\/object>/g)].map(([, object]) => ({
    name: tag(object, 'name') ?? '',
    xmin: Number(tag(object, 'xmin')),
    ymin: Number(tag(object, 'ymin')),
    xmax: Number(tag(object, 'xmax')),
    ymax: Number(tag(object, 'ymax')),
  }));
}

/**
 * One lesion from readers' boxes on several slices: the centre of the LPS bounding box around all
 * boxes, and as long axis the longest box side (in mm) on any slice - the lesion's true long axis
 * lies between that and the box diagonal.
 */
export function vocBoxesReference(boxes: { box: VocBox; slice: SliceGeometry }[], type: NoduleType): ReferenceNodule | undefined {
  if (boxes.length === 0) return undefined;
  const corners = boxes.flatMap(({ box, slice }) => [pixelToPatient(slice, box.xmin, box.ymin), pixelToPatient(slice, box.xmax, box.ymax)]);
  const lo = [0, 1, 2].map((d) => Math.min(...corners.map((c) => c[d])));
  const hi = [0, 1, 2].map((d) => Math.max(...corners.map((c) => c[d])));
  const sides = boxes.map(({ box, slice }) => {
    const a = pixelToPatient(slice, box.xmin, box.ymin);
    const b = pixelToPatient(slice, box.xmax, box.ymin);
    const c = pixelToPatient(slice, box.xmin, box.ymax);
    const w = Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]);
    const h = Math.hypot(c[0] - a[0], c[1] - a[1], c[2] - a[2]);
    return [Math.max(w, h), Math.min(w, h)];
  });
  const longest = sides.reduce((a, b) => (b[0] > a[0] ? b : a));
  return {
    center: [0, 1, 2].map((d) => (lo[d] + hi[d]) / 2) as Vec3,
    longAxisMm: longest[0],
    shortAxisMm: longest[1],
    type,
    readers: 1,
  };
}
