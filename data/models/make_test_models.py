#!/usr/bin/python3
"""Writes the ONNX operator test cases of kirchhoff::nn: tiny PyTorch models exported to ONNX.

Usage: /usr/bin/python3 data/models/make_test_models.py [--out tests/nn/data/ops]

One directory per case, in the layout of the ONNX backend tests: model.onnx, input_0.pb and
output_0.pb (serialised TensorProto, named after the graph's input and output). The output is
PyTorch's float result for the input, so a test that runs model.onnx on input_0.pb and compares
with output_0.pb checks the importer and the engine against PyTorch. The script also writes
README.md there with the ONNX operators each case exports to, read back from the files, and
checks every written case with a minimal node-by-node interpretation of the file.

Fixed seeds, CPU, one thread: reruns give the same tensors (the .onnx bytes also carry the torch
version in producer_version).
"""
import argparse
import io
import os
import pathlib
import sys
import warnings

import numpy as np
import onnx
from onnx import helper, numpy_helper

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
from torch import nn  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent.parent / "tests" / "nn" / "data" / "ops"


def randomise_batch_norm(bn: nn.BatchNorm2d, generator: torch.Generator) -> None:
    """Non-trivial running statistics and affine parameters, so folding errors show."""
    c = bn.num_features
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(c, generator=generator) * 0.5)
        bn.running_var.copy_(torch.rand(c, generator=generator) * 1.5 + 0.25)
        bn.weight.copy_(torch.rand(c, generator=generator) + 0.5)
        bn.bias.copy_(torch.randn(c, generator=generator) * 0.3)


class MatMulConst(nn.Module):
    """x @ W with a constant W (exports MatMul with an initializer, not Gemm)."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.w = nn.Parameter(torch.randn(n_in, n_out) / n_in**0.5)

    def forward(self, x):
        return x @ self.w


class ReshapeConst(nn.Module):
    def forward(self, x):
        return x.reshape(-1, 6, 8)


class Residual(nn.Module):
    """relu(x + conv(relu(conv(x)))): the Add of a residual block."""

    def __init__(self, c: int, bn: bool = False):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=not bn)
        self.bn1 = nn.BatchNorm2d(c) if bn else nn.Identity()
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=not bn)
        self.bn2 = nn.BatchNorm2d(c) if bn else nn.Identity()

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(x + self.bn2(self.conv2(y)))


class ConcatChannels(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(2, 3, 1)
        self.b = nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, x):
        return torch.cat([self.a(x), self.b(x)], dim=1)


class ResidualCnn(nn.Module):
    """A small network combining the cases: stem conv+BN+ReLU, max pool, a residual block with
    BN, a channel concat of two branches, global average pooling, flatten, linear, softmax."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4),
                                  nn.ReLU(), nn.MaxPool2d(2))
        self.block = Residual(4, bn=True)
        self.branch_a = nn.Conv2d(4, 4, 1)
        self.branch_b = nn.Sequential(nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=2),
                                      nn.ReLU6())
        self.pool_a = nn.AvgPool2d(2)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.5),
                                  nn.Linear(8, 5), nn.Softmax(dim=1))

    def forward(self, x):
        x = self.block(self.stem(x))
        x = torch.cat([self.pool_a(self.branch_a(x)), self.branch_b(x)], dim=1)
        return self.head(x)


# name: (description of the torch construct, factory, input shape per batch of 2)
CASES = {
    "conv_stride_pad": ("nn.Conv2d(3, 4, 3, stride=2, padding=1), bias",
                        lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 9, 9)),
    "conv_groups_nobias": ("nn.Conv2d(4, 6, 3, padding=1, groups=2, bias=False)",
                           lambda: nn.Conv2d(4, 6, 3, padding=1, groups=2, bias=False),
                           (2, 4, 6, 6)),
    "conv_rect": ("nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0)): rectangular kernel, "
                  "unequal strides and pads",
                  lambda: nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0)), (2, 2, 7, 6)),
    "conv_bn": ("nn.Conv2d(3, 5, 3) + nn.BatchNorm2d(5), eval mode, random running statistics",
                lambda: nn.Sequential(nn.Conv2d(3, 5, 3), nn.BatchNorm2d(5)), (2, 3, 7, 7)),
    "gemm": ("nn.Linear(12, 5)", lambda: nn.Linear(12, 5), (2, 12)),
    "matmul": ("x @ W, W a 6 x 4 parameter", lambda: MatMulConst(6, 4), (2, 6)),
    "relu": ("nn.ReLU()", nn.ReLU, (2, 3, 4, 4)),
    "clip_relu6": ("nn.ReLU6()", nn.ReLU6, (2, 3, 4, 4)),
    "clip_hardtanh": ("nn.Hardtanh(-0.5, 1.0)", lambda: nn.Hardtanh(-0.5, 1.0), (2, 3, 4, 4)),
    "sigmoid": ("nn.Sigmoid()", nn.Sigmoid, (2, 3, 4, 4)),
    "tanh": ("nn.Tanh()", nn.Tanh, (2, 3, 4, 4)),
    "maxpool": ("nn.MaxPool2d(2)", lambda: nn.MaxPool2d(2), (2, 2, 8, 8)),
    "maxpool_pad_ceil": ("nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)",
                         lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
                         (2, 2, 8, 8)),
    "avgpool_pad_include": ("nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True)",
                            lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True),
                            (2, 2, 7, 7)),
    "avgpool_pad_include_attr": ("the same as avgpool_pad_include, the exported Pad → "
                                 "AveragePool rewritten by the script into one AveragePool "
                                 "with pads and count_include_pad=1",
                                 lambda: nn.AvgPool2d(3, stride=2, padding=1,
                                                      count_include_pad=True), (2, 2, 7, 7)),
    "avgpool_pad_exclude": ("nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)",
                            lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
                            (2, 2, 7, 7)),
    "global_avgpool": ("nn.AdaptiveAvgPool2d(1)", lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 5, 5)),
    "flatten": ("nn.Flatten()", nn.Flatten, (2, 3, 4, 4)),
    "reshape": ("x.reshape(-1, 6, 8)", ReshapeConst, (2, 3, 4, 4)),
    "add_residual": ("relu(x + conv(relu(conv(x)))), 3x3 convolutions",
                     lambda: Residual(3), (2, 3, 6, 6)),
    "concat": ("torch.cat([conv1x1(x), conv3x3(x)], dim=1)", ConcatChannels, (2, 2, 5, 5)),
    "softmax": ("nn.Linear(6, 4) + nn.Softmax(dim=1)",
                lambda: nn.Sequential(nn.Linear(6, 4), nn.Softmax(dim=1)), (2, 6)),
    "dropout": ("nn.Linear(6, 5) + nn.Dropout(0.5) + nn.ReLU(), eval mode; torch drops the "
                "Dropout when exporting in eval mode, so the script inserts an ONNX Dropout node "
                "(ratio 0.5, inference) after the Gemm",
                lambda: nn.Sequential(nn.Linear(6, 5), nn.Dropout(0.5), nn.ReLU()), (2, 6)),
    "residual_cnn": ("ResidualCnn: conv+BN+ReLU, max pool, residual block with BN, concat of a "
                     "1x1 conv + average pool and a grouped strided conv + ReLU6, global average "
                     "pool, flatten, dropout, linear, softmax", ResidualCnn, (2, 1, 12, 12)),
}


def export(model: nn.Module, x: torch.Tensor) -> onnx.ModelProto:
    rank = x.dim()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # constant folding in PRESERVE mode (eval)
        torch.onnx.export(model, x, buffer, opset_version=13,
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    proto = onnx.load_from_string(buffer.getvalue())
    inline_identity_initializers(proto)
    assert rank == len(proto.graph.input[0].type.tensor_type.shape.dim)
    return proto


def inline_identity_initializers(proto: onnx.ModelProto) -> None:
    """The exporter shares equal initializers through Identity nodes; give each its own."""
    graph = proto.graph
    initializers = {t.name: t for t in graph.initializer}
    keep = []
    for node in graph.node:
        if node.op_type == "Identity" and node.input[0] in initializers:
            copy = onnx.TensorProto()
            copy.CopyFrom(initializers[node.input[0]])
            copy.name = node.output[0]
            graph.initializer.append(copy)
            initializers[copy.name] = copy
        else:
            keep.append(node)
    del graph.node[:]
    graph.node.extend(keep)


def insert_dropout_after(proto: onnx.ModelProto, op_type: str) -> None:
    """Puts an inference-mode Dropout (ratio 0.5 as an initializer, no training_mode: identity)
    after the first node of `op_type`."""
    graph = proto.graph
    index = next(i for i, n in enumerate(graph.node) if n.op_type == op_type)
    target = graph.node[index]
    produced = target.output[0]
    renamed = produced + "_before_dropout"
    target.output[0] = renamed
    graph.initializer.append(numpy_helper.from_array(np.array(0.5, dtype=np.float32),
                                                     "dropout_ratio"))
    dropout = helper.make_node("Dropout", [renamed, "dropout_ratio"], [produced],
                               name="/dropout/Dropout")
    graph.node.insert(index + 1, dropout)


# The constant inputs after the first, by operator, shown in the README.
INPUT_LABELS = {"Clip": ("min", "max"), "Reshape": ("shape",), "Dropout": ("ratio",),
                "Pad": ("pads", "value")}


def fuse_pad_into_average_pool(proto: onnx.ModelProto) -> None:
    """Rewrites PyTorch's Pad(constant 0) → AveragePool(pads=0) into one AveragePool with
    pads and count_include_pad=1, as other exporters write it (same values)."""
    graph = proto.graph
    constants = {n.output[0]: numpy_helper.to_array(n.attribute[0].t)
                 for n in graph.node if n.op_type == "Constant"}
    pad = next(n for n in graph.node if n.op_type == "Pad")
    pool = next(n for n in graph.node if n.op_type == "AveragePool")
    assert pool.input[0] == pad.output[0]
    pads = constants[pad.input[1]].tolist()  # [N_begin, C_begin, H_begin, W_begin, N_end, ...]
    assert pads[0] == pads[1] == pads[4] == pads[5] == 0
    spatial = [pads[2], pads[3], pads[6], pads[7]]
    pool.input[0] = pad.input[0]
    for attribute in pool.attribute:
        if attribute.name == "pads":
            attribute.ints[:] = spatial
    pool.attribute.append(helper.make_attribute("count_include_pad", 1))
    unused = {pad.input[1]}
    keep = [n for n in graph.node if n is not pad and not (n.op_type == "Constant" and
                                                              n.output[0] in unused)]
    del graph.node[:]
    graph.node.extend(keep)


def op_summary(proto: onnx.ModelProto) -> str:
    """The node types in graph order, with the attributes that distinguish the cases."""
    interesting = {"Conv": ("kernel_shape", "strides", "pads", "group"),
                   "MaxPool": ("kernel_shape", "strides", "pads", "ceil_mode"),
                   "AveragePool": ("kernel_shape", "strides", "pads", "count_include_pad",
                                   "ceil_mode"),
                   "Gemm": ("transA", "transB"), "Softmax": ("axis",), "Concat": ("axis",),
                   "Flatten": ("axis",), "Pad": ("mode",)}
    initializers = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    constants = {}
    parts = []
    for node in proto.graph.node:
        if node.op_type == "Constant":
            constants[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
            continue
        details = []
        for attribute in node.attribute:
            if attribute.name in interesting.get(node.op_type, ()):
                value = helper.get_attribute_value(attribute)
                if isinstance(value, bytes):
                    value = value.decode()
                details.append(f"{attribute.name}={list(value) if isinstance(value, list) else value}")
        for label, name in zip(INPUT_LABELS.get(node.op_type, ()), node.input[1:]):
            value = initializers.get(name, constants.get(name))
            if value is not None:
                source = "initializer" if name in initializers else "Constant"
                details.append(f"{label}={value.tolist()} ({source})")
        if node.op_type == "BatchNormalization":
            details.append("running stats as initializers")
        parts.append(node.op_type + (f"({', '.join(details)})" if details else ""))
    return " → ".join(parts)


def write_case(out: pathlib.Path, name: str, model: nn.Module, shape: tuple,
               seed: int) -> tuple[str, list[int], list[int], int]:
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            randomise_batch_norm(module, generator)
    model.eval()
    x = torch.randn(*shape, generator=generator)
    with torch.no_grad():
        y = model(x)
    proto = export(model, x)
    if name == "dropout":
        insert_dropout_after(proto, "Gemm")
    if name == "avgpool_pad_include_attr":
        fuse_pad_into_average_pool(proto)
    proto.graph.name = name
    proto.doc_string = f"Kirchhoff ONNX operator test case '{name}' (data/models/make_test_models.py)"
    onnx.checker.check_model(proto, full_check=True)
    case_dir = out / name
    case_dir.mkdir(parents=True, exist_ok=True)
    (case_dir / "model.onnx").write_bytes(proto.SerializeToString())
    input_name = proto.graph.input[0].name
    output_name = proto.graph.output[0].name
    (case_dir / "input_0.pb").write_bytes(
        numpy_helper.from_array(x.numpy(), input_name).SerializeToString())
    (case_dir / "output_0.pb").write_bytes(
        numpy_helper.from_array(y.numpy(), output_name).SerializeToString())
    size = sum(f.stat().st_size for f in case_dir.iterdir())
    return op_summary(proto), list(x.shape), list(y.shape), size

# ----------------------------------------------------------------------------------------------
# Read-back check: a second, minimal interpretation of each written file


def run_onnx_with_torch(proto: onnx.ModelProto, x: torch.Tensor) -> torch.Tensor:
    """Evaluates the graph node by node with torch.nn.functional, from the file's contents only
    (attributes, initializers, Constant nodes), for the operators of these cases. Checks that
    the files say what the README says and that the output belongs to the input."""
    F = nn.functional
    env = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
           for t in proto.graph.initializer}
    env[proto.graph.input[0].name] = x
    for node in proto.graph.node:
        a = {attr.name: helper.get_attribute_value(attr) for attr in node.attribute}
        i = [env[name] if name else None for name in node.input]
        op = node.op_type
        if op == "Constant":
            y = torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
        elif op == "Conv":
            p = a.get("pads", [0, 0, 0, 0])
            y = F.conv2d(F.pad(i[0], (p[1], p[3], p[0], p[2])), i[1],
                         i[2] if len(i) > 2 else None, stride=a.get("strides", [1, 1]),
                         groups=a.get("group", 1))
        elif op == "BatchNormalization":
            y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a.get("epsilon", 1e-5))
        elif op == "Gemm":
            y = i[0] @ (i[1].t() if a.get("transB", 0) else i[1]) + (i[2] if len(i) > 2 else 0)
        elif op == "MatMul":
            y = i[0] @ i[1]
        elif op in ("Relu", "Sigmoid", "Tanh"):
            y = {"Relu": torch.relu, "Sigmoid": torch.sigmoid, "Tanh": torch.tanh}[op](i[0])
        elif op == "Clip":
            y = torch.clamp(i[0], float(i[1]), float(i[2]))
        elif op in ("MaxPool", "AveragePool"):
            p = a.get("pads", [0, 0, 0, 0])
            assert p[0] == p[2] and p[1] == p[3], "asymmetric pads"
            common = dict(kernel_size=a["kernel_shape"], stride=a["strides"],
                          padding=(p[0], p[1]), ceil_mode=bool(a.get("ceil_mode", 0)))
            y = (F.max_pool2d(i[0], **common) if op == "MaxPool" else
                 F.avg_pool2d(i[0], count_include_pad=bool(a.get("count_include_pad", 0)),
                              **common))
        elif op == "Pad":
            assert a.get("mode", b"constant") == b"constant" and len(i) == 2
            p = i[1].tolist()
            y = F.pad(i[0], (p[3], p[7], p[2], p[6], p[1], p[5], p[0], p[4]))
        elif op == "GlobalAveragePool":
            y = i[0].mean(dim=(2, 3), keepdim=True)
        elif op == "Flatten":
            y = i[0].reshape(i[0].shape[0], -1)
        elif op == "Reshape":
            y = i[0].reshape(i[1].tolist())
        elif op == "Add":
            y = i[0] + i[1]
        elif op == "Concat":
            y = torch.cat(i, dim=a["axis"])
        elif op == "Softmax":
            y = torch.softmax(i[0], dim=a["axis"])
        elif op == "Dropout":
            assert "training_mode" not in a and len(i) <= 2
            y = i[0]
        else:
            raise SystemExit(f"read-back check: no rule for {op}")
        env[node.output[0]] = y
    return env[proto.graph.output[0].name]


def check_case(case_dir: pathlib.Path) -> float:
    proto = onnx.load(str(case_dir / "model.onnx"))
    tensors = []
    for name in ("input_0.pb", "output_0.pb"):
        t = onnx.TensorProto()
        t.ParseFromString((case_dir / name).read_bytes())
        tensors.append(t)
    assert tensors[0].name == proto.graph.input[0].name
    assert tensors[1].name == proto.graph.output[0].name
    with torch.no_grad():
        got = run_onnx_with_torch(proto, torch.from_numpy(numpy_helper.to_array(tensors[0]).copy()))
    expected = numpy_helper.to_array(tensors[1])
    assert got.shape == expected.shape, (got.shape, expected.shape)
    error = float(np.abs(got.numpy() - expected).max() / np.abs(expected).max())
    if error > 1e-5:
        raise SystemExit(f"{case_dir}: read-back check differs by {error:.2e} (relative)")
    return error


README_HEAD = """# ONNX operator test cases

Written by `data/models/make_test_models.py` (do not edit; rerun the script). Each directory is
one case in the layout of the ONNX backend tests: `model.onnx` (opset 13, dynamic batch axis),
`input_0.pb` and `output_0.pb` (serialised `TensorProto`, named after the graph's input and
output). The output is PyTorch's float result ({torch}, eval mode), so running `model.onnx` on
`input_0.pb` must give `output_0.pb` to float rounding (the summation order of the engine
differs from PyTorch's; compare with a tolerance of about 1e-5 relative to the largest output).
Inputs are standard normal, batch 2, fixed seeds.

The ONNX column is read back from the exported files: it is what the importer must handle.
After writing, the script runs each file through a minimal second interpretation of its nodes
(torch.nn.functional, reading only the file) and checks that it reproduces `output_0.pb`.

| case | PyTorch | ONNX nodes | input → output | bytes |
|---|---|---|---|---|
"""

README_TAIL = """
Notes:

- PyTorch exports `nn.Linear` on a 2-D input as `Gemm(transB=1)` and `x @ W` as `MatMul` with
  the weight as an initializer; `nn.ReLU6` and `nn.Hardtanh` become `Clip` with min/max as
  inputs (opset ≥ 11); `nn.AdaptiveAvgPool2d(1)` becomes `GlobalAveragePool`; `nn.Flatten`
  becomes `Flatten(axis=1)`; `torch.cat(dim=1)` becomes `Concat(axis=1)`.
- Conv + BatchNormalization: exported with `TrainingMode.PRESERVE` on a model in eval mode,
  which keeps `BatchNormalization` as its own node (`TrainingMode.EVAL` would fuse it into the
  Conv), so the importer's folding is exercised. The running statistics are random (mean
  N(0, 0.25), variance U(0.25, 1.75)), and so are γ and β.
- Dropout: in eval mode PyTorch leaves Dropout out of the graph. The `dropout` case inserts an
  ONNX `Dropout` node (ratio 0.5 as an input, no `training_mode`, i.e. inference: identity)
  after the Gemm, as other exporters write it; the expected output is PyTorch's eval output.
  The Dropout of `residual_cnn` is dropped by the exporter (it is not in that graph).
- Average pooling: PyTorch 1.13 exports `nn.AvgPool2d` with `count_include_pad=True` (the
  default) as an explicit `Pad` (mode constant, value 0, int64 pads from a Constant node in the
  ONNX order [N, C, H, W begins, N, C, H, W ends]) followed by `AveragePool` with zero pads —
  even when the padding is 0 (see `residual_cnn`). With `count_include_pad=False` it writes
  `AveragePool` with `pads`. `avgpool_pad_include_attr` is the attribute form
  (`count_include_pad=1`) of the same computation, rewritten by the script.
- `Clip` limits and the `Reshape` shape come from `Constant` nodes, not initializers.
- The exporter shares equal initializers through `Identity` nodes (e.g. a fresh BN's running
  mean equal to its bias); the script replaces these by copies, so no graph has `Identity`.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT, type=pathlib.Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, (name, (description, factory, shape)) in enumerate(CASES.items()):
        torch.manual_seed(1000 + index)  # parameters initialised by the factory
        model = factory()
        ops, in_shape, out_shape, size = write_case(args.out, name, model, shape, 1000 + index)
        error = check_case(args.out / name)
        shapes = f"{'×'.join(map(str, in_shape))} → {'×'.join(map(str, out_shape))}"
        rows.append(f"| `{name}` | {description} | {ops} | {shapes} | {size} |")
        print(f"{name}: {ops}; {shapes}; {size} bytes; read-back check {error:.1e}")
    readme = README_HEAD.format(torch=f"torch {torch.__version__}") + "\n".join(rows) + "\n"
    (args.out / "README.md").write_text(readme + README_TAIL)


if __name__ == "__main__":
    sys.exit(main())
