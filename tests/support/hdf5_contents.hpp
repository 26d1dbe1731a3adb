// The contents of an HDF5 file for byte-for-byte comparisons of two runs: every dataset as raw
// bytes, by path. Attributes are left out: they hold the date, the host and the thread count.
//
//   expect_same_datasets(dir / "one-thread.h5", dir / "four-threads.h5");
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "kirchhoff/core/hdf5.hpp"

namespace kirchhoff::testing {

// Every dataset under `group`, keyed by `prefix`/name: its shape, then numbers as their native
// bytes or strings joined with NUL.
void collect_datasets(const h5::Group& group, const std::string& prefix,
                      std::map<std::string, std::string>& out);

// Every dataset of a file of this filetype (a campaign results file by default).
[[nodiscard]] std::map<std::string, std::string> dataset_bytes(
    const std::filesystem::path& file, const std::string& filetype = "kirchhoff-campaign",
    std::int32_t major = 1);

// The same datasets with the same bytes in both files; a test failure naming each that differs.
void expect_same_datasets(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace kirchhoff::testing
