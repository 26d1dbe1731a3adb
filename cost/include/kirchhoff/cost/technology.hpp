// A technology and chip description for the cost model (docs/cost.md): the node, the array's
// cells and wires, the DAC and input encoding, the ADC, and the digital periphery. Values are SI
// (J, s, V, F, m², S); the TOML form and its reader are in technology_config.hpp, presets with
// their sources in data/technology/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kirchhoff::cost {

enum class CellType : std::uint8_t {
  cross_point,  // a device at each crossing, 4F² (the densest layout of lines at pitch 2F)
  one_t_one_r,  // one access transistor per device
  two_t_two_r,  // a differential pair of 1T1R devices per weight
};

enum class AdcArchitecture : std::uint8_t { sar, flash, ramp, cco };

enum class InputEncoding : std::uint8_t {
  amplitude,  // code k → voltage k/n · v_read for the integration window
  pwm,        // code k → v_read for k clock periods (pulse-width modulation)
};

[[nodiscard]] std::string_view cell_type_name(CellType cell) noexcept;
[[nodiscard]] std::string_view adc_architecture_name(AdcArchitecture a) noexcept;
[[nodiscard]] std::string_view input_encoding_name(InputEncoding e) noexcept;

// Cell area in F² of one device by type: cross-point 4F²; 1T1R 12F² and 2T2R 12F² per device
// (assumption: a minimum-width access transistor beside the device, as commonly quoted for
// embedded 1T1R RRAM; a technology file sets its own with cell_area_f2).
[[nodiscard]] double default_cell_area_f2(CellType cell) noexcept;

struct ArrayTechnology {
  std::int64_t rows = 256, cols = 256;  // the tile (word lines × bit lines)
  CellType cell = CellType::one_t_one_r;
  double cell_area_f2 = 0.0;               // per device; 0: default_cell_area_f2(cell)
  std::uint32_t devices_per_polarity = 1;  // devices that carry one G⁺ (or G⁻) together
  double g_max_siemens = 25e-6;            // of the devices (default workload of `xbar cost`)
  double v_read_v = 0.2;                   // read voltage at full input
  // Wire capacitance of one cell's segment of a line; a word line of `cols` cells (times the
  // polarities that share it) has cols · c, a bit line rows · c.
  double wire_capacitance_per_cell_f = 0.2e-15;
  double bitline_swing_v = 0.0;   // 0: bit lines held at virtual ground (no C V² on them)
  std::uint32_t read_phases = 1;  // reads per MVM (HERMES four-phase read: 4)
};

struct DacTechnology {
  InputEncoding encoding = InputEncoding::amplitude;
  std::uint32_t bits = 8;                   // input resolution (sign_magnitude: sign + bits − 1)
  std::uint32_t slice_bits = 0;             // bit-serial slices of the magnitude; 0: all at once
  double energy_per_conversion_j = 50e-15;  // one row, one slice (DAC or PWM generator + driver)
  double settle_time_s = 5e-9;              // before the integration window
  double pwm_clock_hz = 1e9;                // pwm: the pulse of code k lasts k periods
  double integration_time_s = 100e-9;       // amplitude: the integration window
  double area_m2 = 0.0;                     // per row (DAC and driver)
};

struct AdcTechnology {
  AdcArchitecture architecture = AdcArchitecture::sar;
  std::uint32_t bits = 8;
  double enob_loss_bits = 0.0;        // ENOB = bits − enob_loss_bits
  std::uint32_t columns_per_adc = 1;  // columns sharing one ADC through a multiplexer
  // Figures of merit (Murmann, ADC Performance Survey): E = FoM_W · 2^ENOB (Walden) up to
  // walden_max_bits, E = 10^((SNDR − FoM_S)/10) / 2 above (Schreier); 0: the architecture's
  // default (adc_energy.hpp). energy_per_conversion_j > 0 replaces both.
  double fom_walden_j = 0.0;     // J per conversion step; 0: the architecture's default
  double fom_schreier_db = 0.0;  // dB; 0: the architecture's default
  std::uint32_t walden_max_bits = 10;
  double energy_per_conversion_j = 0.0;
  double clock_hz = 1e9;  // conversion clock (SAR cycles, ramp counts, CCO readout)
  double area_m2 = 0.0;   // per ADC
};

struct DigitalTechnology {
  double add_energy_j = 30e-15;   // one accumulator add (shift-and-add of a partial result)
  double mac_energy_j = 200e-15;  // one multiply-accumulate (affine scaling, digital layers)
  double sram_energy_per_bit_j = 50e-15;  // buffer read or write of one bit
  double latency_s = 0.0;                 // per MVM after the last conversion (pipeline drain)
  double area_m2 = 0.0;                   // per tile (accumulators, scaling, buffers)
};

struct Technology {
  std::string name;
  std::string description;
  std::vector<std::string> sources;
  double feature_size_m = 14e-9;  // F, the technology node
  ArrayTechnology array;
  DacTechnology dac;
  AdcTechnology adc;
  DigitalTechnology digital;

  // InvalidArgument naming the field ("adc.columns_per_adc must be in [1, cols]").
  void validate() const;
  // F² · (cell_area_f2 or the type's default): the area of one device.
  [[nodiscard]] double device_area_m2() const noexcept;
};

}  // namespace kirchhoff::cost
