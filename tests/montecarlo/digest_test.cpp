// Regression: a small campaign's results file digested to text and compared with the checked-in
// digest tests/montecarlo/expected/small_campaign.digest. When a change of results is
// intended, regenerate it with
//   KIRCHHOFF_UPDATE_DIGESTS=1 ctest --test-dir <build> -R montecarlo_digest
// and commit the new digest with the change that explains it.
//
// Values are printed to 10 significant digits (shape, sum, and a few elements of each dataset),
// so the digest survives harmless last-bit differences between compilers; bitwise identity
// across thread counts, shards and restarts is checked by the other tests.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/montecarlo/engine.hpp"
#include "support/campaign.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::montecarlo {
namespace {

void digest_group(const h5::Group& group, const std::string& prefix, std::ostream& out) {
  for (const std::string& name : group.children()) {
    const std::string path = prefix + "/" + name;
    bool is_group = true;
    try {
      static_cast<void>(group.open_group(name));
    } catch (const FormatError&) {
      is_group = false;
    }
    if (is_group) {
      digest_group(group.open_group(name), path, out);
      continue;
    }
    const h5::Dataset d = group.open_dataset(name);
    out << path << " shape [" << fmt::format("{}", fmt::join(d.shape(), ",")) << "]";
    auto numbers = [&]<class T>(T) {
      try {
        const auto a = d.read<h5::NdArray<T>>();
        double sum = 0.0;
        std::size_t nan = 0;
        for (const T v : a.data) {
          if (std::isnan(static_cast<double>(v))) {
            ++nan;
          } else {
            sum += static_cast<double>(v);
          }
        }
        out << fmt::format(" sum {:.10g} nan {}", sum, nan);
        for (std::size_t i : {std::size_t{0}, a.data.size() / 2, a.data.size() - 1}) {
          if (i < a.data.size())
            out << fmt::format(" [{}]={:.10g}", i, static_cast<double>(a.data[i]));
        }
        return true;
      } catch (const FormatError&) {
        return false;
      }
    };
    if (!numbers(double{}) && !numbers(std::uint64_t{})) {
      std::string text;
      try {
        text = d.read<std::string>();
      } catch (const FormatError&) {
        for (const auto& s : d.read<std::vector<std::string>>()) text += s + "|";
      }
      out << fmt::format(" text {}", format_hash(fnv1a64(text)));
    }
    out << "\n";
  }
}

TEST(Digest, SmallCampaignMatchesTheCheckedInDigest) {
  testing::TempDir dir("digest");
  const Campaign c = testing::parse_builtin(testing::small_campaign());
  RunOptions o;
  o.output = dir / "r.h5";
  o.threads = 2;
  o.progress.mode = ProgressMode::silent;
  run_campaign(c, o);
  std::ostringstream digest;
  const auto file = h5::File::open(o.output, h5::OpenMode::read_only, kCampaignFiletype, 1);
  digest_group(file, "", digest);

  const std::filesystem::path expected_file =
      std::filesystem::path(KIRCHHOFF_TEST_SOURCE_DIR) / "expected" / "small_campaign.digest";
  if (const char* update = std::getenv("KIRCHHOFF_UPDATE_DIGESTS"); update && *update == '1') {
    testing::write_text(expected_file, digest.str());
    GTEST_SKIP() << "wrote " << expected_file;
  }
  std::ifstream in(expected_file);
  ASSERT_TRUE(in) << "missing " << expected_file << "; create it with KIRCHHOFF_UPDATE_DIGESTS=1";
  const std::string expected(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(digest.str(), expected);
}

}  // namespace
}  // namespace kirchhoff::montecarlo
