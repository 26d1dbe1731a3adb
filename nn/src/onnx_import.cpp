// ONNX import (docs/nn.md, "Supported operators"): parses an onnx::ModelProto and translates its
// graph, node by node in file order, into a Network::Graph. The importer's infrastructure is in
// onnx/importer.*, the translators of each operator family in onnx/<family>.cpp, and the table
// that registers them in onnx/operators.cpp.
#include "kirchhoff/nn/onnx_import.hpp"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "graph.hpp"
#include "kirchhoff/core/error.hpp"
#include "onnx/importer.hpp"
#include "onnx/operators.hpp"

namespace kirchhoff::nn {

Network load_onnx_bytes(const std::string& bytes, const std::string& what) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) {
    throw FormatError(
        fmt::format("ONNX model '{}': not a readable ONNX protobuf ({} bytes; "
                    "truncated or corrupt)",
                    what, bytes.size()));
  }
  if (model.ir_version() <= 0 || !model.has_graph()) {
    throw FormatError(fmt::format("ONNX model '{}': not an ONNX model (no {})", what,
                                  model.ir_version() <= 0 ? "IR version" : "graph"));
  }
  auto graph = onnx_import::Importer(model, what).run();
  if (graph->name.empty()) graph->name = std::filesystem::path(what).stem().string();
  return Network(std::move(graph));
}

Network load_onnx(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw IoError(fmt::format("cannot read ONNX model '{}': it is a directory", path));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw IoError(fmt::format("cannot open ONNX model '{}'", path));
  // Read whole: a device or a pipe (/dev/zero) could be endless, and protobuf reads at most
  // 2 GiB (docs/nn.md, "Limits").
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw IoError(fmt::format("cannot read ONNX model '{}': not a regular file", path));
  }
  constexpr std::uintmax_t kMaxBytes = std::uintmax_t{1} << 31;
  if (const auto bytes = std::filesystem::file_size(path, ec); !ec && bytes >= kMaxBytes) {
    throw FormatError(fmt::format(
        "ONNX model '{}': {} bytes; at most 2 GiB can be read (protobuf's limit)", path, bytes));
  }
  std::ostringstream bytes;
  bytes << file.rdbuf();
  if (file.bad()) throw IoError(fmt::format("cannot read ONNX model '{}'", path));
  return load_onnx_bytes(bytes.str(), path);
}

const std::vector<std::string>& supported_operators() {
  return onnx_import::operator_names();
}

}  // namespace kirchhoff::nn
