#include "kirchhoff/core/statistics.hpp"
