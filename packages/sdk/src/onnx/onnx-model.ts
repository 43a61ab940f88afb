import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
// the addon loads with the first model: importing this module costs nothing where no model runs (the plugin sandbox refuses addons)
import type * as ort from 'onnxruntime-node';
import { PolyradError } from '../errors.js';
import {
  ARRAY_OF,
  elementType,
  MODEL_INPUT_INVALID,
  MODEL_LOAD_FAILED,
  MODEL_RUN_FAILED,
  type ModelElementType,
  type ModelSession,
  type ModelTensor,
  type ModelTensorData,
  type ModelValue,
} from './model-session.js';

export interface OnnxModelOptions {
  /** threads one run may use; keep it within the plugin's CPU limit (default 1) */
  threads?: number;
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
export class OnnxModel implements ModelSession {
  readonly inputs: ModelValue[];
  readonly outputs: ModelValue[];

  private constructor(
    readonly name: string,
    private readonly session: ort.InferenceSession,
    private readonly runtime: typeof ort,
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
    let runtime: typeof ort;
    try {
      runtime = await import('onnxruntime-node');
    } catch (error) {
      throw new PolyradError(MODEL_LOAD_FAILED, `the ONNX runtime cannot be loaded here: ${describe(error)}`, name);
    }
    try {
      // no CPU arena: it would keep a run's peak memory for the session's life, which is the worker's
      const session = await runtime.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableCpuMemArena: false });
      return new OnnxModel(name, session, runtime);
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
    return new this.runtime.Tensor(input.type as ModelElementType, feed.data, dims);
  }

  private invalid(input: string, reason: string): never {
    throw new PolyradError(MODEL_INPUT_INVALID, `input ${input}: ${reason}`, this.name);
  }
}
