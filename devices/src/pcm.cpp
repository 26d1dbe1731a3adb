#include "kirchhoff/devices/pcm.hpp"
