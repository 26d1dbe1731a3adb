#include "kirchhoff/crossbar/spice.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/text.hpp"

namespace kirchhoff::crossbar {

namespace {

// Node names after merging the nodes joined by a zero resistance.
struct NodeNames {
  const WireResistances& w;
  Eigen::Index rows;

  [[nodiscard]] std::string input(Eigen::Index i) const { return fmt::format("in_{}", i); }
  [[nodiscard]] std::string row(Eigen::Index i, Eigen::Index j) const {
    if (w.r_row_ohm == 0.0) j = 0;
    if (j == 0 && w.r_driver_ohm == 0.0) return input(i);
    return fmt::format("r_{}_{}", i, j);
  }
  [[nodiscard]] std::string sense(Eigen::Index j) const { return fmt::format("s_{}", j); }
  [[nodiscard]] std::string col(Eigen::Index i, Eigen::Index j) const {
    if (w.r_col_ohm == 0.0) i = rows - 1;
    if (i == rows - 1 && w.r_sense_ohm == 0.0) return sense(j);
    return fmt::format("c_{}_{}", i, j);
  }
};

std::optional<double> parse_double(std::string_view text) {
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return value;
}

std::optional<Eigen::Index> parse_index(std::string_view text) {
  Eigen::Index value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

void write_spice_netlist(std::ostream& out, const ConductanceMatrix& g_siemens,
                         const WireResistances& wires, const Eigen::VectorXd& input_v,
                         const SpiceNetlistOptions& options) {
  validate_conductances(g_siemens);
  wires.validate();
  const Eigen::Index rows = g_siemens.rows(), cols = g_siemens.cols();
  if (input_v.size() != rows) {
    throw InvalidArgument(fmt::format(
        "SPICE netlist: input vector has {} values; the array has {} rows", input_v.size(), rows));
  }
  const NodeNames n{wires, rows};
  out << fmt::format(
      "* Kirchhoff crossbar IR drop: {} x {} array, r_row {:.17g} ohm, r_col {:.17g} ohm, "
      "r_driver {:.17g} ohm, r_sense {:.17g} ohm\n",
      rows, cols, wires.r_row_ohm, wires.r_col_ohm, wires.r_driver_ohm, wires.r_sense_ohm);
  out << "* column current j = i(Vs_j), flowing into the virtual ground\n";
  for (Eigen::Index i = 0; i < rows; ++i) {
    out << fmt::format("Vin_{} {} 0 DC {:.17g}\n", i, n.input(i), input_v[i]);
    if (wires.r_driver_ohm != 0.0) {
      out << fmt::format("Rd_{} {} {} {:.17g}\n", i, n.input(i), n.row(i, 0), wires.r_driver_ohm);
    }
    if (wires.r_row_ohm != 0.0) {
      for (Eigen::Index j = 0; j + 1 < cols; ++j) {
        out << fmt::format("Rr_{}_{} {} {} {:.17g}\n", i, j, n.row(i, j), n.row(i, j + 1),
                           wires.r_row_ohm);
      }
    }
  }
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) {
      if (g_siemens(i, j) == 0.0) continue;
      out << fmt::format("Rx_{}_{} {} {} {:.17g}\n", i, j, n.row(i, j), n.col(i, j),
                         1.0 / g_siemens(i, j));
    }
  }
  for (Eigen::Index j = 0; j < cols; ++j) {
    if (wires.r_col_ohm != 0.0) {
      for (Eigen::Index i = 0; i + 1 < rows; ++i) {
        out << fmt::format("Rc_{}_{} {} {} {:.17g}\n", i, j, n.col(i, j), n.col(i + 1, j),
                           wires.r_col_ohm);
      }
    }
    if (wires.r_sense_ohm != 0.0) {
      out << fmt::format("Rs_{} {} {} {:.17g}\n", j, n.col(rows - 1, j), n.sense(j),
                         wires.r_sense_ohm);
    }
    out << fmt::format("Vs_{} {} 0 DC 0\n", j, n.sense(j));
  }
  if (options.print_currents) {
    out << ".control\nset numdgt=16\nop\n";
    for (Eigen::Index j = 0; j < cols; ++j) out << fmt::format("print i(vs_{})\n", j);
    out << ".endc\n";
  } else {
    out << ".op\n";
  }
  out << ".end\n";
}

std::vector<double> read_ngspice_currents(std::string_view output, Eigen::Index cols) {
  std::vector<std::optional<double>> precise(static_cast<std::size_t>(cols)),
      table(static_cast<std::size_t>(cols));
  std::size_t pos = 0;
  while (pos < output.size()) {
    const auto end = std::min(output.find('\n', pos), output.size());
    const std::string_view line = trim(output.substr(pos, end - pos));
    pos = end + 1;
    std::string lower(line);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const std::string_view l(lower);
    if (l.starts_with("i(vs_")) {  // "i(vs_3) = 1.2345e-05"
      const auto close = l.find(')');
      const auto eq = l.find('=');
      if (close == std::string_view::npos || eq == std::string_view::npos) continue;
      const auto j = parse_index(l.substr(5, close - 5));
      const auto value = parse_double(trim(l.substr(eq + 1)));
      if (j && value && *j >= 0 && *j < cols) precise[static_cast<std::size_t>(*j)] = *value;
    } else if (l.starts_with("vs_")) {  // "vs_3#branch    1.234567e-05"
      const auto hash = l.find("#branch");
      if (hash == std::string_view::npos) continue;
      const auto j = parse_index(l.substr(3, hash - 3));
      const auto value = parse_double(trim(l.substr(hash + 7)));
      if (j && value && *j >= 0 && *j < cols) table[static_cast<std::size_t>(*j)] = *value;
    }
  }
  std::vector<double> currents(static_cast<std::size_t>(cols));
  for (std::size_t j = 0; j < currents.size(); ++j) {
    if (precise[j]) {
      currents[j] = *precise[j];
    } else if (table[j]) {
      currents[j] = *table[j];
    } else {
      throw FormatError(fmt::format(
          "ngspice output: no current for column {} (expected a line 'i(vs_{}) = value' or "
          "'vs_{}#branch value')",
          j, j, j));
    }
  }
  return currents;
}

bool ngspice_available() {
  return std::system("command -v ngspice > /dev/null 2>&1") == 0;
}

std::vector<double> run_ngspice(const ConductanceMatrix& g_siemens, const WireResistances& wires,
                                const Eigen::VectorXd& input_v,
                                const std::filesystem::path& work_dir) {
  static std::atomic<unsigned> counter{0};
  const auto stem = work_dir / fmt::format("kirchhoff-ngspice-{}-{}", ::getpid(), counter++);
  const auto netlist = std::filesystem::path(stem.string() + ".cir");
  // stdout and stderr apart: ngspice's notes on stderr can land inside a printed line.
  const auto log = std::filesystem::path(stem.string() + ".log");
  const auto err_log = std::filesystem::path(stem.string() + ".err");
  {
    std::ofstream file(netlist);
    if (!file) throw IoError(fmt::format("cannot create '{}'", netlist.string()));
    write_spice_netlist(file, g_siemens, wires, input_v, {.print_currents = true});
    file.flush();
    if (!file) throw IoError(fmt::format("cannot write '{}'", netlist.string()));
  }
  const std::string command = fmt::format("ngspice -b '{}' > '{}' 2> '{}'", netlist.string(),
                                          log.string(), err_log.string());
  const int status = std::system(command.c_str());
  std::stringstream text, errors;
  {
    std::ifstream file(log);
    text << file.rdbuf();
    std::ifstream err_file(err_log);
    errors << err_file.rdbuf();
  }
  std::error_code ignored;
  std::filesystem::remove(netlist, ignored);
  std::filesystem::remove(log, ignored);
  std::filesystem::remove(err_log, ignored);
  // ngspice -b exits with 1 after a .control-only run ("no simulations run"): the status only
  // matters when the currents are missing.
  try {
    return read_ngspice_currents(text.str(), g_siemens.cols());
  } catch (const FormatError& e) {
    throw IoError(fmt::format("'{}' (exit status {}): {}; ngspice printed:\n{}{}", command, status,
                              e.what(), text.str(), errors.str()));
  }
}

}  // namespace kirchhoff::crossbar
