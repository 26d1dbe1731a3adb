#include "results.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <limits>
#include <ostream>

#include "files.hpp"
#include "kirchhoff/core/blas.hpp"
#include "kirchhoff/core/build_info.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/montecarlo/engine.hpp"
#include "kirchhoff/montecarlo/stopping.hpp"
#include "kirchhoff/montecarlo/summary.hpp"
#include "spool.hpp"

namespace kirchhoff::montecarlo {

namespace detail {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

void describe(h5::Object& object, std::string_view units, std::string_view description) {
  object.write_attribute("units", units);
  object.write_attribute("description", description);
}

}  // namespace

void write_provenance(h5::Group& root, const Campaign& c, const Provenance& p) {
  root.write_attribute("campaign", c.name);
  root.write_attribute("toolkit_version", build_info::version());
  root.write_attribute("git_commit", build_info::git_commit());
  root.write_attribute("git_dirty", static_cast<std::uint8_t>(build_info::git_dirty() ? 1 : 0));
  root.write_attribute("build_type", build_info::build_type());
  root.write_attribute("created_utc", utc_now());
  root.write_attribute("host", host_name());
  root.write_attribute("threads", std::uint32_t{p.threads});
  root.write_attribute("mpi_ranks", p.mpi_ranks);
  root.write_attribute("kernel_level", p.kernels.level);
  root.write_attribute("blas_core", p.kernels.blas_core);
  root.write_attribute("blas", blas::configuration());
  root.write_attribute("shards", p.shards);
  root.write_attribute("seed", c.seed);
  root.write_attribute("config_hash", format_hash(c.config_hash));
  root.write_attribute("rng", "Philox4x32-10 (Random123)");
  root.write_attribute("rng_key", "(seed low 32 bits, seed high 32 bits)");
  root.write_attribute("rng_counter",
                       "(sweep point, trial, stream id << 20 | substream, block index); stream "
                       "ids in core/include/kirchhoff/core/stream_ids.hpp");
  root.write_attribute("slurm_job_id", env_or_empty("SLURM_JOB_ID"));
  root.write_attribute("slurm_array_job_id", env_or_empty("SLURM_ARRAY_JOB_ID"));
  root.write_attribute("slurm_array_task_id", env_or_empty("SLURM_ARRAY_TASK_ID"));
  root.write_attribute("workload", c.workload_kind);
  root.write_attribute("trials_per_point", c.trials);
  root.write_attribute("block_size", c.block_size);
  // What the run warned about (Workload::warnings), only when there is something: a file
  // carries the caveats of its results.
  if (!c.warnings.empty()) {
    root.write_attribute("warnings", std::span<const std::string>(c.warnings));
  }
}

void write_description(h5::Group& root, const Campaign& c) {
  auto config = root.write_dataset("config", c.resolved_toml);
  config.write_attribute("description",
                         "the resolved campaign configuration (TOML, --set overrides applied)");
  auto times = root.write_dataset("read_times", c.read_times_s);
  describe(times, "s", "time after programming of each read (the read_time axis)");

  std::vector<std::string> names, units, descriptions;
  std::vector<std::uint64_t> bernoulli;
  for (const auto& m : c.metrics) {
    names.push_back(m.name);
    units.push_back(m.unit);
    descriptions.push_back(m.description);
    bernoulli.push_back(m.bernoulli_samples);
  }
  auto metrics = root.create_group("metrics");
  metrics.write_attribute("description", "the metric axis: name, SI unit ('1' = dimensionless)");
  metrics.write_dataset("name", names);
  metrics.write_dataset("unit", units);
  metrics.write_dataset("description", descriptions);
  metrics.write_dataset("bernoulli_samples", bernoulli)
      .write_attribute("description",
                       "samples per trial of a metric that is a proportion (0 for other metrics)");

  auto points = root.create_group("points");
  points.write_attribute("description",
                         "the sweep points (the point axis): cartesian product of the [[sweep]] "
                         "tables, zip groups advancing together, first sweep slowest");
  std::vector<std::string> labels, keys, axis_units;
  for (const auto& p : c.points) labels.push_back(p.label);
  for (const auto& a : c.axes) {
    keys.push_back(a.key);
    axis_units.push_back(a.values.front().unit);
  }
  points.write_dataset("label", labels);
  points.write_dataset("key", keys);
  points.write_dataset("unit", axis_units);
  std::vector<double> values;
  std::vector<std::string> texts;
  for (const auto& p : c.points) {
    for (std::size_t a = 0; a < c.axes.size(); ++a) {
      values.push_back(c.axes[a].values[p.value_index[a]].si);
      texts.push_back(c.axes[a].values[p.value_index[a]].text);
    }
  }
  auto v = points.write_dataset("value", h5::Shape{c.points.size(), c.axes.size()}, values);
  describe(v, "see /points/unit (per column)",
           "value of each swept key (column, /points/key) at each point (row), in SI units; NaN "
           "for values that are not numbers");
  auto t = points.write_dataset("text", texts);
  t.write_attribute("description",
                    "the swept values as written, row-major [point][key] (points × keys)");
}

namespace {

// Trials in a chunk of /trials: about 1 MiB (whole blocks when they fit).
std::uint64_t trials_per_chunk(const Campaign& c) {
  const std::uint64_t row_bytes = c.trial_width() * sizeof(double);
  return std::max<std::uint64_t>(1, std::min<std::uint64_t>(c.trials, (1u << 20) / row_bytes));
}

// The per-trial dataset: one point, about 1 MiB of trials per chunk (whole blocks when they fit).
h5::Dataset create_trials_dataset(h5::File& file, const Campaign& c) {
  const std::size_t times = c.read_times_s.size(), metrics = c.metrics.size();
  const std::uint64_t chunk_trials = trials_per_chunk(c);
  auto trials = file.create_extendible<double>(
      "trials", {0, c.trials, times, metrics},
      {.chunk = {1, chunk_trials, times, metrics}, .deflate_level = 4, .shuffle = true});
  describe(trials, "per metric: see /metrics/unit",
           "every trial's metrics, [point][trial][read_time][metric]; NaN for trials not run "
           "(a stopping rule ended the point earlier, see /trials_done)");
  trials.write_attribute("dimensions",
                         std::vector<std::string>{"point", "trial", "read_time", "metric"});
  return trials;
}

// /trials written as the blocks come: the current point's trials gathered into whole chunks
// (about 1 MiB) and written as hyperslabs [point][trials], so that memory does not grow with
// the trials per point. Trials not run (a stopping rule) are NaN.
class TrialsWriter {
 public:
  TrialsWriter(h5::Dataset& dataset, const Campaign& c)
      : dataset_(dataset),
        trials_(c.trials),
        times_(c.read_times_s.size()),
        metrics_(c.metrics.size()),
        width_(c.trial_width()),
        chunk_trials_(trials_per_chunk(c)) {
    buffer_.reserve(chunk_trials_ * width_);
  }

  void begin_point(std::uint32_t point) {
    point_ = point;
    written_ = 0;
    buffer_.clear();
    dataset_.resize_rows(std::uint64_t{point} + 1);
  }

  // The next trials of the point, row-major [trial][width].
  void add(std::span<const double> values) {
    while (!values.empty()) {
      const std::size_t room = chunk_trials_ * width_ - buffer_.size();
      const std::size_t take = std::min(room, values.size());
      buffer_.insert(buffer_.end(), values.begin(),
                     values.begin() + static_cast<std::ptrdiff_t>(take));
      values = values.subspan(take);
      if (buffer_.size() == chunk_trials_ * width_) flush();
    }
  }

  // NaN for the trials of the point not run, then everything written.
  void finish_point() {
    while (written_ + buffer_.size() / width_ < trials_) {
      const std::uint64_t missing = trials_ - written_ - buffer_.size() / width_;
      const std::uint64_t room = chunk_trials_ - buffer_.size() / width_;
      buffer_.resize(buffer_.size() + std::min(missing, room) * width_, kNaN);
      if (buffer_.size() == chunk_trials_ * width_) flush();
    }
    flush();
  }

 private:
  void flush() {
    if (buffer_.empty()) return;
    const std::uint64_t rows = buffer_.size() / width_;
    dataset_.write_box({point_, written_, 0, 0}, {1, rows, times_, metrics_}, buffer_);
    written_ += rows;
    buffer_.clear();
  }

  h5::Dataset& dataset_;
  std::uint64_t trials_, times_, metrics_;
  std::size_t width_;
  std::uint64_t chunk_trials_;
  std::uint32_t point_ = 0;
  std::uint64_t written_ = 0;  // trials of the point in the file
  std::vector<double> buffer_;
};

// Points whose values take at most this many bytes are summarised from their values in memory
// (summarize_point); larger ones by streamed order statistics (set_quantiles), the same bits.
constexpr std::uint64_t kInMemoryPointBytes = std::uint64_t{4} << 20;

// Point p, block by block until the stopping rule ends it: its trials to /trials, its summary.
// Memory: a block, a chunk of /trials, and (for large points) the quantile histograms.
PointSummary write_point(const Campaign& c, const BlockSource& source, std::uint32_t p,
                         StoppingMonitor& monitor, TrialsWriter& writer) {
  const std::size_t width = c.trial_width();
  writer.begin_point(p);
  PointAccumulator accumulator(c);
  std::vector<double> block;
  auto read_block = [&](std::uint64_t b) {
    block.resize(c.trials_in_block(b) * width);
    if (!source.read(p, static_cast<std::uint32_t>(b), block)) {
      throw FormatError(fmt::format("block {} of sweep point {} is missing", b, p));
    }
  };
  std::uint64_t blocks = 0;
  while (blocks < c.blocks_per_point()) {
    read_block(blocks++);
    writer.add(block);
    accumulator.add_block(block);
    if (monitor.add_block(p, block)) break;
  }
  writer.finish_point();
  auto for_each_block = [&](const std::function<void(std::span<const double>)>& visit) {
    for (std::uint64_t b = 0; b < blocks; ++b) {
      read_block(b);
      visit(block);
    }
  };
  if (accumulator.trials() * width * sizeof(double) <= kInMemoryPointBytes) {
    std::vector<double> values;
    values.reserve(accumulator.trials() * width);
    for_each_block(
        [&](std::span<const double> v) { values.insert(values.end(), v.begin(), v.end()); });
    return summarize_point(c, values);
  }
  PointSummary summary = accumulator.finish();
  set_quantiles(c, accumulator, summary, for_each_block);
  return summary;
}

void write_trials_done(h5::File& file, const Campaign& c,
                       const std::vector<PointSummary>& summaries) {
  std::vector<std::uint64_t> done;
  for (const PointSummary& s : summaries) done.push_back(s.trials);
  auto trials_done = file.write_dataset("trials_done", done);
  describe(trials_done, "1",
           "trials run at each point: trials_per_point, or fewer when the stopping rule was met");
  if (!c.stopping.enabled) return;
  trials_done.write_attribute("stopping_metric", c.stopping.metric);
  trials_done.write_attribute("stopping_read_time_s", c.read_times_s[c.stopping.time_index]);
  trials_done.write_attribute("stopping_half_width", c.stopping.half_width);
  trials_done.write_attribute("stopping_relative_half_width", c.stopping.relative_half_width);
  trials_done.write_attribute("stopping_confidence", c.stopping.confidence);
  trials_done.write_attribute("stopping_min_trials", c.stopping.min_trials);
}

// One field of every point's summary, point after point.
std::vector<double> gather(const std::vector<PointSummary>& summaries,
                           std::vector<double> PointSummary::*field) {
  std::vector<double> all;
  for (const PointSummary& s : summaries)
    all.insert(all.end(), (s.*field).begin(), (s.*field).end());
  return all;
}

void write_summary(h5::File& file, const Campaign& c, const std::vector<PointSummary>& summaries) {
  auto summary = file.create_group("summary");
  summary.write_attribute(
      "description",
      "per point statistics of every (read_time, metric) over the point's trials; moments "
      "folded block by block in block order (Welford/Chan), quantiles exact from /trials");
  summary.write_attribute("block_size", c.block_size);
  const h5::Shape shape{summaries.size(), c.read_times_s.size(), c.metrics.size()};
  const h5::DatasetOptions compressed{.chunk = {}, .deflate_level = 4, .shuffle = true};
  auto stat = [&](const char* name, std::vector<double> PointSummary::*field,
                  const std::string& text) {
    auto d = summary.write_dataset(name, shape, gather(summaries, field), compressed);
    describe(d, "per metric: see /metrics/unit", text);
    d.write_attribute("dimensions", std::vector<std::string>{"point", "read_time", "metric"});
    return d;
  };
  stat("mean", &PointSummary::mean, "sample mean");
  stat("std", &PointSummary::std, "sample standard deviation (n - 1); NaN for n < 2");
  stat("sem", &PointSummary::sem, "standard error of the mean, std / sqrt(n)");
  stat("ci_lower", &PointSummary::ci_lower,
       "lower bound of the Student-t confidence interval of the mean")
      .write_attribute("confidence", c.confidence);
  stat("ci_upper", &PointSummary::ci_upper,
       "upper bound of the Student-t confidence interval of the mean")
      .write_attribute("confidence", c.confidence);
  stat("binomial_lower", &PointSummary::binomial_lower,
       "lower bound of the Clopper-Pearson interval of a proportion metric's mean over its "
       "/metrics/bernoulli_samples samples (the finite test set); NaN for other metrics")
      .write_attribute("confidence", c.confidence);
  stat("binomial_upper", &PointSummary::binomial_upper,
       "upper bound of the Clopper-Pearson interval of a proportion metric's mean (see "
       "binomial_lower)")
      .write_attribute("confidence", c.confidence);
  stat("min", &PointSummary::min, "smallest value");
  stat("max", &PointSummary::max, "largest value");
  const std::vector<double>& ps = c.quantile_probabilities;
  auto q = summary.write_dataset("quantiles", h5::Shape{shape[0], shape[1], shape[2], ps.size()},
                                 gather(summaries, &PointSummary::quantiles), compressed);
  describe(q, "per metric: see /metrics/unit",
           "sample quantiles (Hyndman & Fan type 7, NumPy's default) at the probabilities of "
           "the attribute 'probabilities'; NaN when a value is NaN");
  q.write_attribute("probabilities", ps);
  q.write_attribute("dimensions",
                    std::vector<std::string>{"point", "read_time", "metric", "probability"});
}

}  // namespace

void write_results_file(const Campaign& c, const BlockSource& source,
                        const std::filesystem::path& path, const Provenance& provenance) {
  auto file = h5::File::create(path, {kCampaignFiletype, kSchemaMajor, kSchemaMinor},
                               h5::CreateMode::truncate);
  write_provenance(file, c, provenance);
  write_description(file, c);
  auto trials = create_trials_dataset(file, c);
  StoppingMonitor monitor(c.stopping, c);
  TrialsWriter writer(trials, c);
  std::vector<PointSummary> summaries;
  for (std::uint32_t p = 0; p < c.points.size(); ++p) {
    summaries.push_back(write_point(c, source, p, monitor, writer));
  }
  write_trials_done(file, c, summaries);
  write_summary(file, c, summaries);
  file.close();
}

void write_shard_file(const Campaign& c, const SpoolReader& reader,
                      const std::filesystem::path& path, const Provenance& provenance) {
  auto file = h5::File::create(path, {kShardFiletype, kSchemaMajor, kSchemaMinor},
                               h5::CreateMode::truncate);
  write_provenance(file, c, provenance);
  file.write_attribute("shard_index", provenance.shard_index);
  write_description(file, c);
  const std::size_t width = c.trial_width();
  auto values =
      file.create_extendible<double>("values", {0, width},
                                     {.chunk = {std::max<std::uint64_t>(1, c.block_size), width},
                                      .deflate_level = 4,
                                      .shuffle = true});
  values.write_attribute("description",
                         "per-trial values of this shard's blocks, [row][read_time × metric]; "
                         "rows of a block are consecutive trials");
  std::vector<std::uint64_t> blocks;
  std::uint64_t row = 0;
  std::vector<double> buffer;
  for (const auto& entry : reader.entries()) {
    buffer.resize(std::uint64_t{entry.header.trials} * entry.header.width);
    reader.read(entry, buffer);
    values.append(buffer);
    blocks.insert(blocks.end(), {entry.header.point, entry.header.block, row});
    row += entry.header.trials;
  }
  auto b = file.write_dataset("blocks", h5::Shape{blocks.size() / 3, 3}, blocks);
  b.write_attribute("description",
                    "one row per block: (sweep point, block index, first row in /values)");
  file.close();
}

}  // namespace detail

namespace {

std::string format_value(double value, const std::string& unit) {
  if (!std::isfinite(value)) return "nan";
  if (unit == "S") return format_quantity(value, Dimension::conductance);
  if (unit == "s") return format_quantity(value, Dimension::time);
  return fmt::format("{:.4g}", value);
}

}  // namespace

void print_summary_table(const std::filesystem::path& path, std::ostream& out) {
  const auto file = h5::File::open(path, h5::OpenMode::read_only, kCampaignFiletype, kSchemaMajor);
  const auto labels = file.read_dataset<std::vector<std::string>>("points/label");
  const auto names = file.read_dataset<std::vector<std::string>>("metrics/name");
  const auto units = file.read_dataset<std::vector<std::string>>("metrics/unit");
  const auto times = file.read_dataset<std::vector<double>>("read_times");
  const auto done = file.read_dataset<std::vector<std::uint64_t>>("trials_done");
  const auto mean = file.read_dataset<h5::NdArray<double>>("summary/mean");
  const auto lower = file.read_dataset<h5::NdArray<double>>("summary/ci_lower");
  const auto upper = file.read_dataset<h5::NdArray<double>>("summary/ci_upper");
  const double confidence =
      file.open_dataset("summary/ci_lower").read_attribute<double>("confidence");
  // The first three metrics: the headline errors of every workload come first.
  const std::size_t shown = std::min<std::size_t>(3, names.size());
  out << fmt::format("{:>5}  {:>7}  {:>8}", "point", "trials", "time");
  for (std::size_t m = 0; m < shown; ++m) {
    out << fmt::format("  {:>24}", fmt::format("{} ±{:g}%", names[m], 100 * confidence));
  }
  out << "\n";
  for (std::size_t p = 0; p < labels.size(); ++p) {
    if (!labels[p].empty()) out << fmt::format("{:>5}  {}\n", p, labels[p]);
    for (std::size_t k = 0; k < times.size(); ++k) {
      out << fmt::format("{:>5}  {:>7}  {:>8}", p, done[p],
                         format_quantity(times[k], Dimension::time));
      for (std::size_t m = 0; m < shown; ++m) {
        const std::size_t i = (p * times.size() + k) * names.size() + m;
        const double half = 0.5 * (upper.data[i] - lower.data[i]);
        out << fmt::format("  {:>24}", fmt::format("{} ± {}", format_value(mean.data[i], units[m]),
                                                   format_value(half, units[m])));
      }
      out << "\n";
    }
  }
}

namespace {

// The filetype root attribute of an HDF5 file, "" when it has none (IoError / FormatError for a
// missing or non-HDF5 file, as File::open).
std::string filetype_of(const std::filesystem::path& path) {
  const h5::File file = h5::File::open_foreign(path);
  try {
    return file.identity().filetype;
  } catch (const FormatError&) {
    return "";
  }
}

// What a file of another filetype is, for a message.
std::string what_file_is(const std::string& filetype) {
  if (filetype.empty()) return "an HDF5 file without a Kirchhoff filetype";
  if (filetype == "kirchhoff-fit-report") {
    return "a fit report (filetype 'kirchhoff-fit-report', written by kirchhoff fit; draw it "
           "with kirchhoff plot)";
  }
  if (filetype == "kirchhoff-measurements") {
    return "a measurement file (filetype 'kirchhoff-measurements', read by kirchhoff fit)";
  }
  return fmt::format("a '{}' file", filetype);
}

}  // namespace

void describe_results(const std::filesystem::path& path, std::ostream& out) {
  // Either kind of campaign file; any other file is named for what it is.
  const std::string filetype = filetype_of(path);
  if (filetype != kCampaignFiletype && filetype != kShardFiletype) {
    throw FormatError(fmt::format(
        "'{}' is {}; kirchhoff info describes campaign results and shard files (filetype '{}' "
        "or '{}', written by kirchhoff run and merge)",
        path.string(), what_file_is(filetype), kCampaignFiletype, kShardFiletype));
  }
  h5::File file = h5::File::open(path, h5::OpenMode::read_only, filetype, kSchemaMajor);
  const auto identity = file.identity();
  out << fmt::format("{}: {} (schema {}.{})\n", path.string(), identity.filetype, identity.major,
                     identity.minor);
  for (const std::string& name : file.attribute_names()) {
    if (name == "filetype" || name == "schema_version") continue;
    std::string value;
    try {
      value = file.read_attribute<std::string>(name);
    } catch (const FormatError&) {
      try {
        value = fmt::format("{}", file.read_attribute<std::uint64_t>(name));
      } catch (const FormatError&) {
        try {
          value = fmt::format("{}", file.read_attribute<std::uint32_t>(name));
        } catch (const FormatError&) {
          try {
            value = fmt::format("{}", file.read_attribute<std::uint8_t>(name));
          } catch (const FormatError&) {
            value = "(...)";
          }
        }
      }
    }
    out << fmt::format("  {:<20} {}\n", name, value);
  }
  const auto names = file.read_dataset<std::vector<std::string>>("metrics/name");
  const auto units = file.read_dataset<std::vector<std::string>>("metrics/unit");
  const auto times = file.read_dataset<std::vector<double>>("read_times");
  const auto labels = file.read_dataset<std::vector<std::string>>("points/label");
  std::vector<std::string> metric_text, time_text;
  for (std::size_t m = 0; m < names.size(); ++m) {
    metric_text.push_back(fmt::format("{} [{}]", names[m], units[m]));
  }
  for (double t : times) time_text.push_back(format_quantity(t, Dimension::time));
  out << fmt::format("  {} sweep points, read times {}\n  metrics: {}\n", labels.size(),
                     fmt::join(time_text, ", "), fmt::join(metric_text, ", "));
  if (identity.filetype == kShardFiletype) {
    const auto blocks = file.open_dataset("blocks").shape();
    out << fmt::format("  shard holds {} blocks\n", blocks.empty() ? 0 : blocks[0]);
    return;
  }
  const auto shape = file.open_dataset("trials").shape();
  out << fmt::format("  trials dataset: {}\n", fmt::join(shape, " x "));
  file.close();
  print_summary_table(path, out);
}

}  // namespace kirchhoff::montecarlo
