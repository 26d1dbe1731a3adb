// The --kernels option (core/kernels.hpp) and the restart that gives OpenBLAS the core of the
// chosen level.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace kirchhoff::cli {

// Adds --kernels LEVEL to the top-level command; every command accepts it.
void add_kernels_option(CLI::App& app, std::string& level);
// Makes `level` (empty: KIRCHHOFF_KERNELS, else the best this CPU has) the active one; throws
// InvalidArgument naming the option or variable when it is not a level this CPU runs.
void apply_kernels_option(const std::string& level);

// OpenBLAS picks its core when it loads, from OPENBLAS_CORETYPE: when the core it runs is not
// the chosen level's, sets the variable and starts the program again (execv), once. Called
// first in main, before MPI starts. Without a usable --kernels value or when the restart fails
// it returns, and the results record the core that ran.
void restart_for_blas_core(int argc, char** argv);

}  // namespace kirchhoff::cli
