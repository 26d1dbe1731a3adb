#include "kirchhoff/core/statistics.hpp"

#include <gtest/gtest.h>
