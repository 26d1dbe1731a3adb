#include "kirchhoff/crossbar/spice.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::crossbar {
namespace {

std::string netlist(const ConductanceMatrix& g, const WireResistances& w, const Eigen::VectorXd& v,
                    SpiceNetlistOptions options = {}) {
  std::ostringstream out;
  write_spice_netlist(out, g, w, v, options);
  return out.str();
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(SpiceNetlist, WritesEveryElementOfTheCircuit) {
  ConductanceMatrix g(2, 2);
  g << 1e-4, 2e-4, 0.0, 5e-5;
  const std::string text =
      netlist(g, WireResistances{1.5, 2.5, 10.0, 20.0}, Eigen::Vector2d(0.25, -0.1));
  EXPECT_EQ(text.rfind("* Kirchhoff crossbar IR drop: 2 x 2 array", 0), 0u) << text;
  for (const char* line :
       {"Vin_0 in_0 0 DC 0.25", "Vin_1 in_1 0 DC -0.10000000000000001", "Rd_0 in_0 r_0_0 10",
        "Rr_0_0 r_0_0 r_0_1 1.5", "Rx_0_0 r_0_0 c_0_0 10000", "Rx_0_1 r_0_1 c_0_1 5000",
        "Rx_1_1 r_1_1 c_1_1 20000", "Rc_0_1 c_0_1 c_1_1 2.5", "Rs_1 c_1_1 s_1 20",
        "Vs_1 s_1 0 DC 0", ".op", ".end"}) {
    EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
  }
  EXPECT_EQ(text.find("Rx_1_0"), std::string::npos);  // G = 0: open
  EXPECT_EQ(text.find(".control"), std::string::npos);
}

TEST(SpiceNetlist, ZeroResistancesMergeNodes) {
  const ConductanceMatrix g = ConductanceMatrix::Constant(2, 2, 1e-4);
  const std::string text = netlist(g, WireResistances{}, Eigen::Vector2d(0.1, 0.2));
  EXPECT_TRUE(has_line(text, "Rx_0_1 in_0 s_1 10000")) << text;
  EXPECT_TRUE(has_line(text, "Rx_1_0 in_1 s_0 10000")) << text;
  for (const char* element : {"Rd_", "Rr_", "Rc_", "Rs_"}) {
    EXPECT_EQ(text.find(element), std::string::npos) << element;
  }
  const std::string rows_only =
      netlist(g, WireResistances{0.0, 1.0, 0.0, 0.0}, Eigen::Vector2d(0.1, 0.2));
  EXPECT_TRUE(has_line(rows_only, "Rx_0_1 in_0 c_0_1 10000")) << rows_only;
  EXPECT_TRUE(has_line(rows_only, "Rc_0_1 c_0_1 s_1 1")) << rows_only;
}

TEST(SpiceNetlist, PrintCurrentsReplacesDotOpByAControlBlock) {
  const ConductanceMatrix g = ConductanceMatrix::Constant(1, 2, 1e-4);
  const std::string text =
      netlist(g, WireResistances{1, 1, 1, 1}, Eigen::VectorXd::Constant(1, 0.1), {true});
  EXPECT_TRUE(has_line(text, ".control\nset numdgt=16\nop\nprint i(vs_0)\nprint i(vs_1)\n.endc"))
      << text;
  EXPECT_FALSE(has_line(text, ".op"));
}

TEST(SpiceNetlist, RejectsWrongInputSize) {
  EXPECT_THROW(netlist(ConductanceMatrix::Constant(2, 2, 1e-4), {}, Eigen::VectorXd::Zero(3)),
               InvalidArgument);
}

TEST(NgspiceOutput, ReadsPrintedAndTableCurrents) {
  const std::string printed =
      "Circuit: * test\nNo. of Data Rows : 1\ni(vs_1) = 2.9895366218236186e-04\n"
      "i(vs_0) = -1.5e-05\n";
  EXPECT_EQ(read_ngspice_currents(printed, 2),
            (std::vector<double>{-1.5e-05, 2.9895366218236186e-04}));
  const std::string table =
      "\tSource\tCurrent\n\t------\t-------\n\n\tvin_0#branch   -2.98954e-04\n"
      "\tvs_0#branch                      2.989537e-04\n";
  EXPECT_EQ(read_ngspice_currents(table, 1), (std::vector<double>{2.989537e-04}));
  // the printed value wins over the 7-digit table
  EXPECT_EQ(read_ngspice_currents(table + "i(vs_0) = 2.9895366e-04\n", 1),
            (std::vector<double>{2.9895366e-04}));
  try {
    (void)read_ngspice_currents(printed, 3);
    ADD_FAILURE();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(),
                 "ngspice output: no current for column 2 (expected a line 'i(vs_2) = value' or "
                 "'vs_2#branch value')");
  }
}

}  // namespace
}  // namespace kirchhoff::crossbar
