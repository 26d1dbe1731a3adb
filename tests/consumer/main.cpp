// Uses the installed libraries: one Philox block must match Random123's known answer, the
// campaign engine must know the workloads of kirchhoff::workloads through their registry, and
// the fitting module (a library of its own above devices) reads a role list.
#include <cstdio>
#include <kirchhoff/core/random.hpp>
#include <kirchhoff/fitting/measurements.hpp>
#include <kirchhoff/workloads/registry.hpp>

int main() {
  const kirchhoff::RandomStream stream(0, {0, 0, static_cast<kirchhoff::StreamId>(0), 0});
  const auto words = stream.block(0);
  const bool philox = words[0] == 0x6627e8d5u && words[3] == 0x9b00dbd8u;
  const auto& registry = kirchhoff::workloads::builtin_registry();
  const bool workloads =
      registry.contains("device") && registry.contains("array") && registry.contains("dnn");
  const auto units = kirchhoff::fitting::parse_role_list("--units", "target=uS,time=h");
  const bool fitting = units.size() == 2 && units.at("time") == "h";
  if (!philox) std::puts("consumer: wrong Philox output");
  if (!workloads) std::puts("consumer: the workload registry lacks a built-in kind");
  if (!fitting) std::puts("consumer: wrong role list");
  if (philox && workloads && fitting) std::puts("consumer: ok");
  return philox && workloads && fitting ? 0 : 1;
}
