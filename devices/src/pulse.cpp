#include "kirchhoff/devices/pulse.hpp"
