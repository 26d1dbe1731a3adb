#!/usr/bin/python3
"""Plots a Kirchhoff campaign results file (docs/hdf5-schema.md) or a fit report
(docs/fitting.md); run by `kirchhoff plot`.

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
  fit        a fit report of `kirchhoff fit ... --report` (JSON or HDF5): the measured data, the
             fitted curves with their bootstrap bands, and the standardised residuals below
  auto       `fit` for a fit report; `time` when the file has several read times, `sweep`
             otherwise

With --data-json the plotted series are also written as JSON (used by the tests): for time and
sweep, per series x, y (mean), lower, upper (the confidence interval); for histograms, per point
the values, bin edges and counts; for fits, the data, curve and residual series as drawn. Floats are written with Python's shortest round-trip repr,
NaN as null.

Exit status: 0 plotted, 2 bad input (unknown metric or key, not a campaign file), 1 otherwise.
"""

import argparse
import os
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


def number_text(values):
    """A constant series as its value ("0.9120"), else its range ("0.89-0.91")."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return "(none)"
    lo, hi = float(finite.min()), float(finite.max())
    return f"{lo:.4g}" if lo == hi else f"{lo:.4g}-{hi:.4g}"


def reference_metric(results, m):
    """The digital reference of metric m, if the file has one: `float_<metric>` (the dnn
    workload's float_top1_accuracy for top1_accuracy), else None."""
    name = "float_" + results.metrics[m]
    return results.metrics.index(name) if name in results.metrics else None


def plot_time(results, m, ax):
    """Mean against read time, one line and confidence band per point; the float reference of
    an accuracy as a dashed line in the point's colour."""
    series = []
    t = results.read_times
    reference = reference_metric(results, m)
    references = []
    for p in range(len(results.labels)):
        y, lo, hi = results.mean[p, :, m], results.lower[p, :, m], results.upper[p, :, m]
        (line,) = ax.plot(t, y, marker="o", label=results.point_label(p))
        ax.fill_between(t, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
        entry = {"label": results.point_label(p), "point": p, "x": t, "y": y,
                 "lower": lo, "upper": hi}
        if reference is not None:
            ref = results.mean[p, :, reference]
            entry["reference"] = ref
            # One dashed line per distinct reference (points of one network share it).
            if not any(np.array_equal(ref, drawn, equal_nan=True) for drawn in references):
                references.append(ref)
                ax.plot(t, ref, linestyle="--", color=line.get_color(), alpha=0.8,
                        label=f"{results.metrics[reference]} {number_text(ref)}")
        series.append(entry)
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


def zipped_with(results, a):
    """The swept keys that advance together with key a (one zip group). Axes of different zip
    groups form a cartesian product, so a key b belongs to a's group exactly when the values of
    a and b determine each other over the points."""
    partners = []
    for b in range(len(results.keys)):
        if b == a:
            continue
        a_to_b, b_to_a = {}, {}
        paired = all(a_to_b.setdefault(results.texts[p, a], results.texts[p, b])
                     == results.texts[p, b] and
                     b_to_a.setdefault(results.texts[p, b], results.texts[p, a])
                     == results.texts[p, a] for p in range(len(results.labels)))
        if paired and len(a_to_b) > 1:
            partners.append(b)
    return partners


def plot_sweep(results, m, ax, x_name, time_s=None):
    """Mean against one swept key; one line per value of the other keys (those zipped with it
    move along it and are named on the axis) and per read time, or at the one read time time_s."""
    a = sweep_key(results, x_name)
    numeric = bool(np.all(np.isfinite(results.values[:, a])))
    partners = zipped_with(results, a)
    others = [b for b in range(len(results.keys)) if b != a and b not in partners]
    # Points that differ only in key a (and its zip partners) form one line, in the order they
    # first appear.
    groups = {}
    for p in range(len(results.labels)):
        group = tuple(results.texts[p, b] for b in others)
        groups.setdefault(group, []).append(p)
    categories = list(dict.fromkeys(results.texts[:, a]))  # x positions of non-numeric keys
    times = (range(len(results.read_times)) if time_s is None
             else [read_time_index(results, time_s)])
    several_times = len(times) > 1
    reference = reference_metric(results, m)
    references = []
    series = []
    for group, points in groups.items():
        if numeric:
            points = sorted(points, key=lambda p: results.values[p, a])
            x = [results.values[p, a] for p in points]
        else:
            x = [categories.index(results.texts[p, a]) for p in points]
        for k in times:
            time = results.read_times[k]
            y = np.array([results.mean[p, k, m] for p in points])
            lo = np.array([results.lower[p, k, m] for p in points])
            hi = np.array([results.upper[p, k, m] for p in points])
            parts = [f"{results.keys[b]}={v}" for b, v in zip(others, group)]
            if several_times:
                parts.append(f"t = {format_time(time)}")
            label = ", ".join(parts) or results.campaign or "mean"
            # Error bars need non-negative half-widths; NaN (n < 2) draws no bar.
            yerr = np.vstack([y - lo, hi - y])
            bars = ax.errorbar(x, y, yerr=yerr, marker="o", capsize=3, label=label)
            entry = {"label": label, "points": points,
                     "x": [results.texts[p, a] for p in points] if not numeric else x,
                     "y": y, "lower": lo, "upper": hi, "read_time": time}
            if reference is not None:
                ref = np.array([results.mean[p, k, reference] for p in points])
                entry["reference"] = ref
                if not any(np.array_equal(ref, drawn, equal_nan=True) for drawn in references):
                    references.append(ref)
                    ax.plot(x, ref, linestyle="--", color=bars.lines[0].get_color(), alpha=0.8,
                            label=f"{results.metrics[reference]} {number_text(ref)}")
            series.append(entry)
    unit = results.key_units[a] if a < len(results.key_units) else ""
    xlabel = results.keys[a] + unit_suffix(unit)
    if partners:
        xlabel += " (zipped with " + ", ".join(results.keys[b] for b in partners) + ")"
    ax.set_xlabel(xlabel)
    if numeric:
        format_axis(ax.xaxis, unit)
    else:
        ax.set_xticks(range(len(categories)), categories)
    data = {"x_key": results.keys[a], "x_unit": unit, "series": series,
            "zipped_keys": [results.keys[b] for b in partners]}
    if time_s is not None:
        data["read_time"] = results.read_times[times[0]]
    return data


def energy_metric(results, name):
    """The cost metric on the x axis of a tradeoff plot: `name`, else the first energy metric."""
    if name is not None:
        return results.metric_index(name)
    for candidate in ("energy_per_inference", "energy_per_mvm"):
        if candidate in results.metrics:
            return results.metrics.index(candidate)
    raise InputError("a tradeoff plot needs a cost metric (energy_per_inference or "
                     "energy_per_mvm, from a campaign with [workload.cost]); metrics: "
                     + ", ".join(results.metrics))


def pareto_front(x, y, higher_is_better):
    """Indices of the points no other point beats in both: less x and better y (docs/cost.md)."""
    sign = 1.0 if higher_is_better else -1.0
    order = sorted(range(len(x)), key=lambda i: (x[i], -sign * y[i]))
    front, best = [], None
    for i in order:
        if best is None or sign * y[i] > best:
            front.append(i)
            best = sign * y[i]
    return front


def plot_tradeoff(results, m, ax, x_name, time_s=None):
    """Each sweep point's metric m against its energy at one read time (the last by default),
    both with their confidence intervals, and the Pareto front: accuracies are better high, other
    metrics (errors) low."""
    e = energy_metric(results, x_name)
    k = read_time_index(results, time_s)
    points = [p for p in range(len(results.labels))
              if np.isfinite(results.mean[p, k, e]) and np.isfinite(results.mean[p, k, m])]
    if not points:
        raise InputError("no sweep point has finite values of both metrics")
    x = np.array([results.mean[p, k, e] for p in points])
    y = np.array([results.mean[p, k, m] for p in points])
    xerr = np.vstack([x - [results.lower[p, k, e] for p in points],
                      [results.upper[p, k, e] for p in points] - x])
    yerr = np.vstack([y - [results.lower[p, k, m] for p in points],
                      [results.upper[p, k, m] for p in points] - y])
    ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="o", capsize=3, label="sweep points")
    for xi, yi, p in zip(x, y, points):
        ax.annotate(results.point_label(p), (xi, yi), textcoords="offset points", xytext=(4, 4),
                    fontsize="small")
    higher = "accuracy" in results.metrics[m]
    front = pareto_front(list(x), list(y), higher)
    ax.plot(x[front], y[front], linestyle="--", marker="", label="Pareto front")
    unit = results.metric_units[e]
    ax.set_xlabel(results.metrics[e] + unit_suffix(unit))
    format_axis(ax.xaxis, unit)
    return {"x_metric": results.metrics[e], "x_unit": unit, "read_time": results.read_times[k],
            "points": points, "labels": [results.point_label(p) for p in points],
            "x": x, "y": y, "x_lower": x - xerr[0], "x_upper": x + xerr[1],
            "y_lower": y - yerr[0], "y_upper": y + yerr[1],
            "higher_is_better": higher, "pareto": [points[i] for i in front]}


def read_time_index(results, time_s):
    """The index of the read time time_s (the last one when None)."""
    if time_s is None:
        return len(results.read_times) - 1
    for k, t in enumerate(results.read_times):
        if abs(t - time_s) <= 1e-9 * max(abs(t), abs(time_s)):
            return k
    listed = ", ".join(format_time(t) for t in results.read_times)
    raise InputError(f"no read time {format_time(time_s)} in the file; read times: {listed}")


def plot_histogram(results, m, ax, unit, time_s=None):
    """Per-trial values of the metric at one read time (the last by default), one histogram per
    point."""
    k = read_time_index(results, time_s)
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


# ---- fit reports ---------------------------------------------------------------------------------

FIT_FILETYPE = "kirchhoff-fit-report"


def floats(values):
    """A list of JSON numbers (null for NaN) as a float array."""
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def is_fit_report(path):
    """Whether `path` is a fit report: a .json file, or HDF5 with the fit report's filetype."""
    if path.lower().endswith(".json"):
        return True
    try:
        with h5py.File(path, "r") as f:
            return attribute_text(f, "filetype") == FIT_FILETYPE
    except OSError:
        return False


def read_fit_report(path):
    """A fit report, JSON or HDF5, as one dict (the JSON layout, arrays as float arrays)."""
    if path.lower().endswith(".json"):
        try:
            with open(path, encoding="utf-8") as f:
                r = json.load(f)
        except (OSError, ValueError) as e:
            raise InputError(f"cannot read '{path}' as a JSON fit report: {e}") from e
        if r.get("filetype") != FIT_FILETYPE:
            raise InputError(f"'{path}' is not a {FIT_FILETYPE} file")
        for group in ("data", "curves", "residuals"):
            for s in r[group]:
                for key in ("x", "y", "z", "lower", "upper"):
                    if key in s:
                        s[key] = floats(s[key])
        return r
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise InputError(f"cannot open '{path}' as HDF5: {e}") from e
    with f:
        if attribute_text(f, "filetype") != FIT_FILETYPE:
            raise InputError(f"'{path}' is not a {FIT_FILETYPE} file")
        r = {key: attribute_text(f, key) for key in ("kind", "form", "title", "source")}
        r["confidence"] = float(f.attrs.get("confidence", math.nan))
        for axis in ("x", "y"):
            r[axis] = {part: attribute_text(f, f"{axis}_{part}") for part in ("name", "unit",
                                                                               "scale")}
        r["residual"] = {"name": attribute_text(f, "residual_name")}
        for group in ("data", "curves", "residuals"):
            series = []
            for i in range(int(f[group].attrs.get("count", 0))):
                g = f[f"{group}/{i}"]
                s = {"label": attribute_text(g, "label")}
                for key in ("x", "y", "z", "lower", "upper"):
                    if key in g:
                        s[key] = g[key][()].astype(float)
                series.append(s)
            r[group] = series
        names = strings(f["parameters/name"]) if f["parameters/name"].size else []
        r["parameters"] = [
            {"name": n, "unit": u, "value": float(v), "lower": float(lo), "upper": float(hi)}
            for n, u, v, lo, hi in zip(names, strings(f["parameters/unit"]) if names else [],
                                       f["parameters/value"][()], f["parameters/lower"][()],
                                       f["parameters/upper"][()])]
        gof_names = strings(f["goodness_of_fit/name"]) if f["goodness_of_fit/name"].size else []
        r["goodness_of_fit"] = dict(zip(gof_names, (float(v) for v in
                                                    f["goodness_of_fit/value"][()])))
    return r


def plot_fit(report, fig):
    """The measured data and the fitted curves (bands: bootstrap intervals), residuals below."""
    ax, res = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    x_axis, y_axis = report["x"], report["y"]
    many = len(report["data"]) > 8  # many devices: no legend entry for each
    drawn = {"data": [], "curves": [], "residuals": []}
    # One curve per data series (a device and its fitted curve): the same colour for both.
    paired = len(report["curves"]) == len(report["data"]) > 1
    colours = []
    for k, s in enumerate(report["data"]):
        (points,) = ax.plot(s["x"], s["y"], linestyle="none", marker="o", markersize=2.5,
                            alpha=0.5,
                            label=None if many and k > 0 else ("data" if many else s["label"]))
        colours.append(points.get_color())
        drawn["data"].append({"label": s["label"], "x": s["x"], "y": s["y"]})
    for k, s in enumerate(report["curves"]):
        style = {"color": colours[k]} if paired else {}
        # Paired curves share their data's colour: one legend entry says so.
        label = s["label"] if not (many or paired) else (
            None if k > 0 else "fitted curves (lines)")
        (line,) = ax.plot(s["x"], s["y"], linewidth=1.5, **style, label=label)
        entry = {"label": s["label"], "x": s["x"], "y": s["y"]}
        if "lower" in s:
            ok = np.isfinite(s["lower"]) & np.isfinite(s["upper"])
            ax.fill_between(s["x"][ok], s["lower"][ok], s["upper"][ok], color=line.get_color(),
                            alpha=0.2, linewidth=0)
            entry.update({"lower": s["lower"], "upper": s["upper"]})
        drawn["curves"].append(entry)
    for k, s in enumerate(report["residuals"]):
        style = {"color": colours[k]} if len(report["residuals"]) == len(colours) else {}
        res.plot(s["x"], s["z"], linestyle="none", marker="o", markersize=2.5, alpha=0.5, **style)
        drawn["residuals"].append({"label": s["label"], "x": s["x"], "z": s["z"]})
    for level, style in ((0.0, "-"), (2.0, "--"), (-2.0, "--")):
        res.axhline(level, color="grey", linewidth=0.8, linestyle=style)
    # Scales first: setting a scale resets the tick formatters.
    ax.set_xscale(x_axis.get("scale", "linear"))
    ax.set_yscale(y_axis.get("scale", "linear"))
    for a, axis in ((ax.xaxis, x_axis), (res.xaxis, x_axis), (ax.yaxis, y_axis)):
        format_axis(a, axis["unit"])
    # A log axis over less than a decade or so would show one labelled tick: label the minor ones.
    for a, axis, limits in ((res.xaxis, x_axis, ax.get_xlim()), (ax.yaxis, y_axis, ax.get_ylim())):
        if axis.get("scale") == "log" and limits[0] > 0 and limits[1] / limits[0] < 30:
            a.set_minor_locator(ticker.LogLocator(subs=(2.0, 5.0)))
            a.set_minor_formatter(ticker.EngFormatter(unit=axis["unit"])
                                  if axis["unit"] in SI_UNITS else ticker.LogFormatterSciNotation(
                                      minor_thresholds=(2, 0.5)))
    res.set_xlabel(x_axis["name"] + unit_suffix(x_axis["unit"]))
    ax.set_ylabel(y_axis["name"] + unit_suffix(y_axis["unit"]))
    res.set_ylabel(report["residual"]["name"] or "z", fontsize="small")
    gof = report.get("goodness_of_fit", {})
    confidence = report.get("confidence", math.nan)
    note = []
    if math.isfinite(confidence) and any("lower" in s for s in report["curves"]):
        note.append(f"bands: {100 * confidence:g} % bootstrap intervals")
    if gof.get("ks_p_value") is not None and math.isfinite(gof["ks_p_value"]):
        note.append(f"KS p = {gof['ks_p_value']:.3g}")
    ax.text(0.99, 0.01, ", ".join(note), transform=ax.transAxes, ha="right", va="bottom",
            fontsize="small", alpha=0.7)
    ax.set_title(f"{report['title']}\n{report['source']}", fontsize="medium")
    for a in (ax, res):
        a.grid(True, which="major", alpha=0.3)
    if sum(1 for h in ax.get_legend_handles_labels()[1]) > 6:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.legend(fontsize="small")
    return {"fit_kind": report["kind"], "form": report["form"], "x_unit": x_axis["unit"],
            "y_unit": y_axis["unit"], **drawn}


def place_legend(fig, ax):
    """A short legend inside the axes; a long one below them, across the figure, in as many
    columns as its labels allow, the figure made taller to hold it so the axes keep their size."""
    handles, labels = ax.get_legend_handles_labels()
    if len(labels) <= 5:
        ax.legend(fontsize="small")
        return
    longest = max(len(label) for label in labels)
    columns = 3 if longest <= 28 else 2 if longest <= 48 else 1
    rows = -(-len(labels) // columns)
    legend_height = 0.25 + 0.19 * rows  # inches, at font size "small"
    height = fig.get_figheight()
    fig.set_figheight(height + legend_height)
    share = legend_height / (height + legend_height)
    fig.get_layout_engine().set(rect=(0, share, 1, 1 - share))
    fig.legend(handles, labels, fontsize="small", loc="lower center", ncols=columns,
               bbox_to_anchor=(0.5, 0.0), frameon=False)


def main(argv):
    parser = argparse.ArgumentParser(
        description="Plot a Kirchhoff campaign results file or fit report.")
    parser.add_argument("file", help="results file (.h5) of `kirchhoff run` or `merge`, or a fit "
                                     "report (.json, .h5) of `kirchhoff fit --report`")
    parser.add_argument("--kind", choices=["auto", "time", "sweep", "histogram", "fit",
                                           "tradeoff"],
                        default="auto")
    parser.add_argument("--metric", help="metric to plot (default: the first relative error)")
    parser.add_argument("--x", dest="x_key", help="swept key on the x axis (kind sweep); the "
                                                  "cost metric on it (kind tradeoff)")
    parser.add_argument("--out", required=True, help="image file to write")
    parser.add_argument("--format", help="png, svg or pdf (default: from --out's extension)")
    parser.add_argument("--data-json", help="also write the plotted series to this JSON file")
    parser.add_argument("--read-time", type=float,
                        help="read time (s) of a histogram (default: the last read time) or of a "
                             "sweep plot (default: every read time)")
    args = parser.parse_args(argv)

    if args.kind == "fit" or (args.kind == "auto" and is_fit_report(args.file)):
        report = read_fit_report(args.file)
        fig = plt.figure(figsize=(7.5, 6.0), layout="constrained")
        data = plot_fit(report, fig)
        fig.savefig(args.out, format=args.format, dpi=150)
        plt.close(fig)
        if args.data_json:
            data.update({"file": args.file, "kind": "fit", "title": report["title"]})
            with open(args.data_json, "w", encoding="utf-8") as out:
                json.dump(jsonable(data), out, indent=1, allow_nan=False)
                out.write("\n")
        return 0

    results = Results(args.file)
    m = results.metric_index(args.metric)
    metric, unit = results.metrics[m], results.metric_units[m]
    kind = args.kind
    if kind == "auto":
        kind = "time" if len(results.read_times) > 1 else "sweep"
    if kind == "time" and args.read_time is not None:
        raise InputError("--time chooses the read time of a histogram or sweep plot; a time plot "
                         "shows every read time (use --kind sweep or histogram)")

    fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
    if kind == "time":
        data = plot_time(results, m, ax)
    elif kind == "sweep":
        data = plot_sweep(results, m, ax, args.x_key, args.read_time)
    elif kind == "tradeoff":
        data = plot_tradeoff(results, m, ax, args.x_key, args.read_time)
    else:
        data = plot_histogram(results, m, ax, unit, args.read_time)
    if kind != "histogram":
        ax.set_ylabel(metric + unit_suffix(unit))
        format_axis(ax.yaxis, unit)
        ax.text(0.99, 0.01, f"bands: {confidence_text(results)} (Student t)",
                transform=ax.transAxes, ha="right", va="bottom", fontsize="small", alpha=0.7)
    title = f"{results.campaign}: {metric}"
    if "read_time" in data:
        title += f" at {format_time(data['read_time'])}"
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    place_legend(fig, ax)
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
    except Exception as e:  # pylint: disable=broad-except
        # A file the checks above let through but the script cannot draw: one line naming the
        # file and what failed, not a traceback (KIRCHHOFF_PLOT_DEBUG=1 shows it).
        if os.environ.get("KIRCHHOFF_PLOT_DEBUG"):
            raise
        print(f"error: cannot plot '{sys.argv[1] if len(sys.argv) > 1 else ''}': "
              f"{type(e).__name__}: {e} (KIRCHHOFF_PLOT_DEBUG=1 shows where)", file=sys.stderr)
        sys.exit(1)
