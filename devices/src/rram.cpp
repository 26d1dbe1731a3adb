// RRAM device models; equations, sources and assumptions in docs/devices-rram.md.
#include "kirchhoff/devices/rram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/devices/device_config.hpp"

namespace kirchhoff::devices {
namespace {

constexpr double kMicro = 1e-6;

// A parameter value that is not allowed: which key, which element (fit index), and why. One
// check serves the constructors (InvalidArgument) and the factories (ConfigError at the key).
struct Problem {
  std::string key;
  std::string message;
  std::optional<std::size_t> index;  // the [[spread_fit]] table, for Wan's fits
};

[[noreturn]] void throw_problem(const Problem& problem) {
  if (problem.index) {
    throw InvalidArgument(
        fmt::format("spread_fit[{}].{}: {}", *problem.index, problem.key, problem.message));
  }
  throw InvalidArgument(fmt::format("{}: {}", problem.key, problem.message));
}

std::string us(double g_siemens) {
  return format_quantity(g_siemens, Dimension::conductance);
}

// Σ c_k x^k by Horner's rule.
double polynomial(const std::vector<double>& c, double x) {
  double sum = 0.0;
  for (auto k = c.size(); k-- > 0;) sum = sum * x + c[k];
  return sum;
}

// Fills z with standard normals of `stream` for the cells of `cells`.
std::vector<double> normals(const ProgrammedCells& cells, StreamId id, std::uint32_t substream) {
  std::vector<double> z(cells.size());
  cells.address.stream(id, substream).normal(z, cells.address.first_cell);
  return z;
}

// A conductance cannot be negative; with `clip` it also stays in [g_min, g_max].
void limit(std::span<double> g_siemens, const CommonParameters& common) {
  const double lo = common.clip ? common.g_min_siemens : 0.0;
  const double hi = common.clip ? common.g_max_siemens : std::numeric_limits<double>::infinity();
  for (double& g : g_siemens) g = std::clamp(g, lo, hi);
}

// ---- Wan 2022 --------------------------------------------------------------------------------

// Grid on which a fitted spread polynomial must be >= 0 (x in [0, 1]).
constexpr int kSpreadCheckPoints = 1000;

std::optional<Problem> check(const RramWan2022Parameters& p) {
  if (!(std::isfinite(p.fit_g_max_siemens) && p.fit_g_max_siemens > 0.0)) {
    return Problem{
        "fit_g_max", fmt::format("must be finite and > 0 S, got {} S", p.fit_g_max_siemens), {}};
  }
  if (p.fits.empty()) return Problem{"spread_fit", "needs at least one fit", {}};
  for (std::size_t j = 0; j < p.fits.size(); ++j) {
    const SpreadFit& fit = p.fits[j];
    if (!(std::isfinite(fit.t_s) && fit.t_s > 0.0)) {
      return Problem{"time", fmt::format("must be finite and > 0 s, got {} s", fit.t_s), j};
    }
    if (j > 0 && !(fit.t_s > p.fits[j - 1].t_s)) {
      return Problem{"time",
                     fmt::format("fit times must increase strictly; {} follows {}",
                                 format_quantity(fit.t_s, Dimension::time),
                                 format_quantity(p.fits[j - 1].t_s, Dimension::time)),
                     j};
    }
    if (fit.coefficients_siemens.empty())
      return Problem{"coefficients", "needs at least one value", j};
    for (double c : fit.coefficients_siemens) {
      if (!std::isfinite(c)) return Problem{"coefficients", "must be finite", j};
    }
    for (int k = 0; k <= kSpreadCheckPoints; ++k) {
      const double x = k / double{kSpreadCheckPoints};
      const double sigma = polynomial(fit.coefficients_siemens, x);
      if (sigma < 0.0) {
        return Problem{"coefficients",
                       fmt::format("spread must be >= 0 for x = g/g_max in [0, 1], but it is {} "
                                   "at x = {}",
                                   us(sigma), x),
                       j};
      }
    }
  }
  return std::nullopt;
}

// ---- CMO / Milo: linear programming spread ---------------------------------------------------

std::optional<Problem> check_linear_spread(const CommonParameters& common, double offset_siemens,
                                           double slope) {
  if (!std::isfinite(offset_siemens)) {
    return Problem{"programming_sigma_offset", "must be finite", {}};
  }
  if (!std::isfinite(slope)) return Problem{"programming_sigma_slope", "must be finite", {}};
  for (double g : {common.g_min_siemens, common.g_max_siemens}) {
    const double sigma = offset_siemens + slope * g;
    if (sigma < 0.0) {
      return Problem{slope < 0.0 ? "programming_sigma_slope" : "programming_sigma_offset",
                     fmt::format("programming spread must be >= 0 on [g_min, g_max], but "
                                 "programming_sigma_offset + programming_sigma_slope * g is {} at "
                                 "g = {}",
                                 us(sigma), us(g)),
                     {}};
    }
  }
  return std::nullopt;
}

std::optional<Problem> check(const RramCmoParameters& p) {
  if (auto problem = check_linear_spread(p.common, p.programming_sigma_offset_siemens,
                                         p.programming_sigma_slope)) {
    return problem;
  }
  if (!std::isfinite(p.relaxation_mean_slope_siemens)) {
    return Problem{"relaxation_mean_slope", "must be finite", {}};
  }
  if (!(std::isfinite(p.relaxation_spread_slope_siemens) &&
        p.relaxation_spread_slope_siemens >= 0.0)) {
    return Problem{"relaxation_spread_slope",
                   fmt::format("must be finite and >= 0 S (a negative slope makes the spread "
                               "negative at long times), got {}",
                               us(p.relaxation_spread_slope_siemens)),
                   {}};
  }
  if (!(std::isfinite(p.relaxation_spread_offset_siemens) &&
        p.relaxation_spread_offset_siemens >= 0.0)) {
    return Problem{
        "relaxation_spread_offset",
        fmt::format("must be finite and >= 0 S, got {}", us(p.relaxation_spread_offset_siemens)),
        {}};
  }
  return std::nullopt;
}

std::optional<Problem> check(const RramMilo2021Parameters& p) {
  if (auto problem = check_linear_spread(p.common, p.programming_sigma_offset_siemens,
                                         p.programming_sigma_slope)) {
    return problem;
  }
  for (auto [key, coefficients] : {std::pair{"nl2_coefficients_a_per_v2", &p.nl2_coefficients},
                                   std::pair{"nl3_coefficients_a_per_v3", &p.nl3_coefficients}}) {
    for (double c : *coefficients) {
      if (!std::isfinite(c)) return Problem{key, "must be finite", {}};
    }
  }
  if (!(std::isfinite(p.iv_fit_voltage_v) && p.iv_fit_voltage_v > 0.0)) {
    return Problem{"iv_fit_voltage",
                   fmt::format("must be finite and > 0 V, got {} V", p.iv_fit_voltage_v),
                   {}};
  }
  return std::nullopt;
}

template <class Parameters>
const Parameters& validated(const Parameters& p) {
  if (auto problem = check(p)) throw_problem(*problem);
  return p;
}

// ---- reading quantities that may be negative -------------------------------------------------

// The unit parser refuses negative conductances; a polynomial coefficient or a mean shift may be
// negative, so a leading '-' is taken off here and the rest parsed as a quantity.
double parse_signed(std::string_view text, Dimension dimension) {
  const auto first = text.find_first_not_of(" \t");
  if (first != std::string_view::npos && text[first] == '-') {
    try {
      return -parse_quantity(text.substr(first + 1), dimension);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(fmt::format("{} (in \"{}\")", e.what(), text));
    }
  }
  return parse_quantity(text, dimension);
}

double signed_quantity_or(const ConfigTable& table, std::string_view key, Dimension dimension,
                          double fallback) {
  if (!table.contains(key)) return fallback;
  if (table.type(key) != ConfigType::string) {
    table.fail(key, fmt::format("expected a {} with its unit such as \"-{}\" (a string)",
                                dimension_name(dimension), dimension_example(dimension)));
  }
  const std::string text = table.get<std::string>(key);
  try {
    return parse_signed(text, dimension);
  } catch (const InvalidArgument& e) {
    table.fail(key, e.what());
  }
}

std::vector<double> signed_quantity_array(const ConfigTable& table, std::string_view key,
                                          Dimension dimension) {
  const std::vector<std::string> texts = table.get_array<std::string>(key);
  std::vector<double> values;
  values.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    try {
      values.push_back(parse_signed(texts[i], dimension));
    } catch (const InvalidArgument& e) {
      table.fail_element(key, i, e.what());
    }
  }
  return values;
}

std::vector<double> number_array_or(const ConfigTable& table, std::string_view key,
                                    std::vector<double> fallback) {
  if (!table.contains(key)) return fallback;
  return table.get_array<double>(key);
}

}  // namespace

// =============================================================================================
// Wan et al. 2022

RramWan2022Parameters RramWan2022Parameters::published() {
  // aihwkit ReRamWan2022NoiseModel: 4th-order fits (uS) to Wan et al. 2022 at 1 s, 1 d, 2 d.
  RramWan2022Parameters p;
  auto fit = [](double t_s, std::vector<double> c_microsiemens) {
    for (double& c : c_microsiemens) c *= kMicro;
    return SpreadFit{t_s, std::move(c_microsiemens)};
  };
  p.fits = {fit(1.0, {0.348, 16.030, -43.853, 45.393, -16.815}),
            fit(seconds_per_day, {0.701, 22.086, -50.773, 47.095, -16.458}),
            fit(2.0 * seconds_per_day, {0.782, 20.274, -43.507, 37.062, -11.934})};
  return p;
}

RramWan2022Model::RramWan2022Model(RramWan2022Parameters parameters)
    : DeviceModel(parameters.common), parameters_(validated(parameters)) {}

std::vector<double> RramWan2022Model::coefficients_at(double t_s) const {
  const auto& fits = parameters_.fits;
  if (!(t_s > fits.front().t_s)) return fits.front().coefficients_siemens;
  if (t_s >= fits.back().t_s) return fits.back().coefficients_siemens;
  // fits[j].t_s < t_s < fits.back().t_s: find j with fits[j].t_s <= t_s < fits[j + 1].t_s.
  std::size_t j = 0;
  while (fits[j + 1].t_s <= t_s) ++j;
  const SpreadFit& a = fits[j];
  const SpreadFit& b = fits[j + 1];
  if (t_s == a.t_s) return a.coefficients_siemens;
  const double w = std::log(t_s / a.t_s) / std::log(b.t_s / a.t_s);
  std::vector<double> c(std::max(a.coefficients_siemens.size(), b.coefficients_siemens.size()),
                        0.0);
  for (std::size_t k = 0; k < c.size(); ++k) {
    const double ca = k < a.coefficients_siemens.size() ? a.coefficients_siemens[k] : 0.0;
    const double cb = k < b.coefficients_siemens.size() ? b.coefficients_siemens[k] : 0.0;
    c[k] = (1.0 - w) * ca + w * cb;
  }
  return c;
}

double RramWan2022Model::spread_from(const std::vector<double>& coefficients,
                                     double g_target_siemens) const {
  const double x = g_target_siemens / g_max_siemens();
  const double scale = g_max_siemens() / parameters_.fit_g_max_siemens;
  return std::max(0.0, scale * polynomial(coefficients, x));
}

double RramWan2022Model::spread_siemens(double g_target_siemens, double t_s) const {
  return spread_from(coefficients_at(t_s), g_target_siemens);
}

void RramWan2022Model::resample(const ProgrammedCells& cells,
                                const std::vector<double>& coefficients, std::span<const double> z,
                                std::span<double> g_siemens) const {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const double g_target = cells.target_siemens[i];
    g_siemens[i] = g_target + spread_from(coefficients, g_target) * z[i];
  }
  limit(g_siemens, common());
}

void RramWan2022Model::program_cells(ProgrammedCells& cells, std::uint32_t attempt) const {
  const std::vector<double> z = normals(cells, StreamId::programming_error, attempt);
  resample(cells, parameters_.fits.front().coefficients_siemens, z, cells.programmed_siemens);
}

void RramWan2022Model::evolve(const ProgrammedCells& cells, const ReadTime& time,
                              std::span<double> g_siemens) const {
  // Up to the first fitted time (1 s) the cell is in its programmed state; afterwards the state
  // at each read time is a fresh draw around the target (Wan 2022 as in aihwkit).
  if (!(time.t_s > parameters_.fits.front().t_s)) {
    std::copy(cells.programmed_siemens.begin(), cells.programmed_siemens.end(), g_siemens.begin());
    return;
  }
  const std::vector<double> z = normals(cells, StreamId::relaxation, time.index);
  resample(cells, coefficients_at(time.t_s), z, g_siemens);
}

// =============================================================================================
// Falcone et al. 2025 (CMO/HfOx)

RramCmoParameters RramCmoParameters::published(CmoAcceptance acceptance) {
  // aihwkit ReRamCMONoiseModel (Falcone et al. 2025); values in uS with g in uS.
  RramCmoParameters p;
  if (acceptance == CmoAcceptance::two_percent) {
    p.programming_sigma_offset_siemens = 0.0112185391 * kMicro;
    p.programming_sigma_slope = 0.01129027418;
  } else {
    p.programming_sigma_offset_siemens = 0.00081107 * kMicro;
    p.programming_sigma_slope = 0.00106879;
  }
  p.relaxation_mean_slope_siemens = -0.08900206 * kMicro;
  p.relaxation_spread_slope_siemens = 0.04201137 * kMicro;
  p.relaxation_spread_offset_siemens = 0.41183342 * kMicro;
  return p;
}

RramCmoModel::RramCmoModel(RramCmoParameters parameters)
    : DeviceModel(parameters.common), parameters_(validated(parameters)) {}

double RramCmoModel::programming_sigma_siemens(double g_target_siemens) const {
  return std::max(0.0, parameters_.programming_sigma_offset_siemens +
                           parameters_.programming_sigma_slope * g_target_siemens);
}

double RramCmoModel::relaxation_mean_shift_siemens(double t_s) const {
  if (!(t_s > 0.0)) return 0.0;
  return parameters_.relaxation_mean_slope_siemens *
         std::log(std::max(t_s, kReferenceTime_s) / kReferenceTime_s);
}

double RramCmoModel::relaxation_spread_siemens(double t_s) const {
  if (!(t_s > 0.0)) return 0.0;
  return parameters_.relaxation_spread_slope_siemens *
             std::log(std::max(t_s, kReferenceTime_s) / kReferenceTime_s) +
         parameters_.relaxation_spread_offset_siemens;
}

void RramCmoModel::program_cells(ProgrammedCells& cells, std::uint32_t attempt) const {
  const std::vector<double> z = normals(cells, StreamId::programming_error, attempt);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    cells.programmed_siemens[i] =
        cells.target_siemens[i] + programming_sigma_siemens(cells.target_siemens[i]) * z[i];
  }
  limit(cells.programmed_siemens, common());
}

void RramCmoModel::evolve(const ProgrammedCells& cells, const ReadTime& time,
                          std::span<double> g_siemens) const {
  if (!(time.t_s > 0.0)) {
    std::copy(cells.programmed_siemens.begin(), cells.programmed_siemens.end(), g_siemens.begin());
    return;
  }
  // Relaxation from the programmed state: the same shift and spread for every level (Falcone
  // 2025: relaxation independent of the target), a fresh draw for each read-time index.
  const double shift = relaxation_mean_shift_siemens(time.t_s);
  const double spread = relaxation_spread_siemens(time.t_s);
  const std::vector<double> z = normals(cells, StreamId::relaxation, time.index);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    g_siemens[i] = cells.programmed_siemens[i] + shift + spread * z[i];
  }
  limit(g_siemens, common());
}

// =============================================================================================
// Milo et al. 2021

RramMilo2021Parameters RramMilo2021Parameters::published() {
  // Sandia CrossSim RRAMMilo: linear fit to Milo et al. IRPS 2021 Fig. 4 (IGVVA-100), uS with g
  // in uS; I–V fit to Fig. 1 (±0.5 V), NL2 and NL3 as polynomials in log10(G0 / 1 S).
  RramMilo2021Parameters p;
  p.programming_sigma_offset_siemens = 4.782321 * kMicro;
  p.programming_sigma_slope = -0.009107;
  p.nl2_coefficients = {0.007063, 0.005711, 0.001541, 0.0001388};
  p.nl3_coefficients = {1.2968e-3, 6.7919e-4, 8.8710e-5};
  p.iv_fit_voltage_v = 0.5;
  return p;
}

RramMilo2021Model::RramMilo2021Model(RramMilo2021Parameters parameters)
    : DeviceModel(parameters.common), parameters_(validated(parameters)) {}

double RramMilo2021Model::programming_sigma_siemens(double g_target_siemens) const {
  return std::max(0.0, parameters_.programming_sigma_offset_siemens +
                           parameters_.programming_sigma_slope * g_target_siemens);
}

double RramMilo2021Model::nl2(double g0_siemens) const {
  return g0_siemens > 0.0 ? polynomial(parameters_.nl2_coefficients, std::log10(g0_siemens)) : 0.0;
}

double RramMilo2021Model::nl3(double g0_siemens) const {
  return g0_siemens > 0.0 ? polynomial(parameters_.nl3_coefficients, std::log10(g0_siemens)) : 0.0;
}

bool RramMilo2021Model::is_linear() const noexcept {
  return !(parameters_.nonlinear_iv &&
           (!parameters_.nl2_coefficients.empty() || !parameters_.nl3_coefficients.empty()));
}

void RramMilo2021Model::current(std::span<const double> g_siemens, std::span<const double> v_v,
                                std::span<double> i_a) const {
  if (is_linear()) {
    DeviceModel::current(g_siemens, v_v, i_a);
    return;
  }
  if (v_v.size() != g_siemens.size() || i_a.size() != g_siemens.size()) {
    throw InvalidArgument(
        fmt::format("current: {} conductances, {} voltages and {} outputs must have the same size",
                    g_siemens.size(), v_v.size(), i_a.size()));
  }
  const double v_max = parameters_.iv_fit_voltage_v;
  for (std::size_t i = 0; i < v_v.size(); ++i) {
    if (!(std::abs(v_v[i]) <= v_max)) {
      throw InvalidArgument(
          fmt::format("current: voltage of cell {} is {} V, outside the range of the fitted I-V of "
                      "rram-milo2021 (|V| <= {} V)",
                      i, v_v[i], v_max));
    }
  }
  for (std::size_t i = 0; i < g_siemens.size(); ++i) {
    const double v = v_v[i];
    i_a[i] = g_siemens[i] * v + nl2(g_siemens[i]) * v * v + nl3(g_siemens[i]) * v * v * v;
  }
}

void RramMilo2021Model::program_cells(ProgrammedCells& cells, std::uint32_t attempt) const {
  const std::vector<double> z = normals(cells, StreamId::programming_error, attempt);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    cells.programmed_siemens[i] =
        cells.target_siemens[i] + programming_sigma_siemens(cells.target_siemens[i]) * z[i];
  }
  limit(cells.programmed_siemens, common());
}

void RramMilo2021Model::evolve(const ProgrammedCells& cells, const ReadTime&,
                               std::span<double> g_siemens) const {
  std::copy(cells.programmed_siemens.begin(), cells.programmed_siemens.end(), g_siemens.begin());
}

// =============================================================================================
// Factories

std::unique_ptr<DeviceModel> make_rram_wan2022_model(const ConfigTable& parameters) {
  RramWan2022Parameters p = RramWan2022Parameters::published();
  p.common = read_common_parameters(parameters, p.common);
  p.fit_g_max_siemens =
      parameters.get_quantity_or("fit_g_max", Dimension::conductance, p.fit_g_max_siemens);
  std::vector<ConfigTable> tables;
  if (parameters.contains("spread_fit")) {
    tables = parameters.get_table_array("spread_fit");
    p.fits.clear();
    for (const ConfigTable& table : tables) {
      p.fits.push_back({table.get_quantity("time", Dimension::time),
                        signed_quantity_array(table, "coefficients", Dimension::conductance)});
    }
  }
  if (auto problem = check(p)) {
    if (problem->index && *problem->index < tables.size()) {
      tables[*problem->index].fail(problem->key, problem->message);
    }
    parameters.fail(problem->key, problem->message);
  }
  return std::make_unique<RramWan2022Model>(std::move(p));
}

namespace {
// Keys shared by the CMO and Milo factories.
void read_linear_spread(const ConfigTable& parameters, double& offset_siemens, double& slope) {
  offset_siemens = signed_quantity_or(parameters, "programming_sigma_offset",
                                      Dimension::conductance, offset_siemens);
  slope = parameters.get_or("programming_sigma_slope", slope);
}
}  // namespace

std::unique_ptr<DeviceModel> make_rram_hfox_cmo_model(const ConfigTable& parameters) {
  RramCmoParameters p = RramCmoParameters::published(CmoAcceptance::two_percent);
  p.common = read_common_parameters(parameters, p.common);
  read_linear_spread(parameters, p.programming_sigma_offset_siemens, p.programming_sigma_slope);
  p.relaxation_mean_slope_siemens = signed_quantity_or(
      parameters, "relaxation_mean_slope", Dimension::conductance, p.relaxation_mean_slope_siemens);
  p.relaxation_spread_slope_siemens =
      signed_quantity_or(parameters, "relaxation_spread_slope", Dimension::conductance,
                         p.relaxation_spread_slope_siemens);
  p.relaxation_spread_offset_siemens =
      signed_quantity_or(parameters, "relaxation_spread_offset", Dimension::conductance,
                         p.relaxation_spread_offset_siemens);
  if (auto problem = check(p)) parameters.fail(problem->key, problem->message);
  return std::make_unique<RramCmoModel>(p);
}

std::unique_ptr<DeviceModel> make_rram_milo2021_model(const ConfigTable& parameters) {
  RramMilo2021Parameters p = RramMilo2021Parameters::published();
  p.common = read_common_parameters(parameters, p.common);
  read_linear_spread(parameters, p.programming_sigma_offset_siemens, p.programming_sigma_slope);
  p.nonlinear_iv = parameters.get_or("nonlinear_iv", p.nonlinear_iv);
  p.nl2_coefficients = number_array_or(parameters, "nl2_coefficients_a_per_v2", p.nl2_coefficients);
  p.nl3_coefficients = number_array_or(parameters, "nl3_coefficients_a_per_v3", p.nl3_coefficients);
  p.iv_fit_voltage_v =
      parameters.get_quantity_or("iv_fit_voltage", Dimension::voltage, p.iv_fit_voltage_v);
  if (auto problem = check(p)) parameters.fail(problem->key, problem->message);
  return std::make_unique<RramMilo2021Model>(std::move(p));
}

}  // namespace kirchhoff::devices
