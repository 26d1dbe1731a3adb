// A minimal DeviceModel for testing what the base class and write-verify do around any model:
// programming error N(0, σ_P), constant read noise σ_R, linear drift-free evolution.
#pragma once

#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::devices::testing {

class GaussianTestModel final : public DeviceModel {
 public:
  GaussianTestModel(CommonParameters common, double sigma_program_siemens,
                    double sigma_read_siemens)
      : DeviceModel(common),
        sigma_program_siemens_(sigma_program_siemens),
        sigma_read_siemens_(sigma_read_siemens) {}

  [[nodiscard]] std::string kind() const override { return "gaussian-test"; }

  void read_noise_std(const ProgrammedCells& cells, const ReadTime&, std::span<const double>,
                      std::span<double> sigma_siemens) const override {
    require_size(cells, sigma_siemens.size(), "read-noise output");
    std::fill(sigma_siemens.begin(), sigma_siemens.end(), sigma_read_siemens_);
  }

 protected:
  void program_cells(ProgrammedCells& cells, std::uint32_t attempt) const override {
    cells.address.stream(StreamId::programming_error, attempt)
        .normal(cells.programmed_siemens, cells.address.first_cell);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      cells.programmed_siemens[i] =
          cells.target_siemens[i] + sigma_program_siemens_ * cells.programmed_siemens[i];
    }
  }
  void evolve(const ProgrammedCells& cells, const ReadTime&,
              std::span<double> g_siemens) const override {
    std::copy(cells.programmed_siemens.begin(), cells.programmed_siemens.end(), g_siemens.begin());
  }

 private:
  double sigma_program_siemens_, sigma_read_siemens_;
};

inline CommonParameters test_range(double g_min_siemens = 0.0, double g_max_siemens = 25e-6) {
  CommonParameters common;
  common.g_min_siemens = g_min_siemens;
  common.g_max_siemens = g_max_siemens;
  return common;
}

}  // namespace kirchhoff::devices::testing
