#!/usr/bin/env bash
# Kirchhoff on a fresh Debian 12 machine. Every command installs the Debian packages it needs
# (apt-get, as root or through sudo); all but format, format-check and deps then configure and
# build with CMake, and:
#   ./run.sh demo         the main job: the built-in demo campaign, results in results/demo.h5
#                         and its plot in results/demo.png
#   ./run.sh test         the whole test suite (ctest), Release build
#   ./run.sh sanitize     the whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   ./run.sh tsan         the multi-threaded tests (campaign engine, MVM engine, nn evaluation)
#                         under ThreadSanitizer
#   ./run.sh statistical  only the statistical validation tests (ctest label "statistical")
#   ./run.sh bench        the micro-benchmarks in bench/
#   ./run.sh fuzz [MINUTES] [TARGET...]
#                         libFuzzer on the parsers of outside input (tests/fuzz; clang-14, ASan +
#                         UBSan, in build/fuzz): each target (default: all) for MINUTES (default
#                         1) from a copy of its corpus; crashes in build/fuzz/crashes/<target>/;
#                         prints executions, coverage and features per target; fails on a crash
#   ./run.sh format       reformat every tracked C/C++ source with clang-format-14
#   ./run.sh format-check list the tracked C/C++ sources that clang-format-14 would change; fail
#                         if there are any
#   ./run.sh deps         only install the packages
# Build trees live in build/<configuration>; set JOBS to limit parallel compilation and
# CMAKE_OPTIONS to add options to every configuration (CI: -DKIRCHHOFF_WERROR=ON).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

PACKAGES=(
  cmake make g++ pkg-config git
  libhdf5-dev hdf5-tools libtbb-dev libboost-math-dev libgtest-dev libgmock-dev
  librandom123-dev libeigen3-dev libtomlplusplus-dev libcli11-dev libfmt-dev libbenchmark-dev
  libsuitesparse-dev libopenblas-dev ngspice libopenmpi-dev openmpi-bin python3-h5py python3-numpy
  python3-matplotlib libonnx-dev libprotobuf-dev zlib1g-dev dataset-fashion-mnist
)
# Only for ./run.sh bench: PyTorch and its ONNX reader, the baseline of bench/nn_bench (and the
# models' training).
BENCH_PACKAGES=(python3-torch python3-onnx)
# Only for ./run.sh format and format-check: the pinned formatter (Debian 12's).
FORMAT_PACKAGES=(git clang-format-14)
# ./run.sh tsan builds and runs only these tests: the code that runs on several threads. It also
# needs dpkg-dev (dpkg-source, to unpack Debian's oneTBB source: see tsan_tbb).
TSAN_TARGETS=(montecarlo_engine_test montecarlo_crash_test montecarlo_campaign_test
  crossbar_mvm_test nn_evaluate_test nn_analog_test)
TSAN_PACKAGES=(dpkg-dev)
# Only for ./run.sh fuzz: clang and libFuzzer (the fuzz targets are tests/fuzz/*_fuzz.cpp).
FUZZ_PACKAGES=(clang-14 libfuzzer-14-dev)
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org}
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

# build <name> <cmake options...>: configure and build everything, or only the targets in the
# array TARGETS if it is set.
build() {
  local dir="build/$1" extra=()
  shift
  read -ra extra <<<"${CMAKE_OPTIONS:-}"
  cmake -S . -B "$dir" "$@" "${extra[@]}" >/dev/null
  if [ -n "${TARGETS+set}" ]; then
    cmake --build "$dir" -j "$JOBS" --target "${TARGETS[@]}"
  else
    cmake --build "$dir" -j "$JOBS"
  fi
}

ctest_in() {
  local dir=$1
  shift
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" "$@"
}

# Debian's libtbb is not built with ThreadSanitizer, so TSan cannot see the synchronisation
# inside it (task spawn and steal, pipeline tokens, waits): it reports every hand-over of data
# between TBB threads as a race, in TBB's headers and in our own code alike (2715 reports in one
# run of the tests below, 1136 of them with the access in our code), and no suppression could
# tell those from real races without hiding them too.
# Instead the same source package (the installed version, from Debian's archive) is built with
# -fsanitize=thread into build/tsan-tbb, and the TSan build links it. Nothing is installed
# system-wide; apt runs on a private sources list and state directory. About 15 s.
tsan_tbb() {
  local dir="$PWD/build/tsan-tbb" version codename apt=()
  version=$(dpkg-query -W -f='${Version}' libtbb-dev)
  [ "$(cat "$dir/prefix/VERSION" 2>/dev/null)" = "$version" ] && return 0
  rm -rf "$dir"
  mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial"
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  local key=/usr/share/keyrings/debian-archive-keyring.gpg
  printf 'deb-src [signed-by=%s] %s %s main\n' \
    "$key" "$DEBIAN_MIRROR/debian" "$codename" \
    "$key" "$DEBIAN_MIRROR/debian" "$codename-updates" \
    "$key" "$DEBIAN_MIRROR/debian-security" "$codename-security" >"$dir/apt/sources.list"
  apt=(-o Dir::Etc::sourcelist="$dir/apt/sources.list" -o Dir::Etc::sourceparts=-
    -o Dir::State::lists="$dir/apt/lists" -o Dir::Cache="$dir/apt/cache"
    -o APT::Sandbox::User="$(id -un)")
  apt-get "${apt[@]}" update -qq
  (cd "$dir" && apt-get "${apt[@]}" source -qq "libtbb-dev=$version" >/dev/null)
  # TBB's own code warns that TSan ignores its atomic_thread_fence calls: kept in the log.
  if ! {
    cmake -S "$dir"/onetbb-*/ -B "$dir/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DTBB_SANITIZE=thread -DTBB_TEST=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF \
      -DCMAKE_INSTALL_PREFIX="$dir/prefix" &&
      cmake --build "$dir/build" -j "$JOBS" && cmake --install "$dir/build"
  } >"$dir/build.log" 2>&1; then
    tail -n 40 "$dir/build.log" >&2
    echo "error: building oneTBB with ThreadSanitizer failed (log: $dir/build.log)" >&2
    return 1
  fi
  echo "$version" >"$dir/prefix/VERSION"
  echo "oneTBB $version built with ThreadSanitizer in $dir/prefix"
}

# The tracked C and C++ sources (not generated or third-party files: there are none tracked).
cxx_sources() {
  git ls-files -z -- '*.c' '*.cc' '*.cpp' '*.cxx' '*.h' '*.hh' '*.hpp' '*.hxx'
}

format_check() {
  local f differ=()
  while IFS= read -r -d '' f; do
    clang-format-14 --style=file "$f" | cmp -s - "$f" || differ+=("$f")
  done < <(cxx_sources)
  if [ ${#differ[@]} -gt 0 ]; then
    echo "error: ${#differ[@]} files differ from .clang-format (clang-format-14):" >&2
    printf '  %s\n' "${differ[@]}" >&2
    echo "fix: ./run.sh format; see one: diff -u FILE <(clang-format-14 FILE)" >&2
    return 1
  fi
  echo "format-check: every tracked C/C++ source is formatted"
}

# fuzz [MINUTES] [TARGET...]: one libFuzzer process at a time, each target for MINUTES.
fuzz() {
  local minutes=1 all=() targets=() t f
  if [[ ${1:-} =~ ^[0-9]+([.][0-9]+)?$ ]]; then
    minutes=$1
    shift
  fi
  for f in tests/fuzz/*_fuzz.cpp; do
    t=${f##*/}
    all+=("${t%_fuzz.cpp}")
  done
  targets=("$@")
  [ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
  for t in "${targets[@]}"; do
    if [[ " ${all[*]} " != *" $t "* ]]; then
      echo "error: no fuzz target '$t' (targets: ${all[*]}; usage: ./run.sh fuzz [MINUTES] [TARGET...])" >&2
      exit 2
    fi
  done
  local seconds
  seconds=$(awk -v m="$minutes" 'BEGIN { s = int(m * 60 + 0.5); print (s < 1 ? 1 : s) }')
  TARGETS=()
  for t in "${targets[@]}"; do TARGETS+=("fuzz_$t"); done
  # Without MPI and benchmarks, as for sanitize: only the fuzz targets and what they link.
  build fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKIRCHHOFF_FUZZ=ON -DKIRCHHOFF_MPI=OFF \
    -DKIRCHHOFF_BUILD_BENCHMARKS=OFF -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
  local rows=() crashed=0 dir=build/fuzz
  for t in "${targets[@]}"; do
    local work="$dir/corpus/$t" crashes="$dir/crashes/$t" log="$dir/logs/$t.log" status=0
    mkdir -p "$work" "$crashes" "$dir/logs"
    # A writable copy: libFuzzer adds the inputs that reach new coverage to it; tests/fuzz/corpus
    # stays small and changes only when a crash input is added to it by hand.
    cp -n "tests/fuzz/corpus/$t"/* "$work"/ 2>/dev/null || true
    echo "fuzz: $t for ${seconds} s (log: $log)"
    # Slow inputs (over 25 s) and more than 2 GB of memory are findings too. Fork mode with one
    # job (one fuzzing process at a time) goes on after a finding, so every distinct one of the
    # MINUTES is collected; its progress lines are "#EXECS: cov: C ft: F corp: ...".
    "$dir/tests/fuzz/fuzz_$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
      -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
      -artifact_prefix="$crashes/" "$work" >"$log" 2>&1 || status=$?
    local execs cov ft found
    execs=$(grep -o '^#[0-9]*: cov' "$log" | tail -n 1 | tr -dc '0-9')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    found=$(find "$crashes" -type f | wc -l)
    if [ "$status" -ne 0 ] || [ "$found" -gt 0 ]; then
      crashed=1
      tail -n 30 "$log" >&2
    fi
    rows+=("$(printf '%-18s %12s %8s %8s %8s %8s' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
      "$found" "$minutes")")
  done
  printf '%-18s %12s %8s %8s %8s %8s\n' target executions cov ft crashes minutes
  printf '%s\n' "${rows[@]}"
  if [ "$crashed" -ne 0 ]; then
    echo "error: crashes found: inputs in $dir/crashes/<target>/, logs in $dir/logs/" >&2
    return 1
  fi
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
  tsan)
    PACKAGES+=("${TSAN_PACKAGES[@]}")
    install_packages
    tsan_tbb
    # Only the tests of threaded code (and the program the crash tests run), RelWithDebInfo and
    # without MPI as for sanitize, against the TSan-built oneTBB.
    TARGETS=("${TSAN_TARGETS[@]}")
    build tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKIRCHHOFF_SANITIZE=thread \
      -DKIRCHHOFF_BUILD_BENCHMARKS=OFF -DKIRCHHOFF_MPI=OFF \
      -DTBB_DIR="$PWD/build/tsan-tbb/prefix/lib/cmake/TBB"
    # A report fails its test (exit code 66), whichever thread it is on.
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
      ctest_in build/tsan -R "^($(IFS='|'; echo "${TSAN_TARGETS[*]}"))\."
    ;;
  format | format-check)
    PACKAGES=("${FORMAT_PACKAGES[@]}")
    install_packages
    if [ "$1" = format ]; then
      cxx_sources | xargs -0 clang-format-14 --style=file -i
    else
      format_check
    fi
    ;;
  fuzz)
    PACKAGES+=("${FUZZ_PACKAGES[@]}")
    install_packages
    shift
    fuzz "$@"
    ;;
  bench)
    PACKAGES+=("${BENCH_PACKAGES[@]}")
    install_packages
    build release -DCMAKE_BUILD_TYPE=Release
    for b in build/release/bench/*_bench; do "$b"; done
    ;;
  *)
    # The comment at the top of this file.
    sed -n '2,/^[^#]/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
    ;;
esac
