#include "kirchhoff/devices/generic.hpp"
