#include "kirchhoff/devices/write_verify.hpp"
