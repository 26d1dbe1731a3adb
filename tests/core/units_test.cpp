#include "kirchhoff/core/units.hpp"

#include <gtest/gtest.h>
