#!/usr/bin/python3
"""Plots a Kirchhoff campaign results file (docs/hdf5-schema.md); run by `kirchhoff plot`.

The program `kirchhoff plot` checks the file and the options, then runs this script with
Debian's interpreter (python3-matplotlib, python3-h5py, python3-numpy); see docs/plotting.md.
It can also be run by hand:

    /usr/bin/python3 kirchhoff_plot.py results/demo.h5 --out demo.png

Kinds of plot:
  time       the metric's mean against read time (log axis), one line per sweep point, with
             the Student-t confidence band of the mean from /summary/ci_lower and ci_upper
  sweep      the metric's mean against one swept key, one line per combination of the other
             keys (and per read time when there are several), with confidence-interval bars
  histogram  the per-trial values of the metric at one read time, one histogram per point
  auto       `time` when the file has several read times, `sweep` otherwise

With --data-json the plotted series are also written as JSON (used by the tests): for time and
sweep, per series x, y (mean), lower, upper (the confidence interval); for histograms, per point
the values, bin edges and counts. Floats are written with Python's shortest round-trip repr,
NaN as null.

Exit status: 0 plotted, 2 bad input (unknown metric or key, not a campaign file), 1 otherwise.
"""

import argparse
import json
import math
import sys

import h5py
import matplotlib

matplotlib.use("Agg")  # files only, never a window; must precede importing pyplot
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as ticker  # noqa: E402
import numpy as np  # noqa: E402

# Units that an engineering-prefix axis formatter shows well ("10 µS"); others ("1", "dB")
# are written in the axis label only.
SI_UNITS = {"S", "s", "V", "A", "Ohm", "W", "J", "m"}


class InputError(Exception):
    """Bad input: reported as one line and exit status 2."""


def strings(dataset):
    """A dataset of variable-length strings as a list of str."""
    return list(dataset.asstr()[()]) if dataset.shape != () else [dataset.asstr()[()]]


def attribute_text(obj, name, default=""):
    value = obj.attrs.get(name, default)
    return value.decode() if isinstance(value, bytes) else str(value)


def format_time(seconds):
    """A read time as people write it: 1 s, 20 s, 1 h, 1 d, 1 y (y = 365.25 d, as in campaigns)."""
    for name, size in (("y", 31557600.0), ("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {name}"
    return f"{seconds:.3g} s"


def unit_suffix(unit):
    """' [S]' for a unit, '' for dimensionless ("1") or unknown ("") quantities."""
    return "" if unit in ("", "1") else f" [{unit}]"


def format_axis(axis, unit):
    """Engineering prefixes on an axis in an SI unit (the unit then moves into the ticks)."""
    if unit in SI_UNITS:
        axis.set_major_formatter(ticker.EngFormatter(unit=unit))


class Results:
    """The datasets of a results file that the plots need, read once."""

    def __init__(self, path):
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            raise InputError(f"cannot open '{path}' as HDF5: {e}") from e
        with f:
            if attribute_text(f, "filetype") != "kirchhoff-campaign":
                raise InputError(f"'{path}' is not a kirchhoff-campaign results file")
            self.campaign = attribute_text(f, "campaign")
            self.read_times = f["read_times"][()]
            self.time_unit = attribute_text(f["read_times"], "units", "s")
            self.metrics = strings(f["metrics/name"])
            self.metric_units = strings(f["metrics/unit"])
            self.metric_descriptions = strings(f["metrics/description"])
            self.labels = strings(f["points/label"])
            self.keys = strings(f["points/key"]) if f["points/key"].size else []
            self.key_units = strings(f["points/unit"]) if f["points/unit"].size else []
            self.values = f["points/value"][()].reshape(len(self.labels), len(self.keys))
            texts = strings(f["points/text"]) if f["points/text"].size else []
            self.texts = np.array(texts, dtype=object).reshape(len(self.labels), len(self.keys))
            self.mean = f["summary/mean"][()]
            self.lower = f["summary/ci_lower"][()]
            self.upper = f["summary/ci_upper"][()]
            self.confidence = float(f["summary/ci_lower"].attrs.get("confidence", float("nan")))
            self.trials_done = f["trials_done"][()]
            self._file_path = path

    def point_label(self, p):
        return self.labels[p] or self.campaign or "all trials"

    def metric_index(self, name):
        if name is None:
            # The first relative error metric (relative_rms_error for the device workload,
            # relative_error for the array workload), else the first metric.
            for i, m in enumerate(self.metrics):
                if m.startswith("relative_"):
                    return i
            return 0
        if name not in self.metrics:
            raise InputError(f"no metric '{name}' in the file; metrics: {', '.join(self.metrics)}")
        return self.metrics.index(name)

    def trial_values(self, p, t, m):
        """The trials run at point p (the stopping rule may leave the rest NaN)."""
        with h5py.File(self._file_path, "r") as f:
            values = f["trials"][p, : int(self.trials_done[p]), t, m]
        return values[np.isfinite(values)]


def number(x):
    """A float for JSON: None for NaN and infinities (JSON has neither)."""
    x = float(x)
    return x if math.isfinite(x) else None


def confidence_text(results):
    c = results.confidence
    return f"{100 * c:g} % CI of the mean" if math.isfinite(c) else "CI of the mean"


def plot_time(results, m, ax):
    """Mean against read time, one line and confidence band per point."""
    series = []
    t = results.read_times
    for p in range(len(results.labels)):
        y, lo, hi = results.mean[p, :, m], results.lower[p, :, m], results.upper[p, :, m]
        (line,) = ax.plot(t, y, marker="o", label=results.point_label(p))
        ax.fill_between(t, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
        series.append({"label": results.point_label(p), "point": p, "x": t, "y": y,
                       "lower": lo, "upper": hi})
    ax.set_xscale("log")
    ax.set_xlabel("time after programming" + unit_suffix(results.time_unit))
    # The read times themselves, readable, on the top edge.
    top = ax.secondary_xaxis("top")
    top.set_xticks(t, [format_time(x) for x in t])
    top.xaxis.set_minor_locator(ticker.NullLocator())
    return {"x_key": "read_time", "x_unit": results.time_unit, "series": series}


def sweep_key(results, name):
    """Index of the swept key on the x axis: --x, else the first numeric key, else the first."""
    if not results.keys:
        raise InputError("the campaign has no sweep: there is no swept key to plot against "
                         "(use --kind time or histogram)")
    if name is not None:
        if name not in results.keys:
            raise InputError(f"no swept key '{name}'; swept keys: {', '.join(results.keys)}")
        return results.keys.index(name)
    for a in range(len(results.keys)):
        if np.all(np.isfinite(results.values[:, a])):
            return a
    return 0


def plot_sweep(results, m, ax, x_name):
    """Mean against one swept key; one line per value of the other keys and per read time."""
    a = sweep_key(results, x_name)
    numeric = bool(np.all(np.isfinite(results.values[:, a])))
    others = [b for b in range(len(results.keys)) if b != a]
    # Points that differ only in key a form one line, in the order they first appear.
    groups = {}
    for p in range(len(results.labels)):
        group = tuple(results.texts[p, b] for b in others)
        groups.setdefault(group, []).append(p)
    categories = list(dict.fromkeys(results.texts[:, a]))  # x positions of non-numeric keys
    several_times = len(results.read_times) > 1
    series = []
    for group, points in groups.items():
        if numeric:
            points = sorted(points, key=lambda p: results.values[p, a])
            x = [results.values[p, a] for p in points]
        else:
            x = [categories.index(results.texts[p, a]) for p in points]
        for k, time in enumerate(results.read_times):
            y = np.array([results.mean[p, k, m] for p in points])
            lo = np.array([results.lower[p, k, m] for p in points])
            hi = np.array([results.upper[p, k, m] for p in points])
            parts = [f"{results.keys[b]}={v}" for b, v in zip(others, group)]
            if several_times:
                parts.append(f"t = {format_time(time)}")
            label = ", ".join(parts) or results.campaign or "mean"
            # Error bars need non-negative half-widths; NaN (n < 2) draws no bar.
            yerr = np.vstack([y - lo, hi - y])
            ax.errorbar(x, y, yerr=yerr, marker="o", capsize=3, label=label)
            series.append({"label": label, "points": points,
                           "x": [results.texts[p, a] for p in points] if not numeric else x,
                           "y": y, "lower": lo, "upper": hi, "read_time": time})
    unit = results.key_units[a] if a < len(results.key_units) else ""
    ax.set_xlabel(results.keys[a] + unit_suffix(unit))
    if numeric:
        format_axis(ax.xaxis, unit)
    else:
        ax.set_xticks(range(len(categories)), categories)
    return {"x_key": results.keys[a], "x_unit": unit, "series": series}


def plot_histogram(results, m, ax, unit):
    """Per-trial values of the metric at the last read time, one histogram per point."""
    k = len(results.read_times) - 1
    per_point = [results.trial_values(p, k, m) for p in range(len(results.labels))]
    finite = np.concatenate(per_point) if per_point else np.array([])
    # Common bins so that the histograms compare: about 2 sqrt(n) of them for n trials per
    # point, between 10 and 60, over the range of all values.
    n = max((v.size for v in per_point), default=0)
    bins = int(min(60, max(10, 2 * math.sqrt(n))))
    edges = np.histogram_bin_edges(finite, bins=bins) if finite.size else np.array([0.0, 1.0])
    series = []
    for p, values in enumerate(per_point):
        counts, _, _ = ax.hist(values, bins=edges, histtype="step", linewidth=1.5,
                               label=f"{results.point_label(p)} (n={values.size})")
        series.append({"label": results.point_label(p), "point": p, "values": values,
                       "bin_edges": edges, "counts": counts})
    ax.set_xlabel(results.metrics[m] + unit_suffix(unit))
    ax.set_ylabel("trials")
    format_axis(ax.xaxis, unit)
    return {"read_time": results.read_times[k], "series": series}


def jsonable(value):
    """Arrays and NumPy scalars as JSON lists and numbers (NaN as null)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return number(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def main(argv):
    parser = argparse.ArgumentParser(description="Plot a Kirchhoff campaign results file.")
    parser.add_argument("file", help="results file (.h5) of `kirchhoff run` or `merge`")
    parser.add_argument("--kind", choices=["auto", "time", "sweep", "histogram"], default="auto")
    parser.add_argument("--metric", help="metric to plot (default: the first relative error)")
    parser.add_argument("--x", dest="x_key", help="swept key on the x axis (kind sweep)")
    parser.add_argument("--out", required=True, help="image file to write")
    parser.add_argument("--format", help="png, svg or pdf (default: from --out's extension)")
    parser.add_argument("--data-json", help="also write the plotted series to this JSON file")
    args = parser.parse_args(argv)

    results = Results(args.file)
    m = results.metric_index(args.metric)
    metric, unit = results.metrics[m], results.metric_units[m]
    kind = args.kind
    if kind == "auto":
        kind = "time" if len(results.read_times) > 1 else "sweep"

    fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
    if kind == "time":
        data = plot_time(results, m, ax)
    elif kind == "sweep":
        data = plot_sweep(results, m, ax, args.x_key)
    else:
        data = plot_histogram(results, m, ax, unit)
    if kind != "histogram":
        ax.set_ylabel(metric + unit_suffix(unit))
        format_axis(ax.yaxis, unit)
        ax.text(0.99, 0.01, f"bands: {confidence_text(results)} (Student t)",
                transform=ax.transAxes, ha="right", va="bottom", fontsize="small", alpha=0.7)
    title = f"{results.campaign}: {metric}"
    if kind == "histogram":
        title += f" at {format_time(data['read_time'])}"
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    if len(data["series"]) > 5:  # a long legend goes beside the axes, not over the data
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.legend(fontsize="small")
    fig.savefig(args.out, format=args.format, dpi=150)
    plt.close(fig)

    if args.data_json:
        data.update({"file": args.file, "campaign": results.campaign, "kind": kind,
                     "metric": metric, "unit": unit, "confidence": results.confidence})
        with open(args.data_json, "w", encoding="utf-8") as out:
            json.dump(jsonable(data), out, indent=1, allow_nan=False)
            out.write("\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
