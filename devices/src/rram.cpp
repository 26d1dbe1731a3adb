#include "kirchhoff/devices/rram.hpp"
