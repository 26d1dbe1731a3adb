#include "kirchhoff/core/units.hpp"
