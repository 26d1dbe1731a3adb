#!/usr/bin/python3
"""PyTorch CPU float inference time of a Kirchhoff reference model, for comparison with ours.

Usage: /usr/bin/python3 bench/nn_torch_reference.py --model cnn [--threads 1] [--batch 256]
                                                   [--repeats 5] [--data DIR]

Rebuilds the PyTorch twin of data/models/<model>.onnx with the model class of
data/models/train.py and loads its weights from the ONNX initializers (same names), normalises
the Fashion-MNIST test images with the ONNX file's kirchhoff.normalization.* metadata, and times
float inference (forward passes and argmax, inputs already normalised in memory) over the whole
test set with the given thread count and batch size, best of R repeats. Prints one JSON line:
{"model", "threads", "batch", "seconds", "images_per_s", "top1", "images", "dataset", "blas"}.
"blas" is the BLAS library the process loaded (PyTorch's Linear layers run on it; its
convolutions run on oneDNN): Debian's python3-torch uses the libblas.so.3 alternative, which
is the unoptimised reference BLAS (package libblas3) unless OpenBLAS or BLIS is installed.

The data are the Debian package's 10,000 test images (dataset-fashion-mnist), else the shipped
1000-image subset. top1 is checked against data/models/models.toml (a warning on stderr if it
differs, which would mean the ONNX file and the PyTorch twin disagree). OMP_WAIT_POLICY and the
other OpenMP variables are taken from the environment as PyTorch users get them.
"""
import argparse
import json
import pathlib
import sys
import time
import tomllib

import numpy as np
import onnx
import torch
from onnx import numpy_helper

REPO = pathlib.Path(__file__).resolve().parent.parent
MODELS = REPO / "data" / "models"
sys.path.insert(0, str(MODELS))
import train  # noqa: E402  (the model classes and the IDX reader)


def load_twin(onnx_path: pathlib.Path, name: str) -> tuple[torch.nn.Module, dict]:
    proto = onnx.load(str(onnx_path))
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
               for t in proto.graph.initializer}
    model = train.build_model(name)
    state = model.state_dict()
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):
            continue  # training bookkeeping, not exported
        if key not in weights:
            raise SystemExit(f"{onnx_path}: no initializer '{key}' for the PyTorch twin")
        if weights[key].shape != value.shape:
            raise SystemExit(f"{onnx_path}: initializer '{key}' has shape "
                             f"{tuple(weights[key].shape)}, the twin needs {tuple(value.shape)}")
        state[key] = weights[key]
    model.load_state_dict(state)
    model.eval()
    metadata = {p.key: p.value for p in proto.metadata_props}
    return model, metadata


def load_test_images(data: pathlib.Path | None, metadata: dict):
    candidates = [data] if data else [pathlib.Path("/usr/share/datasets/fashion-mnist"),
                                      REPO / "data" / "datasets" / "fashion-mnist"]
    for directory in candidates:
        images = directory / "t10k-images-idx3-ubyte.gz"
        labels = directory / "t10k-labels-idx1-ubyte.gz"
        if images.exists() and labels.exists():
            break
    else:
        raise SystemExit(f"no t10k-images-idx3-ubyte.gz in {', '.join(map(str, candidates))}")
    scale = np.float32(float(metadata["kirchhoff.normalization.pixel_scale"]))
    mean = np.float32(float(metadata["kirchhoff.normalization.mean"]))
    std = np.float32(float(metadata["kirchhoff.normalization.std"]))
    x = torch.from_numpy(train.read_idx(images).astype(np.float32)).unsqueeze(1)
    x = (x * scale - mean) * (np.float32(1.0) / std)  # as kirchhoff::nn::Dataset::batch
    y = torch.from_numpy(train.read_idx(labels).astype(np.int64))
    return x, y, directory


def loaded_blas() -> str:
    """The BLAS shared library mapped into this process (after torch was imported)."""
    try:
        maps = pathlib.Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return "unknown"
    paths = sorted({line.split()[-1] for line in maps
                    if "blas" in line.rsplit("/", 1)[-1] and line.split()[-1].startswith("/")})
    return ", ".join(paths) if paths else "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="mlp, cnn or cnn-hwa")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", type=pathlib.Path, default=None,
                        help="directory with t10k-{images-idx3,labels-idx1}-ubyte.gz")
    args = parser.parse_args()
    if args.threads < 1 or args.batch < 1 or args.repeats < 1:
        raise SystemExit("--threads, --batch and --repeats must be >= 1")

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    model, metadata = load_twin(MODELS / f"{args.model}.onnx", args.model)
    x, y, directory = load_test_images(args.data, metadata)

    best = float("inf")
    predictions = None
    with torch.inference_mode():
        model(x[:args.batch])  # warm-up: allocations, oneDNN primitive creation
        for _ in range(args.repeats):
            start = time.perf_counter()
            parts = [model(x[i:i + args.batch]).argmax(1) for i in range(0, len(x), args.batch)]
            predictions = torch.cat(parts)
            best = min(best, time.perf_counter() - start)
    correct = int((predictions == y).sum())
    top1 = correct / len(y)

    recorded = tomllib.loads((MODELS / "models.toml").read_text())["models"].get(args.model)
    if recorded:
        key = "test" if len(y) == recorded["test_count"] else "subset"
        if len(y) in (recorded["test_count"], recorded["subset_count"]) and \
                correct != recorded[f"{key}_correct"]:
            print(f"warning: top-1 {correct}/{len(y)} differs from models.toml "
                  f"({recorded[f'{key}_correct']})", file=sys.stderr)

    print(json.dumps({"model": args.model, "threads": args.threads, "batch": args.batch,
                      "seconds": best, "images_per_s": len(x) / best, "top1": top1,
                      "images": len(x), "dataset": str(directory), "blas": loaded_blas()}))


if __name__ == "__main__":
    main()
