#include "kirchhoff/core/config.hpp"
