#include "kirchhoff/core/kernels.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdlib>

#include "kirchhoff/core/blas.hpp"
#include "kirchhoff/core/error.hpp"

namespace kirchhoff {

namespace {

constexpr int kUnset = -1;
std::atomic<int> active_level{kUnset};

}  // namespace

std::string_view kernel_level_name(KernelLevel level) noexcept {
  switch (level) {
    case KernelLevel::portable:
      return "portable";
    case KernelLevel::avx2:
      return "avx2";
    case KernelLevel::avx512:
      return "avx512";
  }
  return "unknown";
}

std::optional<KernelLevel> parse_kernel_level(std::string_view name) noexcept {
  for (KernelLevel level : kKernelLevels) {
    if (kernel_level_name(level) == name) return level;
  }
  return std::nullopt;
}

std::string kernel_level_names() {
  std::string names;
  for (KernelLevel level : kKernelLevels) {
    if (!names.empty()) names += ", ";
    names += kernel_level_name(level);
  }
  return names;
}

KernelLevel kernel_level_from_text(std::string_view name, std::string_view where) {
  const std::optional<KernelLevel> level = parse_kernel_level(name);
  if (!level) {
    throw InvalidArgument(
        fmt::format("{} is '{}'; allowed: {}", where, name, kernel_level_names()));
  }
  if (!kernel_level_supported(*level)) {
    throw InvalidArgument(
        fmt::format("{} is '{}', which this CPU cannot run; it can run: {}", where, name, [] {
          std::string names;
          for (KernelLevel l : kKernelLevels) {
            if (!kernel_level_supported(l)) continue;
            if (!names.empty()) names += ", ";
            names += kernel_level_name(l);
          }
          return names;
        }()));
  }
  return *level;
}

bool kernel_level_supported(KernelLevel level) noexcept {
#if defined(__x86_64__)
  switch (level) {
    case KernelLevel::portable:
      return true;
    case KernelLevel::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             __builtin_cpu_supports("bmi2");
    case KernelLevel::avx512:
      return kernel_level_supported(KernelLevel::avx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  }
  return false;
#else
  return level == KernelLevel::portable;
#endif
}

KernelLevel best_kernel_level() noexcept {
  KernelLevel best = KernelLevel::portable;
  for (KernelLevel level : kKernelLevels) {
    if (kernel_level_supported(level)) best = level;
  }
  return best;
}

KernelLevel kernel_level() {
  const int level = active_level.load(std::memory_order_relaxed);
  if (level != kUnset) return static_cast<KernelLevel>(level);
  const char* text = std::getenv(kKernelsVariable);
  const KernelLevel chosen = text == nullptr || *text == '\0'
                                 ? best_kernel_level()
                                 : kernel_level_from_text(text, kKernelsVariable);
  active_level.store(static_cast<int>(chosen), std::memory_order_relaxed);
  return chosen;
}

void set_kernel_level(KernelLevel level) {
  (void)kernel_level_from_text(kernel_level_name(level), "the kernel level");
  active_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

KernelsInUse kernels_in_use() {
  return {std::string(kernel_level_name(kernel_level())), blas::core()};
}

std::string_view blas_core_for(KernelLevel level) noexcept {
  switch (level) {
    case KernelLevel::portable:
      return "Prescott";
    case KernelLevel::avx2:
      return "Haswell";
    case KernelLevel::avx512:
      return "SkylakeX";
  }
  return "unknown";
}

}  // namespace kirchhoff
