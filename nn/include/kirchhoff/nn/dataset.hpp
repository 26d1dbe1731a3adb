// Image classification datasets in the IDX format of MNIST (docs/nn.md, "Datasets"): an images
// file (magic 0x00000803, unsigned bytes, count × rows × cols) and a labels file (0x00000801),
// plain or gzip-compressed. Fashion-MNIST comes from the Debian package dataset-fashion-mnist
// (/usr/share/datasets/fashion-mnist); a subset of its test set ships in data/datasets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kirchhoff/nn/network.hpp"
#include "kirchhoff/nn/tensor.hpp"

namespace kirchhoff::nn {

struct Dataset {
  std::string name;  // "fashion-mnist:test", or the directory / files it came from
  std::int64_t channels = 1, height = 0, width = 0;
  std::vector<std::uint8_t> pixels;  // count × channels × height × width
  std::vector<std::uint8_t> labels;  // count
  std::int64_t classes = 10;         // 1 + the largest label

  [[nodiscard]] std::int64_t count() const noexcept {
    return static_cast<std::int64_t>(labels.size());
  }
  // Samples [first, first + n) as a float batch {n, channels, height, width}, normalised.
  [[nodiscard]] Tensor batch(std::int64_t first, std::int64_t n, const Normalization& norm) const;
};

// Reads an images file and its labels file; limit ≥ 0 keeps the first `limit` samples.
// Throws IoError for a missing file and FormatError naming the file for a bad magic number, sizes
// that do not match, a truncated file, or labels and images that disagree in count.
[[nodiscard]] Dataset read_idx(const std::string& images_path, const std::string& labels_path,
                               std::int64_t limit = -1);

// "fashion-mnist:test" / "fashion-mnist:train" (the Debian package, else the shipped subset for
// test), or a directory holding {t10k,train}-images-idx3-ubyte[.gz] and the matching labels
// ("DIR" = test split, "DIR:train"). Throws IoError listing the places searched.
[[nodiscard]] Dataset load_dataset(const std::string& spec, std::int64_t limit = -1);

}  // namespace kirchhoff::nn
