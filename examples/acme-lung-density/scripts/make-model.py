#!/usr/bin/python3
"""Writes models/laa950-readout.onnx, the example's model, and prints its sha256 for manifest.json.

How a vendor ships an ONNX model with a plugin, shown on a model small enough to check by hand: input
`histogram` float32 [N, 24] is a lung's attenuation histogram (fractions of lung voxels in 37 HU bins from
-1024 HU; below -1024 counts in the first bin, above -136 in the last), output `laa950` float32 [N, 1] is
100 x the two bins below -950 HU: the percentage of low-attenuation area (LAA-950). A real vendor's model
would be trained; this one is a fixed linear readout, so the plugin's test can recompute what it says.

Needs python3-onnx (Debian). Run from the example's folder: /usr/bin/python3 scripts/make-model.py
"""
import hashlib
import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BINS = 24
weights = np.zeros((BINS, 1), dtype=np.float32)
weights[0:2, 0] = 100.0  # bins [-1024, -987) and [-987, -950)
graph = helper.make_graph(
    [helper.make_node('Gemm', ['histogram', 'W', 'B'], ['laa950'])],
    'laa950-readout',
    [helper.make_tensor_value_info('histogram', TensorProto.FLOAT, ['N', BINS])],
    [helper.make_tensor_value_info('laa950', TensorProto.FLOAT, ['N', 1])],
    [numpy_helper.from_array(weights, 'W'), numpy_helper.from_array(np.zeros(1, dtype=np.float32), 'B')],
)
# IR 8 / opset 13: what every onnxruntime since 1.10 reads
model = helper.make_model(graph, producer_name='acme-lung-density', opset_imports=[helper.make_opsetid('', 13)], ir_version=8)
onnx.checker.check_model(model)
out = pathlib.Path(__file__).resolve().parent.parent / 'models' / 'laa950-readout.onnx'
out.write_bytes(model.SerializeToString())
print(f'{out.name} {out.stat().st_size} bytes sha256 {hashlib.sha256(out.read_bytes()).hexdigest()}')
