// Accuracy over a dataset (docs/nn.md, "Evaluation"). Batches are fixed: batch b holds samples
// [b·B, (b+1)·B), the last one padded with zero samples to B, so every product of every sample
// has the same shape whatever --limit and the thread count; with executors that are pure
// functions of (weights, vector, vector number) the outputs are then bitwise reproducible.
#include "kirchhoff/nn/evaluate.hpp"

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::nn {

double Accuracy::top1_fraction() const noexcept {
  return samples > 0 ? static_cast<double>(top1) / static_cast<double>(samples) : 0.0;
}

double Accuracy::top5_fraction() const noexcept {
  return samples > 0 ? static_cast<double>(top5) / static_cast<double>(samples) : 0.0;
}

namespace {

// Rank of class `label` among `outputs` values: how many classes come before it, where a larger
// value comes first and equal values are ordered by class index (torch.argmax, torch.topk).
std::int64_t rank_of(const float* outputs, std::int64_t classes, std::int64_t label) {
  const float v = outputs[label];
  std::int64_t rank = 0;
  for (std::int64_t j = 0; j < classes; ++j) {
    if (outputs[j] > v || (outputs[j] == v && j < label)) ++rank;
  }
  return rank;
}

}  // namespace

Accuracy evaluate(const Network& network, const Dataset& dataset, const LinearExecutor& executor,
                  const Normalization& norm, const EvaluateOptions& options) {
  const Shape sample_shape{dataset.channels, dataset.height, dataset.width};
  if (network.input_shape() != sample_shape) {
    throw InvalidArgument(fmt::format(
        "network '{}' takes inputs of {} per sample, but the samples "
        "of {} are {}",
        network.name(), to_string(network.input_shape()), dataset.name, to_string(sample_shape)));
  }
  const std::int64_t classes = element_count(network.output_shape());
  if (classes < dataset.classes || classes > 256) {
    throw InvalidArgument(
        fmt::format("network '{}' has {} outputs per sample; {} has {} classes "
                    "(at most 256 supported)",
                    network.name(), classes, dataset.name, dataset.classes));
  }
  if (options.batch < 1) {
    throw InvalidArgument(fmt::format("batch size {} must be at least 1", options.batch));
  }
  const std::int64_t count =
      options.limit < 0 ? dataset.count() : std::min(options.limit, dataset.count());
  const std::int64_t batch = options.batch;
  const std::int64_t batches = (count + batch - 1) / batch;
  const std::int64_t sample_size = element_count(sample_shape);

  Accuracy result;
  result.samples = count;
  result.predictions.assign(static_cast<std::size_t>(count), 0);
  std::vector<std::int64_t> top1(static_cast<std::size_t>(batches), 0),
      top5(static_cast<std::size_t>(batches), 0);
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, batches, 1), [&](const auto& range) {
    for (std::int64_t b = range.begin(); b < range.end(); ++b) {
      const std::int64_t first = b * batch;
      const std::int64_t real = std::min(batch, count - first);
      Tensor x = dataset.batch(first, real, norm);
      if (real < batch) {  // pad to the full batch (zeros), see the top of this file
        x.shape[0] = batch;
        x.data.resize(static_cast<std::size_t>(batch * sample_size), 0.0F);
      }
      const Tensor y = network.forward(x, static_cast<std::uint64_t>(first), executor);
      for (std::int64_t s = 0; s < real; ++s) {
        const float* out = y.data.data() + s * classes;
        const std::int64_t label = dataset.labels[static_cast<std::size_t>(first + s)];
        const auto best = std::max_element(out, out + classes) - out;  // first of equal maxima
        result.predictions[static_cast<std::size_t>(first + s)] = static_cast<std::uint8_t>(best);
        const auto bs = static_cast<std::size_t>(b);
        if (best == label) ++top1[bs];
        if (classes > 5 && rank_of(out, classes, label) < 5) ++top5[bs];
      }
    }
  });
  for (std::size_t b = 0; b < top1.size(); ++b) {
    result.top1 += top1[b];
    result.top5 += top5[b];
  }
  return result;
}

}  // namespace kirchhoff::nn
