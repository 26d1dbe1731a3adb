#!/usr/bin/python3
"""Runs every benchmark of a build and writes their figures into bench/README.md.

  bench/report.py [--build build/release] [--filter EXE=REGEX ...] [--dry-run]

Each build/<...>/bench/*_bench runs once (Google Benchmark, JSON output); the table between the
markers of bench/README.md is replaced by one row per benchmark: its time and every counter it
reports (the ratios against the baselines measured in the same run: docs/performance.md). The
header says when, on which CPU, at which kernel level and BLAS, and how loaded the machine was
before and after. --filter passes --benchmark_filter to one executable (e.g.
ir_drop_bench=Exact to leave out the slow sizes). --dry-run prints the table instead.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
README = HERE / "README.md"
BEGIN = "<!-- report.py: begin -->"
END = "<!-- report.py: end -->"


def cpu_model():
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def run(executable, extra):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        argv = [str(executable), f"--benchmark_out={out.name}", "--benchmark_out_format=json"]
        argv += extra
        r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise SystemExit(f"{executable.name} failed ({r.returncode}):\n{r.stderr}")
        return json.loads(pathlib.Path(out.name).read_text())


def number(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


COUNTER_SKIP = {"name", "run_name", "run_type", "repetitions", "repetition_index", "threads",
                "iterations", "real_time", "cpu_time", "time_unit", "family_index",
                "per_family_instance_index", "label", "aggregate_name", "error_occurred",
                "error_message"}


def rows(report):
    for b in report.get("benchmarks", []):
        counters = {k: v for k, v in b.items() if k not in COUNTER_SKIP}
        text = ", ".join(f"{k} {number(v)}" for k, v in sorted(counters.items()))
        if b.get("label"):
            text += f" ({b['label']})"
        yield (f"`{b['name']}`", f"{b['real_time']:.4g} {b['time_unit']}", text)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", type=pathlib.Path, default=HERE.parent / "build" / "release")
    p.add_argument("--filter", action="append", default=[], metavar="EXE=REGEX")
    p.add_argument("--dry-run", action="store_true")
    a = p.parse_args()
    filters = dict(f.split("=", 1) for f in a.filter)
    executables = sorted((a.build / "bench").glob("*_bench"))
    if not executables:
        raise SystemExit(f"no benchmarks in {a.build / 'bench'}: build with ./run.sh bench")
    load_before = os.getloadavg()[0]
    lines, context = [], None
    for exe in executables:
        extra = [f"--benchmark_filter={filters[exe.name]}"] if exe.name in filters else []
        print(f"running {exe.name} ...", file=sys.stderr)
        report = run(exe, extra)
        context = context or report.get("context", {})
        lines.append(f"\n### {exe.name}\n\n| benchmark | time | counters |\n|---|---|---|")
        lines += [f"| {n} | {t} | {c} |" for n, t, c in rows(report)]
    load_after = os.getloadavg()[0]
    header = (f"Measured {datetime.date.today().isoformat()} on {cpu_model()}, "
              f"{os.cpu_count()} logical CPUs; kernels {context.get('kirchhoff_kernels', '?')}; "
              f"{context.get('blas', '?')}; load average {load_before:.2f} before, "
              f"{load_after:.2f} after.")
    table = "\n".join([BEGIN, header] + lines + [END])
    if a.dry_run:
        print(table)
        return 0
    text = README.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{README}: no {BEGIN} ... {END} markers")
    text = text[:text.index(BEGIN)] + table + text[text.index(END) + len(END):]
    README.write_text(text)
    print(f"wrote {README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
