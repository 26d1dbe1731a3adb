// Pooling (docs/nn.md, "Supported operators"): 2-D MaxPool and AveragePool over windows as
// Conv's (Importer::spatial_windows), and GlobalAveragePool.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "operators.hpp"

namespace kirchhoff::nn::onnx_import {

using graph::Node;
using graph::OpKind;
using graph::Window;

namespace {

// The input, kernel and windows of a 2-D pooling node whose attributes have been checked.
void pool(Importer& im, NodeInfo& info, OpKind kind) {
  const bool average = kind == OpKind::average_pool;
  im.expect_inputs(1, 1);
  const int x = im.activation(0);
  const Shape in = im.shape(x);
  if (in.size() != 3) {
    im.fail_node(fmt::format("input of shape Nx{}: only 2-D pooling (input N×C×H×W) is supported",
                             to_string(in)));
  }
  const auto kernel = im.ints_attribute("kernel_shape");
  if (kernel.size() != 2 || std::any_of(kernel.begin(), kernel.end(), [](std::int64_t k) {
        return k < 1 || k > max_tensor_elements;
      })) {
    im.fail_node(fmt::format("kernel_shape [{}]: two values from 1 to {} (2^31) expected",
                             fmt::join(kernel, ","), max_tensor_elements));
  }
  Window rows{.in = in[1], .kernel = kernel[0]}, cols{.in = in[2], .kernel = kernel[1]};
  const bool ceil_mode = im.int_attribute("ceil_mode", 0) != 0;
  im.spatial_windows(rows, cols, ceil_mode, true);
  Node& node = im.push_node(kind, {x}, {in[0], rows.out, cols.out});
  node.rows = rows;
  node.cols = cols;
  node.count_include_pad = average && im.int_attribute("count_include_pad", 0) != 0;
  info.note = fmt::format("{}x{} window, stride {}x{}, pads {},{},{},{}{}{}", rows.kernel,
                          cols.kernel, rows.stride, cols.stride, rows.pad_begin, cols.pad_begin,
                          rows.pad_end, cols.pad_end, ceil_mode ? ", ceil_mode" : "",
                          node.count_include_pad ? ", count_include_pad" : "");
}

}  // namespace

void translate_max_pool(Importer& im, NodeInfo& info) {
  // storage_order only changes the Indices output, which must be unused.
  im.allow_attributes(
      {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  im.expect_unused_output(1, "Indices");
  pool(im, info, OpKind::max_pool);
}

void translate_average_pool(Importer& im, NodeInfo& info) {
  im.allow_attributes({"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape",
                       "pads", "strides"});
  pool(im, info, OpKind::average_pool);
}

void translate_global_average_pool(Importer& im, NodeInfo& /*info*/) {
  im.allow_attributes({});
  im.expect_inputs(1, 1);
  const int x = im.activation(0);
  Shape out = im.shape(x);
  if (out.size() < 2) {
    im.fail_node(
        fmt::format("input of shape Nx{}: N×C×spatial dimensions expected", to_string(out)));
  }
  std::fill(out.begin() + 1, out.end(), 1);
  im.push_node(OpKind::global_average_pool, {x}, out);
}

}  // namespace kirchhoff::nn::onnx_import
