#include "kirchhoff/montecarlo/campaign.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/random.hpp"
#include "kirchhoff/core/text.hpp"
#include "kirchhoff/core/toml_writer.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::montecarlo {

std::uint64_t Campaign::trials_in_block(std::uint64_t block) const noexcept {
  const std::uint64_t first = block * block_size;
  if (first >= trials) return 0;
  return std::min(block_size, trials - first);
}

std::uint64_t fnv1a64(std::string_view bytes) noexcept {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::string format_hash(std::uint64_t hash) {
  return fmt::format("0x{:016x}", hash);
}

namespace {

constexpr Dimension kDimensions[] = {Dimension::conductance, Dimension::resistance,
                                     Dimension::time,        Dimension::voltage,
                                     Dimension::current,     Dimension::frequency};

// The dimension of a quantity written as text, if it is one.
std::optional<std::pair<double, Dimension>> parse_any_quantity(std::string_view text) {
  for (const Dimension d : kDimensions) {
    try {
      return std::pair{parse_quantity(text, d), d};
    } catch (const InvalidArgument&) {
    }
  }
  return std::nullopt;
}

// Keys that hold for the whole campaign and cannot vary between points.
bool is_campaign_wide(std::string_view key) {
  static const std::set<std::string, std::less<>> exact = {
      "name",         "seed", "output", "trials", "block_size", "read_times", "checkpoint_interval",
      "workload.kind"};
  if (exact.contains(key)) return true;
  for (const std::string_view table : {"sweep", "stopping", "statistics"}) {
    if (key == table || (key.size() > table.size() && key.substr(0, table.size()) == table &&
                         key[table.size()] == '.')) {
      return true;
    }
  }
  return false;
}

SweepValue quantity_value(double si, Dimension d) {
  return {toml_string(fmt::format("{}{}", si, dimension_si_unit(d))), format_quantity(si, d), si,
          std::string(dimension_si_unit(d))};
}

std::vector<SweepValue> read_listed_values(const ConfigTable& t) {
  std::vector<SweepValue> values;
  if (t.type("values") != ConfigType::array) {
    static_cast<void>(t.get<std::string>("values"));  // reports the wrong type at its location
  }
  std::optional<std::vector<std::string>> strings;
  try {
    strings = t.get_array<std::string>("values");
  } catch (const ConfigError&) {
  }
  if (strings) {
    for (const std::string& s : *strings) {
      if (const auto q = parse_any_quantity(s)) {
        values.push_back({toml_string(s), s, q->first, std::string(dimension_si_unit(q->second))});
      } else {
        values.push_back({toml_string(s), s, std::numeric_limits<double>::quiet_NaN(), ""});
      }
    }
    return values;
  }
  try {
    for (const std::int64_t v : t.get_array<std::int64_t>("values")) {
      values.push_back({fmt::format("{}", v), fmt::format("{}", v), static_cast<double>(v), "1"});
    }
    return values;
  } catch (const ConfigError&) {
  }
  try {
    for (const double v : t.get_array<double>("values")) {
      values.push_back({toml_float(v), fmt::format("{}", v), v, "1"});
    }
    return values;
  } catch (const ConfigError&) {
  }
  try {
    for (const bool v : t.get_array<bool>("values")) {
      values.push_back({v ? "true" : "false", v ? "true" : "false", v ? 1.0 : 0.0, "1"});
    }
    return values;
  } catch (const ConfigError&) {
  }
  t.fail("values",
         "must be an array of values of one type: numbers, quantities (\"25uS\"), strings or "
         "booleans");
}

std::vector<SweepValue> read_range(const ConfigTable& t) {
  const auto steps = t.get<std::int64_t>("steps");
  if (steps < 1 || steps > 100000) {
    t.fail("steps", fmt::format("must be in [1, 100000], got {}", steps));
  }
  const std::string scale = t.get_or("scale", "linear");
  if (scale != "linear" && scale != "log") {
    t.fail("scale", fmt::format("must be \"linear\" or \"log\", got \"{}\"", scale));
  }
  const bool log = scale == "log";
  const ConfigType type = t.type("start");
  if (t.type("stop") != type) {
    t.fail("stop", "must have the same type as 'start' (both numbers, or both quantities)");
  }
  double start = 0.0, stop = 0.0;
  std::optional<Dimension> dimension;
  const bool integers = type == ConfigType::integer;
  if (type == ConfigType::string) {
    const std::string a = t.get<std::string>("start"), b = t.get<std::string>("stop");
    const auto qa = parse_any_quantity(a);
    if (!qa) t.fail("start", fmt::format("\"{}\" is not a quantity with a unit", a));
    dimension = qa->second;
    start = qa->first;
    try {
      stop = parse_quantity(b, *dimension);
    } catch (const InvalidArgument& e) {
      t.fail("stop", e.what());
    }
  } else {
    start = t.get<double>("start");
    stop = t.get<double>("stop");
  }
  if (log && !(start > 0.0 && stop > 0.0)) {
    t.fail_table("a log-spaced range needs start > 0 and stop > 0");
  }
  std::vector<SweepValue> values;
  for (std::int64_t i = 0; i < steps; ++i) {
    const double f = steps == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(steps - 1);
    double v = log ? start * std::pow(stop / start, f) : start + (stop - start) * f;
    if (i == steps - 1 && steps > 1) v = stop;
    if (dimension) {
      values.push_back(quantity_value(v, *dimension));
    } else if (integers) {
      const auto r = static_cast<std::int64_t>(std::llround(v));
      if (!values.empty() && values.back().si == static_cast<double>(r)) {
        t.fail("steps", fmt::format("integer range {}..{} repeats the value {} with {} steps; "
                                    "use fewer steps",
                                    start, stop, r, steps));
      }
      values.push_back({fmt::format("{}", r), fmt::format("{}", r), static_cast<double>(r), "1"});
    } else {
      values.push_back({toml_float(v), fmt::format("{:.6g}", v), v, "1"});
    }
  }
  return values;
}

// Points: cartesian product over zip groups (an axis without `zip` is a group of its own), the
// first group varying slowest; the axes of one zip group advance together.
std::vector<SweepPoint> make_points(const std::vector<SweepAxis>& axes, const Config& config) {
  std::vector<std::vector<std::size_t>> groups;
  std::map<std::string, std::size_t> group_of;
  for (std::size_t a = 0; a < axes.size(); ++a) {
    if (axes[a].zip.empty()) {
      groups.push_back({a});
      continue;
    }
    const auto [it, inserted] = group_of.emplace(axes[a].zip, groups.size());
    if (inserted) {
      groups.push_back({a});
      continue;
    }
    const std::size_t first = groups[it->second].front();
    if (axes[first].values.size() != axes[a].values.size()) {
      const ConfigTable t = config.root().get_table_array("sweep")[a];
      t.fail_table(fmt::format("zip group '{}': {} values here but {} for '{}'", axes[a].zip,
                               axes[a].values.size(), axes[first].values.size(), axes[first].key));
    }
    groups[it->second].push_back(a);
  }
  std::size_t count = 1;
  for (const auto& g : groups) {
    count *= axes[g.front()].values.size();
    if (count > 1'000'000) {
      config.root().fail("sweep", "more than 1,000,000 sweep points");
    }
  }
  std::vector<SweepPoint> points(count);
  for (std::size_t p = 0; p < count; ++p) {
    points[p].value_index.assign(axes.size(), 0);
    std::size_t rest = p;
    for (std::size_t gi = groups.size(); gi-- > 0;) {
      const std::size_t n = axes[groups[gi].front()].values.size();
      const auto index = static_cast<std::uint32_t>(rest % n);
      rest /= n;
      for (const std::size_t a : groups[gi]) points[p].value_index[a] = index;
    }
    std::vector<std::string> parts;
    for (std::size_t a = 0; a < axes.size(); ++a) {
      parts.push_back(
          fmt::format("{}={}", axes[a].key, axes[a].values[points[p].value_index[a]].text));
    }
    points[p].label = fmt::format("{}", fmt::join(parts, ", "));
  }
  return points;
}

Config base_config(std::string_view text, const std::string& source,
                   std::span<const std::string> overrides) {
  Config config = Config::parse(text, source);
  for (const std::string& assignment : overrides) config.set_override(assignment);
  return config;
}

// Re-throws an error found while building a sweep point with the point named; errors about a
// swept value are located at the [[sweep]] table that set it.
[[noreturn]] void rethrow_for_point(const ConfigError& e, std::size_t p, const SweepPoint& point,
                                    const std::vector<SweepAxis>& axes,
                                    const std::vector<std::string>& assignments) {
  std::string prefix = e.where().str();
  if (!prefix.empty()) prefix += ": ";
  if (!e.key().empty()) prefix += fmt::format("key '{}': ", e.key());
  std::string what = e.what();
  if (what.rfind(prefix, 0) == 0) what.erase(0, prefix.size());
  TextLocation where = e.where();
  bool swept = false;
  for (std::size_t a = 0; a < axes.size(); ++a) {
    if (e.where().file == "--set " + assignments[a]) {
      where = axes[a].location;
      swept = true;
    }
  }
  if (p == 0 && !swept) throw e;  // nothing to do with the sweep
  throw ConfigError(where, e.key(),
                    fmt::format("at sweep point {} ({}): {}", p, point.label, what));
}

// A --set of a swept key would be overwritten by the sweep at every point: say so instead.
void refuse_overrides_of_swept_keys(std::span<const std::string> overrides,
                                    const std::vector<SweepAxis>& axes) {
  for (const std::string& assignment : overrides) {
    std::string key = assignment.substr(0, assignment.find('='));
    while (!key.empty() && key.back() == ' ') key.pop_back();
    while (!key.empty() && key.front() == ' ') key.erase(0, 1);
    for (const SweepAxis& axis : axes) {
      if (key == axis.key) {
        throw ConfigError(axis.location, axis.key,
                          fmt::format("is swept here, so '--set {}' would have no effect; drop "
                                      "the sweep too with --set sweep=[] or change its values",
                                      assignment));
      }
    }
  }
}

// What kind of value a sweep gives a key: "a quantity in S", "a number", "a boolean", "a string".
std::string kind_of(const SweepValue& v) {
  if (v.unit.empty()) return "a string";
  if (v.unit != "1") return fmt::format("a quantity in {}", v.unit);
  return v.toml == "true" || v.toml == "false" ? "a boolean" : "a number";
}

// The same for a value written in the file; nothing for arrays and tables (not judged).
std::optional<std::string> kind_of(const ConfigTable& t, std::string_view key) {
  switch (t.type(key)) {
    case ConfigType::boolean:
      return "a boolean";
    case ConfigType::integer:
    case ConfigType::floating:
      return "a number";
    case ConfigType::string: {
      const auto q = parse_any_quantity(t.get<std::string>(key));
      return q ? fmt::format("a quantity in {}", dimension_si_unit(q->second)) : "a string";
    }
    default:
      return std::nullopt;
  }
}

// A swept key's value written in the file is replaced at every point, so no workload reads (and
// checks) it; it would surface only when the sweep is dropped. It must at least be the kind of
// value the sweep gives the key (r_row = "20uS" beside a sweep of resistances is refused).
void check_written_values_of_swept_keys(const Config& base, const std::vector<SweepAxis>& axes) {
  for (const SweepAxis& axis : axes) {
    const std::size_t dot = axis.key.rfind('.');
    const ConfigTable table =
        dot == std::string::npos ? base.root() : base.table(axis.key.substr(0, dot));
    const std::string leaf = dot == std::string::npos ? axis.key : axis.key.substr(dot + 1);
    if (!table.contains(leaf)) continue;
    const std::optional<std::string> written = kind_of(table, leaf);
    const std::string swept = kind_of(axis.values.front());
    if (written && *written != swept) {
      table.fail(leaf, fmt::format("is {} here, but the sweep at {} gives it {}; the value here is "
                                   "used by no sweep point: correct it or remove it",
                                   *written, axis.location.str(), swept));
    }
  }
}

// The assignments that give sweep point p its values.
std::vector<std::string> sweep_assignments(const Campaign& c, std::size_t p) {
  std::vector<std::string> assignments;
  for (std::size_t a = 0; a < c.axes.size(); ++a) {
    assignments.push_back(
        fmt::format("{}={}", c.axes[a].key, c.axes[a].values[c.points[p].value_index[a]].toml));
  }
  return assignments;
}

void check_same_metrics(const Campaign& c, std::size_t p, const Workload& workload,
                        const Config& base) {
  const auto& m = workload.metrics();
  const bool same =
      m.size() == c.metrics.size() && std::equal(m.begin(), m.end(), c.metrics.begin(),
                                                 [](const MetricInfo& x, const MetricInfo& y) {
                                                   return x.name == y.name && x.unit == y.unit;
                                                 });
  if (!same) {
    base.root().fail("sweep", fmt::format("sweep point {} ({}) has other metrics than point 0; "
                                          "sweep values must not change which metrics a trial "
                                          "reports",
                                          p, c.points[p].label));
  }
}

// Builds point p from the file again with its sweep values applied, so that every key is read
// (and checked) in the configuration that point actually runs with.
void add_point(Campaign& c, std::size_t p, std::string_view text,
               std::span<const std::string> overrides, const WorkloadRegistry& registry,
               const Config& base) {
  const std::vector<std::string> assignments = sweep_assignments(c, p);
  try {
    Config config = base_config(text, c.source, overrides);
    // Sweep values are written in the campaign: paths in them are relative to it.
    for (const std::string& assignment : assignments) config.set_override(assignment, c.source);
    const CampaignSettings point_settings = read_campaign_settings(config, c.source);
    static_cast<void>(read_sweep_axes(config));
    const WorkloadContext context{c.seed, static_cast<std::uint32_t>(p), c.read_times_s};
    auto workload = registry.make(config, context);
    const StoppingRule rule = read_stopping_rule(config, point_settings, workload->metrics());
    config.check_unknown_keys();
    if (p == 0) {
      c.metrics = workload->metrics();
      c.stopping = rule;
    } else {
      check_same_metrics(c, p, *workload, base);
    }
    for (std::string& warning : workload->warnings()) {
      if (std::find(c.warnings.begin(), c.warnings.end(), warning) == c.warnings.end()) {
        c.warnings.push_back(std::move(warning));
      }
    }
    c.workloads.push_back(std::move(workload));
  } catch (const ConfigError& e) {
    if (c.axes.empty()) throw;
    rethrow_for_point(e, p, c.points[p], c.axes, assignments);
  }
}

void apply_settings(Campaign& c, const CampaignSettings& s) {
  c.name = s.name;
  c.seed = s.seed;
  c.output = s.output;
  c.trials = s.trials;
  c.block_size = s.block_size;
  c.read_times_s = s.read_times_s;
  c.checkpoint_interval_s = s.checkpoint_interval_s;
  c.confidence = s.confidence;
  c.quantile_probabilities = s.quantile_probabilities;
  c.workload_kind = s.workload_kind;
}

// The hash identifies what is computed: where the output goes and how often checkpoints are
// written do not change a single result.
std::uint64_t configuration_hash(const std::string& resolved_toml, const std::string& source) {
  Config hashed = Config::parse(resolved_toml, source);
  hashed.set_override("output=\"\"");
  hashed.set_override("checkpoint_interval=\"0s\"");
  return fnv1a64(hashed.to_toml());
}

}  // namespace

CampaignSettings read_campaign_settings(const Config& config, std::string_view source) {
  const ConfigTable root = config.root();
  CampaignSettings s;
  std::string stem = std::filesystem::path(source).stem().string();
  if (stem.empty()) stem = "campaign";
  s.name = root.get_or<std::string>("name", stem);
  if (s.name.empty()) root.fail("name", "must not be empty");
  const auto seed = root.get<std::int64_t>("seed");
  if (seed < 0) root.fail("seed", fmt::format("must be >= 0, got {}", seed));
  s.seed = static_cast<std::uint64_t>(seed);
  s.output = root.get_or<std::string>("output", s.name + ".h5");
  if (s.output.empty()) root.fail("output", "must not be empty");
  const auto trials = root.get<std::int64_t>("trials");
  if (trials < 1 || trials > std::int64_t{std::numeric_limits<std::uint32_t>::max()}) {
    root.fail("trials", fmt::format("must be in [1, {}], got {}",
                                    std::numeric_limits<std::uint32_t>::max(), trials));
  }
  s.trials = static_cast<std::uint64_t>(trials);
  const auto block = root.get_or<std::int64_t>("block_size", 32);
  if (block < 1 || block > 1'000'000) {
    root.fail("block_size", fmt::format("must be in [1, 1000000], got {}", block));
  }
  s.block_size = static_cast<std::uint64_t>(block);
  s.read_times_s = root.get_quantity_array("read_times", Dimension::time);
  if (s.read_times_s.empty()) root.fail("read_times", "needs at least one read time");
  if (s.read_times_s.size() > 1024) root.fail("read_times", "at most 1024 read times");
  for (std::size_t k = 0; k < s.read_times_s.size(); ++k) {
    if (!(s.read_times_s[k] > 0.0)) root.fail_element("read_times", k, "must be > 0 s");
  }
  s.checkpoint_interval_s = root.get_quantity_or("checkpoint_interval", Dimension::time, 10.0);

  const ConfigTable stats = root.table("statistics");
  s.confidence = stats.get_or("confidence", 0.95);
  if (!(s.confidence > 0.0 && s.confidence < 1.0)) {
    stats.fail("confidence", fmt::format("must be in (0, 1), got {}", s.confidence));
  }
  if (stats.contains("quantiles")) {
    s.quantile_probabilities = stats.get_array<double>("quantiles");
    for (std::size_t i = 0; i < s.quantile_probabilities.size(); ++i) {
      if (!(s.quantile_probabilities[i] >= 0.0 && s.quantile_probabilities[i] <= 1.0)) {
        stats.fail_element("quantiles", i,
                           fmt::format("must be in [0, 1], got {}", s.quantile_probabilities[i]));
      }
    }
  } else {
    s.quantile_probabilities = {0.05, 0.25, 0.5, 0.75, 0.95};
  }
  s.workload_kind = root.table("workload").get<std::string>("kind");
  return s;
}

std::vector<SweepAxis> read_sweep_axes(const Config& config) {
  std::vector<SweepAxis> axes;
  const ConfigTable root = config.root();
  if (!root.contains("sweep")) return axes;
  std::set<std::string> keys;
  for (const ConfigTable& t : root.get_table_array("sweep")) {
    SweepAxis axis;
    axis.key = t.get<std::string>("key");
    axis.location = t.location("key");
    if (axis.key.empty()) t.fail("key", "must name a configuration key");
    if (is_campaign_wide(axis.key)) {
      t.fail("key", fmt::format("'{}' holds for the whole campaign and cannot be swept; sweep "
                                "keys of [device] or [workload]",
                                axis.key));
    }
    if (!keys.insert(axis.key).second) t.fail("key", "the same key is swept twice");
    axis.zip = t.get_or("zip", "");
    const bool listed = t.contains("values"), ranged = t.contains("start") || t.contains("stop");
    if (listed == ranged) {
      t.fail_table(listed ? "give either 'values' or a range ('start', 'stop', 'steps'), not both"
                          : "needs 'values' (a list) or a range ('start', 'stop', 'steps')");
    }
    if (listed) {
      axis.values = read_listed_values(t);
      if (axis.values.empty()) t.fail("values", "empty sweep: give at least one value");
    } else {
      axis.values = read_range(t);
    }
    axes.push_back(std::move(axis));
  }
  return axes;
}

StoppingRule read_stopping_rule(const Config& config, const CampaignSettings& settings,
                                const std::vector<MetricInfo>& metrics) {
  StoppingRule rule;
  const ConfigTable t = config.root().table("stopping");
  if (!t.exists()) return rule;
  rule.enabled = true;
  rule.metric = t.get<std::string>("metric");
  std::vector<std::string> names;
  for (const auto& m : metrics) names.push_back(m.name);
  const auto it = std::find(names.begin(), names.end(), rule.metric);
  if (it == names.end()) {
    std::string message = fmt::format("unknown metric '{}'", rule.metric);
    if (const auto match = closest_match(rule.metric, names)) {
      message += fmt::format("; did you mean '{}'?", *match);
    }
    t.fail("metric", message + fmt::format(" (metrics: {})", fmt::join(names, ", ")));
  }
  rule.metric_index = static_cast<std::size_t>(it - names.begin());
  rule.time_index = settings.read_times_s.size() - 1;
  if (t.contains("time")) {
    const double time = t.get_quantity("time", Dimension::time);
    const auto pos = std::find(settings.read_times_s.begin(), settings.read_times_s.end(), time);
    if (pos == settings.read_times_s.end()) t.fail("time", "must be one of the read_times");
    rule.time_index = static_cast<std::size_t>(pos - settings.read_times_s.begin());
  }
  const std::string& unit = metrics[rule.metric_index].unit;
  if (t.contains("half_width")) {
    if (t.type("half_width") == ConfigType::string) {
      const auto q = parse_any_quantity(t.get<std::string>("half_width"));
      if (!q || dimension_si_unit(q->second) != unit) {
        t.fail("half_width",
               fmt::format("must be a quantity in {} (the unit of '{}')", unit, rule.metric));
      }
      rule.half_width = q->first;
    } else {
      if (unit != "1") {
        t.fail("half_width", fmt::format("needs a unit: '{}' is in {}", rule.metric, unit));
      }
      rule.half_width = t.get<double>("half_width");
    }
    if (!(rule.half_width > 0.0)) t.fail("half_width", "must be > 0");
  }
  rule.relative_half_width = t.get_or("relative_half_width", 0.0);
  if (t.contains("relative_half_width") && !(rule.relative_half_width > 0.0)) {
    t.fail("relative_half_width", "must be > 0");
  }
  if (rule.half_width == 0.0 && rule.relative_half_width == 0.0) {
    t.fail_table("needs 'half_width' (in the metric's unit) or 'relative_half_width'");
  }
  rule.confidence = t.get_or("confidence", settings.confidence);
  if (!(rule.confidence > 0.0 && rule.confidence < 1.0)) {
    t.fail("confidence", fmt::format("must be in (0, 1), got {}", rule.confidence));
  }
  const auto min_trials =
      t.get_or<std::int64_t>("min_trials", static_cast<std::int64_t>(settings.block_size));
  if (min_trials < 2) t.fail("min_trials", fmt::format("must be >= 2, got {}", min_trials));
  rule.min_trials = static_cast<std::uint64_t>(min_trials);
  return rule;
}

Campaign parse_campaign(std::string_view text, std::string source_name,
                        std::span<const std::string> overrides, const WorkloadRegistry& registry) {
  Campaign c;
  c.source = std::move(source_name);
  const Config base = base_config(text, c.source, overrides);
  apply_settings(c, read_campaign_settings(base, c.source));
  c.axes = read_sweep_axes(base);
  refuse_overrides_of_swept_keys(overrides, c.axes);
  check_written_values_of_swept_keys(base, c.axes);
  c.points = make_points(c.axes, base);
  if (c.points.size() > std::numeric_limits<std::uint32_t>::max()) {
    base.root().fail("sweep", "too many sweep points");
  }
  for (std::size_t p = 0; p < c.points.size(); ++p) {
    add_point(c, p, text, overrides, registry, base);
  }
  if (c.trial_width() == 0) base.root().fail("workload", "the workload reports no metrics");
  c.resolved_toml = base.to_toml();
  c.config_hash = configuration_hash(c.resolved_toml, c.source);
  return c;
}

Campaign load_campaign(const std::filesystem::path& file, std::span<const std::string> overrides,
                       const WorkloadRegistry& registry) {
  std::error_code status_error;
  if (std::filesystem::is_directory(file, status_error)) {
    std::vector<std::string> candidates;
    for (const auto& entry : std::filesystem::directory_iterator(file, status_error)) {
      if (entry.path().extension() == ".toml") candidates.push_back(entry.path().string());
    }
    std::sort(candidates.begin(), candidates.end());
    if (candidates.size() > 3) candidates.resize(3);
    throw IoError(fmt::format(
        "campaign file '{}' is a directory; give a campaign file (TOML){}", file.string(),
        candidates.empty() ? std::string()
                           : fmt::format(", such as {}", fmt::join(candidates, ", "))));
  }
  return parse_campaign(read_config_text(file, "campaign file"), file.string(), overrides,
                        registry);
}

}  // namespace kirchhoff::montecarlo
