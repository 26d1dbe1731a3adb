"""Writes the self-check case of tests/nn/torch_reference_test.cpp: a small CNN (Conv + BatchNorm
kept unfused + ReLU + MaxPool + Flatten + Linear + Softmax), exported by PyTorch to model.onnx
(opset 13, dynamic batch), with a batch of 3 inputs (input_0.pb) and PyTorch's outputs
(output_0.pb) as serialised onnx TensorProto. Run with Debian's /usr/bin/python3 from this
directory; the data cases proper come from data/models/make_test_models.py."""
import io

import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn

torch.manual_seed(7)
model = nn.Sequential(
    nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(4 * 3 * 3, 5), nn.Softmax(dim=1))
bn = model[1]
bn.running_mean.uniform_(-0.5, 0.5)
bn.running_var.uniform_(0.5, 2.0)
bn.weight.data.uniform_(0.5, 1.5)
bn.bias.data.uniform_(-0.2, 0.2)
model.eval()
x = torch.randn(3, 2, 6, 6)
with torch.no_grad():
    y = model(x)
buffer = io.BytesIO()
torch.onnx.export(model, x, buffer, opset_version=13, input_names=["input"],
                  output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
                  training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
open("model.onnx", "wb").write(buffer.getvalue())
for name, tensor, onnx_name in (("input_0.pb", x, "input"), ("output_0.pb", y, "output")):
    proto = onnx.numpy_helper.from_array(tensor.numpy(), onnx_name)
    open(name, "wb").write(proto.SerializeToString())
print([n.op_type for n in onnx.load("model.onnx").graph.node])
