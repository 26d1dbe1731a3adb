// Progress reporting for long runs.
//
// On a terminal: one line redrawn in place ('\r', then the line, then "clear to end of line"),
// at most about five times a second, e.g.
//   demo  [#########...........]  45.0%  4,500/10,000 trials  1.23 k/s  ETA 1m23s
// and, from finish(), a final line with the elapsed time and the mean rate:
//   demo  [####################]  100.0%  10,000/10,000 trials  in 8m07s  (20.5 /s)
// In batch logs (not a terminal): one line each time another N % of the total is crossed,
//   demo: 40% (4000/10000 trials), 1.23 k/s, ETA 1m23s
// and nothing else. Rate = done / elapsed; ETA = remaining / rate.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <iostream>
#include <mutex>
#include <string>

namespace kirchhoff {

enum class ProgressMode {
  automatic,  // terminal when the output stream is std::cerr (std::cout) and stderr (stdout) is a
              // terminal, batch otherwise
  terminal,   // redraw one line in place
  batch,      // one line per batch_step_percent crossed
  silent,     // print nothing
};

struct ProgressOptions {
  // Where to print; must outlive the Progress.
  std::ostream* out = &std::cerr;
  ProgressMode mode = ProgressMode::automatic;
  // Batch mode: print a line each time another this many percent are crossed; 0 = print nothing.
  // At most 100.
  unsigned batch_step_percent = 10;
  // What is counted, plural ("trials", "samples").
  std::string unit = "trials";
  // Time in seconds (any origin) for the rate and ETA; empty = std::chrono::steady_clock. Called
  // from the threads that call advance(), so it must be thread-safe. Injectable for tests.
  std::function<double()> clock;
};

// A progress reporter for `total` units of work. advance() may be called from any number of
// threads: it is an atomic increment plus, now and then, a try-lock; only one thread prints at a
// time and the others never wait for it.
class Progress {
 public:
  // Throws InvalidArgument when batch_step_percent > 100 or out is null.
  // total == 0 means there is nothing to do: it counts as 100 % and batch mode prints nothing.
  Progress(std::string label, std::uint64_t total, ProgressOptions options = {});
  // Calls finish() if it has not been called; never throws.
  ~Progress();

  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Records n more units done. Thread-safe; when nothing is to be printed it costs one atomic
  // add (batch, silent) plus one clock reading (terminal). Counting beyond the total is allowed
  // (the bar and percentage stop at 100 %).
  void advance(std::uint64_t n = 1);

  // Prints the final line (terminal mode) or any batch lines not yet printed. Only the first call
  // prints; later advance() calls still count but print nothing.
  void finish();

  [[nodiscard]] std::uint64_t done() const noexcept {
    return done_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t total() const noexcept { return total_; }
  // The mode in use: terminal, batch or silent (automatic is resolved at construction).
  [[nodiscard]] ProgressMode mode() const noexcept { return mode_; }
  // Seconds since construction, by the clock in use.
  [[nodiscard]] double elapsed() const;

  // Minimum time between two redraws in terminal mode.
  static constexpr double kRedrawInterval = 0.2;

 private:
  [[nodiscard]] double now() const;
  void report();                      // called with print_mutex_ held
  void print_batch_lines();           // called with print_mutex_ held
  void draw_terminal_line(double t);  // called with print_mutex_ held
  [[nodiscard]] std::uint64_t batch_threshold(unsigned step) const noexcept;

  std::string label_;
  std::uint64_t total_;
  std::ostream* out_;
  ProgressMode mode_;
  unsigned step_percent_;
  std::string unit_;
  std::function<double()> clock_;
  double start_;

  std::atomic<std::uint64_t> done_{0};
  // Cheap checks in advance(): nothing to do below this count (batch) or before this time
  // (terminal). Both are moved to "never" by finish().
  std::atomic<std::uint64_t> next_batch_count_{0};
  std::atomic<double> next_redraw_time_{0.0};

  std::mutex print_mutex_;
  unsigned batch_steps_printed_ = 0;  // guarded by print_mutex_
  bool finished_ = false;             // guarded by print_mutex_
};

// "45s", "1m23s", "1h02m05s", "3d04h" (rounded to whole seconds; days and hours beyond a day);
// "--" for a negative, infinite or NaN duration.
[[nodiscard]] std::string format_duration(double seconds);
// Three significant digits with an SI prefix: "12.3 /s", "1.23 k/s", "45.6 M/s"; "--" for a
// negative, infinite or NaN rate.
[[nodiscard]] std::string format_rate(double per_second);
// Thousands separated by commas: 4500 -> "4,500".
[[nodiscard]] std::string format_count(std::uint64_t n);

}  // namespace kirchhoff
