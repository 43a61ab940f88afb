import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PolyradError } from '@polyrad/sdk/errors';
import type { Vec3, Volume, VolumeGeometry, VoxelArray } from '@polyrad/sdk';
import { generateDicomUid } from './dicom-uid.generator.js';
import { encodeDataSet, encodePart10, formatDecimalString, type DicomElementValue } from './explicit-vr-le.encoder.js';
import { TransferSyntax } from './transfer-syntax.names.js';
import { cross, dot } from './vec3.math.js';

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
// Fixed UID naming this writer in the meta header (2.25 form of a constant UUID).
const IMPLEMENTATION_CLASS_UID = `2.25.${BigInt('0x6f1c2b7e4a9d4e0f8b3a5c7d9e1f2a3b').toString()}`;
const IMPLEMENTATION_VERSION_NAME = 'POLYRAD_0_1';

export interface CtSeriesMeta {
  PatientID: string;
  PatientName?: string;
  StudyDate: string;
  StudyTime?: string;
  AccessionNumber?: string;
  StudyDescription?: string;
  SeriesDescription?: string;
  SeriesNumber?: number;
  ContrastBolusAgent?: string;
  BodyPartExamined?: string;
  ConvolutionKernel?: string;
  KVP?: number;
  Manufacturer?: string;
  PatientPosition?: string;
  /** Generated (2.25.<uuid>) when absent. */
  StudyInstanceUID?: string;
  SeriesInstanceUID?: string;
  FrameOfReferenceUID?: string;
  /** Seed for the file-name shuffle, for reproducible file names; random when absent. */
  seed?: number;
}

export interface WrittenCtSeries {
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  FrameOfReferenceUID: string;
  /** In k order (slice k of the volume). */
  SOPInstanceUIDs: string[];
  /** In k order; the names themselves are shuffled. */
  files: string[];
}

function invalid(message: string, dir: string): never {
  throw new PolyradError('DICOM_INVALID_VOLUME', message, dir);
}

/** mulberry32: a tiny seeded PRNG so shuffles can be reproduced. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of 0..n-1 that is never the identity (n > 1), so file order never matches slice order. */
function shuffledOrder(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const next = random(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  if (n > 1 && order.every((v, i) => v === i)) [order[0], order[1]] = [order[1], order[0]];
  return order;
}

function text(tag: number, vr: DicomElementValue['vr'], value: string | undefined): DicomElementValue {
  return { tag, vr, value: value ?? '' };
}

/** The slice normal (row x column) of a volume that can be written as DICOM slices; refuses one that cannot. */
function writableNormal(volume: Volume, outDir: string): Vec3 {
  const { geometry, voxels } = volume;
  const [nx, ny, nz] = geometry.dimensions;
  if (volume.unit !== 'HU') invalid(`the volume's unit is "${volume.unit}"; a CT series needs HU`, outDir);
  if (voxels.length !== nx * ny * nz || nx < 1 || ny < 1 || nz < 1) invalid(`the volume has ${voxels.length} voxels for dimensions ${nx}x${ny}x${nz}`, outDir);
  if (nx > 0xffff || ny > 0xffff) invalid(`slices of ${nx}x${ny} do not fit DICOM Rows/Columns`, outDir);
  const [row, col, slice] = geometry.direction;
  if (Math.abs(dot(row, col)) > 1e-6 || Math.abs(dot(row, row) - 1) > 1e-6 || Math.abs(dot(col, col) - 1) > 1e-6) {
    invalid('direction[0] and direction[1] must be perpendicular unit vectors (they become ImageOrientationPatient)', outDir);
  }
  const normal = cross(row, col);
  if (Math.abs(Math.abs(dot(slice, normal)) - 1) > 1e-6) invalid('direction[2] must be perpendicular to the slices (DICOM slices cannot be sheared)', outDir);
  return normal;
}

/** The elements every file of the series shares. */
function seriesElements(meta: CtSeriesMeta, geometry: VolumeGeometry, uids: Pick<WrittenCtSeries, 'StudyInstanceUID' | 'SeriesInstanceUID' | 'FrameOfReferenceUID'>, signed: boolean): DicomElementValue[] {
  const [nx, ny] = geometry.dimensions;
  const [row, col] = geometry.direction;
  const iop = [...row, ...col].map(formatDecimalString).join('\\');
  const common: DicomElementValue[] = [
    text(0x00080005, 'CS', 'ISO_IR 192'),
    text(0x00080008, 'CS', 'ORIGINAL\\PRIMARY\\AXIAL'),
    text(0x00080016, 'UI', CT_IMAGE_STORAGE),
    text(0x00080020, 'DA', meta.StudyDate),
    text(0x00080030, 'TM', meta.StudyTime),
    text(0x00080050, 'SH', meta.AccessionNumber),
    text(0x00080060, 'CS', 'CT'),
    text(0x00080070, 'LO', meta.Manufacturer ?? 'Polyrad'),
    text(0x00080090, 'PN', ''),
    text(0x00081030, 'LO', meta.StudyDescription),
    text(0x0008103e, 'LO', meta.SeriesDescription),
    text(0x00100010, 'PN', meta.PatientName),
    text(0x00100020, 'LO', meta.PatientID),
    text(0x00100030, 'DA', ''),
    text(0x00100040, 'CS', ''),
    text(0x00180050, 'DS', formatDecimalString(geometry.spacing[2])),
    text(0x00180060, 'DS', meta.KVP === undefined ? '' : formatDecimalString(meta.KVP)),
    text(0x00185100, 'CS', meta.PatientPosition ?? 'HFS'),
    text(0x0020000d, 'UI', uids.StudyInstanceUID),
    text(0x0020000e, 'UI', uids.SeriesInstanceUID),
    text(0x00200010, 'SH', ''),
    text(0x00200011, 'IS', String(meta.SeriesNumber ?? 1)),
    text(0x00200037, 'DS', iop),
    text(0x00200052, 'UI', uids.FrameOfReferenceUID),
    text(0x00201040, 'LO', ''),
    { tag: 0x00280002, vr: 'US', value: [1] },
    text(0x00280004, 'CS', 'MONOCHROME2'),
    { tag: 0x00280010, vr: 'US', value: [ny] },
    { tag: 0x00280011, vr: 'US', value: [nx] },
    // PixelSpacing is row spacing (along a column, j) first, then column spacing (along a row, i).
    text(0x00280030, 'DS', `${formatDecimalString(geometry.spacing[1])}\\${formatDecimalString(geometry.spacing[0])}`),
    { tag: 0x00280100, vr: 'US', value: [16] },
    { tag: 0x00280101, vr: 'US', value: [16] },
    { tag: 0x00280102, vr: 'US', value: [15] },
    { tag: 0x00280103, vr: 'US', value: [signed ? 1 : 0] },
    text(0x00281050, 'DS', '40'),
    text(0x00281051, 'DS', '400'),
    text(0x00281052, 'DS', '-1024'),
    text(0x00281053, 'DS', '1'),
    text(0x00281054, 'LO', 'HU'),
  ];
  if (meta.ContrastBolusAgent) common.push(text(0x00180010, 'LO', meta.ContrastBolusAgent));
  if (meta.BodyPartExamined) common.push(text(0x00180015, 'CS', meta.BodyPartExamined));
  if (meta.ConvolutionKernel) common.push(text(0x00181210, 'SH', meta.ConvolutionKernel));
  return common;
}

/** Slice k as stored 16-bit samples: HU + 1024, clamped to the stored range. */
function slicePixels(voxels: VoxelArray, k: number, sliceSize: number, signed: boolean): Uint8Array {
  const [storedLo, storedHi] = signed ? [-32768, 32767] : [0, 65535];
  const pixels = new Uint8Array(sliceSize * 2);
  const view = new DataView(pixels.buffer);
  for (let n = 0; n < sliceSize; n++) {
    let stored = Math.round(voxels[k * sliceSize + n]) + 1024;
    if (stored < storedLo) stored = storedLo;
    else if (stored > storedHi) stored = storedHi;
    if (signed) view.setInt16(n * 2, stored, true);
    else view.setUint16(n * 2, stored, true);
  }
  return pixels;
}

/**
 * Writes a CT volume (unit HU) as a CT Image Storage series: one uncompressed Explicit VR Little
 * Endian Part 10 file per slice, RescaleSlope 1 / RescaleIntercept -1024 (unsigned 16-bit when every
 * HU is >= -1024, signed otherwise; Float32 voxels are rounded). File names are shuffled and
 * InstanceNumber runs against k (as in a head-first acquisition), so a reader has to sort by
 * ImagePositionPatient. Reading the files back gives a right-handed volume (k along row x column);
 * a volume whose k axis points the other way comes back with its slices reversed.
 */
export async function writeCtSeries(volume: Volume, dir: string, meta: CtSeriesMeta): Promise<WrittenCtSeries> {
  const outDir = resolve(dir);
  const { geometry, voxels } = volume;
  const [nx, ny, nz] = geometry.dimensions;
  const slice = geometry.direction[2];
  const normal = writableNormal(volume, outDir);

  let minHu = Infinity;
  for (let n = 0; n < voxels.length; n++) if (voxels[n] < minHu) minHu = voxels[n];
  const signed = Math.round(minHu) < -1024;

  const StudyInstanceUID = meta.StudyInstanceUID ?? generateDicomUid();
  const SeriesInstanceUID = meta.SeriesInstanceUID ?? generateDicomUid();
  const FrameOfReferenceUID = meta.FrameOfReferenceUID ?? generateDicomUid();
  const order = shuffledOrder(nz, meta.seed ?? Math.floor(Math.random() * 2 ** 32));
  const width = Math.max(4, String(nz).length);
  const common = seriesElements(meta, geometry, { StudyInstanceUID, SeriesInstanceUID, FrameOfReferenceUID }, signed);

  try {
    await mkdir(outDir, { recursive: true });
  } catch (error) {
    throw new PolyradError('DICOM_WRITE_FAILED', `could not create the folder (${(error as Error).message})`, outDir);
  }
  const sliceSize = nx * ny;
  const SOPInstanceUIDs: string[] = [];
  const files: string[] = [];
  for (let k = 0; k < nz; k++) {
    const SOPInstanceUID = generateDicomUid();
    const position: Vec3 = [0, 1, 2].map((a) => geometry.origin[a] + k * geometry.spacing[2] * slice[a]) as Vec3;
    const pixels = slicePixels(voxels, k, sliceSize, signed);
    const dataSet = encodeDataSet([
      ...common,
      text(0x00080018, 'UI', SOPInstanceUID),
      text(0x00200013, 'IS', String(nz - k)),
      text(0x00200032, 'DS', position.map(formatDecimalString).join('\\')),
      text(0x00201041, 'DS', formatDecimalString(dot(position, normal))),
      { tag: 0x7fe00010, vr: 'OW', value: pixels },
    ]);
    const file = encodePart10(
      [
        { tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) },
        text(0x00020002, 'UI', CT_IMAGE_STORAGE),
        text(0x00020003, 'UI', SOPInstanceUID),
        text(0x00020010, 'UI', TransferSyntax.ExplicitVRLittleEndian),
        text(0x00020012, 'UI', IMPLEMENTATION_CLASS_UID),
        text(0x00020013, 'SH', IMPLEMENTATION_VERSION_NAME),
      ],
      dataSet,
    );
    const path = join(outDir, `CT${String(order[k] + 1).padStart(width, '0')}.dcm`);
    try {
      await writeFile(path, file);
    } catch (error) {
      throw new PolyradError('DICOM_WRITE_FAILED', `could not write the file (${(error as Error).message})`, path);
    }
    SOPInstanceUIDs.push(SOPInstanceUID);
    files.push(path);
  }
  return { StudyInstanceUID, SeriesInstanceUID, FrameOfReferenceUID, SOPInstanceUIDs, files };
}
