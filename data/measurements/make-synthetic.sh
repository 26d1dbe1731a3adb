#!/bin/sh
# Regenerates the synthetic example measurements of this folder from the pcm-joshi2020 preset
# with `kirchhoff device sample` (docs/fitting.md). Usage: make-synthetic.sh path/to/kirchhoff
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
