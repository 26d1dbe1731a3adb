#include "kirchhoff/core/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff {

namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
constexpr double kNeverTime = std::numeric_limits<double>::infinity();
constexpr std::size_t kBarWidth = 20;

ProgressMode resolve_mode(ProgressMode mode, const std::ostream* out) {
  if (mode != ProgressMode::automatic) return mode;
  if (out == &std::cerr && isatty(STDERR_FILENO) == 1) return ProgressMode::terminal;
  if (out == &std::cout && isatty(STDOUT_FILENO) == 1) return ProgressMode::terminal;
  return ProgressMode::batch;
}

std::function<double()> steady_clock_seconds() {
  return [] {
    const auto since_epoch = std::chrono::steady_clock::now().time_since_epoch();
    return std::chrono::duration<double>(since_epoch).count();
  };
}

}  // namespace

std::string format_duration(double seconds) {
  // Beyond 1e15 s (30 million years) the number means nothing and would overflow the conversion.
  if (!(seconds >= 0.0) || seconds > 1e15) return "--";
  const auto t = static_cast<std::uint64_t>(std::llround(seconds));
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  if (t < 86400) return fmt::format("{}h{:02}m{:02}s", t / 3600, t % 3600 / 60, t % 60);
  return fmt::format("{}d{:02}h", t / 86400, t % 86400 / 3600);
}

std::string format_rate(double per_second) {
  if (!(per_second >= 0.0) || std::isinf(per_second)) return "--";
  if (per_second == 0.0) return "0 /s";
  if (per_second < 1.0) return fmt::format("{:.3g} /s", per_second);
  static constexpr std::array<const char*, 6> kPrefixes = {"", "k", "M", "G", "T", "P"};
  std::size_t prefix = 0;
  double v = per_second;
  // Choose the prefix after rounding to three significant digits: 999.6 is "1.00 k/s".
  while (v >= 999.5 && prefix + 1 < kPrefixes.size()) {
    v /= 1000.0;
    ++prefix;
  }
  const int decimals = v < 9.995 ? 2 : (v < 99.95 ? 1 : 0);
  return fmt::format("{:.{}f} {}/s", v, decimals, kPrefixes[prefix]);
}

std::string format_count(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

Progress::Progress(std::string label, std::uint64_t total, ProgressOptions options)
    : label_(std::move(label)),
      total_(total),
      out_(options.out),
      mode_(resolve_mode(options.mode, options.out)),
      step_percent_(options.batch_step_percent),
      unit_(std::move(options.unit)),
      clock_(options.clock ? std::move(options.clock) : steady_clock_seconds()),
      start_(clock_()) {
  if (out_ == nullptr) {
    throw InvalidArgument("Progress: options.out must point to an output stream; got null");
  }
  if (step_percent_ > 100) {
    throw InvalidArgument(
        fmt::format("Progress: batch_step_percent must be between 0 (no lines) and 100; got {}",
                    step_percent_));
  }
  const bool batch_lines = mode_ == ProgressMode::batch && step_percent_ > 0 && total_ > 0;
  next_batch_count_.store(batch_lines ? batch_threshold(1) : kNever);
  next_redraw_time_.store(mode_ == ProgressMode::terminal ? start_ : kNeverTime);
}

Progress::~Progress() {
  try {
    finish();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

double Progress::now() const {
  return clock_();
}

double Progress::elapsed() const {
  return now() - start_;
}

// The smallest count at which step * step_percent_ % of the total is reached:
// ceil(total * pct / 100), computed without overflowing for any 64-bit total.
std::uint64_t Progress::batch_threshold(unsigned step) const noexcept {
  const std::uint64_t pct = std::uint64_t{step} * step_percent_;
  return total_ / 100 * pct + (total_ % 100 * pct + 99) / 100;
}

void Progress::advance(std::uint64_t n) {
  const std::uint64_t d = done_.fetch_add(n) + n;
  switch (mode_) {
    case ProgressMode::batch:
      if (d < next_batch_count_.load(std::memory_order_relaxed)) return;
      break;
    case ProgressMode::terminal:
      if (now() < next_redraw_time_.load(std::memory_order_relaxed)) return;
      break;
    default:
      return;
  }
  // Only one thread prints; the others carry on. A batch step crossed by another thread while
  // this one held the lock is picked up by the loop, the next advance() or, at the latest,
  // by finish().
  while (true) {
    std::unique_lock lock(print_mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    report();
    lock.unlock();
    if (mode_ != ProgressMode::batch || done_.load() < next_batch_count_.load()) return;
  }
}

void Progress::report() {
  if (finished_) return;
  if (mode_ == ProgressMode::batch) {
    print_batch_lines();
  } else if (mode_ == ProgressMode::terminal) {
    const double t = now();
    if (t < next_redraw_time_.load()) return;  // another thread has just drawn
    draw_terminal_line(t);
    next_redraw_time_.store(t + kRedrawInterval);
  }
}

namespace {

struct Snapshot {
  std::uint64_t done;
  std::uint64_t permille;  // of the total, rounded down, at most 1000
  double elapsed;
  double rate;  // per second; NaN before any time has passed
  std::string eta;
};

// floor(1000 * min(done, total) / total), without overflow; total == 0 counts as complete.
std::uint64_t permille_of(std::uint64_t done, std::uint64_t total) {
  if (total == 0 || done >= total) return 1000;
  if (total <= std::numeric_limits<std::uint64_t>::max() / 1000) return done * 1000 / total;
  return std::min<std::uint64_t>(done / (total / 1000), 999);  // display only: close enough
}

Snapshot snapshot(std::uint64_t done, std::uint64_t total, double elapsed) {
  const std::uint64_t counted = std::min(done, total);
  const double rate = elapsed > 0.0 ? static_cast<double>(done) / elapsed
                                    : std::numeric_limits<double>::quiet_NaN();
  std::string eta = "--";
  if (counted == total) {
    eta = "0s";
  } else if (rate > 0.0) {
    eta = format_duration(static_cast<double>(total - counted) / rate);
  }
  return {done, permille_of(done, total), elapsed, rate, std::move(eta)};
}

// "[#########...........]   45.0%"
std::string bar_and_percent(std::uint64_t permille) {
  const std::uint64_t filled = permille * kBarWidth / 1000;
  std::string bar(kBarWidth, '.');
  std::fill_n(bar.begin(), filled, '#');
  return fmt::format("[{}]  {:3}.{}%", bar, permille / 10, permille % 10);
}

}  // namespace

void Progress::print_batch_lines() {
  const unsigned steps = 100 / step_percent_;
  const std::uint64_t d = done_.load();
  if (batch_steps_printed_ >= steps || d < batch_threshold(batch_steps_printed_ + 1)) return;
  const Snapshot s = snapshot(d, total_, now() - start_);
  const std::string rate = format_rate(s.rate);
  std::string lines;
  while (batch_steps_printed_ < steps && d >= batch_threshold(batch_steps_printed_ + 1)) {
    ++batch_steps_printed_;
    lines += fmt::format("{}: {}% ({}/{} {}), {}, ETA {}\n", label_,
                         batch_steps_printed_ * step_percent_, d, total_, unit_, rate, s.eta);
  }
  *out_ << lines << std::flush;
  next_batch_count_.store(batch_steps_printed_ < steps ? batch_threshold(batch_steps_printed_ + 1)
                                                       : kNever);
}

void Progress::draw_terminal_line(double t) {
  const Snapshot s = snapshot(done_.load(), total_, t - start_);
  *out_ << '\r'
        << fmt::format("{}  {}  {}/{} {}  {}  ETA {}", label_, bar_and_percent(s.permille),
                       format_count(s.done), format_count(total_), unit_, format_rate(s.rate),
                       s.eta)
        << "\x1b[K" << std::flush;
}

void Progress::finish() {
  const std::lock_guard lock(print_mutex_);
  if (finished_) return;
  finished_ = true;
  if (mode_ == ProgressMode::batch && next_batch_count_.load() != kNever) {
    print_batch_lines();
  } else if (mode_ == ProgressMode::terminal) {
    const Snapshot s = snapshot(done_.load(), total_, now() - start_);
    *out_ << '\r'
          << fmt::format("{}  {}  {}/{} {}  in {}  ({})", label_, bar_and_percent(s.permille),
                         format_count(s.done), format_count(total_), unit_,
                         format_duration(s.elapsed), format_rate(s.rate))
          << "\x1b[K\n"
          << std::flush;
  }
  next_batch_count_.store(kNever);
  next_redraw_time_.store(kNeverTime);
}

}  // namespace kirchhoff
