// Accuracy of a network over a dataset: batches of a fixed size run in parallel (TBB); counts
// are integers, so the result is the same for any thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "kirchhoff/nn/dataset.hpp"
#include "kirchhoff/nn/network.hpp"

namespace kirchhoff::nn {

struct EvaluateOptions {
  std::int64_t batch = 128;  // samples per forward pass
  std::int64_t limit = -1;   // the first `limit` samples (all when < 0)
};

struct Accuracy {
  std::int64_t samples = 0;
  std::int64_t top1 = 0;  // correct first choices
  std::int64_t top5 = 0;  // label among the five largest outputs (0 when classes ≤ 5)
  std::vector<std::uint8_t> predictions;  // the first choice of every sample
  [[nodiscard]] double top1_fraction() const noexcept;
  [[nodiscard]] double top5_fraction() const noexcept;
};

// Ties between outputs go to the lower class index (as torch.argmax).
[[nodiscard]] Accuracy evaluate(const Network& network, const Dataset& dataset,
                                const LinearExecutor& executor, const Normalization& norm,
                                const EvaluateOptions& options = {});

}  // namespace kirchhoff::nn
