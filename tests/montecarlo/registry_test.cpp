// The engine with a workload of its own, not the toolkit's: the registry maps kinds to
// factories, refuses duplicates, and reports an unknown kind at workload.kind with a suggestion;
// a campaign of a test workload runs, and its trials are the closed form the workload computes.
#include <gtest/gtest.h>

#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"
#include "kirchhoff/montecarlo/engine.hpp"
#include "kirchhoff/montecarlo/workload.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::montecarlo {
namespace {

// Trial t of point p at read time k reports scale · t + 1000 p + k.
class TrialNumber final : public Workload {
 public:
  TrialNumber(const WorkloadContext& context, double scale) : context_(context), scale_(scale) {}
  std::string kind() const override { return "trial-number"; }
  std::string description() const override { return "the trial number"; }
  const std::vector<MetricInfo>& metrics() const override { return metrics_; }
  void run_trial(std::uint32_t trial, std::span<double> out) const override {
    for (std::size_t k = 0; k < context_.read_times_s.size(); ++k) {
      out[k] = scale_ * trial + 1000.0 * context_.point + static_cast<double>(k);
    }
  }

 private:
  WorkloadContext context_;
  double scale_;
  std::vector<MetricInfo> metrics_{{"value", "1", "scale x trial + 1000 point + time index", 0}};
};

WorkloadRegistry test_registry() {
  WorkloadRegistry r;
  r.add("trial-number", [](const Config& config, const WorkloadContext& context) {
    const double scale = config.table("workload").get_or("scale", 1.0);
    return std::make_unique<TrialNumber>(context, scale);
  });
  return r;
}

const char* const kCampaign = R"(name = "numbers"
seed = 1
trials = 5
block_size = 2
read_times = ["1s", "1h"]
checkpoint_interval = "0s"
[workload]
kind = "trial-number"
scale = 2.0
[[sweep]]
key = "workload.scale"
values = [2.0, 3.0]
)";

TEST(WorkloadRegistry, KnowsItsKinds) {
  const WorkloadRegistry r = test_registry();
  EXPECT_TRUE(r.contains("trial-number"));
  EXPECT_FALSE(r.contains("device"));  // the engine has no kind of its own
  EXPECT_EQ(r.kinds(), std::vector<std::string>{"trial-number"});
  EXPECT_TRUE(WorkloadRegistry().kinds().empty());
}

TEST(WorkloadRegistry, RefusesDuplicatesAndEmptyEntries) {
  WorkloadRegistry r = test_registry();
  const WorkloadFactory factory = [](const Config&, const WorkloadContext& context) {
    return std::make_unique<TrialNumber>(context, 1.0);
  };
  EXPECT_THROW_MSG(r.add("trial-number", factory), InvalidArgument,
                   "workload kind 'trial-number' is already registered");
  EXPECT_THROW_MSG(r.add("", factory), InvalidArgument, "empty workload kind");
  EXPECT_THROW_MSG(r.add("other", nullptr), InvalidArgument, "no factory for 'other'");
  r.add("other", factory);
  EXPECT_EQ(r.kinds(), (std::vector<std::string>{"other", "trial-number"}));
}

TEST(WorkloadRegistry, UnknownKindIsLocatedWithASuggestion) {
  const std::string text = std::string(kCampaign).replace(
      std::string(kCampaign).find("\"trial-number\""), 14, "\"trial-numbr\"");
  EXPECT_THROW_MSG((void)parse_campaign(text, "n.toml", {}, test_registry()), ConfigError,
                   "n.toml:8:8: key 'workload.kind': unknown workload 'trial-numbr'; did you "
                   "mean 'trial-number'? (available: trial-number)");
  EXPECT_THROW_MSG((void)parse_campaign(kCampaign, "n.toml", {}, WorkloadRegistry()), ConfigError,
                   "key 'workload.kind': unknown workload 'trial-number' (no workload kinds are "
                   "registered)");
}

TEST(WorkloadRegistry, FactoriesReadTheirKeysSoTyposAreStillReported) {
  EXPECT_THROW_MSG((void)parse_campaign(std::string(kCampaign) + "[device]\npreset = \"x\"\n",
                                        "n.toml", {}, test_registry()),
                   ConfigError, "key 'device': unknown key");
}

TEST(WorkloadRegistry, ACampaignOfATestWorkloadRunsToItsClosedForm) {
  const testing::TempDir dir("registry");
  const Campaign c = parse_campaign(kCampaign, "n.toml", {}, test_registry());
  ASSERT_EQ(c.points.size(), 2u);
  RunOptions o;
  o.output = dir / "r.h5";
  o.threads = 2;
  o.progress.mode = ProgressMode::silent;
  ASSERT_EQ(run_campaign(c, o).status, RunStatus::completed);
  const auto file = h5::File::open(o.output, h5::OpenMode::read_only, kCampaignFiletype, 1);
  const auto trials = file.read_dataset<h5::NdArray<double>>("trials");
  ASSERT_EQ(trials.shape, (h5::Shape{2, 5, 2, 1}));
  for (std::size_t p = 0; p < 2; ++p) {
    for (std::size_t t = 0; t < 5; ++t) {
      for (std::size_t k = 0; k < 2; ++k) {
        EXPECT_EQ(trials.data[(p * 5 + t) * 2 + k],
                  (2.0 + double(p)) * double(t) + 1000.0 * double(p) + double(k));
      }
    }
  }
  EXPECT_EQ(file.read_attribute<std::string>("workload"), "trial-number");
}

}  // namespace
}  // namespace kirchhoff::montecarlo
