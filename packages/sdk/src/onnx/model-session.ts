import { PolyradError } from '../errors.js';

/*
 * What a plugin sees of a model, without the runtime: the plugin sandbox refuses native addons, so a
 * plugin never loads onnxruntime-node itself. The platform runs the model outside the sandbox and the
 * plugin's `context.model(path)` session sends tensors across the worker's IPC channel (this codec).
 */

/** The model file is missing, unreadable, not listed in the manifest, not matching its sha256, or not a model the runtime can load. */
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

/** A loaded model a plugin runs: what it declares and `run`. */
export interface ModelSession {
  readonly name: string;
  readonly inputs: ModelValue[];
  readonly outputs: ModelValue[];
  /** Runs the model; every declared input must be given, nothing else. */
  run(feeds: Record<string, ModelTensor>): Promise<Record<string, ModelTensor>>;
}

/** Opens the session of a model the manifest lists, by its `models[].path`. */
export type ModelProvider = (path: string) => Promise<ModelSession>;

export const ARRAY_OF: Record<ModelElementType, new (length: number) => ModelTensorData> = {
  float32: Float32Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  float64: Float64Array,
};

export function elementType(data: unknown): ModelElementType | undefined {
  return (Object.keys(ARRAY_OF) as ModelElementType[]).find((type) => data instanceof ARRAY_OF[type]);
}

/** A tensor as JSON for an IPC message. */
export interface EncodedTensor {
  type: ModelElementType;
  dims: number[];
  base64: string;
}

export function encodeTensor(tensor: ModelTensor): EncodedTensor {
  const type = elementType(tensor.data);
  if (type === undefined) throw new PolyradError(MODEL_INPUT_INVALID, `tensor data must be one of ${Object.values(ARRAY_OF).map((a) => a.name).join(', ')}`);
  const { buffer, byteOffset, byteLength } = tensor.data;
  return { type, dims: [...tensor.dims], base64: Buffer.from(buffer, byteOffset, byteLength).toString('base64') };
}

/**
 * Decodes a tensor another process sent; `maxBytes` bounds what a message may make this process allocate.
 * Shape against the model is checked by the session, not here.
 */
export function decodeTensor(value: unknown, what: string, maxBytes: number): ModelTensor {
  const bad = (reason: string): never => {
    throw new PolyradError(MODEL_INPUT_INVALID, `${what}: ${reason}`);
  };
  const encoded = value as Partial<EncodedTensor> | null;
  if (!encoded || typeof encoded !== 'object') return bad('not a tensor');
  const { type, dims, base64 } = encoded;
  if (typeof type !== 'string' || !Object.hasOwn(ARRAY_OF, type)) return bad(`unsupported element type ${String(type)}`);
  if (!Array.isArray(dims) || dims.length > 8 || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) return bad('dims must be at most 8 whole numbers');
  if (typeof base64 !== 'string') return bad('data missing');
  // base64 is 4 characters per 3 bytes: refuse before decoding anything too big
  if ((base64.length / 4) * 3 > maxBytes) return bad(`larger than the ${maxBytes} bytes allowed`);
  const bytes = Buffer.from(base64, 'base64');
  const ArrayType = ARRAY_OF[type as ModelElementType];
  const size = (ArrayType as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) return bad(`${bytes.byteLength} bytes is not a whole number of ${type} values`);
  const data = new ArrayType(bytes.byteLength / size);
  new Uint8Array(data.buffer).set(bytes);
  return { data, dims };
}
