#include "kirchhoff/core/random.hpp"
