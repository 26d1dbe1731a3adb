#!/usr/bin/python3
"""Converts a measurement CSV file of `kirchhoff fit` into the HDF5 measurement schema
(docs/fitting.md, "HDF5 input"): one 1-D dataset per column at the root, the unit suffix of a
column name moved into the dataset's `unit` attribute ("time_s" -> dataset "time", unit "s"),
root attributes filetype = "kirchhoff-measurements" and schema_version = [1, 0], and the CSV's
'#' comment lines as the root attribute `comment`.

    /usr/bin/python3 csv-to-hdf5.py DATA.csv DATA.h5

Numbers become float64 (int64 when every value of the column is an integer), anything else
variable-length UTF-8 strings. Needs python3-h5py and python3-numpy (Debian).
"""

import sys

import h5py
import numpy as np

# Unit suffixes moved into the attribute (the units kirchhoff reads in column names).
UNITS = {"S", "mS", "uS", "nS", "pS", "s", "ms", "us", "ns", "min", "h", "d"}


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, target = argv
    comments, rows, header = [], [], None
    with open(source, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("#"):
                comments.append(line.lstrip("# "))
            elif header is None:
                header = [h.strip() for h in line.split(",")]
            else:
                rows.append([v.strip() for v in line.split(",")])
    if header is None:
        print(f"error: {source}: no header line", file=sys.stderr)
        return 2
    with h5py.File(target, "w") as out:
        out.attrs["filetype"] = "kirchhoff-measurements"
        out.attrs["schema_version"] = np.array([1, 0], dtype=np.int32)
        if comments:
            out.attrs["comment"] = "\n".join(comments)
        for c, name in enumerate(header):
            values = [row[c] for row in rows]
            base, unit = name, None
            if "_" in name and name.rsplit("_", 1)[1] in UNITS:
                base, unit = name.rsplit("_", 1)
            try:
                numbers = np.array([float(v) for v in values])
                if np.all(numbers == np.round(numbers)) and np.all(np.abs(numbers) < 2**53):
                    data = numbers.astype(np.int64)
                else:
                    data = numbers
            except ValueError:
                data = np.array(values, dtype=h5py.string_dtype())
            dataset = out.create_dataset(base, data=data, compression="gzip", shuffle=True)
            if unit is not None:
                dataset.attrs["unit"] = unit
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
