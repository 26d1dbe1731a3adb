#include "kirchhoff/core/text.hpp"

#include <gtest/gtest.h>
