import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPolyradError } from '../errors.js';
import type { Volume } from '../volume/volume.js';
import { densePatchModel, densePatchProbability } from '../testing/dense-patch.model.js';
import { MODEL_INPUT_INVALID, MODEL_LOAD_FAILED } from './model-session.js';
import { OnnxModel } from './onnx-model.js';
import { volumePatches } from './volume-patches.js';

const work = mkdtempSync(join(tmpdir(), 'polyrad-onnx-'));
const modelPath = join(work, 'dense-patch.onnx');
let model: OnnxModel;

before(async () => {
  writeFileSync(modelPath, densePatchModel());
  model = await OnnxModel.load(modelPath);
});
after(async () => {
  await model?.release();
  rmSync(work, { recursive: true, force: true });
});

/** 8 x 8 x 8 voxels: air (-1000 HU) but for a soft-tissue cube (40 HU) in the corner x, y, z < 4. */
function phantom(): Volume {
  const voxels = new Int16Array(512).fill(-1000);
  for (let z = 0; z < 4; z++) for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) voxels[(z * 8 + y) * 8 + x] = 40;
  return { geometry: { dimensions: [8, 8, 8], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }, voxels, unit: 'HU' };
}

const invalid = (pattern: RegExp) => (error: unknown) => isPolyradError(error) && error.code === MODEL_INPUT_INVALID && error.subject === 'dense-patch.onnx' && pattern.test(error.message);

describe('OnnxModel (onnxruntime-node, CPU)', () => {
  it('reads what the model declares', () => {
    assert.deepEqual(model.inputs, [{ name: 'patches', type: 'float32', shape: ['N', 64] }]);
    assert.deepEqual(model.outputs, [{ name: 'probabilities', type: 'float32', shape: ['N', 2] }]);
  });

  it('runs the model on patches cut from a volume and gives what the graph computes', async () => {
    const patches = volumePatches(phantom(), [[2, 2, 2], [6, 6, 6], [4, 4, 4], [0, 0, 0]], 4);
    assert.deepEqual(patches.dims, [4, 64]);
    const { probabilities } = await model.run({ patches });
    assert.deepEqual(probabilities.dims, [4, 2]);
    const dense = [0, 1, 2, 3].map((n) => probabilities.data[n * 2 + 1] as number);
    const expected = [0, 1, 2, 3].map((n) => densePatchProbability(patches.data.subarray(n * 64, (n + 1) * 64) as Float32Array));
    dense.forEach((p, n) => assert.ok(Math.abs(p - expected[n]) < 1e-5, `patch ${n}: ${p} vs ${expected[n]}`));
    // the whole patch inside the cube (mean 40 HU) against the one all in air (-1000 HU)
    assert.ok(dense[0] > 0.95 && dense[1] < 0.001, dense.join(', '));
    // corner patch: 8 of 64 voxels in the cube (x, y, z in 0..1), the rest outside the volume (air)
    assert.ok(Math.abs(dense[3] - densePatchProbability([...Array(8).fill(40), ...Array(56).fill(-1024)])) < 1e-5);
  });

  it('answers an input that does not fit the model with MODEL_INPUT_INVALID naming the input and why', async () => {
    const data = new Float32Array(64);
    await assert.rejects(model.run({ patches: { data: new Int32Array(64), dims: [1, 64] } }), invalid(/input patches: the model takes float32, got int32/));
    await assert.rejects(model.run({ patches: { data, dims: [64] } }), invalid(/rank 2/));
    await assert.rejects(model.run({ patches: { data, dims: [2, 32] } }), invalid(/axis 1 must be 64/));
    await assert.rejects(model.run({ patches: { data, dims: [2, 64] } }), invalid(/\[2, 64\] holds 128 values, the data 64/));
    await assert.rejects(model.run({}), invalid(/input patches: missing/));
    await assert.rejects(model.run({ patches: { data, dims: [1, 64] }, extra: { data, dims: [1, 64] } }), invalid(/no input of this name/));
  });

  it('answers a missing or broken model file with MODEL_LOAD_FAILED naming the file', async () => {
    await assert.rejects(OnnxModel.load(join(work, 'absent.onnx')), (error: unknown) => isPolyradError(error) && error.code === MODEL_LOAD_FAILED && /ENOENT/.test(error.message));
    const broken = join(work, 'broken.onnx');
    writeFileSync(broken, densePatchModel().subarray(0, 100));
    await assert.rejects(OnnxModel.load(broken), (error: unknown) => isPolyradError(error) && error.code === MODEL_LOAD_FAILED && error.subject === 'broken.onnx');
  });
});
