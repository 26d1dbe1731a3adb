// Uses the installed library: one Philox block must match Random123's known answer.
#include <kirchhoff/core/random.hpp>

#include <cstdio>

int main() {
  const kirchhoff::RandomStream stream(0, {0, 0, static_cast<kirchhoff::StreamId>(0), 0});
  const auto words = stream.block(0);
  const bool ok = words[0] == 0x6627e8d5u && words[3] == 0x9b00dbd8u;
  std::puts(ok ? "consumer: ok" : "consumer: wrong Philox output");
  return ok ? 0 : 1;
}
