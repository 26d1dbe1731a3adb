#include "kirchhoff/nn/dataset.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string_view>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::nn {

namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr std::uint32_t kLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension
constexpr std::size_t kChunk = std::size_t{1} << 20;

// Sequential reader of a plain or gzip-compressed file. Compression is recognised by the gzip
// magic bytes 1f 8b, not by the file name (the Debian files end in .gz, users' may not).
class ByteSource {
 public:
  explicit ByteSource(const fs::path& path) : path_(path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      throw IoError(fmt::format("cannot read '{}': it is a directory", path.string()));
    }
    plain_.open(path, std::ios::binary);
    if (!plain_) {
      throw IoError(fmt::format("cannot open '{}': {}", path.string(), std::strerror(errno)));
    }
    std::array<char, 2> head{};
    plain_.read(head.data(), head.size());
    const bool gzip = plain_.gcount() == 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
                      static_cast<unsigned char>(head[1]) == 0x8b;
    if (!gzip) {
      plain_.clear();
      plain_.seekg(0);
      return;
    }
    plain_.close();
    gz_ = gzopen(path.c_str(), "rb");
    if (gz_ == nullptr) {
      throw IoError(fmt::format("cannot open '{}': {}", path.string(), std::strerror(errno)));
    }
    gzbuffer(gz_, 1U << 17);
  }
  ~ByteSource() {
    if (gz_ != nullptr) gzclose(gz_);
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  [[nodiscard]] bool compressed() const noexcept { return gz_ != nullptr; }

  // Reads up to n bytes; fewer only at the end of the data.
  std::size_t read(std::uint8_t* out, std::size_t n) {
    if (gz_ == nullptr) {
      plain_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
      if (plain_.bad()) {
        throw IoError(fmt::format("error reading '{}': {}", path_.string(), std::strerror(errno)));
      }
      return static_cast<std::size_t>(plain_.gcount());
    }
    std::size_t done = 0;
    while (done < n) {
      const auto want = static_cast<unsigned>(std::min(n - done, kChunk));
      const int got = gzread(gz_, out + done, want);
      if (got < 0) gz_fail();
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    if (done < n) {
      // zlib reports a stream cut short (no gzip trailer) as Z_BUF_ERROR once the data ends.
      int code = Z_OK;
      gzerror(gz_, &code);
      if (code != Z_OK) gz_fail();
    }
    return done;
  }

 private:
  [[noreturn]] void gz_fail() {
    int code = Z_OK;
    const char* message = gzerror(gz_, &code);
    if (code == Z_ERRNO) {
      throw IoError(fmt::format("error reading '{}': {}", path_.string(), std::strerror(errno)));
    }
    throw FormatError(fmt::format(
        "'{}': bad gzip data ({})", path_.string(),
        code == Z_BUF_ERROR ? "the compressed stream is truncated" : std::string(message)));
  }

  fs::path path_;
  std::ifstream plain_;
  gzFile gz_ = nullptr;
};

struct IdxHeader {
  std::vector<std::uint32_t> dims;
  std::uint64_t record_size = 1;  // bytes per record (image or label): dims[1] x dims[2] x ...
  std::uint64_t size = 0;         // bytes of data: dims[0] x record_size
};

std::uint32_t big_endian(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24U) | (std::uint32_t{p[1]} << 16U) | (std::uint32_t{p[2]} << 8U) |
         std::uint32_t{p[3]};
}

std::string shape_text(const std::vector<std::uint32_t>& dims) {
  return fmt::format("{}", fmt::join(dims, " x "));
}

// Reads the header of an unsigned-byte IDX file whose magic number must be `magic` (its low byte
// is the number of dimensions) and checks its sizes before anything is allocated for the data:
// a record (an image) has at most max_tensor_elements bytes, so that the data, fewer than 2^32
// records, counts fewer than 2^63 bytes.
IdxHeader read_idx_header(ByteSource& in, const fs::path& path, std::uint32_t magic) {
  const char* kind = magic == kImagesMagic ? "images" : "labels";
  const std::uint32_t other = magic == kImagesMagic ? kLabelsMagic : kImagesMagic;

  std::array<std::uint8_t, 4> head{};
  if (in.read(head.data(), head.size()) < head.size()) {
    throw FormatError(
        fmt::format("'{}': too short for an IDX header (4-byte magic number)", path.string()));
  }
  const std::uint32_t found = big_endian(head.data());
  if (found != magic) {
    throw FormatError(fmt::format(
        "'{}': magic number 0x{:08x}, expected 0x{:08x} (IDX {}: unsigned bytes, {} dimension{}){}",
        path.string(), found, magic, kind, magic & 0xFFU, (magic & 0xFFU) == 1 ? "" : "s",
        found == other
            ? fmt::format("; this is an IDX {} file", magic == kImagesMagic ? "labels" : "images")
            : ""));
  }

  IdxHeader header;
  const std::size_t rank = magic & 0xFFU;
  std::vector<std::uint8_t> dims_raw(4 * rank);
  if (in.read(dims_raw.data(), dims_raw.size()) < dims_raw.size()) {
    throw FormatError(
        fmt::format("'{}': truncated IDX header ({} dimensions expected)", path.string(), rank));
  }
  for (std::size_t d = 0; d < rank; ++d) header.dims.push_back(big_endian(dims_raw.data() + 4 * d));
  if (rank == 3) {
    const std::uint32_t rows = header.dims[1], cols = header.dims[2];
    if (rows == 0 || cols == 0) {
      throw FormatError(fmt::format("'{}': images of {} x {} pixels; rows and columns must be >= 1",
                                    path.string(), rows, cols));
    }
    // Two 32-bit factors: the product fits in 64 bits.
    header.record_size = std::uint64_t{rows} * cols;
    if (header.record_size > static_cast<std::uint64_t>(max_tensor_elements)) {
      throw FormatError(
          fmt::format("'{}': images of {} x {} pixels; at most {} (2^31) pixels per image",
                      path.string(), rows, cols, max_tensor_elements));
    }
  }
  header.size = header.dims[0] * header.record_size;  // < 2^32 x 2^31
  return header;
}

// Reads the first `records` records of the data that follows the header. The buffer grows with
// what the file really holds, so a header that claims too much cannot make us allocate it.
std::vector<std::uint8_t> read_records(ByteSource& in, const fs::path& path,
                                       const IdxHeader& header, std::uint64_t records) {
  const std::uint64_t size = records * header.record_size;
  std::vector<std::uint8_t> data;
  while (data.size() < size) {
    const std::size_t old = data.size();
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size - old, kChunk));
    data.resize(old + want);
    const std::size_t got = in.read(data.data() + old, want);
    data.resize(old + got);
    if (got < want) break;
  }
  if (data.size() < size) {
    throw FormatError(
        fmt::format("'{}': truncated: the header ({}) needs {} bytes of data, the {}file "
                    "holds {}",
                    path.string(), shape_text(header.dims), header.size,
                    in.compressed() ? "decompressed " : "", data.size()));
  }
  return data;
}

// After the whole data: nothing may follow.
void expect_end(ByteSource& in, const fs::path& path, const IdxHeader& header) {
  std::array<std::uint8_t, 4096> rest{};
  std::uint64_t extra = 0;
  for (std::size_t got = 0; (got = in.read(rest.data(), rest.size())) > 0;) extra += got;
  if (extra > 0) {
    throw FormatError(fmt::format("'{}': {} bytes after the {} bytes of data of the header ({})",
                                  path.string(), extra, header.size, shape_text(header.dims)));
  }
}

// The labels after the first `kept`, read through in constant memory for the largest label of the
// file (Dataset::classes) and its length.
std::uint8_t largest_remaining_label(ByteSource& in, const fs::path& path, const IdxHeader& header,
                                     std::uint64_t kept) {
  std::array<std::uint8_t, 1U << 16U> chunk{};
  std::uint64_t done = kept;
  std::uint8_t largest = 0;
  while (done < header.size) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(header.size - done, chunk.size()));
    const std::size_t got = in.read(chunk.data(), want);
    if (got > 0)
      largest = std::max(
          largest,
          *std::max_element(chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got)));
    done += got;
    if (got < want) {
      throw FormatError(
          fmt::format("'{}': truncated: the header ({}) needs {} bytes of data, the {}file "
                      "holds {}",
                      path.string(), shape_text(header.dims), header.size,
                      in.compressed() ? "decompressed " : "", done));
    }
  }
  expect_end(in, path, header);
  return largest;
}

struct Split {
  std::string_view name;    // "test" / "train"
  std::string_view prefix;  // file prefix: "t10k" / "train"
};

constexpr Split kTest{"test", "t10k"};
constexpr Split kTrain{"train", "train"};

struct SplitFiles {
  fs::path images, labels;
};

// The images and labels files of `split` in `dir`, plain preferred to .gz; nothing unless both.
std::optional<SplitFiles> find_split(const fs::path& dir, const Split& split) {
  auto find = [&](const std::string& base) -> std::optional<fs::path> {
    for (const char* suffix : {"", ".gz"}) {
      const fs::path candidate = dir / (base + suffix);
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) return candidate;
    }
    return std::nullopt;
  };
  auto images = find(fmt::format("{}-images-idx3-ubyte", split.prefix));
  auto labels = find(fmt::format("{}-labels-idx1-ubyte", split.prefix));
  if (!images || !labels) return std::nullopt;
  return SplitFiles{*images, *labels};
}

std::string searched_text(const Split& split) {
  return fmt::format("{0}-images-idx3-ubyte[.gz] and {0}-labels-idx1-ubyte[.gz]", split.prefix);
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// The shipped test subset, looked for like the device presets: $KIRCHHOFF_DATA_DIR, the source
// tree's data/ (builds used in place), the installed share/kirchhoff.
std::vector<fs::path> subset_directories() {
  std::vector<fs::path> dirs;
  if (const auto env = env_or_empty("KIRCHHOFF_DATA_DIR"); !env.empty()) dirs.emplace_back(env);
  dirs.emplace_back(KIRCHHOFF_DATA_DIR);
  dirs.emplace_back(KIRCHHOFF_INSTALL_DATA_DIR);
  for (auto& d : dirs) d = d / "datasets" / "fashion-mnist";
  return dirs;
}

constexpr const char* kDebianFashionMnist = "/usr/share/datasets/fashion-mnist";

Dataset load_fashion_mnist(const Split& split, std::int64_t limit) {
  const auto env = env_or_empty("KIRCHHOFF_FASHION_MNIST_DIR");
  const fs::path full_dir = env.empty() ? fs::path(kDebianFashionMnist) : fs::path(env);
  std::vector<std::string> searched{fmt::format(
      "{} ({})", full_dir.string(),
      env.empty() ? "Debian package dataset-fashion-mnist" : "KIRCHHOFF_FASHION_MNIST_DIR")};
  if (auto files = find_split(full_dir, split)) {
    Dataset d = read_idx(files->images.string(), files->labels.string(), limit);
    d.name = fmt::format("fashion-mnist:{} ({})", split.name, full_dir.string());
    return d;
  }
  if (split.name == kTest.name) {
    for (const auto& dir : subset_directories()) {
      searched.push_back(fmt::format("{} (shipped subset)", dir.string()));
      if (auto files = find_split(dir, split)) {
        Dataset d = read_idx(files->images.string(), files->labels.string(), limit);
        d.name = fmt::format("fashion-mnist:{} (shipped subset of the first {} test images, {})",
                             split.name, d.count(), dir.string());
        return d;
      }
    }
  }
  throw IoError(
      fmt::format("fashion-mnist:{} not found: looked for {} in {}{}", split.name,
                  searched_text(split), fmt::join(searched, ", "),
                  split.name == kTest.name
                      ? ""
                      : "; only the test split ships with Kirchhoff: install the Debian package "
                        "dataset-fashion-mnist or set KIRCHHOFF_FASHION_MNIST_DIR"));
}

}  // namespace

Tensor Dataset::batch(std::int64_t first, std::int64_t n, const Normalization& norm) const {
  if (first < 0 || n < 0 || first + n > count()) {
    throw InvalidArgument(fmt::format("samples [{}, {}) outside the {} samples of {}", first,
                                      first + n, count(), name));
  }
  const auto channel_size = height * width;
  const auto sample_size = channels * channel_size;
  Tensor out({n, channels, height, width});
  for (std::int64_t c = 0; c < channels; ++c) {
    const auto cs = static_cast<std::size_t>(c);
    const float mean = norm.mean.size() == 1 ? norm.mean[0] : norm.mean.at(cs);
    const float inv_std = 1.0F / (norm.std.size() == 1 ? norm.std[0] : norm.std.at(cs));
    for (std::int64_t s = 0; s < n; ++s) {
      const auto src = static_cast<std::size_t>((first + s) * sample_size + c * channel_size);
      const auto dst = static_cast<std::size_t>(s * sample_size + c * channel_size);
      for (std::int64_t k = 0; k < channel_size; ++k) {
        const auto ks = static_cast<std::size_t>(k);
        out.data[dst + ks] =
            (static_cast<float>(pixels[src + ks]) * norm.pixel_scale - mean) * inv_std;
      }
    }
  }
  return out;
}

Dataset read_idx(const std::string& images_path, const std::string& labels_path,
                 std::int64_t limit) {
  // The images: the header and the records `limit` keeps, nothing after them unless every record
  // is kept (then the length of the file is checked too).
  ByteSource images_in(images_path);
  const IdxHeader images = read_idx_header(images_in, images_path, kImagesMagic);
  const std::uint64_t count = images.dims[0];
  const std::uint64_t keep =
      limit >= 0 ? std::min(static_cast<std::uint64_t>(limit), count) : count;
  std::vector<std::uint8_t> pixels = read_records(images_in, images_path, images, keep);
  if (keep == count) expect_end(images_in, images_path, images);

  // The labels: the kept ones, and the rest read through for the class count.
  ByteSource labels_in(labels_path);
  const IdxHeader labels = read_idx_header(labels_in, labels_path, kLabelsMagic);
  if (images.dims[0] != labels.dims[0]) {
    throw FormatError(fmt::format("'{}' holds {} images but '{}' holds {} labels", images_path,
                                  images.dims[0], labels_path, labels.dims[0]));
  }
  std::vector<std::uint8_t> kept_labels = read_records(labels_in, labels_path, labels, keep);
  const std::uint8_t largest_rest = largest_remaining_label(labels_in, labels_path, labels, keep);

  Dataset d;
  d.name = images_path;
  d.channels = 1;
  d.height = images.dims[1];
  d.width = images.dims[2];
  // The class count is a property of the file, not of the samples kept by `limit`.
  std::uint8_t largest = largest_rest;
  for (const std::uint8_t label : kept_labels) largest = std::max(largest, label);
  d.classes = count == 0 ? 0 : std::int64_t{largest} + 1;
  d.pixels = std::move(pixels);
  d.labels = std::move(kept_labels);
  return d;
}

Dataset load_dataset(const std::string& spec, std::int64_t limit) {
  // "<source>[:test|:train]"; the split suffix is optional (test by default).
  std::string_view source = spec;
  const Split* split = &kTest;
  for (const Split* s : {&kTest, &kTrain}) {
    const std::string suffix = fmt::format(":{}", s->name);
    if (source.size() > suffix.size() && source.ends_with(suffix)) {
      source.remove_suffix(suffix.size());
      split = s;
      break;
    }
  }
  if (source.empty()) {
    throw InvalidArgument(fmt::format(
        "empty dataset name '{}'; expected fashion-mnist[:test|:train] or DIR[:test|:train]",
        spec));
  }
  if (source == "fashion-mnist") return load_fashion_mnist(*split, limit);
  if (source.starts_with("fashion-mnist:")) {
    throw InvalidArgument(
        fmt::format("unknown split in dataset '{}'; expected fashion-mnist:test "
                    "or fashion-mnist:train",
                    spec));
  }
  const fs::path dir{std::string(source)};
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw IoError(
        fmt::format("dataset '{}': no such directory '{}' (a dataset is fashion-mnist"
                    "[:test|:train] or a directory holding {})",
                    spec, dir.string(), searched_text(*split)));
  }
  const auto files = find_split(dir, *split);
  if (!files) {
    const Split& other = split == &kTest ? kTrain : kTest;
    throw IoError(fmt::format(
        "dataset '{}': looked for {} in {} and did not find both{}", spec, searched_text(*split),
        dir.string(),
        find_split(dir, other)
            ? fmt::format(" (the {} split is there: '{}:{}')", other.name, dir.string(), other.name)
            : ""));
  }
  Dataset d = read_idx(files->images.string(), files->labels.string(), limit);
  d.name = fmt::format("{}:{}", dir.string(), split->name);
  return d;
}

}  // namespace kirchhoff::nn
