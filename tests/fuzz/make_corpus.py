#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/seed-*) from the
repository's real data: quantities and overrides as the docs write them, the first lines of the
measurement files in data/measurements (and HDF5 versions of them, through csv-to-hdf5.py, which
needs python3-h5py), device presets, the shipped and regression campaigns, the first images of
the shipped Fashion-MNIST subset, and the PyTorch-exported operator models of tests/nn/data/ops.
Run from anywhere; it replaces only seed-* files (crash-* inputs found by fuzzing stay).

    /usr/bin/python3 tests/fuzz/make_corpus.py
"""

import gzip
import pathlib
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fuzz" / "corpus"


def target(name, seeds):
    d = CORPUS / name
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("seed-*"):
        old.unlink()
    for seed_name, data in seeds.items():
        (d / f"seed-{seed_name}").write_bytes(data if isinstance(data, bytes) else data.encode())


def head(path, lines):
    return "".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:lines])


def measurements():
    m = ROOT / "data" / "measurements"
    kinds = {"programming": 14, "drift": 16, "read-noise": 30, "pulse": 24}
    csv = {kind: head(m / f"{kind}-synthetic.csv", n) for kind, n in kinds.items()}
    target("measurements_csv", csv)
    h5 = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, text in csv.items():
            source, out = pathlib.Path(tmp) / f"{kind}.csv", pathlib.Path(tmp) / f"{kind}.h5"
            source.write_text(text, encoding="utf-8")
            subprocess.run(["/usr/bin/python3", str(m / "csv-to-hdf5.py"), str(source), str(out)],
                           check=True)
            h5[f"{kind}.h5"] = out.read_bytes()
    target("measurements_hdf5", h5)


def campaigns():
    seeds = {"demo.toml": (ROOT / "data" / "campaigns" / "demo.toml").read_text()}
    for case in ("device", "array", "array_ir_drop"):
        seeds[f"{case}.toml"] = (ROOT / "tests" / "regression" / case / "campaign.toml").read_text()
    # The dnn case, its paths made relative to data/campaigns/ (where the target puts its file)
    # and with few samples, so that a replay stays fast.
    dnn = (ROOT / "tests" / "regression" / "dnn" / "campaign.toml").read_text()
    dnn = dnn.replace("../../../data/models/", "../models/")
    # A dataset of 4 images (tests/fuzz/data/fashion-4): a mutation that drops `samples` then
    # evaluates 4 images, not the 1000 of the shipped subset (25 s under ASan).
    dnn = dnn.replace("../../../data/datasets/fashion-mnist:test",
                      "../../tests/fuzz/data/fashion-4:test")
    dnn = dnn.replace("samples = 200", "samples = 4")
    dnn = dnn.replace("batch = 100", "batch = 4").replace("samples = 64", "samples = 4")
    seeds["dnn.toml"] = dnn
    target("campaign_toml", seeds)


SUBSET = ROOT / "data" / "datasets" / "fashion-mnist"


def subset():
    return (gzip.decompress((SUBSET / "t10k-images-idx3-ubyte.gz").read_bytes()),
            gzip.decompress((SUBSET / "t10k-labels-idx1-ubyte.gz").read_bytes()))


def tiny_dataset():
    images, labels = subset()
    d = ROOT / "tests" / "fuzz" / "data" / "fashion-4"
    d.mkdir(parents=True, exist_ok=True)
    (d / "t10k-images-idx3-ubyte").write_bytes(
        images[:4] + (4).to_bytes(4, "big") + images[8:16] + images[16:16 + 4 * 784])
    (d / "t10k-labels-idx1-ubyte").write_bytes(labels[:4] + (4).to_bytes(4, "big") + labels[8:12])


def idx():
    images, labels = subset()

    def pair(n, limit, gz):
        im = images[:4] + n.to_bytes(4, "big") + images[8:16] + images[16:16 + n * 784]
        lb = labels[:4] + n.to_bytes(4, "big") + labels[8:8 + n]
        if gz:
            im, lb = gzip.compress(im, mtime=0), gzip.compress(lb, mtime=0)
        return bytes([limit]) + len(im).to_bytes(2, "big") + im + lb

    target("idx", {"2-plain": pair(2, 255, False), "3-gzip": pair(3, 255, True),
                   "3-limit-1": pair(3, 1, False), "2-gzip-limit-0": pair(2, 0, True)})


def onnx():
    ops = ROOT / "tests" / "nn" / "data" / "ops"
    names = ["relu", "flatten", "matmul", "maxpool_pad_ceil", "reshape", "clip_relu6", "softmax",
             "conv_rect", "avgpool_pad_include", "gemm", "dropout", "conv_groups_nobias",
             "concat", "conv_bn", "add_residual"]
    target("onnx", {f"{n}.onnx": (ops / n / "model.onnx").read_bytes() for n in names})


def main():
    target("quantity", {str(i): q for i, q in enumerate(
        ["25uS", "10 kΩ", "0.35ohm", "1y", "-0.2V", "2.5e-6 S", "512ns", "1MHz", "1 µA", "+3.5 min"])})
    target("set_override", {str(i): s for i, s in enumerate(
        ["device.parameters.g_max=30uS", "trials=200", 'read_times=["1s", "1d"]',
         'device={preset = "rram-wan2022"}', "workload.kind=array", "name=\"a b\"",
         "statistics.quantiles=[0.05, 0.5]"])})
    measurements()
    devices = ROOT / "data" / "devices"
    names = ["pcm-joshi2020.toml", "rram-wan2022.toml", "generic-example.toml",
             "agasi-neurosim.toml", "compact/yakopcic-oblea.toml", "rram-hfox-cmo-0p2.toml"]
    target("device_toml", {n.replace("/", "-"): (devices / n).read_text() for n in names})
    tiny_dataset()
    campaigns()
    idx()
    onnx()


if __name__ == "__main__":
    main()
