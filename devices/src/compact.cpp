#include "kirchhoff/devices/compact.hpp"
