// The device-model interface. A model acts on whole arrays of cells (structure of arrays): one
// virtual call per array operation, never per cell. Every random draw comes from the core
// streams (random.hpp) with its own stream id (stream_ids.hpp):
//   programming error   StreamId::programming_error, substream = programming attempt
//   per-cell parameters StreamId::drift_exponent / device_to_device, substream = attempt
//   stuck-at faults     StreamId::stuck_at_fault
//   time-dependent state StreamId::relaxation, substream = ReadTime::index
//   read noise          StreamId::read_noise, substream = read id
//
// Programming goes through DeviceModel::program, which applies the steps every model shares
// (validation, quantisation to a finite number of levels, the model's own programming,
// clipping to [G_min, G_max], stuck-at faults) around the model's program_cells.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "kirchhoff/devices/cells.hpp"

namespace kirchhoff::devices {

// What every model shares. Conductances in siemens.
struct CommonParameters {
  double g_min_siemens = 0.0;
  double g_max_siemens = 0.0;
  // 0: continuous conductance; n >= 2: targets are rounded to the nearest of n levels evenly
  // spaced on [g_min, g_max] before programming.
  std::uint32_t levels = 0;
  // Clip programmed conductances to [g_min, g_max] (a device cannot leave its range).
  bool clip = true;
  // Probabilities per cell of being stuck at G_min (SA0) and at G_max (SA1).
  double stuck_off_rate = 0.0;
  double stuck_on_rate = 0.0;
  // The latest read time (after programming) of the data the drift was fitted on (s); 0 when
  // unknown. Later read times extrapolate the fit: drift_extrapolation says so.
  double drift_measured_until_s = 0.0;

  // Throws InvalidArgument naming the parameter when a value is outside what is allowed.
  void validate() const;
};

// For read times later than the device's drift data (drift_measured_until): one line saying how
// far the latest extrapolates ("its drift was fitted on reads up to 1 d; read time 1 y is 365x
// later"), else nothing.
[[nodiscard]] std::optional<std::string> drift_extrapolation(const CommonParameters& common,
                                                             std::span<const double> read_times_s);

class DeviceModel {
 public:
  explicit DeviceModel(CommonParameters common);
  virtual ~DeviceModel() = default;
  DeviceModel(const DeviceModel&) = delete;
  DeviceModel& operator=(const DeviceModel&) = delete;

  [[nodiscard]] const CommonParameters& common() const noexcept { return common_; }
  [[nodiscard]] double g_min_siemens() const noexcept { return common_.g_min_siemens; }
  [[nodiscard]] double g_max_siemens() const noexcept { return common_.g_max_siemens; }

  // Short name of the model kind ("pcm-statistical", "rram-wan2022", ...).
  [[nodiscard]] virtual std::string kind() const = 0;

  // Programs cells to the targets (S). Throws InvalidArgument naming the first target that is
  // not finite or lies outside [0, g_max]. `attempt` selects the substream of the programming
  // draws (write-verify reprograms with attempts 1, 2, ...).
  [[nodiscard]] ProgrammedCells program(std::span<const double> targets_siemens,
                                        const CellAddress& address,
                                        std::uint32_t attempt = 0) const;

  // Conductance of each cell at time t after programming, without read noise (drift,
  // relaxation: the model's evolve). Stuck cells keep their stuck value.
  void conductance_at(const ProgrammedCells& cells, const ReadTime& time,
                      std::span<double> g_siemens) const;

  // Standard deviation of the read noise of each cell at time t, given its conductance at t
  // (as returned by conductance_at). Zero for models without read noise (the default).
  virtual void read_noise_std(const ProgrammedCells& cells, const ReadTime& time,
                              std::span<const double> g_at_t_siemens,
                              std::span<double> sigma_siemens) const;

  // One read at time t: conductance_at plus Gaussian read noise drawn fresh for `read_id`
  // (the substream of `noise_stream`; write-verify reads use StreamId::write_verify so that
  // they never share draws with a campaign's reads).
  void read(const ProgrammedCells& cells, const ReadTime& time, std::uint32_t read_id,
            std::span<double> g_siemens, StreamId noise_stream = StreamId::read_noise) const;

  // Cells with a nonlinear I–V (e.g. RRAM with a cubic term) override these two. `g_siemens` is the
  // cell's conductance (its small-signal value at 0 V); the default is Ohm's law.
  [[nodiscard]] virtual bool is_linear() const noexcept { return true; }
  virtual void current(std::span<const double> g_siemens, std::span<const double> v_v,
                       std::span<double> i_a) const;

 protected:
  // The model's own programming: fills cells.programmed_siemens (and any per-cell parameters) from
  // cells.target_siemens, drawing element (cells.address.first_cell + i) for cell i, with `attempt`
  // as the substream of its programming draws. Clipping and faults are applied afterwards.
  virtual void program_cells(ProgrammedCells& cells, std::uint32_t attempt) const = 0;

  // The model's time evolution: g_siemens[i] = conductance of cell i at `time`, without read noise.
  // Called only with g_siemens.size() == cells.size(); stuck cells are overwritten afterwards.
  virtual void evolve(const ProgrammedCells& cells, const ReadTime& time,
                      std::span<double> g_siemens) const = 0;

  // Helpers for implementations: check sizes of output spans against the cell count.
  static void require_size(const ProgrammedCells& cells, std::size_t size, const char* what);

 private:
  CommonParameters common_;
};

}  // namespace kirchhoff::devices
