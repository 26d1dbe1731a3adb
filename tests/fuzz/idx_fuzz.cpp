// Fuzz target: IDX datasets (nn/dataset.hpp), plain or gzip-compressed, with or without a limit.
// Input: byte 0 the limit (0-127; 128-255: no limit), bytes 1-2 the length L of the images file
// (big-endian, cut to what follows), then L bytes of the images file and the labels file after
// them. Both are written to scratch files, since the reader takes paths. An accepted dataset
// holds what its header says for the samples it kept, and every batch of it can be made.
#include <algorithm>

#include "fuzz_target.hpp"
#include "kirchhoff/nn/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using kirchhoff::fuzz::require;
  if (size < 3) return 0;
  const std::int64_t limit = data[0] < 128 ? data[0] : -1;
  const std::size_t images_size =
      std::min<std::size_t>(size - 3, (std::size_t{data[1]} << 8U) | data[2]);
  const std::string_view rest = kirchhoff::fuzz::as_text(data + 3, size - 3);
  static const kirchhoff::fuzz::ScratchFile images("images-idx3-ubyte");
  static const kirchhoff::fuzz::ScratchFile labels("labels-idx1-ubyte");
  images.write(rest.substr(0, images_size));
  labels.write(rest.substr(images_size));
  kirchhoff::fuzz::expect_only_documented_errors([&] {
    const kirchhoff::nn::Dataset d =
        kirchhoff::nn::read_idx(images.path().string(), labels.path().string(), limit);
    require(limit < 0 || d.count() <= limit, "the dataset holds more samples than the limit");
    require(d.height >= 1 && d.width >= 1, "images without pixels were accepted");
    require(
        d.pixels.size() == static_cast<std::size_t>(d.count() * d.channels * d.height * d.width),
        "pixels do not match count x height x width");
    for (const auto label : d.labels) require(label < d.classes, "a label is >= classes");
    if (d.count() > 0) {
      const auto t = d.batch(0, d.count(), kirchhoff::nn::Normalization{});
      require(t.size() == static_cast<std::int64_t>(d.pixels.size()), "batch of the wrong size");
    }
  });
  return 0;
}
