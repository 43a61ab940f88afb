import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  PolyradError,
  voxelCount,
  type AlgorithmManifest,
  type Artifact,
  type LabelMask,
  type SeriesInput,
  type Volume,
  type VolumeGeometry,
  type VoxelArray,
} from '@polyrad/sdk';
import type { ModelRequest } from './model-channel.js';
import type { PluginJob } from './plugin-executor.js';
import type { RunResult } from './plugin-runner.js';

/*
 * A job travels as a directory: job.json (small: geometry, dtype, label names, meta, config) plus one raw
 * binary file per voxel/label array. Big arrays never go through IPC JSON, and the worker reads them
 * straight into fresh typed arrays. Byte order is the host's (little-endian on every supported platform).
 */

export const JOB_FILE = 'job.json';
export const OUTPUT_DIR = 'out';
const FORMAT = 'polyrad.job/1';

export type VoxelDtype = 'int16' | 'uint16' | 'float32';

const ARRAY_TYPES = { int16: Int16Array, uint16: Uint16Array, float32: Float32Array } as const;

export interface VolumeRef {
  geometry: VolumeGeometry;
  unit: string;
  dtype: VoxelDtype;
  file: string;
  length: number;
}

export interface MaskRef {
  geometry: VolumeGeometry;
  labelNames: Record<number, string>;
  file: string;
  length: number;
}

export type ArtifactRef =
  | { kind: 'mask'; type: string; version: string; meta?: Record<string, unknown>; mask: MaskRef }
  | { kind: 'volume'; type: string; version: string; meta?: Record<string, unknown>; volume: VolumeRef }
  | { kind: 'json'; type: string; version: string; data: Record<string, unknown> };

export interface JobDescriptor {
  format: typeof FORMAT;
  packageDir: string;
  manifest: AlgorithmManifest;
  config: Record<string, unknown>;
  series: Omit<SeriesInput, 'volume'> & { volume: VolumeRef };
  artifacts: Record<string, ArtifactRef>;
}

/** What the worker needs to run a job, decoded from a job directory. */
export type DecodedJob = Omit<PluginJob, 'log'>;

function invalid(message: string, subject?: string): PolyradError {
  return new PolyradError('JOB_PAYLOAD_INVALID', message, subject);
}

function dtypeOf(voxels: VoxelArray): VoxelDtype {
  if (voxels instanceof Int16Array) return 'int16';
  if (voxels instanceof Uint16Array) return 'uint16';
  if (voxels instanceof Float32Array) return 'float32';
  throw invalid(`unsupported voxel array ${(voxels as object)?.constructor?.name ?? typeof voxels}`);
}

async function writeArray(dir: string, file: string, array: ArrayBufferView): Promise<void> {
  await writeFile(join(dir, file), new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

/**
 * Reads a binary file into a fresh, aligned ArrayBuffer of exactly the expected size. File names come
 * from a descriptor another process wrote, so they are checked before use.
 */
async function readArray<T>(dir: string, file: string, length: number, Type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): Promise<T> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(file)) throw invalid(`bad payload file name ${JSON.stringify(file)}`);
  if (!Number.isSafeInteger(length) || length < 0) throw invalid(`bad array length ${length}`, file);
  const bytes = length * Type.BYTES_PER_ELEMENT;
  const handle = await open(join(dir, file), 'r');
  try {
    const { size } = await handle.stat();
    if (size !== bytes) throw invalid(`holds ${size} bytes, expected ${bytes}`, file);
    const buffer = new ArrayBuffer(bytes);
    const view = new Uint8Array(buffer);
    for (let offset = 0; offset < bytes; ) {
      const { bytesRead } = await handle.read(view, offset, bytes - offset, offset);
      if (bytesRead === 0) throw invalid('ended early', file);
      offset += bytesRead;
    }
    return new Type(buffer);
  } finally {
    await handle.close();
  }
}

async function writeVolume(dir: string, file: string, volume: Volume): Promise<VolumeRef> {
  const dtype = dtypeOf(volume.voxels);
  await writeArray(dir, file, volume.voxels);
  return { geometry: volume.geometry, unit: volume.unit, dtype, file, length: volume.voxels.length };
}

async function readVolume(dir: string, ref: VolumeRef): Promise<Volume> {
  const Type = ARRAY_TYPES[ref.dtype];
  if (!Type) throw invalid(`unsupported voxel dtype ${JSON.stringify(ref.dtype)}`, ref.file);
  checkGrid(ref.geometry, ref.length, ref.file);
  return { geometry: ref.geometry, unit: ref.unit, voxels: await readArray<VoxelArray>(dir, ref.file, ref.length, Type) };
}

async function writeMask(dir: string, file: string, mask: LabelMask): Promise<MaskRef> {
  if (!(mask.labels instanceof Uint8Array)) throw invalid('mask labels must be a Uint8Array', file);
  await writeArray(dir, file, mask.labels);
  return { geometry: mask.geometry, labelNames: mask.labelNames, file, length: mask.labels.length };
}

async function readMask(dir: string, ref: MaskRef): Promise<LabelMask> {
  checkGrid(ref.geometry, ref.length, ref.file);
  return { geometry: ref.geometry, labelNames: ref.labelNames ?? {}, labels: await readArray(dir, ref.file, ref.length, Uint8Array) };
}

function checkGrid(geometry: VolumeGeometry, length: number, file: string): void {
  if (!Array.isArray(geometry?.dimensions) || voxelCount(geometry) !== length) {
    throw invalid(`array of ${length} values does not match its geometry`, file);
  }
}

/** Writes artifacts' binary payloads into `dir` as `<prefix><n>.bin` and returns their descriptors. */
export async function writeArtifacts(dir: string, artifacts: Artifact[], prefix: string): Promise<ArtifactRef[]> {
  await mkdir(dir, { recursive: true });
  return Promise.all(
    artifacts.map(async (artifact, n): Promise<ArtifactRef> => {
      const file = `${prefix}${n}.bin`;
      switch (artifact.kind) {
        case 'mask':
          return { kind: 'mask', type: artifact.type, version: artifact.version, meta: artifact.meta, mask: await writeMask(dir, file, artifact.mask) };
        case 'volume':
          return { kind: 'volume', type: artifact.type, version: artifact.version, meta: artifact.meta, volume: await writeVolume(dir, file, artifact.volume) };
        case 'json':
          return { kind: 'json', type: artifact.type, version: artifact.version, data: artifact.data };
        default:
          throw invalid(`unknown artifact kind ${JSON.stringify((artifact as { kind?: unknown }).kind)}`);
      }
    }),
  );
}

export async function readArtifacts(dir: string, refs: ArtifactRef[]): Promise<Artifact[]> {
  if (!Array.isArray(refs)) throw invalid('artifacts must be a list');
  return Promise.all(
    refs.map(async (ref): Promise<Artifact> => {
      switch (ref?.kind) {
        case 'mask':
          return { kind: 'mask', type: ref.type, version: ref.version, ...(ref.meta ? { meta: ref.meta } : {}), mask: await readMask(dir, ref.mask) };
        case 'volume':
          return { kind: 'volume', type: ref.type, version: ref.version, ...(ref.meta ? { meta: ref.meta } : {}), volume: await readVolume(dir, ref.volume) };
        case 'json':
          return { kind: 'json', type: ref.type, version: ref.version, data: ref.data };
        default:
          throw invalid(`unknown artifact kind ${JSON.stringify((ref as { kind?: unknown })?.kind)}`);
      }
    }),
  );
}

/** Lays a job out in `dir` (which must exist and be empty) for a worker to read with readJob. */
export async function writeJob(dir: string, job: PluginJob): Promise<void> {
  const { volume, ...series } = job.series;
  const types = Object.keys(job.artifacts);
  const refs = await writeArtifacts(dir, types.map((t) => job.artifacts[t]), 'input-');
  const descriptor: JobDescriptor = {
    format: FORMAT,
    packageDir: job.packageDir,
    manifest: job.manifest,
    config: job.config ?? {},
    series: { ...series, volume: await writeVolume(dir, 'series.bin', volume) },
    artifacts: Object.fromEntries(types.map((t, n) => [t, refs[n]])),
  };
  await writeFile(join(dir, JOB_FILE), JSON.stringify(descriptor));
}

export async function readJob(dir: string): Promise<DecodedJob> {
  const descriptor = JSON.parse(await readFile(join(dir, JOB_FILE), 'utf8')) as JobDescriptor;
  if (descriptor.format !== FORMAT) throw invalid(`unknown job format ${JSON.stringify(descriptor.format)}`, JOB_FILE);
  const types = Object.keys(descriptor.artifacts);
  const [volume, artifacts] = await Promise.all([
    readVolume(dir, descriptor.series.volume),
    readArtifacts(dir, types.map((t) => descriptor.artifacts[t])),
  ]);
  return {
    packageDir: descriptor.packageDir,
    manifest: descriptor.manifest,
    config: descriptor.config,
    series: { ...descriptor.series, volume },
    artifacts: Object.fromEntries(types.map((t, n) => [t, artifacts[n]])),
  };
}

/** The worker's answer: the RunResult with artifact payloads left in OUTPUT_DIR. */
export type ResultDescriptor = Omit<RunResult, 'artifacts'> & { artifacts: ArtifactRef[] };

/** Messages a worker sends its parent over the IPC channel; small JSON only. */
export type WorkerMessage = { type: 'log'; message: string } | { type: 'result'; result: ResultDescriptor } | ModelRequest;
