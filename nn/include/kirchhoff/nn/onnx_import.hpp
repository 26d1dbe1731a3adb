// Import of ONNX models (Debian libonnx-dev; docs/nn.md lists the supported operators).
#pragma once

#include <string>
#include <vector>

#include "kirchhoff/nn/network.hpp"

namespace kirchhoff::nn {

// Reads an ONNX model file. Throws IoError for a missing or unreadable file and FormatError naming
// the file (and the node and operator) for an unreadable, truncated or malformed file, an
// unsupported operator, or shapes that do not fit; nothing is skipped silently (Dropout and
// Identity pass through).
[[nodiscard]] Network load_onnx(const std::string& path);
// The same from bytes in memory; `what` names the source in errors.
[[nodiscard]] Network load_onnx_bytes(const std::string& bytes, const std::string& what);

// The operators load_onnx accepts.
[[nodiscard]] const std::vector<std::string>& supported_operators();

}  // namespace kirchhoff::nn
