#!/bin/sh
# Regenerates the synthetic example measurements of this folder from the pcm-joshi2020 and
# agasi-neurosim presets with `kirchhoff device sample` and `device curve` (docs/fitting.md); the
# HDF5 copy needs python3-h5py. Usage: make-synthetic.sh path/to/kirchhoff
set -eu
KIRCHHOFF=${1:-kirchhoff}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Programming: 8 targets x 100 devices, read at t_0 = 20 s without read noise (g_P itself).
{
  echo "# SYNTHETIC DATA, not measurements: drawn from the pcm-joshi2020 preset (Joshi et al. 2020"
  echo "# programming-noise model) by data/measurements/make-synthetic.sh, seeds 11-18."
  echo "target_uS,programmed_uS"
  seed=11
  for target in 1 2.5 5 7.5 10 15 20 24; do
    "$KIRCHHOFF" device sample --preset pcm-joshi2020 --target "${target}uS" --time 20s \
      --count 100 --seed $seed --no-read-noise --out "$TMP/p.csv" --force > /dev/null
    tail -n +2 "$TMP/p.csv" | awk -v t="$target" '{ printf "%s,%.6f\n", t, $1 * 1e6 }'
    seed=$((seed + 1))
  done
} > "$HERE/programming-synthetic.csv"

# Drift: 6 targets x 40 devices, read at 20 s, 1 min, 10 min, 1 h, 10 h, 1 d with read noise.
{
  echo "# SYNTHETIC DATA, not measurements: drawn from the pcm-joshi2020 preset (programming noise,"
  echo "# drift nu = |N(mu_nu, sigma_nu^2)|, 1/f read noise) by make-synthetic.sh, seeds 21-26."
  echo "device,target_uS,time_s,conductance_uS"
  seed=21
  for target in 2.5 5 10 15 20 24; do
    "$KIRCHHOFF" device sample --preset pcm-joshi2020 --target "${target}uS" \
      --time 20s,1min,10min,1h,10h,1d --count 40 --seed $seed --out "$TMP/d.csv" --force > /dev/null
    tail -n +2 "$TMP/d.csv" | awk -F, -v t="$target" '
      BEGIN { split("20 60 600 3600 36000 86400", times, " ") }
      { for (k = 1; k <= NF; ++k) printf "g%s-%03d,%s,%s,%.6f\n", t, NR, t, times[k], $k * 1e6 }'
    seed=$((seed + 1))
  done
} > "$HERE/drift-synthetic.csv"

# Read noise: 6 targets x 30 devices, each read 10 times at 1 min and 10 times at 1 h (repeated
# reads: each has its own read noise, the drift between 1 min and 1 h is the device's).
REPEATS="1min,1min,1min,1min,1min,1min,1min,1min,1min,1min,1h,1h,1h,1h,1h,1h,1h,1h,1h,1h"
{
  echo "# SYNTHETIC DATA, not measurements: repeated reads drawn from the pcm-joshi2020 preset (1/f read"
  echo "# noise Q_s = min(0.0088/x^0.65, 0.2), drift, programming noise) by make-synthetic.sh, seeds 41-46."
  echo "device,target_uS,time_s,conductance_uS"
  seed=41
  for target in 2.5 5 10 15 20 24; do
    "$KIRCHHOFF" device sample --preset pcm-joshi2020 --target "${target}uS" --time "$REPEATS" \
      --count 30 --seed $seed --out "$TMP/r.csv" --force > /dev/null
    tail -n +2 "$TMP/r.csv" | awk -F, -v t="$target" '
      { for (k = 1; k <= NF; ++k) printf "r%s-%03d,%s,%s,%.6f\n", t, NR, t, (k <= 10 ? 60 : 3600), $k * 1e6 }'
    seed=$((seed + 1))
  done
} > "$HERE/read-noise-synthetic.csv"

# Pulse response: 8 agasi-neurosim devices (97 LTP pulses from G_min, then 97 LTD pulses; the
# preset's LTD curve spans 100 pulses), seeds 31-38; and the same data as HDF5.
{
  echo "# SYNTHETIC DATA, not measurements: pulse responses drawn from the agasi-neurosim preset (NL 2.4 /"
  echo "# -4.88, C2C 3.5 %, 97 / 100 pulses) by make-synthetic.sh, kirchhoff device curve seeds 31-38."
  echo "device,pulse,polarity,conductance_nS"
  for seed in 31 32 33 34 35 36 37 38; do
    "$KIRCHHOFF" device curve --preset agasi-neurosim --pulses 97 --seed $seed | tail -n +2 |
      awk -F, -v d="$seed" '{ printf "a%s,%s,%s,%.6f\n", d, $1, $2, $4 * 1e9 }'
  done
} > "$HERE/pulse-synthetic.csv"
/usr/bin/python3 "$HERE/csv-to-hdf5.py" "$HERE/pulse-synthetic.csv" "$HERE/pulse-synthetic.h5"
