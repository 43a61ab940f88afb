export { OnnxModel, MODEL_INPUT_INVALID, MODEL_LOAD_FAILED, MODEL_RUN_FAILED, volumePatches } from './onnx-model.js';
export type { ModelElementType, ModelTensor, ModelTensorData, ModelValue, OnnxModelOptions } from './onnx-model.js';
