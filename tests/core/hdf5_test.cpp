#include "kirchhoff/core/hdf5.hpp"

#include <gtest/gtest.h>
