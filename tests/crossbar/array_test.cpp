#include "kirchhoff/crossbar/array.hpp"

#include <gtest/gtest.h>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::crossbar {
namespace {

TEST(WireResistances, RejectsNegativeOrNonFiniteValuesByName) {
  WireResistances w;
  EXPECT_TRUE(w.ideal());
  EXPECT_NO_THROW(w.validate());
  w.r_col_ohm = -1.0;
  try {
    w.validate();
    ADD_FAILURE();
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "r_col must be a finite resistance >= 0 ohm, got -1");
  }
  w.r_col_ohm = 2.5;
  EXPECT_FALSE(w.ideal());
}

TEST(Conductances, RejectsEmptyAndNegativeCellsNamingTheCell) {
  ConductanceMatrix g = ConductanceMatrix::Constant(2, 3, 1e-6);
  EXPECT_NO_THROW(validate_conductances(g));
  g(1, 2) = -1e-6;
  try {
    validate_conductances(g);
    ADD_FAILURE();
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "conductance of cell (row 1, column 2) is -1e-06 S; allowed: finite and >= 0");
  }
  EXPECT_THROW(validate_conductances(ConductanceMatrix(0, 3)), InvalidArgument);
}

}  // namespace
}  // namespace kirchhoff::crossbar
