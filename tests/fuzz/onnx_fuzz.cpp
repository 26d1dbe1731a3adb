// Fuzz target: ONNX models (nn/onnx_import.hpp) as `kirchhoff nn info` and `nn eval` use them:
// imported, described, and, when every tensor is small, run on a batch of two samples, so that a
// shape the importer accepted but the engine cannot compute (the Conv overrun behind a wrapped
// element count) is found too. The output has the shape the import promised.
#include "fuzz_target.hpp"
#include "kirchhoff/nn/network.hpp"
#include "kirchhoff/nn/onnx_import.hpp"

namespace {

// Small enough to run in a fuzzing iteration: at most 2^16 elements per tensor and 2^18 weights.
bool small(const kirchhoff::nn::Network& net) {
  constexpr std::int64_t kElements = std::int64_t{1} << 16;
  std::int64_t parameters = 0;
  if (kirchhoff::nn::element_count(net.input_shape()) > kElements) return false;
  for (const auto& node : net.describe()) {
    if (kirchhoff::nn::element_count(node.output_shape) > kElements) return false;
    parameters += node.parameters;
  }
  return parameters <= std::int64_t{1} << 18;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kirchhoff::fuzz::expect_only_documented_errors([&] {
    const kirchhoff::nn::Network net = kirchhoff::nn::load_onnx_bytes(
        std::string(kirchhoff::fuzz::as_text(data, size)), "fuzz.onnx");
    if (!small(net)) return;
    kirchhoff::nn::Shape batch{2};
    batch.insert(batch.end(), net.input_shape().begin(), net.input_shape().end());
    kirchhoff::nn::Tensor x(batch);
    for (std::size_t i = 0; i < x.data.size(); ++i) x.data[i] = static_cast<float>(i % 7) - 3.0F;
    const kirchhoff::nn::Tensor y = net.forward(x);
    kirchhoff::nn::Shape expected{2};
    expected.insert(expected.end(), net.output_shape().begin(), net.output_shape().end());
    kirchhoff::fuzz::require(y.shape == expected, "forward gave another shape than the import");
    kirchhoff::fuzz::require(
        y.data.size() == static_cast<std::size_t>(kirchhoff::nn::element_count(y.shape)),
        "forward's data do not match its shape");
  });
  return 0;
}
