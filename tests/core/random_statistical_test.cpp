#include "kirchhoff/core/random.hpp"

#include <gtest/gtest.h>
