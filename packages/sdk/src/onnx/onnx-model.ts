import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { PolyradError } from '../errors.js';
import type { Volume } from '../volume/volume.js';

/** The model file is missing, unreadable or not a model the runtime can load. */
export const MODEL_LOAD_FAILED = 'MODEL_LOAD_FAILED';
/** An input does not fit the model: unknown or missing name, wrong element type, rank, size or length. */
export const MODEL_INPUT_INVALID = 'MODEL_INPUT_INVALID';
/** The runtime failed while running a valid input (out of memory, an unsupported operator). */
export const MODEL_RUN_FAILED = 'MODEL_RUN_FAILED';

/** Element types the helper passes in and out; ONNX's names. */
export type ModelElementType = 'float32' | 'int32' | 'int64' | 'uint8' | 'float64';

/** The typed arrays a tensor's data may be. */
export type ModelTensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array | Float64Array;

/** A tensor in or out of a model: row-major data and its dimensions. */
export interface ModelTensor {
  data: ModelTensorData;
  dims: readonly number[];
}

/** What the model declares of one input or output; a string dimension is symbolic (any size, e.g. the batch). */
export interface ModelValue {
  name: string;
  type: string;
  shape: ReadonlyArray<number | string>;
}

export interface OnnxModelOptions {
  /** threads one run may use; keep it within the plugin's CPU limit (default 1) */
  threads?: number;
}

const ARRAY_OF: Record<ModelElementType, new (length: number) => ModelTensorData> = {
  float32: Float32Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  float64: Float64Array,
};

function elementType(data: unknown): ModelElementType | undefined {
  return (Object.keys(ARRAY_OF) as ModelElementType[]).find((type) => data instanceof ARRAY_OF[type]);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function valuesOf(metadata: readonly ort.InferenceSession.ValueMetadata[]): ModelValue[] {
  return metadata.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: 'non-tensor', shape: [] }));
}

/**
 * An ONNX model a plugin ships, run on the CPU with onnxruntime-node. Create it once per plugin process
 * (loading costs far more than a run) and reuse it for every study. `run` checks each input against
 * what the model declares and answers a mismatch with a PolyradError (MODEL_INPUT_INVALID) naming the
 * model, the input and the reason, before the runtime sees it.
 */
export class OnnxModel {
  readonly inputs: ModelValue[];
  readonly outputs: ModelValue[];

  private constructor(
    readonly name: string,
    private readonly session: ort.InferenceSession,
  ) {
    this.inputs = valuesOf(session.inputMetadata);
    this.outputs = valuesOf(session.outputMetadata);
  }

  /** Loads a model file (a plugin's `models/*.onnx`, whose sha256 the manifest lists). */
  static async load(path: string, options: OnnxModelOptions = {}): Promise<OnnxModel> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new PolyradError(MODEL_LOAD_FAILED, `cannot read the model: ${(error as NodeJS.ErrnoException).code ?? describe(error)}`, path);
    }
    return OnnxModel.fromBytes(bytes, basename(path), options);
  }

  static async fromBytes(bytes: Uint8Array, name: string, options: OnnxModelOptions = {}): Promise<OnnxModel> {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new PolyradError(MODEL_LOAD_FAILED, `threads must be a whole number from 1 to 64, got ${threads}`, name);
    try {
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
      return new OnnxModel(name, session);
    } catch (error) {
      throw new PolyradError(MODEL_LOAD_FAILED, `not a model the ONNX runtime can load: ${describe(error)}`, name);
    }
  }

  /** Runs the model; every declared input must be given, nothing else. */
  async run(feeds: Record<string, ModelTensor>): Promise<Record<string, ModelTensor>> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const name of Object.keys(feeds)) {
      if (!this.inputs.some((input) => input.name === name)) this.invalid(name, `the model has no input of this name (it takes ${this.inputs.map((i) => i.name).join(', ')})`);
    }
    for (const input of this.inputs) {
      const feed = feeds[input.name];
      if (!feed) this.invalid(input.name, 'missing');
      tensors[input.name] = this.tensorFor(input, feed);
    }
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(tensors);
    } catch (error) {
      throw new PolyradError(MODEL_RUN_FAILED, `the ONNX runtime failed: ${describe(error)}`, this.name);
    }
    return Object.fromEntries(Object.entries(results).map(([name, tensor]) => [name, { data: tensor.data as ModelTensorData, dims: tensor.dims }]));
  }

  /** Frees the runtime's memory for this model; it cannot run after. */
  async release(): Promise<void> {
    await this.session.release();
  }

  private tensorFor(input: ModelValue, feed: ModelTensor): ort.Tensor {
    const type = elementType(feed.data);
    if (type === undefined) this.invalid(input.name, `data must be one of ${Object.values(ARRAY_OF).map((a) => a.name).join(', ')}`);
    if (type !== input.type) this.invalid(input.name, `the model takes ${input.type}, got ${type}`);
    const dims = [...feed.dims];
    if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) this.invalid(input.name, `dims must be whole numbers, got [${dims.join(', ')}]`);
    if (input.shape.length > 0) {
      if (dims.length !== input.shape.length) this.invalid(input.name, `the model takes rank ${input.shape.length} [${input.shape.join(', ')}], got [${dims.join(', ')}]`);
      input.shape.forEach((size, axis) => {
        if (typeof size === 'number' && size >= 0 && dims[axis] !== size) this.invalid(input.name, `axis ${axis} must be ${size} ([${input.shape.join(', ')}]), got [${dims.join(', ')}]`);
      });
    }
    const length = dims.reduce((product, d) => product * d, 1);
    if (feed.data.length !== length) this.invalid(input.name, `[${dims.join(', ')}] holds ${length} values, the data ${feed.data.length}`);
    return new ort.Tensor(input.type as ModelElementType, feed.data, dims);
  }

  private invalid(input: string, reason: string): never {
    throw new PolyradError(MODEL_INPUT_INVALID, `input ${input}: ${reason}`, this.name);
  }
}

/**
 * Cube patches of `size` voxels per side cut from a volume around voxel centres ([column, row, slice]),
 * as one float32 array [centres.length, size^3] (x fastest, as in the volume); voxels outside the volume
 * are `outside` (default -1024, air in HU).
 */
export function volumePatches(volume: Volume, centres: ReadonlyArray<readonly [number, number, number]>, size: number, outside = -1024): ModelTensor {
  if (!Number.isInteger(size) || size < 1 || size > 256) throw new PolyradError(MODEL_INPUT_INVALID, `patch size must be a whole number from 1 to 256, got ${size}`);
  const [nx, ny, nz] = volume.geometry.dimensions;
  const per = size ** 3;
  const data = new Float32Array(centres.length * per).fill(outside);
  const half = Math.floor(size / 2);
  centres.forEach(([cx, cy, cz], n) => {
    for (let dz = 0; dz < size; dz++) {
      const z = cz - half + dz;
      if (z < 0 || z >= nz) continue;
      for (let dy = 0; dy < size; dy++) {
        const y = cy - half + dy;
        if (y < 0 || y >= ny) continue;
        for (let dx = 0; dx < size; dx++) {
          const x = cx - half + dx;
          if (x >= 0 && x < nx) data[n * per + (dz * size + dy) * size + dx] = volume.voxels[(z * ny + y) * nx + x];
        }
      }
    }
  });
  return { data, dims: [centres.length, per] };
}
