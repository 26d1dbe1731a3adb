// Uses the installed library: one Philox block must match Random123's known answer, and the
// fitting module (a library of its own above devices) reads a role list.
#include <kirchhoff/core/random.hpp>
#include <kirchhoff/fitting/measurements.hpp>

#include <cstdio>

int main() {
  const kirchhoff::RandomStream stream(0, {0, 0, static_cast<kirchhoff::StreamId>(0), 0});
  const auto words = stream.block(0);
  const bool ok = words[0] == 0x6627e8d5u && words[3] == 0x9b00dbd8u;
  std::puts(ok ? "consumer: ok" : "consumer: wrong Philox output");
  const auto units = kirchhoff::fitting::parse_role_list("--units", "target=uS,time=h");
  const bool fitting_ok = units.size() == 2 && units.at("time") == "h";
  std::puts(fitting_ok ? "consumer: fitting ok" : "consumer: wrong role list");
  return ok && fitting_ok ? 0 : 1;
}
