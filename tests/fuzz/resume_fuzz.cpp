// Fuzz target: what a killed run leaves for `--resume`, the checkpoint (text) and the spool
// (records; montecarlo/src/spool.hpp), as run_campaign reads them: validated before anything is
// computed, damaged blocks computed again. The input is the checkpoint followed by the spool,
// split at the first record magic "KBLK". Whatever the files hold, a resume either ends in the
// project's located error or writes exactly the datasets of an uninterrupted run.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_target.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"
#include "kirchhoff/montecarlo/engine.hpp"
#include "kirchhoff/workloads/registry.hpp"

namespace {

namespace mc = kirchhoff::montecarlo;
namespace h5 = kirchhoff::h5;

const mc::Campaign& campaign() {
  static const mc::Campaign c =
      mc::load_campaign(KIRCHHOFF_SOURCE_DIR "/tests/fuzz/data/resume.toml", {},
                        kirchhoff::workloads::builtin_registry());
  return c;
}

mc::RunOptions options_for(const std::filesystem::path& output, bool resume) {
  mc::RunOptions o;
  o.output = output;
  o.threads = 1;
  o.resume = resume;
  o.progress.mode = kirchhoff::ProgressMode::silent;
  return o;
}

std::vector<double> trials_of(const std::filesystem::path& file) {
  const auto f = h5::File::open(file, h5::OpenMode::read_only, "kirchhoff-campaign", 1);
  return f.open_dataset("trials").read<h5::NdArray<double>>().data;
}

// /trials of the uninterrupted run, bit for bit (NaN compared as bits too).
const std::vector<double>& reference() {
  static const std::vector<double> values = [] {
    const kirchhoff::fuzz::ScratchFile out("reference.h5");
    static_cast<void>(mc::run_campaign(campaign(), options_for(out.path(), false)));
    return trials_of(out.path());
  }();
  return values;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](double x, double y) {
           return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
         });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<double>& expected = reference();
  const std::string_view input = kirchhoff::fuzz::as_text(data, size);
  const std::size_t split = std::min(input.find("KBLK"), input.size());
  const kirchhoff::fuzz::ScratchFile output("resumed.h5");
  const kirchhoff::fuzz::ScratchFile checkpoint("resumed.h5.checkpoint");
  const kirchhoff::fuzz::ScratchFile spool("resumed.h5.spool");
  std::error_code ec;
  std::filesystem::remove(output.path(), ec);
  checkpoint.write(input.substr(0, split));
  spool.write(input.substr(split));
  kirchhoff::fuzz::expect_only_documented_errors([&] {
    static_cast<void>(mc::run_campaign(campaign(), options_for(output.path(), true)));
    kirchhoff::fuzz::require(same_bits(trials_of(output.path()), expected),
                             "a resume wrote other trials than an uninterrupted run");
  });
  return 0;
}
