// IDX datasets: the reader (plain and gzip, limit, every rejected file), Dataset::batch, and how
// load_dataset finds Fashion-MNIST (Debian package, KIRCHHOFF_FASHION_MNIST_DIR, the shipped
// subset, directories).
#include "kirchhoff/nn/dataset.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::nn {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// data/ of the source tree: this file is tests/nn/dataset_test.cpp.
const fs::path kDataDir = fs::path(__FILE__).parent_path().parent_path().parent_path() / "data";
const fs::path kSubsetDir = kDataDir / "datasets" / "fashion-mnist";
const fs::path kDebianDir = "/usr/share/datasets/fashion-mnist";

using kirchhoff::testing::message_of;

// An IoError that is not a FormatError (a missing file, not a bad one).
template <typename F>
std::string io_message_of(F&& f) {
  return kirchhoff::testing::message_of_exact<IoError>(std::forward<F>(f));
}

void write_file(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(v >> static_cast<unsigned>(shift)));
  }
}

Bytes idx_bytes(std::uint32_t magic, const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes out;
  put_u32(out, magic);
  for (auto d : dims) put_u32(out, d);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes images_file(std::uint32_t n, std::uint32_t rows, std::uint32_t cols, const Bytes& pixels) {
  return idx_bytes(0x00000803, {n, rows, cols}, pixels);
}
Bytes labels_file(const Bytes& labels) {
  return idx_bytes(0x00000801, {static_cast<std::uint32_t>(labels.size())}, labels);
}

std::uint32_t crc32(const Bytes& data) {  // the gzip trailer's CRC (RFC 1952), bit by bit
  std::uint32_t crc = 0xFFFFFFFFU;
  for (auto byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1U) ^ (0xEDB88320U & (0U - (crc & 1U)));
  }
  return ~crc;
}

// A gzip file of `data` in stored (uncompressed) deflate blocks (RFC 1951/1952), so the tests can
// write gzip files without linking zlib themselves.
Bytes gzip_stored(const Bytes& data, bool good_crc = true) {
  Bytes out{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
  std::size_t pos = 0;
  do {
    const std::size_t len = std::min<std::size_t>(data.size() - pos, 65535);
    const bool last = pos + len == data.size();
    out.push_back(last ? 1 : 0);
    const auto l16 = static_cast<std::uint16_t>(len);
    const auto n16 = static_cast<std::uint16_t>(~l16);
    for (auto v : {l16, n16}) {
      out.push_back(static_cast<std::uint8_t>(v & 0xFFU));
      out.push_back(static_cast<std::uint8_t>(v >> 8U));
    }
    out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
               data.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  } while (pos < data.size());
  const std::uint32_t crc = crc32(data) ^ (good_crc ? 0U : 1U);
  const auto size = static_cast<std::uint32_t>(data.size());
  for (auto v : {crc, size}) {
    for (unsigned shift = 0; shift < 32; shift += 8) {
      out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  }
  return out;
}

// Sets (or, with nullopt, unsets) an environment variable for the scope of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class DatasetFiles : public ::testing::Test {
 protected:
  fs::path write(const std::string& name, const Bytes& bytes) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    write_file(path, bytes);
    return path;
  }
  // A tiny valid pair: 3 images of 2 x 2 pixels, labels {0, 3, 1}.
  void write_tiny(const fs::path& sub, const std::string& prefix, bool gz) {
    const Bytes images = images_file(3, 2, 2, {0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255});
    const Bytes labels = labels_file({0, 3, 1});
    const std::string suffix = gz ? ".gz" : "";
    write((sub / (prefix + "-images-idx3-ubyte" + suffix)).string(),
          gz ? gzip_stored(images) : images);
    write((sub / (prefix + "-labels-idx1-ubyte" + suffix)).string(),
          gz ? gzip_stored(labels) : labels);
  }

  const kirchhoff::testing::TempDir dir_{"dataset"};
};

const std::array<std::uint8_t, 10> kFirstTestLabels{9, 2, 1, 1, 6, 1, 4, 6, 5, 7};

// ------------------------------------------------------------------------------------------------
// The shipped subset

TEST(ShippedSubset, HoldsTheFirstThousandTestImages) {
  const Dataset d = read_idx((kSubsetDir / "t10k-images-idx3-ubyte.gz").string(),
                             (kSubsetDir / "t10k-labels-idx1-ubyte.gz").string());
  EXPECT_EQ(d.count(), 1000);
  EXPECT_EQ(d.channels, 1);
  EXPECT_EQ(d.height, 28);
  EXPECT_EQ(d.width, 28);
  EXPECT_EQ(d.classes, 10);
  ASSERT_EQ(d.pixels.size(), 1000U * 28 * 28);
  for (std::size_t i = 0; i < kFirstTestLabels.size(); ++i) {
    EXPECT_EQ(d.labels[i], kFirstTestLabels[i]) << i;
  }
  std::array<int, 10> per_class{};
  for (auto l : d.labels) {
    ASSERT_LT(l, 10);
    ++per_class[l];
  }
  for (int c = 0; c < 10; ++c) EXPECT_GT(per_class[static_cast<std::size_t>(c)], 50) << c;
  EXPECT_EQ(d.name, (kSubsetDir / "t10k-images-idx3-ubyte.gz").string());
}

TEST_F(DatasetFiles, PlainAndGzipGiveTheSameData) {
  const Dataset gz = read_idx((kSubsetDir / "t10k-images-idx3-ubyte.gz").string(),
                              (kSubsetDir / "t10k-labels-idx1-ubyte.gz").string());
  // The same samples written back plain, and as a gzip file of another encoder (stored blocks).
  const Bytes images = images_file(1000, 28, 28, gz.pixels);
  const Bytes labels = labels_file(gz.labels);
  const auto plain_images = write("plain-images", images);
  const auto plain_labels = write("plain-labels", labels);
  const Dataset plain = read_idx(plain_images.string(), plain_labels.string());
  EXPECT_EQ(plain.pixels, gz.pixels);
  EXPECT_EQ(plain.labels, gz.labels);
  EXPECT_EQ(plain.height, 28);
  // Compression is recognised by content: a gzip file without .gz, a plain one with .gz.
  const auto stored_images = write("stored-images", gzip_stored(images));
  const auto plain_named_gz = write("plain-labels.gz", labels);
  const Dataset stored = read_idx(stored_images.string(), plain_named_gz.string());
  EXPECT_EQ(stored.pixels, gz.pixels);
  EXPECT_EQ(stored.labels, gz.labels);
}

TEST_F(DatasetFiles, LimitKeepsTheFirstSamples) {
  const auto images = (kSubsetDir / "t10k-images-idx3-ubyte.gz").string();
  const auto labels = (kSubsetDir / "t10k-labels-idx1-ubyte.gz").string();
  const Dataset all = read_idx(images, labels);
  const Dataset ten = read_idx(images, labels, 10);
  EXPECT_EQ(ten.count(), 10);
  ASSERT_EQ(ten.pixels.size(), 10U * 784);
  EXPECT_TRUE(std::equal(ten.pixels.begin(), ten.pixels.end(), all.pixels.begin()));
  EXPECT_TRUE(std::equal(ten.labels.begin(), ten.labels.end(), all.labels.begin()));
  EXPECT_EQ(ten.classes, 10);  // a property of the file, not of the samples kept
  EXPECT_EQ(read_idx(images, labels, 0).count(), 0);
  EXPECT_EQ(read_idx(images, labels, 5000).count(), 1000);  // more than there are: all
  EXPECT_EQ(read_idx(images, labels, -1).count(), 1000);
}

TEST_F(DatasetFiles, ClassesIsOnePlusTheLargestLabel) {
  const auto images = write("i", images_file(3, 1, 1, {1, 2, 3}));
  EXPECT_EQ(read_idx(images.string(), write("l", labels_file({0, 3, 1})).string()).classes, 4);
  EXPECT_EQ(read_idx(images.string(), write("m", labels_file({255, 0, 7})).string()).classes, 256);
  const auto empty = read_idx(write("ei", images_file(0, 28, 28, {})).string(),
                              write("el", labels_file({})).string());
  EXPECT_EQ(empty.count(), 0);
  EXPECT_EQ(empty.classes, 0);
}

// ------------------------------------------------------------------------------------------------
// Dataset::batch

TEST_F(DatasetFiles, BatchNormalisesPixels) {
  write_tiny("d", "t10k", false);
  const Dataset d = load_dataset((dir_ / "d").string());
  Normalization norm;
  norm.pixel_scale = 1.0F / 255.0F;
  norm.mean = {0.2860F};
  norm.std = {0.3530F};
  const Tensor t = d.batch(1, 2, norm);
  ASSERT_EQ(t.shape, (Shape{2, 1, 2, 2}));
  const std::array<float, 8> pixels{10, 11, 12, 13, 250, 251, 252, 255};
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    // The arithmetic the reference models were trained with (data/models/train.py).
    const float expected = (pixels[i] * (1.0F / 255.0F) - 0.2860F) * (1.0F / 0.3530F);
    EXPECT_EQ(t.data[i], expected) << i;
  }
  EXPECT_EQ(d.batch(0, 0, norm).shape, (Shape{0, 1, 2, 2}));
  EXPECT_CONTAINS(message_of<InvalidArgument>([&] { (void)d.batch(2, 2, norm); }),
                  "samples [2, 4) outside the 3 samples");
}

// ------------------------------------------------------------------------------------------------
// load_dataset

TEST_F(DatasetFiles, FashionMnistFallsBackToTheShippedSubset) {
  const ScopedEnv empty_full("KIRCHHOFF_FASHION_MNIST_DIR", dir_.path().string());  // nothing there
  const ScopedEnv no_data("KIRCHHOFF_DATA_DIR", std::nullopt);
  const Dataset d = load_dataset("fashion-mnist:test");
  EXPECT_EQ(d.count(), 1000);
  EXPECT_CONTAINS(d.name, "fashion-mnist:test");
  EXPECT_CONTAINS(d.name, "shipped subset");
  EXPECT_CONTAINS(d.name, kSubsetDir.string());
  for (std::size_t i = 0; i < kFirstTestLabels.size(); ++i) {
    EXPECT_EQ(d.labels[i], kFirstTestLabels[i]) << i;
  }
  EXPECT_EQ(load_dataset("fashion-mnist", 7).count(), 7);  // test is the default split
}

TEST_F(DatasetFiles, DataDirEnvironmentComesBeforeTheSourceTree) {
  write_tiny("share/datasets/fashion-mnist", "t10k", true);
  const ScopedEnv empty_full("KIRCHHOFF_FASHION_MNIST_DIR", (dir_ / "nowhere").string());
  const ScopedEnv data("KIRCHHOFF_DATA_DIR", (dir_ / "share").string());
  const Dataset d = load_dataset("fashion-mnist:test");
  EXPECT_EQ(d.count(), 3);
  EXPECT_CONTAINS(d.name, (dir_ / "share" / "datasets" / "fashion-mnist").string());
}

TEST_F(DatasetFiles, FashionMnistDirectoryOverride) {
  write_tiny("full", "t10k", true);
  write_tiny("full", "train", false);
  const ScopedEnv full("KIRCHHOFF_FASHION_MNIST_DIR", (dir_ / "full").string());
  const Dataset test = load_dataset("fashion-mnist:test");
  EXPECT_EQ(test.count(), 3);
  EXPECT_EQ(test.name, "fashion-mnist:test (" + (dir_ / "full").string() + ")");
  const Dataset train = load_dataset("fashion-mnist:train");
  EXPECT_EQ(train.count(), 3);
  EXPECT_EQ(train.labels, (Bytes{0, 3, 1}));
  EXPECT_EQ(train.name, "fashion-mnist:train (" + (dir_ / "full").string() + ")");
}

TEST_F(DatasetFiles, TrainSplitDoesNotFallBack) {
  const ScopedEnv empty_full("KIRCHHOFF_FASHION_MNIST_DIR", dir_.path().string());
  const auto message = io_message_of([] { (void)load_dataset("fashion-mnist:train"); });
  EXPECT_CONTAINS(message, "fashion-mnist:train not found");
  EXPECT_CONTAINS(message, "train-images-idx3-ubyte[.gz]");
  EXPECT_CONTAINS(message, dir_.path().string() + " (KIRCHHOFF_FASHION_MNIST_DIR)");
  EXPECT_CONTAINS(message, "dataset-fashion-mnist");
}

TEST_F(DatasetFiles, EmptyDataDirFallsThroughToTheSourceTree) {
  const ScopedEnv empty_full("KIRCHHOFF_FASHION_MNIST_DIR", (dir_ / "a").string());
  const ScopedEnv data("KIRCHHOFF_DATA_DIR", (dir_ / "b").string());  // no subset there
  const Dataset d = load_dataset("fashion-mnist:test");
  EXPECT_EQ(d.count(), 1000);
  EXPECT_CONTAINS(d.name, kSubsetDir.string());
}

TEST_F(DatasetFiles, DirectorySpecs) {
  write_tiny("plain", "t10k", false);
  write_tiny("plain", "train", true);
  const Dataset test = load_dataset((dir_ / "plain").string());
  EXPECT_EQ(test.count(), 3);
  EXPECT_EQ(test.name, (dir_ / "plain").string() + ":test");
  EXPECT_EQ(load_dataset((dir_ / "plain").string() + ":test").count(), 3);
  const Dataset train = load_dataset((dir_ / "plain").string() + ":train", 2);
  EXPECT_EQ(train.count(), 2);
  EXPECT_EQ(train.name, (dir_ / "plain").string() + ":train");

  write_tiny("only-train", "train", false);
  const auto message = io_message_of([&] { (void)load_dataset((dir_ / "only-train").string()); });
  EXPECT_CONTAINS(message, "t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]");
  EXPECT_CONTAINS(message, (dir_ / "only-train").string());
  EXPECT_CONTAINS(message, "the train split is there");

  write("images-only/t10k-images-idx3-ubyte", images_file(1, 1, 1, {0}));
  EXPECT_CONTAINS(io_message_of([&] { (void)load_dataset((dir_ / "images-only").string()); }),
                  "did not find both");
}

TEST(LoadDataset, RejectsBadSpecs) {
  EXPECT_CONTAINS(message_of<InvalidArgument>([] { (void)load_dataset(""); }),
                  "expected fashion-mnist[:test|:train] or DIR[:test|:train]");
  EXPECT_CONTAINS(message_of<InvalidArgument>([] { (void)load_dataset("fashion-mnist:valid"); }),
                  "unknown split in dataset 'fashion-mnist:valid'");
  EXPECT_CONTAINS(io_message_of([] { (void)load_dataset("/nonexistent/kirchhoff-data:train"); }),
                  "no such directory '/nonexistent/kirchhoff-data'");
}

TEST(DebianPackage, FullTestAndTrainSets) {
  if (!fs::exists(kDebianDir / "t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  const ScopedEnv no_override("KIRCHHOFF_FASHION_MNIST_DIR", std::nullopt);
  const Dataset test = load_dataset("fashion-mnist:test");
  EXPECT_EQ(test.count(), 10000);
  EXPECT_EQ(test.classes, 10);
  EXPECT_EQ(test.name, "fashion-mnist:test (/usr/share/datasets/fashion-mnist)");
  const Dataset subset = read_idx((kSubsetDir / "t10k-images-idx3-ubyte.gz").string(),
                                  (kSubsetDir / "t10k-labels-idx1-ubyte.gz").string());
  EXPECT_TRUE(std::equal(subset.pixels.begin(), subset.pixels.end(), test.pixels.begin()));
  EXPECT_TRUE(std::equal(subset.labels.begin(), subset.labels.end(), test.labels.begin()));
  const Dataset train = load_dataset("fashion-mnist:train");
  EXPECT_EQ(train.count(), 60000);
  EXPECT_EQ(train.height, 28);
  EXPECT_EQ(train.classes, 10);
}

// ------------------------------------------------------------------------------------------------
// The reference models' recorded PyTorch predictions (data/models, written by train.py)

TEST_F(DatasetFiles, RecordedPredictionsAgreeWithModelsToml) {
  const Config record = Config::load_file(kDataDir / "models" / "models.toml");
  // The predictions are an IDX labels file; read_idx wants an images file of the same count.
  const auto images = write("images", images_file(10000, 1, 1, Bytes(10000, 0)));
  const Dataset subset = read_idx((kSubsetDir / "t10k-images-idx3-ubyte.gz").string(),
                                  (kSubsetDir / "t10k-labels-idx1-ubyte.gz").string());
  const bool full = fs::exists(kDebianDir / "t10k-labels-idx1-ubyte.gz");
  const Dataset test = full ? read_idx((kDebianDir / "t10k-images-idx3-ubyte.gz").string(),
                                       (kDebianDir / "t10k-labels-idx1-ubyte.gz").string())
                            : subset;
  for (const char* name : {"mlp", "cnn", "cnn-hwa"}) {
    SCOPED_TRACE(name);
    const ConfigTable model = record.table(std::string("models.") + name);
    const fs::path file = kDataDir / "models" / model.get<std::string>("predictions");
    const Dataset predicted = read_idx(images.string(), file.string());
    ASSERT_EQ(predicted.count(), 10000);
    EXPECT_LE(predicted.classes, 10);
    std::int64_t correct = 0;
    for (std::size_t i = 0; i < test.labels.size(); ++i) {
      correct += predicted.labels[i] == test.labels[i] ? 1 : 0;
      if (i + 1 == subset.labels.size()) {
        EXPECT_EQ(correct, model.get<std::int64_t>("subset_correct"));
        EXPECT_EQ(model.get<std::int64_t>("subset_count"), 1000);
      }
    }
    if (full) {
      EXPECT_EQ(correct, model.get<std::int64_t>("test_correct"));
      EXPECT_DOUBLE_EQ(model.get<double>("test_top1"), static_cast<double>(correct) / 10000.0);
    }
    EXPECT_TRUE(fs::exists(kDataDir / "models" / model.get<std::string>("file")));
  }
}

// ------------------------------------------------------------------------------------------------
// Rejected files: the type, and a message naming the file

TEST_F(DatasetFiles, MissingFilesAreIoErrors) {
  const auto labels = write("labels", labels_file({1}));
  const auto missing = (dir_ / "missing-images").string();
  auto message = io_message_of([&] { (void)read_idx(missing, labels.string()); });
  EXPECT_CONTAINS(message, "cannot open '" + missing + "'");
  EXPECT_CONTAINS(message, "No such file or directory");
  const auto images = write("images", images_file(1, 1, 1, {0}));
  message = io_message_of([&] { (void)read_idx(images.string(), missing); });
  EXPECT_CONTAINS(message, missing);
  message = io_message_of([&] { (void)read_idx(dir_.path().string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + dir_.path().string() + "': it is a directory");
}

TEST_F(DatasetFiles, BadMagicNumbers) {
  const auto images = write("images", images_file(1, 1, 1, {0}));
  const auto labels = write("labels", labels_file({1}));
  auto message = message_of<FormatError>([&] { (void)read_idx(labels.string(), images.string()); });
  EXPECT_CONTAINS(message, "'" + labels.string() +
                               "': magic number 0x00000801, expected "
                               "0x00000803 (IDX images: unsigned bytes, 3 dimensions); this is an "
                               "IDX labels file");
  const auto other = write("other", idx_bytes(0x12345678, {}, {}));
  message = message_of<FormatError>([&] { (void)read_idx(images.string(), other.string()); });
  EXPECT_CONTAINS(message, "'" + other.string() +
                               "': magic number 0x12345678, expected "
                               "0x00000801 (IDX labels: unsigned bytes, 1 dimension)");
  // Floats (type 0x0d) are not unsigned bytes.
  const auto floats = write("floats", idx_bytes(0x00000D03, {1, 1, 1}, {0, 0, 0, 0}));
  message = message_of<FormatError>([&] { (void)read_idx(floats.string(), labels.string()); });
  EXPECT_CONTAINS(message, "magic number 0x00000d03");
  // Inside a gzip file too.
  const auto gz = write("labels.gz", gzip_stored(images_file(1, 1, 1, {0})));
  message = message_of<FormatError>([&] { (void)read_idx(images.string(), gz.string()); });
  EXPECT_CONTAINS(message, "'" + gz.string() + "': magic number 0x00000803");
}

TEST_F(DatasetFiles, TruncatedHeaders) {
  const auto labels = write("labels", labels_file({1}));
  const auto short_magic = write("short", Bytes{0, 0});
  auto message =
      message_of<FormatError>([&] { (void)read_idx(short_magic.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + short_magic.string() + "': too short for an IDX header");
  const auto empty = write("empty", Bytes{});
  message = message_of<FormatError>([&] { (void)read_idx(empty.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + empty.string() + "': too short");
  const auto short_dims = write("dims", idx_bytes(0x00000803, {1, 28}, {}));
  message = message_of<FormatError>([&] { (void)read_idx(short_dims.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + short_dims.string() + "': truncated IDX header (3 dimensions");
}

TEST_F(DatasetFiles, DimensionsTooLargeOrZero) {
  const auto labels = write("labels", labels_file({1}));
  const auto huge = write("huge", images_file(0xFFFFFFFFU, 0xFFFFFFFFU, 0xFFFFFFFFU, {}));
  auto message = message_of<FormatError>([&] { (void)read_idx(huge.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + huge.string() +
                               "': images of 4294967295 x 4294967295 pixels; at most 2147483648 "
                               "(2^31) pixels per image");
  // One pixel over the limit, with a limit of 0 images: refused from the header alone.
  const auto wide = write("wide", images_file(1, 0x10000U, 0x8001U, {}));
  message = message_of<FormatError>([&] { (void)read_idx(wide.string(), labels.string(), 0); });
  EXPECT_CONTAINS(message, "images of 65536 x 32769 pixels; at most 2147483648");
  // Fits in 64 bits but not in the file: refused as truncated without allocating it.
  const auto big = write("big", images_file(0xFFFFFFFFU, 0xFFFFU, 1, {1, 2, 3}));
  message = message_of<FormatError>([&] { (void)read_idx(big.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + big.string() + "': truncated");
  EXPECT_CONTAINS(message, "holds 3");
  const auto zero = write("zero", images_file(1, 0, 28, {}));
  message = message_of<FormatError>([&] { (void)read_idx(zero.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + zero.string() + "': images of 0 x 28 pixels");
}

TEST_F(DatasetFiles, DataThatDoesNotMatchTheHeader) {
  const auto labels = write("labels", labels_file({1, 2}));
  const auto short_data = write("short", images_file(2, 2, 2, {1, 2, 3, 4, 5, 6, 7}));
  auto message =
      message_of<FormatError>([&] { (void)read_idx(short_data.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + short_data.string() +
                               "': truncated: the header (2 x 2 x 2) "
                               "needs 8 bytes of data, the file holds 7");
  const auto long_data = write("long", images_file(2, 2, 2, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  message = message_of<FormatError>([&] { (void)read_idx(long_data.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + long_data.string() + "': 2 bytes after the 8 bytes of data");
  const auto short_gz = write("short.gz", gzip_stored(images_file(2, 2, 2, {1, 2, 3})));
  message = message_of<FormatError>([&] { (void)read_idx(short_gz.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + short_gz.string() +
                               "': truncated: the header (2 x 2 x 2) "
                               "needs 8 bytes of data, the decompressed file holds 3");
}

TEST_F(DatasetFiles, LimitReadsOnlyTheRecordsItNeeds) {
  // The header claims 3,000,000 images of 28 x 28 (2.35 GB); the file holds 20 and then a
  // damaged gzip stream. With --limit 20 nothing after the 20th image is read or allocated.
  Bytes pixels(20 * 784);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 7);
  Bytes compressed = gzip_stored(images_file(3000000, 28, 28, pixels));
  // The trailer (CRC, length) is never reached. (erase, not resize(size() - 8): GCC 12's
  // -Wstringop-overflow cannot tell that the size is at least 8 in the sanitizer build.)
  compressed.erase(compressed.end() - 8, compressed.end());
  const auto images = write("claims.gz", compressed);
  Bytes labels(3000000);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::uint8_t>(i % 7);
  labels[2999999] = 9;  // the largest label is the last: classes counts the whole file
  const auto labels_path = write("labels", labels_file(labels));
  for (const std::int64_t limit : {0, 1, 20}) {
    const Dataset d = read_idx(images.string(), labels_path.string(), limit);
    EXPECT_EQ(d.count(), limit);
    EXPECT_EQ(d.classes, 10);
    EXPECT_EQ(d.pixels, Bytes(pixels.begin(), pixels.begin() + limit * 784));
    EXPECT_EQ(d.labels, Bytes(labels.begin(), labels.begin() + limit));
    EXPECT_EQ(d.pixels.capacity(), d.pixels.size());
  }
  // More than the file holds: the stream ends where the data should go on.
  auto message =
      message_of<FormatError>([&] { (void)read_idx(images.string(), labels_path.string(), 21); });
  EXPECT_CONTAINS(message, "'" + images.string() +
                               "': bad gzip data (the compressed stream is "
                               "truncated)");
  // Plain: truncated after the data of 20 images.
  const auto plain = write("claims", images_file(3000000, 28, 28, pixels));
  EXPECT_EQ(read_idx(plain.string(), labels_path.string(), 20).count(), 20);
  message = message_of<FormatError>([&] { (void)read_idx(plain.string(), labels_path.string()); });
  EXPECT_CONTAINS(message, "'" + plain.string() +
                               "': truncated: the header (3000000 x 28 x 28) needs 2352000000 "
                               "bytes of data, the file holds 15680");
  // The labels are read through: a labels file that is cut short fails even with a limit.
  const auto short_labels = write(
      "short-labels", idx_bytes(0x00000801, {3000000}, Bytes(labels.begin(), labels.end() - 1)));
  message =
      message_of<FormatError>([&] { (void)read_idx(plain.string(), short_labels.string(), 20); });
  EXPECT_CONTAINS(message, "'" + short_labels.string() +
                               "': truncated: the header (3000000) needs 3000000 bytes of data, "
                               "the file holds 2999999");
}

TEST_F(DatasetFiles, BadGzipStreams) {
  const auto labels = write("labels", labels_file({1}));
  const Bytes shipped = read_file(kSubsetDir / "t10k-images-idx3-ubyte.gz");
  ASSERT_GT(shipped.size(), 1000U);
  // Cut in the middle of the deflate stream.
  const auto cut = write("cut.gz", Bytes(shipped.begin(), shipped.begin() + 1000));
  auto message = message_of<FormatError>([&] { (void)read_idx(cut.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + cut.string() +
                               "': bad gzip data (the compressed stream is "
                               "truncated)");
  // Garbage after a valid gzip header.
  Bytes garbage(shipped.begin(), shipped.begin() + 10);
  garbage.insert(garbage.end(), 200, 0xFF);
  const auto bad = write("garbage.gz", garbage);
  message = message_of<FormatError>([&] { (void)read_idx(bad.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + bad.string() + "': bad gzip data");
  // Intact data with a wrong checksum in the trailer.
  const auto crc = write("crc.gz", gzip_stored(images_file(1, 1, 1, {7}), false));
  message = message_of<FormatError>([&] { (void)read_idx(crc.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + crc.string() + "': bad gzip data");
}

TEST_F(DatasetFiles, ImageAndLabelCountsMustAgree) {
  const auto images = write("images", images_file(3, 1, 1, {1, 2, 3}));
  const auto labels = write("labels", labels_file({1, 2}));
  const auto message =
      message_of<FormatError>([&] { (void)read_idx(images.string(), labels.string()); });
  EXPECT_CONTAINS(message, "'" + images.string() + "' holds 3 images but '" + labels.string() +
                               "' holds 2 labels");
}

}  // namespace
}  // namespace kirchhoff::nn
