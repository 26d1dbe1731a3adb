#include "support/hdf5_contents.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <vector>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::testing {

namespace {

bool is_group(const h5::Group& group, const std::string& name) {
  try {
    static_cast<void>(group.open_group(name));
    return true;
  } catch (const FormatError&) {
    return false;
  }
}

// Numbers of type T as their bytes; false when the dataset does not hold them.
template <class T>
bool append_numbers(const h5::Dataset& d, std::string& bytes) {
  try {
    const auto a = d.read<h5::NdArray<T>>();
    bytes.append(reinterpret_cast<const char*>(a.data.data()), a.data.size() * sizeof(T));
    return true;
  } catch (const FormatError&) {
    return false;
  }
}

}  // namespace

void collect_datasets(const h5::Group& group, const std::string& prefix,
                      std::map<std::string, std::string>& out) {
  for (const std::string& name : group.children()) {
    const std::string path = prefix + "/" + name;
    if (group.exists(name) && is_group(group, name)) {
      collect_datasets(group.open_group(name), path, out);
      continue;
    }
    const h5::Dataset d = group.open_dataset(name);
    std::string bytes = fmt::format("shape {};", fmt::join(d.shape(), "x"));
    if (!append_numbers<double>(d, bytes) && !append_numbers<std::uint64_t>(d, bytes) &&
        !append_numbers<std::uint32_t>(d, bytes)) {
      try {
        bytes += d.read<std::string>();
      } catch (const FormatError&) {
        for (const auto& s : d.read<std::vector<std::string>>()) bytes += s + '\0';
      }
    }
    out[path] = bytes;
  }
}

std::map<std::string, std::string> dataset_bytes(const std::filesystem::path& file,
                                                 const std::string& filetype, std::int32_t major) {
  std::map<std::string, std::string> out;
  const auto f = h5::File::open(file, h5::OpenMode::read_only, filetype, major);
  collect_datasets(f, "", out);
  return out;
}

void expect_same_datasets(const std::filesystem::path& a, const std::filesystem::path& b) {
  const auto da = dataset_bytes(a), db = dataset_bytes(b);
  EXPECT_EQ(da.size(), db.size()) << a << " and " << b << " hold different datasets";
  for (const auto& [name, bytes] : da) {
    const auto it = db.find(name);
    if (it == db.end()) {
      ADD_FAILURE() << "dataset " << name << " of " << a << " is not in " << b;
    } else {
      EXPECT_TRUE(bytes == it->second) << "dataset " << name << " differs";
    }
  }
}

}  // namespace kirchhoff::testing
