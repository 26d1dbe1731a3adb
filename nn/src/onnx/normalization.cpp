// Normalisation (docs/nn.md, "BatchNormalization folding"): BatchNormalization in inference is a
// per-channel affine map y = s·x + t, folded into the Conv, Gemm or MatMul before it when that
// layer's output feeds nothing else, else a node of its own.
#include <fmt/format.h>

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <vector>

#include "operators.hpp"

namespace kirchhoff::nn::onnx_import {

using graph::Node;
using graph::OpKind;

namespace {

// y = scale·(x − mean)/sqrt(var + ε) + B = s·x + t, in double before rounding to float.
struct ChannelAffine {
  std::vector<double> s, t;
};

ChannelAffine channel_affine(Importer& im, std::int64_t channels) {
  const char* names[] = {"scale", "B", "input_mean", "input_var"};
  std::vector<const Constant*> p;
  for (int k = 1; k <= 4; ++k) {
    const Constant& c = im.float_constant(k, names[k - 1]);
    if (element_count(c.shape) != channels || c.shape.size() != 1) {
      im.fail_node(fmt::format("{} of shape {}, expected {} (one per channel)", names[k - 1],
                               to_string(c.shape), channels));
    }
    p.push_back(&c);
  }
  const double epsilon = static_cast<double>(im.float_attribute("epsilon", 1e-5F));
  ChannelAffine a{std::vector<double>(at(channels)), std::vector<double>(at(channels))};
  std::vector<double>& s = a.s;
  std::vector<double>& t = a.t;
  for (std::size_t c = 0; c < s.size(); ++c) {
    s[c] = static_cast<double>(p[0]->floats[c]) /
           std::sqrt(static_cast<double>(p[3]->floats[c]) + epsilon);
    t[c] = static_cast<double>(p[1]->floats[c]) - static_cast<double>(p[2]->floats[c]) * s[c];
  }
  return a;
}

// Folding needs the linear layer's output to feed this node only, with the channel at
// dimension 1 of the batched tensor being the layer's output (Conv, or 2-D Gemm / MatMul).
// Returns why the node reading value x (of per-sample shape `in`) cannot be folded, or "".
std::string why_not_folded(Importer& im, int x, const Shape& in, const Node* linear) {
  const Network::Graph& network = im.graph();
  if (!linear) return "its input is not the output of a Conv, Gemm or MatMul";
  if (network.layers[at(linear->layer)].op != "Conv" && in.size() != 1) {
    return "the MatMul output's channel dimension is not its output features";
  }
  if (im.uses(x) != 1) {
    return fmt::format("the output of {} is also used elsewhere",
                       network.layers[at(linear->layer)].name);
  }
  return "";
}

// W's column of every output channel c times s_c, bias s_c·b_c + t_c.
void fold_into(Importer& im, int layer_index, const ChannelAffine& a, NodeInfo& info) {
  LinearLayer& layer = im.graph().layers[at(layer_index)];
  const std::vector<double>& s = a.s;
  const std::vector<double>& t = a.t;
  const Eigen::Index per_group = layer.outputs_per_group();
  for (std::size_t c = 0; c < s.size(); ++c) {
    const auto ci = static_cast<Eigen::Index>(c);
    Eigen::MatrixXf& w = layer.weights[static_cast<std::size_t>(ci / per_group)];
    w.col(ci % per_group) = (w.col(ci % per_group).cast<double>() * s[c]).cast<float>();
    layer.bias(ci) = static_cast<float>(static_cast<double>(layer.bias(ci)) * s[c] + t[c]);
  }
  NodeInfo& layer_info = im.layer_info(layer_index);
  layer_info.note += fmt::format("{}BatchNormalization '{}' folded in",
                                 layer_info.note.empty() ? "" : "; ", info.name);
  layer_info.parameters = layer.parameter_count();
  info.note = fmt::format("folded into {}", layer.name);
}

}  // namespace

void translate_batch_normalization(Importer& im, NodeInfo& info) {
  im.allow_attributes(
      {"epsilon", "momentum", "training_mode", "spatial", "is_test", "consumed_inputs"});
  im.expect_inputs(5, 5);
  if (im.int_attribute("training_mode", 0) != 0) {
    im.fail_node("training_mode = 1 is not supported (inference only)");
  }
  if (im.int_attribute("spatial", 1) != 1) im.fail_node("spatial = 0 is not supported");
  for (int k = 1; k < im.node().output_size(); ++k) {
    im.expect_unused_output(k, "training statistics");
  }
  const int x = im.activation(0);
  const Shape in = im.shape(x);
  if (in.empty()) im.fail_node("input has no channel dimension");
  const std::int64_t channels = in[0];
  const ChannelAffine a = channel_affine(im, channels);

  const int producer = im.producer(x);
  const std::vector<Node>& nodes = im.graph().nodes;
  const Node* linear =
      producer >= 0 && nodes[at(producer)].kind == OpKind::linear ? &nodes[at(producer)] : nullptr;
  const std::string why_not = why_not_folded(im, x, in, linear);
  if (why_not.empty()) {
    fold_into(im, linear->layer, a, info);
    im.define_alias(x);
    return;
  }
  Node& node = im.push_node(OpKind::affine, {x}, in);
  node.channels = channels;
  for (std::size_t c = 0; c < a.s.size(); ++c) {
    node.scale.push_back(static_cast<float>(a.s[c]));
    node.shift.push_back(static_cast<float>(a.t[c]));
  }
  info.parameters = 2 * channels;
  info.note = "per-channel affine, not folded: " + why_not;
}

}  // namespace kirchhoff::nn::onnx_import
