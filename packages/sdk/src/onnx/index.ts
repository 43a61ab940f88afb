export { OnnxModel } from './onnx-model.js';
export { volumePatches } from './volume-patches.js';
export type { OnnxModelOptions } from './onnx-model.js';
export { PackageModels } from './package-models.js';
export { decodeTensor, encodeTensor, MODEL_INPUT_INVALID, MODEL_LOAD_FAILED, MODEL_RUN_FAILED } from './model-session.js';
export type { EncodedTensor, ModelElementType, ModelProvider, ModelSession, ModelTensor, ModelTensorData, ModelValue } from './model-session.js';
