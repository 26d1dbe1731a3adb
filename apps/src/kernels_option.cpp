#include "kernels_option.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string_view>

#include "kirchhoff/core/blas.hpp"
#include "kirchhoff/core/kernels.hpp"

namespace kirchhoff::cli {

namespace {

// Set in the restarted program, so that a core OpenBLAS does not take cannot loop.
constexpr const char* kRestartedVariable = "KIRCHHOFF_BLAS_CORE_SET";

// The level the command line or the environment asks for, if it is one this CPU runs.
std::optional<KernelLevel> requested_level(int argc, char** argv) {
  std::optional<std::string_view> text;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--kernels" && i + 1 < argc) text = argv[i + 1];
    if (arg.starts_with("--kernels=")) text = arg.substr(10);
  }
  if (!text) {
    const char* variable = std::getenv(kKernelsVariable);
    if (variable == nullptr || *variable == '\0') return best_kernel_level();
    text = variable;
  }
  const std::optional<KernelLevel> level = parse_kernel_level(*text);
  if (!level || !kernel_level_supported(*level)) return std::nullopt;  // refused when parsed
  return level;
}

}  // namespace

void add_kernels_option(CLI::App& app, std::string& level) {
  app.add_option("--kernels", level,
                 fmt::format("Kernel level of the hot loops and dense products: {} (default: "
                             "the variable {}, else the best this CPU has; --version shows "
                             "it); results are bitwise reproducible on one level and record it",
                             kernel_level_names(), kKernelsVariable))
      ->option_text("LEVEL");
}

void apply_kernels_option(const std::string& level) {
  if (level.empty()) {
    (void)kernel_level();  // a bad KIRCHHOFF_KERNELS is refused here, naming the variable
    return;
  }
  set_kernel_level(kernel_level_from_text(level, "option --kernels"));
}

void restart_for_blas_core(int argc, char** argv) {
  const std::optional<KernelLevel> level = requested_level(argc, argv);
  if (!level) return;
  const std::string_view core = blas_core_for(*level);
  if (blas::core() == core || std::getenv(kRestartedVariable) != nullptr) return;
  if (::setenv("OPENBLAS_CORETYPE", std::string(core).c_str(), 1) != 0 ||
      ::setenv(kRestartedVariable, "1", 1) != 0) {
    return;
  }
  ::execv("/proc/self/exe", argv);  // returns only on failure: go on with the core loaded
}

}  // namespace kirchhoff::cli
