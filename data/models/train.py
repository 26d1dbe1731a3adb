#!/usr/bin/python3
"""Trains Kirchhoff's reference networks on Fashion-MNIST and exports them to ONNX.

Usage: /usr/bin/python3 data/models/train.py [--models mlp,cnn,cnn-hwa] [--data DIR] [--out DIR]

Models (docs/nn-data.md):
  mlp      784-256-128-10, ReLU
  cnn      LeNet-5 style: Conv 6@5x5 pad 2 + BN + ReLU + MaxPool 2, Conv 16@5x5 + BN + ReLU +
           MaxPool 2, Flatten, Linear 400-120 ReLU, 120-84 ReLU, 84-10
  cnn-hwa  the same CNN, fine-tuned from `cnn` with Gaussian weight noise injected in every training
           forward pass (Joshi et al., Nat. Commun. 11, 2473 (2020)); eta from the PCM preset
           data/devices/pcm-joshi2020.toml (see eta_from_pcm_preset)

Needs only Debian packages: python3-torch, python3-onnx, python3-numpy, dataset-fashion-mnist.
Runs on the CPU with two threads, fixed seeds and deterministic algorithms: a rerun on the same
machine and torch build gives the same files. Writes, for each model, <name>.onnx (opset 13,
dynamic batch axis, normalisation in metadata_props) and <name>.predictions-idx1-ubyte.gz (the
PyTorch float prediction for each of the 10,000 test images, IDX label format), then models.toml
with the accuracies, parameter counts and training times of this run.
"""
import argparse
import collections
import gzip
import hashlib
import io
import math
import os
import pathlib
import platform
import struct
import sys
import time
import tomllib
import warnings

import numpy as np
import onnx

# Idle OpenMP threads sleep instead of spinning: on a machine shared with other jobs, spinning
# threads made a training step five times slower (libgomp reads this when torch is imported).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
from torch import nn  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
MODEL_NAMES = ("mlp", "cnn", "cnn-hwa")
THREADS = 2

# Fashion-MNIST training-set statistics of pixel/255 (60,000 images): mean 0.2860, std 0.3530.
PIXEL_SCALE = 1.0 / 255.0
MEAN = 0.2860
STD = 0.3530

SUBSET = 1000  # the shipped subset data/datasets/fashion-mnist = the first 1000 test images

# Training schedule: Adam with a cosine learning-rate decay to zero, batch 128.
BATCH = 128
SCHEDULE = {  # name: (seed, epochs, initial learning rate)
    "mlp": (1, 8, 1e-3),
    "cnn": (2, 12, 2e-3),
    "cnn-hwa": (3, 6, 5e-4),  # fine-tunes the trained `cnn`
}
INFERENCE_NOISE_DRAWS = 10  # weight-noise draws per model for the robustness check


# ----------------------------------------------------------------------------------------------
# Data


def read_idx(path: pathlib.Path) -> np.ndarray:
    """An IDX file (plain or gzip) as an uint8 array; only the unsigned-byte type 0x08."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, dtype, dims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(f">{dims}I", raw[4:4 + 4 * dims])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims)
    if data.size != math.prod(shape):
        raise SystemExit(f"{path}: {data.size} bytes of data for shape {shape}")
    return data.reshape(shape)


def write_idx_labels(path: pathlib.Path, labels: np.ndarray) -> None:
    """IDX label file (magic 0x00000801), gzip with mtime 0 so the bytes depend only on labels."""
    labels = np.asarray(labels, dtype=np.uint8)
    raw = struct.pack(">II", 0x00000801, labels.size) + labels.tobytes()
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))


def load_split(data_dir: pathlib.Path, prefix: str) -> tuple[torch.Tensor, torch.Tensor]:
    images = read_idx(data_dir / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(data_dir / f"{prefix}-labels-idx1-ubyte.gz")
    x = torch.from_numpy(images.astype(np.float32)).unsqueeze(1)  # N x 1 x 28 x 28
    # The same arithmetic as kirchhoff::nn::Dataset::batch: (pixel * scale - mean) / std in float.
    x = (x * np.float32(PIXEL_SCALE) - np.float32(MEAN)) * (np.float32(1.0) / np.float32(STD))
    return x, torch.from_numpy(labels.astype(np.int64))


# ----------------------------------------------------------------------------------------------
# Models


class NoisyMixin:
    """Adds Gaussian noise of std eta * max|W_eff| to the weight in every training forward pass.

    W_eff is the weight the analog array will hold: for a convolution followed by batch
    normalisation it is the folded weight W * gamma / sqrt(running_var + eps) (kirchhoff::nn folds
    BN into the preceding layer before mapping), so the noise is drawn on W_eff and divided back
    by the per-channel scale. Off in eval mode, so the exported graph is the plain layer.
    """

    eta = 0.0
    _bn = ()  # a tuple, not a Module attribute, so the BN is not registered twice

    def fold_scale(self) -> torch.Tensor | None:
        if not self._bn:
            return None
        bn = self._bn[0]
        scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach()
        # avoid dividing by (nearly) zero; the noise is symmetric, so the sign does not matter
        scale = torch.where(scale.abs() < 1e-12, torch.full_like(scale, 1e-12), scale)
        return scale.reshape(-1, *([1] * (self.weight.dim() - 1)))

    def noisy_weight(self) -> torch.Tensor:
        if not (self.training and self.eta > 0):
            return self.weight
        scale = self.fold_scale()
        effective = self.weight.detach() if scale is None else self.weight.detach() * scale
        sigma = self.eta * effective.abs().max()
        noise = torch.randn_like(self.weight) * sigma
        return self.weight + (noise if scale is None else noise / scale)


class NoisyConv2d(NoisyMixin, nn.Conv2d):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.noisy_weight(), self.bias)


class NoisyLinear(NoisyMixin, nn.Linear):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, self.noisy_weight(), self.bias)


def build_model(name: str) -> nn.Sequential:
    """The network `name` (fresh weights). Layer names become the ONNX initializer names."""
    if name == "mlp":
        layers = [
            ("flatten", nn.Flatten()),
            ("fc1", NoisyLinear(784, 256)), ("relu1", nn.ReLU()),
            ("fc2", NoisyLinear(256, 128)), ("relu2", nn.ReLU()),
            ("fc3", NoisyLinear(128, 10)),
        ]
    elif name in ("cnn", "cnn-hwa"):
        layers = [
            ("conv1", NoisyConv2d(1, 6, 5, padding=2)), ("bn1", nn.BatchNorm2d(6)),
            ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
            ("conv2", NoisyConv2d(6, 16, 5)), ("bn2", nn.BatchNorm2d(16)),
            ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()),
            ("fc1", NoisyLinear(400, 120)), ("relu3", nn.ReLU()),
            ("fc2", NoisyLinear(120, 84)), ("relu4", nn.ReLU()),
            ("fc3", NoisyLinear(84, 10)),
        ]
    else:
        raise ValueError(f"unknown model '{name}' (known: {', '.join(MODEL_NAMES)})")
    model = nn.Sequential(collections.OrderedDict(layers))
    modules = list(model.children())
    for layer, following in zip(modules, modules[1:] + [None]):
        if isinstance(layer, NoisyConv2d) and isinstance(following, nn.BatchNorm2d):
            layer._bn = (following,)
    return model


def set_training_noise(model: nn.Module, eta: float) -> None:
    for module in model.modules():
        if isinstance(module, NoisyMixin):
            module.eta = eta


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------------------------
# Hardware-aware training: the noise level of the PCM preset


def rectified_normal_variance(mu: float, sigma: float) -> float:
    """Var(max(mu + sigma Z, 0)) for standard normal Z (the PCM model floors g_P at 0)."""
    if sigma == 0:
        return 0.0
    a = mu / sigma
    cdf = 0.5 * (1 + math.erf(a / math.sqrt(2)))
    pdf = math.exp(-0.5 * a * a) / math.sqrt(2 * math.pi)
    mean = mu * cdf + sigma * pdf
    second = (mu * mu + sigma * sigma) * cdf + mu * sigma * pdf
    return max(second - mean * mean, 0.0)


def eta_from_pcm_preset(path: pathlib.Path) -> tuple[float, str]:
    """Relative weight noise eta = sigma_W / W_max of the programming noise of pcm-joshi2020.

    A weight w = x * W_max (x in [0, 1]) sits on a differential pair, G+ = x * g_max and G- = 0
    (docs/crossbar-mapping.md, `differential`, per-layer scale W_max = max|W|). Programming gives
    G+ = max(x g_max + sigma_P(x) Z1, 0) and G- = max(sigma_P(0) Z2, 0) (docs/devices-pcm.md),
    sigma_P(x) = (0.26348 + 1.9650 x - 1.1731 x^2) uS at g_max = 25 uS [Nandakumar 2019; Joshi
    2020]; sigma_P scales with g_max, so eta does not depend on g_max. sigma_W(x)^2 is the sum of
    the two variances. Joshi 2020 injects one eta per layer; we take the largest sigma_W / W_max
    over x, the noise of the worst-placed weight (it is within 3 % of the value at x = 1).
    """
    preset = tomllib.loads(path.read_text())
    if preset.get("model") != "pcm-joshi2020":
        raise SystemExit(f"{path}: model {preset.get('model')!r}, expected 'pcm-joshi2020'")
    scale = float(preset["parameters"].get("programming_noise_scale", 1.0))
    g_max = 25.0  # uS, the fit's g_max

    def sigma_p(x: float) -> float:
        return scale * (0.26348 + 1.9650 * x - 1.1731 * x * x)

    def sigma_w(x: float) -> float:
        var = rectified_normal_variance(x * g_max, sigma_p(x))
        var += rectified_normal_variance(0.0, sigma_p(0.0))
        return math.sqrt(var) / g_max

    xs = [i / 10000 for i in range(10001)]
    values = [sigma_w(x) for x in xs]
    k = max(range(len(xs)), key=values.__getitem__)
    eta = values[k]
    note = (f"max over x = |w|/W_max of sigma_W/W_max = {eta:.5f} at x = {xs[k]:.3f} "
            f"({values[-1]:.5f} at x = 1, {values[0]:.5f} at x = 0)")
    return eta, note


# ----------------------------------------------------------------------------------------------
# Training and evaluation


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    model.eval()
    return torch.cat([model(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)])


def train(model: nn.Module, name: str, train_x: torch.Tensor, train_y: torch.Tensor,
          test_x: torch.Tensor, test_y: torch.Tensor) -> float:
    seed, epochs, lr = SCHEDULE[name]
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = math.ceil(len(train_x) / BATCH)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, epochs * steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        permutation = torch.randperm(len(train_x), generator=order)
        total = 0.0
        for i in range(0, len(train_x), BATCH):
            idx = permutation[i:i + BATCH]
            optimiser.zero_grad(set_to_none=True)
            loss = loss_fn(model(train_x[idx]), train_y[idx])
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(idx)
        accuracy = (predict(model, test_x) == test_y).float().mean().item()
        print(f"  {name} epoch {epoch + 1}/{epochs}: loss {total / len(train_x):.4f}, "
              f"test top-1 {accuracy:.4f}, {time.perf_counter() - start:.1f} s", flush=True)
    return time.perf_counter() - start


@torch.no_grad()
def noisy_accuracy(model: nn.Module, eta: float, x: torch.Tensor, y: torch.Tensor,
                   draws: int, seed: int) -> list[float]:
    """Top-1 with N(0, eta * max|W_eff|) added once per draw to every Conv/Linear weight (BN folded
    as in NoisyMixin): a PyTorch plausibility check of the hardware-aware training, not the PCM
    simulation."""
    generator = torch.Generator().manual_seed(seed)
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    results = []
    for _ in range(draws):
        for module in model.modules():
            if isinstance(module, NoisyMixin):
                scale = module.fold_scale()
                effective = module.weight if scale is None else module.weight * scale
                noise = torch.randn(module.weight.shape, generator=generator)
                noise *= eta * effective.abs().max()
                module.weight += noise if scale is None else noise / scale
        results.append((predict(model, x) == y).float().mean().item())
        model.load_state_dict(saved)
    return results


# ----------------------------------------------------------------------------------------------
# Export


def export_onnx(model: nn.Module, name: str, path: pathlib.Path, eta: float) -> None:
    model.eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # PRESERVE keeps BatchNormalization as its own node (EVAL would fuse it into the Conv);
        # the model is in eval mode, so constant folding cannot touch trained parameters.
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(model, torch.zeros(1, 1, 28, 28), buffer, opset_version=13,
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    proto = onnx.load_from_string(buffer.getvalue())
    inline_identity_initializers(proto)
    proto.graph.name = name
    proto.doc_string = (f"Kirchhoff reference model '{name}' for Fashion-MNIST "
                        f"(data/models/train.py, docs/nn-data.md)")
    metadata = {
        "kirchhoff.normalization.mean": f"{MEAN}",
        "kirchhoff.normalization.std": f"{STD}",
        "kirchhoff.normalization.pixel_scale": f"{PIXEL_SCALE!r}",
        "kirchhoff.dataset": "fashion-mnist",
        "kirchhoff.training": "data/models/train.py" +
                             (f", weight noise eta = {eta:.5f}" if eta > 0 else ""),
    }
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    path.write_bytes(proto.SerializeToString())


def inline_identity_initializers(proto: onnx.ModelProto) -> None:
    """The exporter shares equal initializers through Identity nodes (e.g. a BN running mean that
    equals its bias); give each its own initializer so graphs hold only the layers."""
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


def display_path(path: pathlib.Path) -> str:
    """The path relative to the repository (data/devices/...) when it is inside it."""
    try:
        return str(path.resolve().relative_to(HERE.parent.parent))
    except ValueError:
        return str(path)


def sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODEL_NAMES),
                        help="comma-separated subset of mlp,cnn,cnn-hwa (cnn-hwa needs cnn)")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist", type=pathlib.Path)
    parser.add_argument("--out", default=HERE, type=pathlib.Path)
    parser.add_argument("--preset", default=HERE.parent / "devices" / "pcm-joshi2020.toml",
                        type=pathlib.Path)
    parser.add_argument("--eta", type=float, default=None,
                        help="training weight noise of cnn-hwa (default: from --preset)")
    args = parser.parse_args()
    names = [n for n in args.models.split(",") if n]
    for n in names:
        if n not in MODEL_NAMES:
            raise SystemExit(f"unknown model '{n}' (known: {', '.join(MODEL_NAMES)})")
    if "cnn-hwa" in names and "cnn" not in names:
        names.insert(names.index("cnn-hwa"), "cnn")

    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    if args.eta is None:
        eta, eta_note = eta_from_pcm_preset(args.preset)
        eta_note = f"{display_path(args.preset)}: {eta_note}"
    else:
        eta, eta_note = args.eta, "given with --eta"
    print(f"eta: {eta_note}")

    train_x, train_y = load_split(args.data, "train")
    test_x, test_y = load_split(args.data, "t10k")
    print(f"train {tuple(train_x.shape)}, test {tuple(test_x.shape)}; normalised train mean "
          f"{train_x.mean().item():.4f}, std {train_x.std().item():.4f}")

    args.out.mkdir(parents=True, exist_ok=True)
    records = {}
    trained = {}
    total_start = time.perf_counter()
    for name in names:
        seed, epochs, lr = SCHEDULE[name]
        torch.manual_seed(seed)
        model = build_model(name)
        if name == "cnn-hwa":
            model.load_state_dict(trained["cnn"].state_dict())
            set_training_noise(model, eta)
        print(f"{name}: {parameter_count(model)} parameters, {epochs} epochs", flush=True)
        seconds = train(model, name, train_x, train_y, test_x, test_y)
        set_training_noise(model, 0.0)
        trained[name] = model

        predictions = predict(model, test_x)
        correct = int((predictions == test_y).sum())
        correct_subset = int((predictions[:SUBSET] == test_y[:SUBSET]).sum())
        onnx_path = args.out / f"{name}.onnx"
        export_onnx(model, name, onnx_path, eta if name == "cnn-hwa" else 0.0)
        write_idx_labels(args.out / f"{name}.predictions-idx1-ubyte.gz", predictions.numpy())
        noisy = noisy_accuracy(model, eta, test_x, test_y, INFERENCE_NOISE_DRAWS, seed=100)
        records[name] = {
            "file": onnx_path.name, "sha256": sha256(onnx_path),
            "predictions": f"{name}.predictions-idx1-ubyte.gz",
            "parameters": parameter_count(model), "seed": seed, "epochs": epochs,
            "learning_rate": lr, "training_eta": eta if name == "cnn-hwa" else 0.0,
            "fine_tuned_from": "cnn" if name == "cnn-hwa" else "",
            "training_seconds": round(seconds, 1),
            "test_correct": correct, "test_count": len(test_y),
            "test_top1": correct / len(test_y),
            "subset_correct": correct_subset, "subset_count": SUBSET,
            "subset_top1": correct_subset / SUBSET,
            "noisy_top1_mean": float(np.mean(noisy)), "noisy_top1_std": float(np.std(noisy, ddof=1)),
        }
        print(f"{name}: test {correct}/{len(test_y)} = {correct / len(test_y):.4f}, subset "
              f"{correct_subset}/{SUBSET}; with weight noise eta: mean {np.mean(noisy):.4f} "
              f"(std {np.std(noisy, ddof=1):.4f}, {INFERENCE_NOISE_DRAWS} draws); "
              f"{onnx_path.stat().st_size} bytes", flush=True)
    total = time.perf_counter() - total_start
    write_models_toml(args.out / "models.toml", records, eta, eta_note, total)
    print(f"total {total:.1f} s")


def write_models_toml(path: pathlib.Path, records: dict, eta: float, eta_note: str,
                      total_seconds: float) -> None:
    previous = tomllib.loads(path.read_text()).get("models", {}) if path.exists() else {}
    for name, record in previous.items():  # keep models not retrained in this run
        records.setdefault(name, record)

    def value(v):
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, float):
            return repr(round(v, 6))
        return str(v)

    lines = [
        "# Written by data/models/train.py; do not edit. Accuracies are PyTorch float top-1 of",
        "# this run: test_* on the full Fashion-MNIST test set (10,000 images), subset_* on the",
        "# first 1000 (data/datasets/fashion-mnist). noisy_top1_* is a PyTorch check only: top-1",
        "# with N(0, eta*max|W|) added to every Conv/Linear weight (BN folded), over",
        f"# {INFERENCE_NOISE_DRAWS} draws; it is not a PCM simulation.",
        "",
        "[normalization]",
        f"mean = {MEAN}",
        f"std = {STD}",
        f"pixel_scale = {PIXEL_SCALE!r}",
        "",
        "[training]",
        f'torch = "{torch.__version__}"',
        f'python = "{platform.python_version()}"',
        f'machine = "{platform.machine()}"',
        f"threads = {THREADS}",
        f"batch = {BATCH}",
        'optimizer = "Adam, cosine learning-rate decay to 0"',
        f"eta = {round(eta, 6)!r}",
        f"eta_source = {value(eta_note)}",
        f"last_run_seconds = {round(total_seconds, 1)}",
        "",
    ]
    for name in MODEL_NAMES:
        if name not in records:
            continue
        lines.append(f"[models.{name}]")
        lines += [f"{k} = {value(v)}" for k, v in records[name].items()]
        lines.append("")
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
