#!/usr/bin/python3
"""Cuts the first N samples of the Fashion-MNIST test set into this directory (IDX, gzip).

Usage: /usr/bin/python3 make_subset.py [--source DIR] [--count N]

The header's sample count is rewritten to N; pixels and labels are copied unchanged. The gzip
stream is written with mtime 0 and no file name, so the output bytes depend only on the input.
"""
import argparse
import gzip
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent


def cut(source: pathlib.Path, target: pathlib.Path, count: int, magic: int) -> None:
    data = gzip.decompress(source.read_bytes())
    (file_magic,) = struct.unpack(">I", data[:4])
    if file_magic != magic:
        raise SystemExit(f"{source}: magic 0x{file_magic:08x}, expected 0x{magic:08x}")
    dims = magic & 0xFF
    shape = list(struct.unpack(f">{dims}I", data[4:4 + 4 * dims]))
    if count > shape[0]:
        raise SystemExit(f"{source}: holds {shape[0]} samples, asked for {count}")
    sample_size = 1
    for d in shape[1:]:
        sample_size *= d
    header_size = 4 + 4 * dims
    shape[0] = count
    out = struct.pack(f">I{dims}I", magic, *shape) + data[header_size:header_size + count * sample_size]
    target.write_bytes(gzip.compress(out, compresslevel=9, mtime=0))
    print(f"{target.name}: {count} samples, {target.stat().st_size} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="/usr/share/datasets/fashion-mnist", type=pathlib.Path)
    parser.add_argument("--count", default=1000, type=int)
    args = parser.parse_args()
    cut(args.source / "t10k-images-idx3-ubyte.gz", HERE / "t10k-images-idx3-ubyte.gz", args.count,
        0x00000803)
    cut(args.source / "t10k-labels-idx1-ubyte.gz", HERE / "t10k-labels-idx1-ubyte.gz", args.count,
        0x00000801)


if __name__ == "__main__":
    main()
