// `kirchhoff selfcheck`: a few seconds of checks that this build computes what it should on
// this machine. Each check compares with a value known independently of the code under test.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <ostream>
#include <vector>

#include "kirchhoff/apps/cli.hpp"
#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/core/random.hpp"
#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::cli {

namespace {

// A check returns an empty string when it passes, else what went wrong.
using Check = std::function<std::string()>;

std::string philox_known_answers() {
  // Random123 tests/kat_vectors, philox4x32 10, counter 243f6a88 85a308d3 13198a2e 03707344,
  // key a4093822 299f31d0 -> d16cfe09 94fdcceb 5001e420 24126ea1.
  const RandomStream stream(0x299f31d0a4093822ull,
                            {0x243f6a88u, 0x85a308d3u, static_cast<StreamId>(0x13198a2eu >> 20),
                             0x13198a2eu & kMaxSubstream});
  const RandomStream::Block expected{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u};
  return stream.block(0x03707344u) == expected ? "" : "Philox4x32-10 output differs from Random123";
}

std::string normal_moments() {
  constexpr std::size_t n = 1'000'000;
  std::vector<double> z(n);
  RandomStream(1, {0, 0, StreamId::self_check, 0}).normal(z);
  RunningStats stats;
  stats.add(z);
  // 5 standard errors of the sample mean and variance of N(0, 1).
  const double se_mean = 1.0 / std::sqrt(double{n}), se_var = std::sqrt(2.0 / double{n});
  if (std::abs(stats.mean()) > 5 * se_mean || std::abs(stats.variance() - 1.0) > 5 * se_var) {
    return fmt::format("mean {:.5f}, variance {:.5f} of 10^6 normals", stats.mean(),
                       stats.variance());
  }
  return "";
}

std::string confidence_interval() {
  // n = 10 values 1..10: mean 5.5, s^2 = 55/6; t(0.975, 9) = 2.2621571627982.
  RunningStats stats;
  for (int i = 1; i <= 10; ++i) stats.add(i);
  const Interval ci = student_t_interval(stats, 0.95);
  const double half = 2.2621571627982 * std::sqrt(55.0 / 6.0 / 10.0);
  if (std::abs(ci.half_width() - half) > 1e-9) {
    return fmt::format("half-width {} instead of {}", ci.half_width(), half);
  }
  return "";
}

std::string hdf5_round_trip() {
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("kirchhoff-selfcheck-{}", ::getpid());
  std::filesystem::create_directories(dir);
  const auto path = dir / "check.h5";
  std::string problem;
  try {
    const std::vector<double> rows{1.5, 2.5, 3.5, 4.5, 5.5, 6.5};
    {
      auto file = h5::File::create(path, {"kirchhoff-selfcheck", 1, 0});
      auto table = file.create_extendible<double>(
          "trials", {0, 2}, {.chunk = {4, 2}, .deflate_level = 4, .shuffle = true});
      table.append(std::span(rows).first(4));
      file.close();
    }
    auto file = h5::File::open(path, h5::OpenMode::read_write, "kirchhoff-selfcheck", 1);
    file.open_dataset("trials").append(std::span(rows).subspan(4));
    if (file.open_dataset("trials").read_rows<double>(0, 3) != rows) {
      problem = "data read back differs from data written";
    }
    file.close();
  } catch (const Error& e) {
    problem = e.what();
  }
  std::filesystem::remove_all(dir);
  return problem;
}

std::string toml_with_units() {
  auto config = Config::parse("[device]\ng_max = \"25uS\"\nread_times = [\"1s\", \"1h\", \"1y\"]\n",
                              "selfcheck.toml");
  const auto device = config.table("device");
  const double g_max = device.get_quantity("g_max", Dimension::conductance);
  const auto times = device.get_quantity_array("read_times", Dimension::time);
  config.check_unknown_keys();
  if (g_max != 25e-6 || times != std::vector<double>{1.0, 3600.0, 365.25 * 86400.0}) {
    return "quantities parsed to the wrong SI values";
  }
  return "";
}

}  // namespace

bool self_check(std::ostream& out) {
  const std::vector<std::pair<const char*, Check>> checks = {
      {"Philox4x32-10 known-answer vector", philox_known_answers},
      {"normal transform: mean and variance of 10^6 draws", normal_moments},
      {"Student-t confidence interval, closed form", confidence_interval},
      {"HDF5 chunked, compressed, extendible round trip", hdf5_round_trip},
      {"TOML configuration with units", toml_with_units},
  };
  int failed = 0;
  for (const auto& [name, check] : checks) {
    const auto start = std::chrono::steady_clock::now();
    std::string problem;
    try {
      problem = check();
    } catch (const std::exception& e) {
      problem = e.what();
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (problem.empty()) {
      out << fmt::format("  ok      {:<52} {:7.1f} ms\n", name, ms);
    } else {
      ++failed;
      out << fmt::format("  FAILED  {:<52} {}\n", name, problem);
    }
  }
  if (failed == 0) {
    out << fmt::format("selfcheck: all {} checks passed\n", checks.size());
  } else {
    out << fmt::format("selfcheck: {} of {} checks FAILED\n", failed, checks.size());
  }
  return failed == 0;
}

}  // namespace kirchhoff::cli
