#include "kirchhoff/core/config_checks.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <string>

namespace kirchhoff {

namespace {

std::int64_t check_count(const ConfigTable& t, std::string_view key, std::int64_t value,
                         std::int64_t lo, std::int64_t hi) {
  if (value < lo || value > hi) {
    t.fail(key, fmt::format("must be in [{}, {}], got {}", lo, hi, value));
  }
  return value;
}

}  // namespace

std::int64_t get_count(const ConfigTable& t, std::string_view key, std::int64_t fallback,
                       std::int64_t lo, std::int64_t hi) {
  return check_count(t, key, t.get_or<std::int64_t>(key, fallback), lo, hi);
}

std::int64_t get_required_count(const ConfigTable& t, std::string_view key, std::int64_t lo,
                                std::int64_t hi) {
  return check_count(t, key, t.get<std::int64_t>(key), lo, hi);
}

std::size_t get_choice(const ConfigTable& t, std::string_view key, std::string_view fallback,
                       std::initializer_list<std::string_view> choices) {
  const std::string value = t.get_or(key, std::string(fallback));
  std::size_t position = 0;
  for (const std::string_view choice : choices) {
    if (value == choice) return position;
    ++position;
  }
  t.fail(key,
         fmt::format("must be one of \"{}\", got \"{}\"", fmt::join(choices, "\", \""), value));
}

double get_finite(const ConfigTable& t, std::string_view key, double fallback) {
  const double value = t.get_or(key, fallback);
  if (!std::isfinite(value)) t.fail(key, "must be finite");
  return value;
}

double get_nonnegative(const ConfigTable& t, std::string_view key, double fallback, bool positive) {
  const double value = get_finite(t, key, fallback);
  if (positive ? !(value > 0.0) : !(value >= 0.0)) {
    t.fail(key, fmt::format("must be {} 0, got {}", positive ? ">" : ">=", value));
  }
  return value;
}

void reject_unless(const ConfigTable& t, std::string_view key, bool allowed, std::string_view why) {
  if (!allowed && t.contains(key)) t.fail(key, fmt::format("only used {}", why));
}

}  // namespace kirchhoff
