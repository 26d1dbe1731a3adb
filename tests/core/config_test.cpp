#include "kirchhoff/core/config.hpp"

#include <gtest/gtest.h>
