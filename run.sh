#!/usr/bin/env bash
# Kirchhoff on a fresh Debian 12 machine. Every command installs the Debian packages it needs
# (apt-get, as root or through sudo), configures and builds with CMake, then:
#   ./run.sh demo         the main job: the built-in demo campaign, results in results/demo.h5
#                         and its plot in results/demo.png
#   ./run.sh test         the whole test suite (ctest), Release build
#   ./run.sh sanitize     the whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   ./run.sh statistical  only the statistical validation tests (ctest label "statistical")
#   ./run.sh bench        the micro-benchmarks in bench/
#   ./run.sh deps         only install the packages
# Build trees live in build/<configuration>; set JOBS to limit parallel compilation.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

PACKAGES=(
  cmake make g++ pkg-config git
  libhdf5-dev hdf5-tools libtbb-dev libboost-math-dev libgtest-dev libgmock-dev
  librandom123-dev libeigen3-dev libtomlplusplus-dev libcli11-dev libfmt-dev libbenchmark-dev
  libsuitesparse-dev ngspice libopenmpi-dev openmpi-bin python3-h5py python3-numpy
  python3-matplotlib libonnx-dev libprotobuf-dev zlib1g-dev dataset-fashion-mnist
)
# Only for ./run.sh bench: PyTorch, the baseline of bench/nn_bench (and the models' training).
BENCH_PACKAGES=(python3-torch)
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then
      sudo=(sudo)
    else
      echo "error: missing packages (${missing[*]}) and not root; install them or run as root" >&2
      exit 1
    fi
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
}

# build <name> <cmake options...>
build() {
  local dir="build/$1"
  shift
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

ctest_in() {
  local dir=$1
  shift
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" "$@"
}

case "${1:-}" in
  deps) install_packages ;;
  demo)
    install_packages
    build release -DCMAKE_BUILD_TYPE=Release
    build/release/apps/kirchhoff --version
    mkdir -p results
    # The demo replaces its own previous result; campaigns never replace a file without --force.
    build/release/apps/kirchhoff run --output results/demo.h5 --force
    # Its plot (docs/plotting.md): RMS conductance error against read time, one line per sweep point.
    build/release/apps/kirchhoff plot results/demo.h5 --metric rms_error --out results/demo.png --force
    echo "results: $(pwd)/results/demo.h5"
    echo "plot:    $(pwd)/results/demo.png"
    ;;
  test)
    install_packages
    build release -DCMAKE_BUILD_TYPE=Release
    ctest_in build/release
    ;;
  statistical)
    install_packages
    build release -DCMAKE_BUILD_TYPE=Release
    ctest_in build/release -L statistical
    ;;
  sanitize)
    install_packages
    # Without MPI: OpenMPI leaks at MPI_Init by design, which LeakSanitizer would report.
    # Optimised (-O2 -g): the sanitizers work as well, and the numerical tests run 50-100x faster
    # than at -O0.
    build sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKIRCHHOFF_SANITIZE=ON -DKIRCHHOFF_BUILD_BENCHMARKS=OFF \
      -DKIRCHHOFF_MPI=OFF
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest_in build/sanitize
    ;;
  bench)
    PACKAGES+=("${BENCH_PACKAGES[@]}")
    install_packages
    build release -DCMAKE_BUILD_TYPE=Release
    for b in build/release/bench/*_bench; do "$b"; done
    ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
