#include "kirchhoff/core/progress.hpp"

#include <gtest/gtest.h>
