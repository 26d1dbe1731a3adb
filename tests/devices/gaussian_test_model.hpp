// A minimal DeviceModel for testing what the base class and write-verify do around any model:
// programming error N(0, σ_P), constant read noise σ_R, linear drift-free evolution.
#pragma once

#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::devices::testing {

class GaussianTestModel final : public DeviceModel {
 public:
  GaussianTestModel(CommonParameters common, double sigma_program_s, double sigma_read_s)
      : DeviceModel(common), sigma_program_s_(sigma_program_s), sigma_read_s_(sigma_read_s) {}

  [[nodiscard]] std::string kind() const override { return "gaussian-test"; }

  void read_noise_std(const ProgrammedCells& cells, const ReadTime&, std::span<const double>,
                      std::span<double> sigma_s) const override {
    require_size(cells, sigma_s.size(), "read-noise output");
    std::fill(sigma_s.begin(), sigma_s.end(), sigma_read_s_);
  }

 protected:
  void program_cells(ProgrammedCells& cells, std::uint32_t attempt) const override {
    cells.address.stream(StreamId::programming_error, attempt)
        .normal(cells.programmed_s, cells.address.first_cell);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      cells.programmed_s[i] = cells.target_s[i] + sigma_program_s_ * cells.programmed_s[i];
    }
  }
  void evolve(const ProgrammedCells& cells, const ReadTime&, std::span<double> g_s) const override {
    std::copy(cells.programmed_s.begin(), cells.programmed_s.end(), g_s.begin());
  }

 private:
  double sigma_program_s_, sigma_read_s_;
};

inline CommonParameters test_range(double g_min_s = 0.0, double g_max_s = 25e-6) {
  CommonParameters common;
  common.g_min_s = g_min_s;
  common.g_max_s = g_max_s;
  return common;
}

}  // namespace kirchhoff::devices::testing
