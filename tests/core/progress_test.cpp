#include "kirchhoff/core/progress.hpp"

#include <gtest/gtest.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <latch>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff {
namespace {

// A clock the test sets by hand; safe to read from several threads.
class FakeClock {
 public:
  void set(double seconds) { now_.store(seconds); }
  [[nodiscard]] std::function<double()> function() {
    return [this] { return now_.load(); };
  }

 private:
  std::atomic<double> now_{100.0};  // any origin: Progress measures from construction
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + what.size())) {
    ++n;
  }
  return n;
}

class ProgressTest : public ::testing::Test {
 protected:
  ProgressOptions options(ProgressMode mode, unsigned step = 10) {
    ProgressOptions o;
    o.out = &out_;
    o.mode = mode;
    o.batch_step_percent = step;
    o.clock = clock_.function();
    return o;
  }

  std::ostringstream out_;
  FakeClock clock_;
};

// ---------------------------------------------------------------------------------------------
// Batch mode

TEST_F(ProgressTest, BatchLineShowsRateAndEta) {
  clock_.set(0.0);
  Progress p("demo", 100'000, options(ProgressMode::batch));
  EXPECT_EQ(p.mode(), ProgressMode::batch);
  clock_.set(8.13);  // 10,000 in 8.13 s: 1230.01 /s; 90,000 left: 73.2 s
  p.advance(9'999);
  EXPECT_EQ(out_.str(), "");
  p.advance(1);
  EXPECT_EQ(out_.str(), "demo: 10% (10000/100000 trials), 1.23 k/s, ETA 1m13s\n");
  EXPECT_DOUBLE_EQ(p.elapsed(), 8.13);

  out_.str("");
  clock_.set(400.0);  // 50,000 in 400 s: 125 /s; 50,000 left: 400 s
  p.advance(40'000);
  const auto lines = lines_of(out_.str());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3], "demo: 50% (50000/100000 trials), 125 /s, ETA 6m40s");
}

TEST_F(ProgressTest, BatchPrintsOneLinePerStepAdvancingByOne) {
  {
    Progress p("run", 1000, options(ProgressMode::batch));
    for (int i = 0; i < 1000; ++i) p.advance();
    p.finish();
  }
  const auto lines = lines_of(out_.str());
  ASSERT_EQ(lines.size(), 10u);
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const std::string head = "run: " + std::to_string(10 * (k + 1)) + "% (" +
                             std::to_string(100 * (k + 1)) + "/1000 trials), ";
    EXPECT_EQ(lines[k].rfind(head, 0), 0u) << lines[k];
  }
}

TEST_F(ProgressTest, BatchPrintsEveryStepCrossedByOneAdvance) {
  ProgressOptions o = options(ProgressMode::batch);
  o.unit = "samples";
  Progress p("jump", 1000, o);
  p.advance(350);  // crosses 10, 20 and 30 %
  auto lines = lines_of(out_.str());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("jump: 10% (350/1000 samples)", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("jump: 20% (350/1000 samples)", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("jump: 30% (350/1000 samples)", 0), 0u) << lines[2];
  p.advance(49);  // 399: no new step
  EXPECT_EQ(lines_of(out_.str()).size(), 3u);
  p.advance(1);  // 400
  EXPECT_EQ(lines_of(out_.str()).size(), 4u);
  p.advance(600);  // 1000: 50..100
  lines = lines_of(out_.str());
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_EQ(lines[9].rfind("jump: 100% (1000/1000 samples)", 0), 0u) << lines[9];
  p.finish();
  EXPECT_EQ(lines_of(out_.str()).size(), 10u);  // and nothing else
}

TEST_F(ProgressTest, BatchStepsFollowTheExactPercentage) {
  // Step k is printed as soon as done * 100 >= k * step * total, never before.
  for (const std::uint64_t total : {1u, 3u, 7u, 99u, 101u, 1234u}) {
    for (const unsigned step : {1u, 7u, 10u, 25u, 30u, 100u}) {
      out_.str("");
      Progress p("t", total, options(ProgressMode::batch, step));
      for (std::uint64_t done = 1; done <= total; ++done) {
        p.advance();
        std::size_t want = 0;
        for (std::uint64_t k = 1; k * step <= 100; ++k) {
          if (done * 100 >= k * step * total) ++want;
        }
        ASSERT_EQ(lines_of(out_.str()).size(), want)
            << "total " << total << " step " << step << " done " << done;
      }
      p.finish();
      EXPECT_EQ(lines_of(out_.str()).size(), 100 / step) << "total " << total;
    }
  }
}

TEST_F(ProgressTest, BatchThresholdsDoNotOverflowForHugeTotals) {
  const std::uint64_t total = std::numeric_limits<std::uint64_t>::max();
  Progress p("huge", total, options(ProgressMode::batch));
  // 10 % of 2^64 - 1 is 1844674407370955161.5: the line comes at ...162, not before.
  p.advance(1'844'674'407'370'955'161u);
  EXPECT_EQ(out_.str(), "");
  p.advance(1);
  EXPECT_EQ(lines_of(out_.str()).size(), 1u);
}

TEST_F(ProgressTest, BatchStepZeroAndSilentModePrintNothing) {
  {
    Progress p("quiet", 100, options(ProgressMode::batch, 0));
    p.advance(100);
    p.finish();
  }
  {
    Progress p("quiet", 100, options(ProgressMode::silent));
    EXPECT_EQ(p.mode(), ProgressMode::silent);
    for (int i = 0; i < 100; ++i) p.advance();
    p.finish();
    EXPECT_EQ(p.done(), 100u);
  }
  {
    Progress p("quiet", 100, options(ProgressMode::silent));
    p.advance(50);
  }  // destructor
  EXPECT_EQ(out_.str(), "");
}

TEST_F(ProgressTest, FinishPrintsOnceAndLaterAdvancesPrintNothing) {
  Progress p("late", 10, options(ProgressMode::batch, 50));
  p.advance(5);
  EXPECT_EQ(lines_of(out_.str()).size(), 1u);
  p.advance(0);
  EXPECT_EQ(lines_of(out_.str()).size(), 1u);
  p.advance(5);
  p.finish();
  p.finish();
  EXPECT_EQ(lines_of(out_.str()).size(), 2u);
  p.advance(10);  // after finish: counted, not printed
  EXPECT_EQ(p.done(), 20u);
  EXPECT_EQ(lines_of(out_.str()).size(), 2u);
}

TEST_F(ProgressTest, StepCrossedWhileAnotherThreadPrintsIsNotLost) {
  // Thread A crosses 10 % and, while it holds the printing lock (stopped inside the clock),
  // the main thread crosses 20 %: its try-lock fails and it returns at once. A must then print
  // the 20 % line as well, without any further advance() or finish().
  std::atomic<bool> armed{false};
  std::latch entered(1);
  std::latch release(1);
  ProgressOptions o = options(ProgressMode::batch);
  o.clock = [&] {
    if (armed.exchange(false)) {
      entered.count_down();
      release.wait();
    }
    return 1.0;
  };
  Progress p("race", 10, o);
  armed = true;
  std::thread a([&] { p.advance(); });
  entered.wait();
  p.advance();  // must not block
  EXPECT_EQ(out_.str(), "");
  release.count_down();
  a.join();
  const auto lines = lines_of(out_.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("race: 10% (1/10 trials)", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("race: 20% (2/10 trials)", 0), 0u) << lines[1];
}

TEST_F(ProgressTest, AutomaticModeOnAStringStreamIsBatch) {
  Progress p("auto", 10, options(ProgressMode::automatic));
  EXPECT_EQ(p.mode(), ProgressMode::batch);
}

// ---------------------------------------------------------------------------------------------
// Terminal mode

TEST_F(ProgressTest, TerminalRedrawsOneLineInPlace) {
  clock_.set(0.0);
  Progress p("demo", 10'000, options(ProgressMode::terminal));
  EXPECT_EQ(p.mode(), ProgressMode::terminal);
  clock_.set(4500.0 / 1230.0);  // 1230 /s; 5500 left: 4.47 s
  p.advance(4500);
  EXPECT_EQ(out_.str(),
            "\rdemo  [#########...........]   45.0%  4,500/10,000 trials  1.23 k/s  ETA 4s\x1b[K");
}

TEST_F(ProgressTest, TerminalRedrawsAtMostFiveTimesASecond) {
  clock_.set(0.0);
  Progress p("demo", 1000, options(ProgressMode::terminal));
  p.advance();  // first draw
  EXPECT_EQ(count_of(out_.str(), "\r"), 1u);
  for (int i = 0; i < 10; ++i) p.advance();  // same instant: no redraw
  clock_.set(0.19);
  p.advance();
  EXPECT_EQ(count_of(out_.str(), "\r"), 1u);
  clock_.set(0.2);
  p.advance();
  EXPECT_EQ(count_of(out_.str(), "\r"), 2u);
  clock_.set(0.3);
  p.advance();
  EXPECT_EQ(count_of(out_.str(), "\r"), 2u);
  clock_.set(10.0);
  p.advance();
  EXPECT_EQ(count_of(out_.str(), "\r"), 3u);
  EXPECT_EQ(count_of(out_.str(), "\x1b[K"), 3u);
  EXPECT_EQ(out_.str().find('\n'), std::string::npos);  // redraws never start a new line
}

TEST_F(ProgressTest, TerminalFinalLineShowsElapsedTimeAndMeanRate) {
  clock_.set(0.0);
  {
    Progress p("demo", 10'000, options(ProgressMode::terminal));
    clock_.set(487.0);  // 8m07s, 20.5 /s
    p.advance(10'000);
    out_.str("");
  }  // the destructor finishes
  EXPECT_EQ(out_.str(),
            "\rdemo  [####################]  100.0%  10,000/10,000 trials  in 8m07s  (20.5 /s)"
            "\x1b[K\n");
}

TEST_F(ProgressTest, TerminalFinishedEarlyShowsWhereItStopped) {
  clock_.set(0.0);
  Progress p("demo", 200, options(ProgressMode::terminal));
  clock_.set(2.0);
  p.advance(91);  // 45.5 %, bar 9 of 20
  out_.str("");
  p.finish();
  p.finish();  // once
  EXPECT_EQ(out_.str(),
            "\rdemo  [#########...........]   45.5%  91/200 trials  in 2s  (45.5 /s)\x1b[K\n");
  p.advance(200);  // counted, no more output
  EXPECT_EQ(count_of(out_.str(), "\r"), 1u);
}

TEST_F(ProgressTest, TotalOfZero) {
  clock_.set(0.0);
  {
    Progress p("empty", 0, options(ProgressMode::batch));
    p.advance(0);
    p.finish();
    EXPECT_EQ(out_.str(), "");
  }
  {
    Progress p("empty", 0, options(ProgressMode::terminal));
    clock_.set(1.0);
    p.finish();
    EXPECT_EQ(out_.str(),
              "\rempty  [####################]  100.0%  0/0 trials  in 1s  (0 /s)\x1b[K\n");
  }
}

TEST_F(ProgressTest, RateAndEtaAreUnknownBeforeAnyTimePassed) {
  clock_.set(0.0);
  Progress p("demo", 100, options(ProgressMode::batch));
  p.advance(10);
  EXPECT_EQ(out_.str(), "demo: 10% (10/100 trials), --, ETA --\n");
}

// ---------------------------------------------------------------------------------------------
// Threads

TEST_F(ProgressTest, ConcurrentAdvanceCountsExactlyAndPrintsEachStepOnce) {
  constexpr std::uint64_t kTotal = 200'000;
  ProgressOptions o = options(ProgressMode::batch);
  o.clock = {};  // the real steady clock, called from all threads
  Progress p("mt", kTotal, o);
  tbb::parallel_for(std::uint64_t{0}, kTotal, [&](std::uint64_t) { p.advance(); });
  p.finish();
  EXPECT_EQ(p.done(), kTotal);
  const auto lines = lines_of(out_.str());
  ASSERT_EQ(lines.size(), 10u);
  for (std::size_t k = 0; k < lines.size(); ++k) {
    EXPECT_EQ(lines[k].rfind("mt: " + std::to_string(10 * (k + 1)) + "% (", 0), 0u) << lines[k];
  }
}

TEST_F(ProgressTest, ConcurrentAdvanceInTerminalMode) {
  constexpr std::uint64_t kTotal = 100'000;
  ProgressOptions o = options(ProgressMode::terminal);
  std::atomic<std::uint64_t> ticks{0};
  o.clock = [&ticks] { return 0.001 * static_cast<double>(ticks.fetch_add(1)); };  // moves on
  Progress p("mt", kTotal, o);
  tbb::parallel_for(std::uint64_t{0}, kTotal, [&](std::uint64_t) { p.advance(); });
  p.finish();
  EXPECT_EQ(p.done(), kTotal);
  const std::string text = out_.str();
  EXPECT_EQ(count_of(text, "\n"), 1u);  // only the final line ends a line
  EXPECT_NE(text.find("100,000/100,000 trials  in "), std::string::npos);
  EXPECT_GT(count_of(text, "\r"), 1u);
}

// ---------------------------------------------------------------------------------------------
// Formatting and options

TEST(ProgressFormat, DurationIsHumanReadable) {
  EXPECT_EQ(format_duration(0.0), "0s");
  EXPECT_EQ(format_duration(0.4), "0s");
  EXPECT_EQ(format_duration(44.6), "45s");
  EXPECT_EQ(format_duration(59.4), "59s");
  EXPECT_EQ(format_duration(59.6), "1m00s");  // rounded before choosing the form
  EXPECT_EQ(format_duration(83.0), "1m23s");
  EXPECT_EQ(format_duration(3599.0), "59m59s");
  EXPECT_EQ(format_duration(3725.0), "1h02m05s");
  EXPECT_EQ(format_duration(86399.0), "23h59m59s");
  EXPECT_EQ(format_duration(86400.0), "1d00h");
  EXPECT_EQ(format_duration(3 * 86400.0 + 4 * 3600.0 + 59 * 60.0), "3d04h");
  EXPECT_EQ(format_duration(400 * 86400.0), "400d00h");
  EXPECT_EQ(format_duration(-1.0), "--");
  EXPECT_EQ(format_duration(std::numeric_limits<double>::infinity()), "--");
  EXPECT_EQ(format_duration(std::numeric_limits<double>::quiet_NaN()), "--");
  EXPECT_EQ(format_duration(1e300), "--");
}

TEST(ProgressFormat, RateHasThreeSignificantDigitsAndPrefix) {
  EXPECT_EQ(format_rate(0.0), "0 /s");
  EXPECT_EQ(format_rate(0.5), "0.5 /s");
  EXPECT_EQ(format_rate(0.0123), "0.0123 /s");
  EXPECT_EQ(format_rate(1.0), "1.00 /s");
  EXPECT_EQ(format_rate(12.34), "12.3 /s");
  EXPECT_EQ(format_rate(999.4), "999 /s");
  EXPECT_EQ(format_rate(999.6), "1.00 k/s");
  EXPECT_EQ(format_rate(1234.0), "1.23 k/s");
  EXPECT_EQ(format_rate(98765.0), "98.8 k/s");
  EXPECT_EQ(format_rate(45.6e6), "45.6 M/s");
  EXPECT_EQ(format_rate(2.5e9), "2.50 G/s");
  EXPECT_EQ(format_rate(-1.0), "--");
  EXPECT_EQ(format_rate(std::numeric_limits<double>::infinity()), "--");
  EXPECT_EQ(format_rate(std::numeric_limits<double>::quiet_NaN()), "--");
}

TEST(ProgressFormat, CountHasThousandsSeparators) {
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1000), "1,000");
  EXPECT_EQ(format_count(4500), "4,500");
  EXPECT_EQ(format_count(1'234'567), "1,234,567");
  EXPECT_EQ(format_count(std::numeric_limits<std::uint64_t>::max()), "18,446,744,073,709,551,615");
}

TEST(ProgressOptionsCheck, BadOptionsAreRejected) {
  ProgressOptions o;
  o.batch_step_percent = 101;
  try {
    Progress p("x", 10, o);
    ADD_FAILURE() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "Progress: batch_step_percent must be between 0 (no lines) and 100; got 101");
  }
  ProgressOptions null_out;
  null_out.out = nullptr;
  try {
    Progress p("x", 10, null_out);
    ADD_FAILURE() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "Progress: options.out must point to an output stream; got null");
  }
}

}  // namespace
}  // namespace kirchhoff
