import type { Vec3, Volume } from '@polyrad/sdk';

const NIFTI1_HEADER_BYTES = 348;

/** NIfTI-1 datatype codes this reader accepts, and how to read one voxel */
const READERS: Record<number, { bytes: number; read: (view: DataView, offset: number, little: boolean) => number }> = {
  2: { bytes: 1, read: (v, o) => v.getUint8(o) },
  4: { bytes: 2, read: (v, o, le) => v.getInt16(o, le) },
  8: { bytes: 4, read: (v, o, le) => v.getInt32(o, le) },
  16: { bytes: 4, read: (v, o, le) => v.getFloat32(o, le) },
  64: { bytes: 8, read: (v, o, le) => v.getFloat64(o, le) },
  256: { bytes: 1, read: (v, o) => v.getInt8(o) },
  512: { bytes: 2, read: (v, o, le) => v.getUint16(o, le) },
};

/**
 * A CT volume (HU) from an uncompressed NIfTI-1 file (https://nifti.nimh.nih.gov/nifti-1), for
 * reference scans that come only as NIfTI. The voxel-to-world map is the sform (sform_code > 0), which
 * NIfTI gives in RAS; LPS negates x and y. The sform must be axis-aligned-orthogonal (no shear), so the
 * volume can be written as DICOM slices. HU = value x scl_slope + scl_inter, rounded.
 */
export function readNiftiVolume(bytes: Uint8Array): Volume {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = view.getInt32(0, true) === NIFTI1_HEADER_BYTES;
  if (!little && view.getInt32(0, false) !== NIFTI1_HEADER_BYTES) throw new Error('not a NIfTI-1 file (sizeof_hdr is not 348)');
  const dims = [1, 2, 3].map((d) => view.getInt16(40 + 2 * d, little)) as Vec3;
  const ndim = view.getInt16(40, little);
  if (ndim < 3 || (ndim > 3 && [4, 5, 6, 7].some((d) => d <= ndim && view.getInt16(40 + 2 * d, little) > 1))) throw new Error(`a ${ndim}-dimensional NIfTI image; a 3-D volume is needed`);
  const datatype = view.getInt16(70, little);
  const reader = READERS[datatype];
  if (!reader) throw new Error(`NIfTI datatype ${datatype} is not supported`);
  const voxOffset = view.getFloat32(108, little);
  const slope = view.getFloat32(112, little) || 1;
  const inter = view.getFloat32(116, little);
  if (view.getInt16(254, little) <= 0) throw new Error('the NIfTI file has no sform (sform_code 0); only sform geometry is supported');
  const srow = [280, 296, 312].map((o) => [0, 1, 2, 3].map((c) => view.getFloat32(o + 4 * c, little)));
  // RAS -> LPS: negate the x and y rows
  const lps = srow.map((row, r) => (r < 2 ? row.map((x) => -x) : row));
  const axes = [0, 1, 2].map((c) => [lps[0][c], lps[1][c], lps[2][c]] as Vec3);
  const spacing = axes.map((a) => Math.hypot(...a)) as Vec3;
  // (+ 0 turns -0 into 0)
  const direction = axes.map((a, c) => a.map((x) => x / spacing[c] + 0) as Vec3) as [Vec3, Vec3, Vec3];
  const n = dims[0] * dims[1] * dims[2];
  if (voxOffset + n * reader.bytes > bytes.byteLength) throw new Error(`the NIfTI file is truncated: ${n} voxels of ${reader.bytes} bytes after offset ${voxOffset}`);
  const voxels = new Int16Array(n);
  for (let p = 0; p < n; p++) voxels[p] = Math.max(-32768, Math.min(32767, Math.round(reader.read(view, voxOffset + p * reader.bytes, little) * slope + inter)));
  return { geometry: { dimensions: dims, spacing, origin: [lps[0][3], lps[1][3], lps[2][3]], direction }, voxels, unit: 'HU' };
}
