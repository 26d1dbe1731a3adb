#include "kirchhoff/core/progress.hpp"
