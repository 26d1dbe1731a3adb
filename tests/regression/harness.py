#!/usr/bin/python3
"""Regression harness: run a case's kirchhoff commands, digest their output files at full
precision and compare with the case's checked-in digest (tests/regression/README.md).

  harness.py [--kirchhoff PROGRAM] [--scratch DIR] [--kernels LEVEL] [--regenerate] [CASE_DIR ...]

Without CASE_DIR every case under tests/regression/ runs. Exit status 0: every digest matches;
1: a digest differs (a diff is printed); 2: a case could not run (bad case file, a command failed,
missing expected digest); 77: skipped, this CPU cannot run the --kernels level. --regenerate (or KIRCHHOFF_REGENERATE_DIGESTS=1) writes the digests
instead, after checking that two runs of the case give the same one.
"""

import argparse
import difflib
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import h5py
import numpy as np

HERE = Path(__file__).resolve().parent
SOURCE_ROOT = HERE.parents[1]
EXPECTED_NAME = "results_true.dat"
CASE_FILE = "case.toml"

# Arrays of up to SMALL elements are listed value by value (exact), so a diff shows the value
# that changed. Larger ones are listed as a SHA-256 of the whole and one per BLOCK elements
# (flattened in C order), so a diff still says where the change is without a digest of megabytes.
SMALL = 64
BLOCK = 64
VALUES_PER_LINE = 8

# Root attributes of campaign results and shard files (docs/hdf5-schema.md, "Root attributes")
# whose value is left out; the digest still records that each is there. Each says when, where,
# by which build or in which parallel layout a file was written, and results must not depend on
# any of them. Everything else, also in other files, is digested.
PROVENANCE_EXCLUDED = {
    "created_utc": "the time the file was written",
    "host": "host name of the writer",
    "git_commit": "commit of the build: changes with every commit, results must not",
    "git_dirty": "whether the build's tree had changes",
    "toolkit_version": "bumped by releases, which change no result by themselves",
    "build_type": "CMake build type: Release and the sanitizer build (RelWithDebInfo) must agree",
    "threads": "worker threads; the default is the machine's core count (0 after a merge)",
    "mpi_ranks": "ranks of the MPI launch, a parallel layout like threads",
    "slurm_job_id": "from the SLURM environment of the writer",
    "slurm_array_job_id": "from the SLURM environment of the writer",
    "slurm_array_task_id": "from the SLURM environment of the writer",
    "blas": "version and build of OpenBLAS (its core is digested with the kernel level)",
}
# A case whose results depend on the kernel level (the BLAS products: docs/performance.md) says
# kernel_dependent = true and keeps one digest per level, results_true.<level>.dat; the others
# have one digest, results_true.dat, that every level must reproduce. The level and BLAS core
# attributes are left out of the latter (they name the level that wrote the file).
KERNEL_ATTRIBUTES = {
    "kernel_level": "the kernel level (--kernels) that computed the file",
    "blas_core": "the OpenBLAS core of that level",
}
# Exit status of a case skipped because this CPU cannot run the level asked for (ctest's
# SKIP_RETURN_CODE).
SKIPPED = 77
CAMPAIGN_FILETYPES = {"kirchhoff-campaign", "kirchhoff-campaign-shard"}

# Environment variables that change which input files the program reads (presets, datasets): a
# case must read the tree's data/, whatever the caller's environment says.
HERMETIC_UNSET = ("KIRCHHOFF_DATA_DIR", "KIRCHHOFF_FASHION_MNIST_DIR")


class CaseError(Exception):
    """A case that could not run or be checked (exit status 2)."""


# ---- values ---------------------------------------------------------------------------------


def scalar_text(x):
    """Exact text of one number or string: the shortest repr that reads back to the same value
    (Python and NumPy both print floats so), with the sign of zero and of NaN kept."""
    if isinstance(x, (bytes, np.bytes_)):
        return repr(bytes(x))
    if isinstance(x, str):
        return repr(x)
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    if isinstance(x, (np.floating, float)):
        if math.isnan(x):
            return "-nan" if np.signbit(x) else "nan"
        return str(x) if isinstance(x, np.floating) else repr(x)
    return str(x)


def wrapped(key, texts):
    """key = [a, b, ...] on one line, or key[i:j] = [...] lines of VALUES_PER_LINE values."""
    if len(texts) <= VALUES_PER_LINE:
        return [f"{key} = [{', '.join(texts)}]"]
    return [
        f"{key}[{i}:{min(i + VALUES_PER_LINE, len(texts))}] = "
        f"[{', '.join(texts[i:i + VALUES_PER_LINE])}]"
        for i in range(0, len(texts), VALUES_PER_LINE)
    ]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def block_hashes(key, parts):
    """One line per BLOCK elements: key[i:j] sha256=..., parts being each element's bytes
    (none for a single block: the hash of the whole says the same)."""
    if len(parts) <= BLOCK:
        return []
    return [
        f"{key}[{i}:{min(i + BLOCK, len(parts))}] sha256={sha256(b''.join(parts[i:i + BLOCK]))}"
        for i in range(0, len(parts), BLOCK)
    ]


def string_lines(key, elements, scalar):
    """Strings element by element; a string with line breaks as 'key | line' lines (joined
    with '\\n' they give the string back exactly), so a diff of /config shows the changed line."""
    out = []
    for i, s in enumerate(elements):
        k = key if scalar else f"{key}[{i}]"
        if "\n" in s:
            out += [f"{k} | {line}" for line in s.split("\n")]
        else:
            out.append(f"{k} = {s!r}")
    return out


def array_lines(key, header, array, string_encoding):
    """Digest lines of a dataset's or attribute's value: 'key header sha256=...' over its exact
    bytes (numbers little-endian, strings UTF-8 with a length prefix), then the values."""
    if string_encoding is not None:
        # Element by element, not through np.asarray, which would drop trailing NUL bytes.
        scalar = not isinstance(array, np.ndarray) or array.ndim == 0
        elements = [array[()] if isinstance(array, np.ndarray) else array] if scalar else \
            array.reshape(-1).tolist()
        raw = [bytes(e) if isinstance(e, (bytes, np.bytes_)) else str(e).encode("utf-8")
               for e in elements]
        parts = [len(r).to_bytes(8, "little") + r for r in raw]
        out = [f"{key} {header} sha256={sha256(b''.join(parts))}"]
        texts = [r.decode(string_encoding, errors="backslashreplace") for r in raw]
        if len(texts) <= SMALL and sum(map(len, texts)) <= 64 * 1024:
            return out + string_lines(key, texts, scalar)
        return out + block_hashes(key, parts)
    a = np.asarray(array)
    flat = a.reshape(-1)
    if a.dtype.kind not in "biufc":
        raise CaseError(f"{key}: no digest for the element type {a.dtype} (extend harness.py)")
    little = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
    out = [f"{key} {header} sha256={sha256(little.tobytes())}"]
    if flat.size <= SMALL:
        texts = [scalar_text(x) for x in flat]
        return out + (wrapped(key, texts) if a.ndim > 0 else [f"{key} = {texts[0]}"])
    step = little.dtype.itemsize
    raw = little.tobytes()
    return out + block_hashes(key, [raw[i:i + step] for i in range(0, len(raw), step)])


# ---- HDF5 -------------------------------------------------------------------------------------


def type_text(dtype):
    info = h5py.check_string_dtype(dtype)
    if info is not None:
        return f"str:{info.encoding}:{'vlen' if info.length is None else info.length}"
    return dtype.str


def attribute_lines(path, obj, root_is_campaign, excluded):
    out = []
    for name in sorted(obj.attrs):
        key = f"{path}@{name}"
        if path == "/" and root_is_campaign and name in excluded:
            out.append(f"{key} (value not digested: {excluded[name]})")
            continue
        attr = obj.attrs.get_id(name)
        value = obj.attrs[name]
        if isinstance(value, h5py.Empty):
            out.append(f"{key} attr {type_text(attr.dtype)} empty")
            continue
        info = h5py.check_string_dtype(attr.dtype)
        header = f"attr {type_text(attr.dtype)} {attr.shape}"
        out += array_lines(key, header, value, info.encoding if info else None)
    return out


def layout_text(d):
    """Storage layout as docs/hdf5-schema.md fixes it (chunking, filters, maximum shape)."""
    filters = []
    if d.shuffle:
        filters.append("shuffle")
    if d.compression:
        filters.append(f"{d.compression}:{d.compression_opts}")
    if d.fletcher32:
        filters.append("fletcher32")
    if d.scaleoffset is not None:
        filters.append(f"scaleoffset:{d.scaleoffset}")
    return (f"chunks={d.chunks} maxshape={d.maxshape} "
            f"filters={','.join(filters) if filters else 'none'}")


def hdf5_lines(path, excluded):
    out = []
    with h5py.File(path, "r") as f:
        filetype = f.attrs.get("filetype")
        if isinstance(filetype, bytes):
            filetype = filetype.decode()
        campaign = filetype in CAMPAIGN_FILETYPES

        def visit(group, prefix):
            out.append(f"{prefix or '/'} group")
            out.extend(attribute_lines(prefix or "/", group, campaign, excluded))
            for name in sorted(group):
                p = f"{prefix}/{name}"
                link = group.get(name, getlink=True)
                if isinstance(link, h5py.SoftLink):
                    out.append(f"{p} soft link -> {link.path}")
                    continue
                if isinstance(link, h5py.ExternalLink):
                    out.append(f"{p} external link -> {link.filename}:{link.path}")
                    continue
                obj = group[name]
                if isinstance(obj, h5py.Group):
                    visit(obj, p)
                    continue
                if not isinstance(obj, h5py.Dataset):
                    raise CaseError(f"{p}: neither group nor dataset ({type(obj).__name__})")
                info = h5py.check_string_dtype(obj.dtype)
                header = f"dataset {type_text(obj.dtype)} {obj.shape} {layout_text(obj)}"
                if obj.shape is None:  # a dataset with a null dataspace
                    out.append(f"{p} {header} empty")
                else:
                    out.extend(array_lines(p, header, obj[()], info.encoding if info else None))
                out.extend(attribute_lines(p, obj, False, excluded))

        visit(f, "")
    return out


# ---- JSON and TOML ------------------------------------------------------------------------


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def tree_lines(value, key):
    """Parsed JSON or TOML, key by key: tables in key order (the digest is of values, not of
    the order they were written in; the text's hash covers that), scalars exactly."""
    if isinstance(value, dict):
        out = [f"{key} table ({len(value)} keys)"]
        for k in sorted(value):
            out += tree_lines(value[k], f"{key}.{k}")
        return out
    if isinstance(value, list):
        if value and all(is_number(v) for v in value) and len(value) > SMALL:
            texts = [scalar_text(v) for v in value]
            parts = [t.encode() + b"\n" for t in texts]
            return ([f"{key} numbers ({len(value)}) sha256={sha256(b''.join(parts))}"] +
                    block_hashes(key, parts))
        if all(not isinstance(v, (dict, list)) for v in value) and len(value) <= SMALL:
            return wrapped(key, [scalar_text(v) for v in value])
        out = [f"{key} array ({len(value)})"]
        for i, v in enumerate(value):
            out += tree_lines(v, f"{key}[{i}]")
        return out
    if value is None:
        return [f"{key} = null"]
    return [f"{key} = {scalar_text(value)}"]


def toml_comments(text):
    """Every comment of a TOML text in order ('#' outside strings), full lines and inline."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
            i += len(quote)
            while i < n and text[i:i + len(quote)] != quote:
                i += 2 if (text[i] == "\\" and quote[0] == '"') else 1
            i += len(quote)
        elif c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(f"comment {text[i:end].rstrip()}")
            i = end
        else:
            i += 1
    return out


def text_file_lines(path, kind):
    raw = path.read_bytes()
    out = [f"text {len(raw)} bytes sha256={sha256(raw)}"]
    if kind == "json":
        return out + tree_lines(json.loads(raw), "$")
    text = raw.decode("utf-8")
    return out + tree_lines(tomllib.loads(text), "$") + toml_comments(text)


def digest_file(path, kernel_dependent=False):
    """Digest lines of one output file, by its extension; the kernel level and BLAS core are
    digested only for a kernel_dependent case (KERNEL_ATTRIBUTES)."""
    path = Path(path)
    kinds = {".h5": "hdf5", ".hdf5": "hdf5", ".json": "json", ".toml": "toml"}
    kind = kinds.get(path.suffix)
    if kind is None:
        raise CaseError(f"{path.name}: no digest for files of type '{path.suffix}'")
    if not path.exists():
        raise CaseError(f"{path}: the case's commands did not write it")
    excluded = PROVENANCE_EXCLUDED if kernel_dependent else PROVENANCE_EXCLUDED | KERNEL_ATTRIBUTES
    body = hdf5_lines(path, excluded) if kind == "hdf5" else text_file_lines(path, kind)
    return [f"== {path.name} ({kind})"] + body


# ---- cases ---------------------------------------------------------------------------------


def load_case(case_dir):
    try:
        spec = tomllib.loads((case_dir / CASE_FILE).read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise CaseError(f"{case_dir / CASE_FILE}: {e}") from e
    unknown = set(spec) - {"description", "commands", "outputs", "same", "kernel_dependent"}
    if unknown or not spec.get("commands") or not spec.get("outputs"):
        raise CaseError(f"{case_dir / CASE_FILE}: needs 'commands' and 'outputs' (and may have "
                        f"'description', 'same', 'kernel_dependent'); unknown keys "
                        f"{sorted(unknown)}")
    return spec


def expected_name(spec, kernels):
    """The digest file of a case at a kernel level (KERNEL_ATTRIBUTES)."""
    if not spec.get("kernel_dependent", False):
        return EXPECTED_NAME
    if kernels is None:
        raise CaseError("the case is kernel_dependent: give the level with --kernels")
    return f"results_true.{kernels}.dat"


def run_commands(spec, case_dir, kirchhoff, scratch, kernels):
    """Runs the case's commands from the source root ('{case}' is the case's directory relative
    to it, so paths written into outputs do not depend on the checkout; '{out}' the scratch
    directory)."""
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in HERMETIC_UNSET}
    if kernels is not None:
        env["KIRCHHOFF_KERNELS"] = kernels
    case_rel = os.path.relpath(case_dir, SOURCE_ROOT)
    for args in spec["commands"]:
        argv = [str(kirchhoff)] + [
            a.replace("{case}", case_rel).replace("{out}", str(scratch)) for a in args
        ]
        r = subprocess.run(argv, cwd=SOURCE_ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        with (scratch / "commands.log").open("a") as log:
            log.write(f"$ {' '.join(argv)}\n{r.stdout}\n")
        if r.returncode != 0:
            raise CaseError(f"exit status {r.returncode}: {' '.join(argv)}\n{r.stdout}")


def check_same(spec, scratch):
    """[[same]]: files that must digest alike (e.g. merged shards and one run), except for the
    listed keys (e.g. the shard count in the provenance)."""
    dependent = spec.get("kernel_dependent", False)
    for same in spec.get("same", []):
        skip = set(same.get("except", []))
        first, *others = same["files"]
        def body(name):
            return [line for line in digest_file(scratch / name, dependent)[1:]
                    if line.split(" ", 1)[0] not in skip]
        for other in others:
            diff = list(difflib.unified_diff(body(first), body(other), first, other, lineterm=""))
            if diff:
                raise CaseError(f"{other} does not digest like {first} "
                                f"(apart from {sorted(skip)}):\n" + "\n".join(diff[:200]))


def case_digest(case_dir, kirchhoff, scratch, kernels):
    spec = load_case(case_dir)
    run_commands(spec, case_dir, kirchhoff, scratch, kernels)
    check_same(spec, scratch)
    lines = [f"# digest of tests/regression/{case_dir.name} by tests/regression/harness.py; "
             "regenerate with --regenerate (README.md)"]
    for name in spec["outputs"]:
        lines += digest_file(scratch / name, spec.get("kernel_dependent", False))
    return "\n".join(lines) + "\n"


def compare(expected, actual, label="results_true.dat"):
    """A unified diff of expected against actual digest text ([] when they are equal)."""
    return list(difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                     f"{label} (expected)", "this run", lineterm="", n=2))


def check_case(case_dir, kirchhoff, scratch, regenerate, kernels=None):
    """0 when the digest matches (or was written), 1 when it differs; CaseError otherwise."""
    expected_file = case_dir / expected_name(load_case(case_dir), kernels)
    if not regenerate and not expected_file.exists():
        raise CaseError(f"{expected_file} is missing; write it with --regenerate")
    actual = case_digest(case_dir, kirchhoff, scratch, kernels)
    if regenerate:
        # A value that changes between two identical runs (time, host, ...) must not get into
        # a digest: it would fail every later run.
        again = case_digest(case_dir, kirchhoff, scratch, kernels)
        if again != actual:
            raise CaseError("two runs gave different digests; exclude the value that differs "
                            "(PROVENANCE_EXCLUDED) or fix the program:\n" +
                            "\n".join(compare(actual, again, "first run")))
        expected_file.write_text(actual)
        print(f"{case_dir.name}: wrote {expected_file}")
        return 0
    diff = compare(expected_file.read_text(), actual, expected_file.name)
    if not diff:
        print(f"{case_dir.name}: digest matches")
        return 0
    (scratch / "results_this_run.dat").write_text(actual)
    shown = diff[:300]
    print(f"{case_dir.name}: digest differs from {expected_file}", file=sys.stderr)
    print("\n".join(shown), file=sys.stderr)
    if len(diff) > len(shown):
        print(f"... {len(diff) - len(shown)} more diff lines", file=sys.stderr)
    print(f"This run's digest and outputs: {scratch}. If the change of results is intended, "
          "regenerate (tests/regression/README.md) and commit the new digest with it.",
          file=sys.stderr)
    return 1


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("cases", nargs="*", type=Path, help="case directories (default: all)")
    p.add_argument("--kirchhoff", type=Path,
                   default=SOURCE_ROOT / "build" / "release" / "apps" / "kirchhoff")
    p.add_argument("--scratch", type=Path, help="outputs go to SCRATCH/<case> (default: a "
                   "temporary directory, kept when a digest differs)")
    p.add_argument("--regenerate", action="store_true",
                   default=os.environ.get("KIRCHHOFF_REGENERATE_DIGESTS") == "1",
                   help="write the expected digests (also KIRCHHOFF_REGENERATE_DIGESTS=1)")
    p.add_argument("--kernels", help="kernel level to run the commands at (KIRCHHOFF_KERNELS); "
                   "exits with 77 (skipped) when this CPU cannot run it")
    a = p.parse_args(argv)
    cases = a.cases or sorted(d.parent for d in HERE.glob(f"*/{CASE_FILE}"))
    if not a.kirchhoff.is_file():
        print(f"harness.py: no program at {a.kirchhoff} (--kirchhoff)", file=sys.stderr)
        return 2
    if a.kernels is not None:
        probe = subprocess.run([str(a.kirchhoff), "--kernels", a.kernels, "--version"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if probe.returncode != 0:
            print(f"harness.py: skipped: {probe.stdout.strip()}", file=sys.stderr)
            return SKIPPED
    scratch_root = a.scratch or Path(tempfile.mkdtemp(prefix="kirchhoff-regression-"))
    status = 0
    for case in cases:
        case = case.resolve()
        try:
            status = max(status, check_case(case, a.kirchhoff.resolve(),
                                            scratch_root.resolve() / case.name, a.regenerate,
                                            a.kernels))
        except CaseError as e:
            print(f"{case.name}: {e}", file=sys.stderr)
            status = 2
    if a.scratch is None and status == 0:
        shutil.rmtree(scratch_root)
    return status


if __name__ == "__main__":
    sys.exit(main())
