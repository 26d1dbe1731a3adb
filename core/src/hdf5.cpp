#include "kirchhoff/core/hdf5.hpp"
