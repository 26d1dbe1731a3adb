#include "kirchhoff/devices/presets.hpp"
