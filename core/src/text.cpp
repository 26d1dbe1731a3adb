#include "kirchhoff/core/text.hpp"
