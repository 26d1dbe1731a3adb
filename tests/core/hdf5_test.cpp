#include "kirchhoff/core/hdf5.hpp"

#include <gtest/gtest.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#include <hdf5.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::h5 {
namespace {

namespace fs = std::filesystem;

const FileIdentity kIdentity{"kirchhoff-results", 2, 1};
constexpr std::string_view kUnicode = "µS – résumé – 電導 – 🙂";

using testing::message_of;

std::string file_bytes(const fs::path& path) {
  std::string bytes(static_cast<std::size_t>(fs::file_size(path)), '\0');
  std::ifstream in(path, std::ios::binary);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(in.good()) << path;
  return bytes;
}

using testing::write_text;

// Each test gets its own fresh directory, removed afterwards, and must leave no HDF5 object open.
class Hdf5Test : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0) << "HDF5 files or objects left open";
  }
  [[nodiscard]] fs::path path(std::string_view name) const { return dir_ / name; }

  const testing::TempDir dir_{"hdf5"};
};
// Lower-case suite names, so that `ctest -R hdf5` selects these tests.
using hdf5 = Hdf5Test;

// ---- Handle -----------------------------------------------------------------------------------

TEST_F(hdf5, HandleClosesOnceAndMovedFromHandleIsEmpty) {
  const hid_t id = H5Screate(H5S_SCALAR);
  ASSERT_GE(id, 0);
  {
    Handle a(id, HandleKind::dataspace);
    EXPECT_FALSE(a.empty());
    Handle b(std::move(a));
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): testing the moved-from state
    EXPECT_EQ(a.get(), -1);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(b.get(), id);
    EXPECT_GT(H5Iis_valid(id), 0);
  }
  EXPECT_EQ(H5Iis_valid(id), 0) << "the destructor closes the identifier";
}

TEST_F(hdf5, HandleMoveAssignmentClosesTheOldIdentifier) {
  const hid_t first = H5Screate(H5S_SCALAR);
  const hid_t second = H5Screate(H5S_SCALAR);
  Handle a(first, HandleKind::dataspace);
  Handle b(second, HandleKind::dataspace);
  a = std::move(b);
  EXPECT_EQ(H5Iis_valid(first), 0);
  EXPECT_GT(H5Iis_valid(second), 0);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  a.close();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(H5Iis_valid(second), 0);
  EXPECT_NO_THROW(a.close()) << "closing an empty handle does nothing";
}

TEST_F(hdf5, HandleReleaseGivesUpOwnership) {
  const hid_t id = H5Screate(H5S_SCALAR);
  {
    Handle a(id, HandleKind::dataspace);
    EXPECT_EQ(a.release(), id);
    EXPECT_TRUE(a.empty());
  }
  EXPECT_GT(H5Iis_valid(id), 0);
  EXPECT_GE(H5Sclose(id), 0);
}

TEST_F(hdf5, HandleCloseReportsErrorsAndLeavesTheHandleEmpty) {
  // A property list closed as a dataspace: HDF5 refuses, and close() says so.
  const hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
  Handle wrong(plist, HandleKind::dataspace);
  const std::string message = message_of<IoError>([&] { wrong.close(); });
  EXPECT_CONTAINS(message, "cannot close dataspace");
  EXPECT_CONTAINS(message, "not a dataspace");
  EXPECT_TRUE(wrong.empty());
  EXPECT_GE(H5Pclose(plist), 0);
}

TEST_F(hdf5, MovedFromObjectsAreEmptyAndRefuseUse) {
  File file = File::create(path("m.h5"), kIdentity);
  Group group = file.create_group("g");
  Dataset dataset = group.write_dataset("d", std::vector<double>{1.0, 2.0});

  File file2 = std::move(file);
  Group group2 = std::move(group);
  Dataset dataset2 = std::move(dataset);
  // NOLINTBEGIN(bugprone-use-after-move): testing the moved-from state
  EXPECT_FALSE(file.is_open());
  EXPECT_TRUE(file.handle().empty());
  EXPECT_FALSE(group.is_open());
  EXPECT_FALSE(dataset.is_open());
  EXPECT_THROW(file.write_attribute("x", 1), InvalidArgument);
  EXPECT_THROW(static_cast<void>(group.children()), InvalidArgument);
  EXPECT_THROW(static_cast<void>(dataset.read<std::vector<double>>()), InvalidArgument);
  EXPECT_THROW(file.flush(), InvalidArgument);
  EXPECT_NO_THROW(file.close());
  // NOLINTEND(bugprone-use-after-move)

  EXPECT_EQ(group2.path(), "/g");
  EXPECT_EQ(dataset2.path(), "/g/d");
  EXPECT_EQ(dataset2.read<std::vector<double>>(), (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(file2.identity(), kIdentity);
}

TEST_F(hdf5, CloseIsExplicitIdempotentAndObjectsMayOutliveTheFile) {
  {
    File file = File::create(path("c.h5"), kIdentity);
    Group group = file.create_group("g");
    file.close();
    EXPECT_FALSE(file.is_open());
    EXPECT_NO_THROW(file.close());
    // HDF5 keeps the file open while an object of it is open.
    group.write_dataset("late", std::int32_t{7});
  }
  File file = File::open(path("c.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  EXPECT_EQ(file.read_dataset<std::int32_t>("g/late"), 7);
}

// ---- files and identity -----------------------------------------------------------------------

TEST_F(hdf5, CreateWritesTheIdentityAsRootAttributes) {
  File::create(path("id.h5"), kIdentity).close();
  // Check with the C API that the layout is what other tools will see.
  const hid_t f = H5Fopen(path("id.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t version = H5Aopen(f, "schema_version", H5P_DEFAULT);
  ASSERT_GE(version, 0);
  const hid_t type = H5Aget_type(version);
  EXPECT_EQ(H5Tget_class(type), H5T_INTEGER);
  EXPECT_EQ(H5Tget_size(type), 4u);
  std::array<std::int32_t, 2> v{};
  EXPECT_GE(H5Aread(version, H5T_NATIVE_INT32, v.data()), 0);
  EXPECT_EQ(v, (std::array<std::int32_t, 2>{2, 1}));
  const hid_t filetype = H5Aopen(f, "filetype", H5P_DEFAULT);
  ASSERT_GE(filetype, 0);
  const hid_t string_type = H5Aget_type(filetype);
  EXPECT_EQ(H5Tget_class(string_type), H5T_STRING);
  EXPECT_GT(H5Tis_variable_str(string_type), 0);
  EXPECT_EQ(H5Tget_cset(string_type), H5T_CSET_UTF8);
  for (const hid_t id : {string_type, type}) H5Tclose(id);
  for (const hid_t id : {filetype, version}) H5Aclose(id);
  H5Fclose(f);

  File file = File::open(path("id.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  EXPECT_EQ(file.identity(), kIdentity);
  EXPECT_EQ(file.path(), "/");
  EXPECT_EQ(file.file_path(), path("id.h5").string());
}

TEST_F(hdf5, OpenRefusesAnotherFiletype) {
  File::create(path("other.h5"), {"kirchhoff-device-table", 2, 0}).close();
  const std::string message = message_of<FormatError>([&] {
    static_cast<void>(File::open(path("other.h5"), OpenMode::read_only, "kirchhoff-results", 2));
  });
  EXPECT_CONTAINS(message, path("other.h5").string());
  EXPECT_CONTAINS(message,
                  "expected a 'kirchhoff-results' file, found a "
                  "'kirchhoff-device-table' file");
}

TEST_F(hdf5, OpenRefusesAnUnknownMajorVersionAndAcceptsANewerMinor) {
  File::create(path("v3.h5"), {"kirchhoff-results", 3, 0}).close();
  const std::string message = message_of<FormatError>([&] {
    static_cast<void>(File::open(path("v3.h5"), OpenMode::read_only, "kirchhoff-results", 2));
  });
  EXPECT_CONTAINS(message, path("v3.h5").string());
  EXPECT_CONTAINS(message, "schema_version 3.0 is not supported by this build (supports 2.x)");

  File::create(path("v1.h5"), {"kirchhoff-results", 1, 4}).close();
  EXPECT_CONTAINS(
      message_of<FormatError>([&] {
        static_cast<void>(File::open(path("v1.h5"), OpenMode::read_only, "kirchhoff-results", 2));
      }),
      "schema_version 1.4 is not supported by this build (supports 2.x)");

  File::create(path("v2_9.h5"), {"kirchhoff-results", 2, 9}).close();
  const File file = File::open(path("v2_9.h5"), OpenMode::read_write, "kirchhoff-results", 2);
  EXPECT_EQ(file.identity(), (FileIdentity{"kirchhoff-results", 2, 9}));
}

TEST_F(hdf5, OpenRefusesAFileWithoutIdentity) {
  const hid_t f = H5Fcreate(path("plain.h5").c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5Fclose(f);
  const std::string message = message_of<FormatError>([&] {
    static_cast<void>(File::open(path("plain.h5"), OpenMode::read_only, "kirchhoff-results", 2));
  });
  EXPECT_CONTAINS(message, path("plain.h5").string());
  EXPECT_CONTAINS(message, "expected a 'kirchhoff-results' file, found no file identity");
}

TEST_F(hdf5, OpenRefusesAMalformedIdentity) {
  {
    File file = File::create(path("bad.h5"), kIdentity);
    file.write_attribute("schema_version", std::vector<std::int32_t>{2, 0, 1});
  }
  EXPECT_CONTAINS(
      message_of<FormatError>([&] {
        static_cast<void>(File::open(path("bad.h5"), OpenMode::read_only, "kirchhoff-results", 2));
      }),
      "attribute 'schema_version': expected 2 values [major, minor], found 3");
}

TEST_F(hdf5, OpenRefusesAFileThatIsNotHdf5) {
  write_text(path("notes.txt"), "filetype = \"kirchhoff-results\"\n");
  const std::string message = message_of<FormatError>([&] {
    static_cast<void>(File::open(path("notes.txt"), OpenMode::read_only, "kirchhoff-results", 2));
  });
  EXPECT_CONTAINS(message, path("notes.txt").string());
  EXPECT_CONTAINS(message, "not an HDF5 file");
}

TEST_F(hdf5, OpenRefusesAMissingFileWithAnIoError) {
  try {
    static_cast<void>(File::open(path("absent.h5"), OpenMode::read_only, "kirchhoff-results", 2));
    FAIL() << "expected IoError";
  } catch (const FormatError& e) {
    FAIL() << "a missing file is an I/O error, not a format error: " << e.what();
  } catch (const IoError& e) {
    EXPECT_CONTAINS(e.what(), path("absent.h5").string());
    EXPECT_CONTAINS(e.what(), "no such file");
  }
}

TEST_F(hdf5, ExclusiveCreateLeavesAnExistingFileByteForByteUntouched) {
  {
    File file = File::create(path("keep.h5"), kIdentity);
    file.write_dataset("data", std::vector<double>{1.0, 2.0, 3.0});
  }
  write_text(path("keep.txt"), "precious\n");
  for (const char* name : {"keep.h5", "keep.txt"}) {
    const std::string before = file_bytes(path(name));
    const auto time_before = fs::last_write_time(path(name));
    const std::string message = message_of<IoError>(
        [&] { static_cast<void>(File::create(path(name), kIdentity, CreateMode::exclusive)); });
    EXPECT_CONTAINS(message, path(name).string());
    EXPECT_CONTAINS(message, "already exists");
    EXPECT_EQ(file_bytes(path(name)), before) << name;
    EXPECT_EQ(fs::last_write_time(path(name)), time_before) << name;
  }
  File file = File::open(path("keep.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  EXPECT_EQ(file.read_dataset<std::vector<double>>("data"), (std::vector<double>{1.0, 2.0, 3.0}));
}

TEST_F(hdf5, TruncateCreateReplacesAnExistingFile) {
  {
    File file = File::create(path("t.h5"), kIdentity);
    file.write_dataset("old", 1.0);
  }
  {
    File file = File::create(path("t.h5"), {"kirchhoff-results", 2, 3}, CreateMode::truncate);
    EXPECT_FALSE(file.exists("old"));
  }
  File file = File::open(path("t.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  EXPECT_EQ(file.identity().minor, 3);
  EXPECT_FALSE(file.exists("old"));
}

TEST_F(hdf5, CreateRefusesAnInvalidIdentity) {
  EXPECT_THROW(static_cast<void>(File::create(path("e.h5"), {"", 1, 0})), InvalidArgument);
  EXPECT_THROW(static_cast<void>(File::create(path("e.h5"), {"x", -1, 0})), InvalidArgument);
  EXPECT_FALSE(fs::exists(path("e.h5")));
}

TEST_F(hdf5, FlushPutsAConsistentFileOnDisk) {
  File file = File::create(path("f.h5"), kIdentity);
  file.write_dataset("x", std::vector<std::int64_t>{4, 5, 6});
  file.flush();
  // A byte copy of the file as it is on disk must be complete while the original is still open.
  fs::copy_file(path("f.h5"), path("copy.h5"));
  const File copy = File::open(path("copy.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  EXPECT_EQ(copy.read_dataset<std::vector<std::int64_t>>("x"),
            (std::vector<std::int64_t>{4, 5, 6}));
}

// ---- errors -----------------------------------------------------------------------------------

TEST_F(hdf5, Hdf5FailuresNameOperationFileObjectAndTheHdf5ErrorWithoutPrinting) {
  {
    File file = File::create(path("ro.h5"), kIdentity);
    file.create_group("points");
  }
  File file = File::open(path("ro.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  Group points = file.open_group("points");
  ::testing::internal::CaptureStderr();
  const std::string message =
      message_of<IoError>([&] { points.write_attribute("units", std::string_view("S")); });
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(printed, "") << "HDF5 must not print its error stack";
  EXPECT_CONTAINS(message, path("ro.h5").string());
  EXPECT_CONTAINS(message, "object '/points'");
  EXPECT_CONTAINS(message, "attribute 'units'");
  EXPECT_CONTAINS(message, "cannot create attribute");
  EXPECT_CONTAINS(message, "no write intent on file");  // innermost HDF5 description

  const std::string dataset_message =
      message_of<IoError>([&] { points.write_dataset("trials", std::vector<double>{1.0}); });
  EXPECT_CONTAINS(dataset_message, "object '/points/trials'");
  EXPECT_CONTAINS(dataset_message, "cannot create dataset");
  EXPECT_CONTAINS(dataset_message, "no write intent on file");
}

TEST_F(hdf5, CreatingAnExistingObjectIsRefused) {
  File file = File::create(path("dup.h5"), kIdentity);
  file.write_dataset("a/x", 1.0);
  EXPECT_CONTAINS(message_of<IoError>([&] { file.write_dataset("a/x", 2.0); }),
                  "object '/a/x': cannot create dataset: an object of that name already "
                  "exists");
  EXPECT_CONTAINS(message_of<IoError>([&] { file.create_group("a"); }),
                  "object '/a': cannot create group: an object of that name already exists");
  EXPECT_EQ(file.read_dataset<double>("a/x"), 1.0);
}

TEST_F(hdf5, OpeningAMissingOrWrongKindOfObjectIsAFormatError) {
  File file = File::create(path("missing.h5"), kIdentity);
  file.write_dataset("g/d", std::vector<float>{1.0F});
  const std::string file_name = path("missing.h5").string();

  const std::string no_dataset =
      message_of<FormatError>([&] { static_cast<void>(file.open_dataset("g/trials")); });
  EXPECT_EQ(no_dataset,
            "file '" + file_name + "', object '/g/trials': expected a dataset, found nothing");
  const std::string no_group =
      message_of<FormatError>([&] { static_cast<void>(file.open_group("/points/p7")); });
  EXPECT_EQ(no_group,
            "file '" + file_name + "', object '/points/p7': expected a group, found nothing");
  EXPECT_CONTAINS(message_of<FormatError>([&] { static_cast<void>(file.open_group("g/d")); }),
                  "object '/g/d': expected a group, found a dataset");
  EXPECT_CONTAINS(message_of<FormatError>([&] { static_cast<void>(file.open_dataset("g")); }),
                  "object '/g': expected a dataset, found a group");
  EXPECT_CONTAINS(
      message_of<FormatError>([&] { static_cast<void>(file.read_attribute<double>("gain")); }),
      "object '/', attribute 'gain': attribute not found");
}

TEST_F(hdf5, ReadingWithTheWrongTypeOrShapeIsAFormatError) {
  File file = File::create(path("types.h5"), kIdentity);
  file.write_dataset("counts", std::vector<std::int32_t>{1, 2, 3});
  file.write_dataset("matrix", Shape{2, 2}, std::vector<double>{1, 2, 3, 4});
  file.write_dataset("text", std::string_view("hello"));
  Group g = file.create_group("g");
  g.write_attribute("gain", 2.5);
  const std::string f = path("types.h5").string();

  EXPECT_EQ(message_of<FormatError>(
                [&] { static_cast<void>(file.read_dataset<std::vector<double>>("counts")); }),
            "file '" + f + "', object '/counts': expected type float64, found int32");
  EXPECT_EQ(message_of<FormatError>([&] {
              static_cast<void>(file.read_dataset<std::vector<std::uint32_t>>("counts"));
            }),
            "file '" + f + "', object '/counts': expected type uint32, found int32");
  EXPECT_EQ(message_of<FormatError>(
                [&] { static_cast<void>(file.read_dataset<std::vector<std::int64_t>>("counts")); }),
            "file '" + f + "', object '/counts': expected type int64, found int32");
  EXPECT_EQ(message_of<FormatError>(
                [&] { static_cast<void>(file.read_dataset<std::int32_t>("counts")); }),
            "file '" + f + "', object '/counts': expected a scalar, found shape {3}");
  EXPECT_EQ(message_of<FormatError>(
                [&] { static_cast<void>(file.read_dataset<std::vector<double>>("matrix")); }),
            "file '" + f + "', object '/matrix': expected a 1-D array, found shape {2, 2}");
  EXPECT_EQ(
      message_of<FormatError>([&] { static_cast<void>(file.read_dataset<std::string>("counts")); }),
      "file '" + f + "', object '/counts': expected type string, found int32");
  EXPECT_EQ(message_of<FormatError>([&] { static_cast<void>(file.read_dataset<double>("text")); }),
            "file '" + f + "', object '/text': expected type float64, found string");
  EXPECT_EQ(
      message_of<FormatError>([&] { static_cast<void>(g.read_attribute<float>("gain")); }),
      "file '" + f + "', object '/g', attribute 'gain': expected type float32, found float64");
  EXPECT_EQ(
      message_of<FormatError>(
          [&] { static_cast<void>(g.read_attribute<std::vector<double>>("gain")); }),
      "file '" + f + "', object '/g', attribute 'gain': expected a 1-D array, found a scalar");
  // The right type still reads.
  EXPECT_EQ(g.read_attribute<double>("gain"), 2.5);
}

TEST_F(hdf5, InvalidArgumentsAreRefusedBeforeTouchingTheFile) {
  File file = File::create(path("args.h5"), kIdentity);
  EXPECT_THROW(file.write_dataset("bad", Shape{2, 3}, std::vector<double>(5)), InvalidArgument);
  EXPECT_THROW(file.write_dataset("bad", std::vector<double>(4), DatasetOptions{{5}, 0, false}),
               InvalidArgument);
  EXPECT_THROW(file.write_dataset("bad", std::vector<double>(4), DatasetOptions{{2, 2}, 0, false}),
               InvalidArgument);
  EXPECT_THROW(file.write_dataset("bad", std::vector<double>(4), DatasetOptions{{}, 10, false}),
               InvalidArgument);
  EXPECT_THROW(file.write_attribute("", 1.0), InvalidArgument);
  EXPECT_THROW(file.write_attribute("nul", std::string_view("a\0b", 3)), InvalidArgument);
  EXPECT_THROW(static_cast<void>(file.create_extendible<double>("bad", {})), InvalidArgument);
  EXPECT_THROW(static_cast<void>(file.create_extendible<double>("bad", {0, 0})), InvalidArgument);
  EXPECT_FALSE(file.exists("bad"));
  EXPECT_FALSE(file.has_attribute("nul"));
}

// ---- groups -----------------------------------------------------------------------------------

TEST_F(hdf5, GroupsNestListAndReopen) {
  {
    File file = File::create(path("groups.h5"), kIdentity);
    Group p = file.create_group("points/p1/devices");
    EXPECT_EQ(p.path(), "/points/p1/devices");
    file.create_group("points/p0");
    Group points = file.open_group("/points");
    points.create_group("p10");
    points.write_dataset("summary", std::vector<double>{0.5});
    EXPECT_EQ(points.children(), (std::vector<std::string>{"p0", "p1", "p10", "summary"}));
    EXPECT_TRUE(file.exists("points/p1/devices"));
    EXPECT_TRUE(points.exists("p1/devices"));
    EXPECT_TRUE(points.exists("/points/p0"));
    EXPECT_TRUE(file.exists("/"));
    EXPECT_FALSE(file.exists("points/p2"));
    EXPECT_FALSE(file.exists("nothing/at/all"));
    EXPECT_FALSE(file.exists("points/summary/below_a_dataset"));
    Group again = file.require_group("points/p0");
    EXPECT_EQ(again.path(), "/points/p0");
    Group fresh = file.require_group("config");
    EXPECT_EQ(fresh.path(), "/config");
    EXPECT_EQ(points.open_group("p1").open_group("devices").path(), "/points/p1/devices");
  }
  File file = File::open(path("groups.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  EXPECT_EQ(file.children(), (std::vector<std::string>{"config", "points"}));
  EXPECT_EQ(file.open_group("points/p1").children(), (std::vector<std::string>{"devices"}));
  EXPECT_TRUE(file.open_group("config").children().empty());
}

// ---- attributes -------------------------------------------------------------------------------

template <typename T>
std::vector<T> samples() {
  std::vector<T> v{std::numeric_limits<T>::lowest(), T{0}, T{1}, std::numeric_limits<T>::max()};
  if constexpr (std::is_floating_point_v<T>) {
    v.push_back(std::numeric_limits<T>::denorm_min());
    v.push_back(std::numeric_limits<T>::infinity());
    v.push_back(static_cast<T>(-1.0 / 3.0));
  } else {
    v.push_back(T{42});
  }
  return v;
}

template <typename T>
class hdf5Numeric : public Hdf5Test {};
using NumericTypes = ::testing::Types<double, float, std::int32_t, std::int64_t, std::uint8_t,
                                      std::uint32_t, std::uint64_t>;
TYPED_TEST_SUITE(hdf5Numeric, NumericTypes);

TYPED_TEST(hdf5Numeric, Attributes) {
  using T = TypeParam;
  const std::vector<T> values = samples<T>();
  {
    File file = File::create(this->path("attrs.h5"), kIdentity);
    Group group = file.create_group("g");
    Dataset dataset = group.write_dataset("d", std::vector<T>{T{1}});
    for (Object* object : std::initializer_list<Object*>{&file, &group, &dataset}) {
      for (std::size_t i = 0; i < values.size(); ++i) {
        object->write_attribute("scalar" + std::to_string(i), values[i]);
      }
      object->write_attribute("vector", values);
      object->write_attribute("empty", std::vector<T>{});
      object->write_attribute("array", std::array<T, 2>{T{2}, T{3}});
    }
  }
  File file = File::open(this->path("attrs.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  const Group group = file.open_group("g");
  const Dataset dataset = group.open_dataset("d");
  for (const Object* object : std::initializer_list<const Object*>{&file, &group, &dataset}) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(object->read_attribute<T>("scalar" + std::to_string(i)), values[i]) << i;
    }
    EXPECT_EQ(object->read_attribute<std::vector<T>>("vector"), values);
    EXPECT_TRUE(object->read_attribute<std::vector<T>>("empty").empty());
    EXPECT_EQ(object->read_attribute<std::vector<T>>("array"), (std::vector<T>{T{2}, T{3}}));
    EXPECT_TRUE(object->has_attribute("vector"));
    EXPECT_FALSE(object->has_attribute("vectors"));
  }
}

TYPED_TEST(hdf5Numeric, Datasets) {
  using T = TypeParam;
  const std::vector<T> values = samples<T>();
  std::vector<T> cube(2 * 3 * 4);
  std::iota(cube.begin(), cube.end(), T{0});
  {
    File file = File::create(this->path("data.h5"), kIdentity);
    file.write_dataset("scalar", values.back());
    file.write_dataset("vector", values);
    file.write_dataset("empty", std::vector<T>{});
    const std::span<const T> view(cube);
    Dataset d = file.write_dataset("nested/cube", Shape{2, 3, 4}, view.first(24));
    EXPECT_EQ(d.shape(), (Shape{2, 3, 4}));
    EXPECT_TRUE(d.chunk_shape().empty());
  }
  File file = File::open(this->path("data.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  EXPECT_EQ(file.read_dataset<T>("scalar"), values.back());
  EXPECT_EQ(file.open_dataset("scalar").shape(), Shape{});
  EXPECT_EQ(file.read_dataset<std::vector<T>>("vector"), values);
  EXPECT_EQ(file.open_dataset("vector").shape(), Shape{values.size()});
  EXPECT_TRUE(file.read_dataset<std::vector<T>>("empty").empty());
  EXPECT_EQ(file.open_dataset("empty").shape(), Shape{0});
  const auto array = file.read_dataset<NdArray<T>>("nested/cube");
  EXPECT_EQ(array.shape, (Shape{2, 3, 4}));
  EXPECT_EQ(array.data, cube);
  EXPECT_EQ(file.read_dataset<NdArray<T>>("vector"), (NdArray<T>{Shape{values.size()}, values}));
  EXPECT_EQ(file.read_dataset<NdArray<T>>("scalar"), (NdArray<T>{Shape{}, {values.back()}}));
}

TEST_F(hdf5, StringAttributesRoundTrip) {
  const std::vector<std::string> list{"alpha", "", std::string(kUnicode), "x y\tz\n"};
  {
    File file = File::create(path("s.h5"), kIdentity);
    Dataset d = file.write_dataset("d", 1.0);
    for (Object* object : std::initializer_list<Object*>{&file, &d}) {
      object->write_attribute("unit", std::string_view("µS"));
      object->write_attribute("empty", std::string_view(""));
      object->write_attribute("c_string", "plain");
      object->write_attribute("std_string", std::string(kUnicode));
      object->write_attribute("list", list);
      object->write_attribute("no_strings", std::vector<std::string>{});
    }
  }
  File file = File::open(path("s.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  const Dataset d = file.open_dataset("d");
  for (const Object* object : std::initializer_list<const Object*>{&file, &d}) {
    EXPECT_EQ(object->read_attribute<std::string>("unit"), "µS");
    EXPECT_EQ(object->read_attribute<std::string>("empty"), "");
    EXPECT_EQ(object->read_attribute<std::string>("c_string"), "plain");
    EXPECT_EQ(object->read_attribute<std::string>("std_string"), kUnicode);
    EXPECT_EQ(object->read_attribute<std::vector<std::string>>("list"), list);
    EXPECT_TRUE(object->read_attribute<std::vector<std::string>>("no_strings").empty());
  }
  EXPECT_EQ(d.attribute_names(), (std::vector<std::string>{"c_string", "empty", "list",
                                                           "no_strings", "std_string", "unit"}));
}

TEST_F(hdf5, WritingAnAttributeAgainReplacesIt) {
  File file = File::create(path("over.h5"), kIdentity);
  file.write_attribute("x", 1.0);
  file.write_attribute("x", std::vector<std::int64_t>{1, 2, 3});
  EXPECT_EQ(file.read_attribute<std::vector<std::int64_t>>("x"),
            (std::vector<std::int64_t>{1, 2, 3}));
  file.write_attribute("x", std::string_view("now a string"));
  EXPECT_EQ(file.read_attribute<std::string>("x"), "now a string");
  EXPECT_THROW(static_cast<void>(file.read_attribute<double>("x")), FormatError);
  EXPECT_EQ(file.attribute_names(), (std::vector<std::string>{"filetype", "schema_version", "x"}));
}

TEST_F(hdf5, StringDatasetsRoundTrip) {
  const std::string toml =
      "[campaign]\nname = \"drift\"\n# ünïcödé: 電導 🙂\n[device]\ng_max = \"25 µS\"\n";
  const std::vector<std::string> names{"p0", std::string(kUnicode), "", "last"};
  {
    File file = File::create(path("text.h5"), kIdentity);
    file.write_dataset("config/campaign.toml", std::string_view(toml));
    file.write_dataset("names", names);
    file.write_dataset("compressed_names", names, DatasetOptions{{2}, 4, false});
    file.write_dataset("no_names", std::vector<std::string>{});
  }
  File file = File::open(path("text.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  EXPECT_EQ(file.read_dataset<std::string>("config/campaign.toml"), toml);
  EXPECT_EQ(file.read_dataset<std::vector<std::string>>("names"), names);
  EXPECT_EQ(file.read_dataset<std::vector<std::string>>("compressed_names"), names);
  EXPECT_EQ(file.open_dataset("compressed_names").chunk_shape(), Shape{2});
  EXPECT_TRUE(file.read_dataset<std::vector<std::string>>("no_names").empty());
  EXPECT_CONTAINS(
      message_of<FormatError>([&] { static_cast<void>(file.read_dataset<std::string>("names")); }),
      "expected a scalar, found shape {4}");
}

TEST_F(hdf5, FixedLengthStringsFromOtherToolsAreRead) {
  {
    File::create(path("fixed.h5"), kIdentity).close();
    const hid_t f = H5Fopen(path("fixed.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, 6);
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    const hsize_t n = 2;
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t d = H5Dcreate2(f, "labels", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const char data[] = "ab\0\0\0\0sixsix";
    EXPECT_GE(H5Dwrite(d, type, 0, 0, H5P_DEFAULT, data), 0);
    H5Dclose(d);
    H5Sclose(space);
    H5Tclose(type);
    H5Fclose(f);
  }
  File file = File::open(path("fixed.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  EXPECT_EQ(file.read_dataset<std::vector<std::string>>("labels"),
            (std::vector<std::string>{"ab", "sixsix"}));
}

// ---- chunking, compression, extendible datasets -------------------------------------------------

struct StorageInfo {
  Shape chunk;
  std::vector<H5Z_filter_t> filters;
  std::vector<unsigned> first_filter_values;
  hsize_t storage_bytes = 0;
  Shape max_dims;
};

// Looks at a dataset with the C API only, with the file closed by the wrapper beforehand.
StorageInfo inspect(const fs::path& file_path, const char* dataset) {
  StorageInfo info;
  const hid_t f = H5Fopen(file_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(f, 0);
  const hid_t d = H5Dopen2(f, dataset, H5P_DEFAULT);
  EXPECT_GE(d, 0);
  const hid_t dcpl = H5Dget_create_plist(d);
  if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
    std::array<hsize_t, 8> chunk{};
    const int rank = H5Pget_chunk(dcpl, 8, chunk.data());
    info.chunk.assign(chunk.begin(), chunk.begin() + rank);
  }
  const int nfilters = H5Pget_nfilters(dcpl);
  for (int i = 0; i < nfilters; ++i) {
    unsigned flags = 0;
    std::size_t nvalues = 8;
    std::array<unsigned, 8> values{};
    std::array<char, 64> name{};
    unsigned config = 0;
    const H5Z_filter_t filter = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &nvalues,
                                               values.data(), name.size(), name.data(), &config);
    info.filters.push_back(filter);
    if (i == 0) info.first_filter_values.assign(values.begin(), values.begin() + nvalues);
  }
  info.storage_bytes = H5Dget_storage_size(d);
  const hid_t space = H5Dget_space(d);
  std::array<hsize_t, 8> dims{};
  std::array<hsize_t, 8> max_dims{};
  const int rank = H5Sget_simple_extent_dims(space, dims.data(), max_dims.data());
  info.max_dims.assign(max_dims.begin(), max_dims.begin() + rank);
  H5Sclose(space);
  H5Pclose(dcpl);
  H5Dclose(d);
  H5Fclose(f);
  return info;
}

TEST_F(hdf5, ChunkedDeflatedDatasetsAreReallyChunkedAndCompressed) {
  std::vector<double> smooth(20000);
  for (std::size_t i = 0; i < smooth.size(); ++i) smooth[i] = static_cast<double>(i % 100) * 0.25;
  {
    File file = File::create(path("z.h5"), kIdentity);
    Dataset d =
        file.write_dataset("smooth", Shape{200, 100}, smooth, DatasetOptions{{50, 100}, 6, true});
    EXPECT_EQ(d.chunk_shape(), (Shape{50, 100}));
    file.write_dataset("auto", smooth, DatasetOptions{{}, 1, false});
    file.write_dataset("plain", smooth);
  }
  const StorageInfo z = inspect(path("z.h5"), "smooth");
  EXPECT_EQ(z.chunk, (Shape{50, 100}));
  EXPECT_EQ(z.filters, (std::vector<H5Z_filter_t>{H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE}));
  EXPECT_LT(z.storage_bytes, smooth.size() * sizeof(double) / 4) << "deflate really compresses";

  const StorageInfo automatic = inspect(path("z.h5"), "auto");
  EXPECT_EQ(automatic.chunk, (Shape{20000})) << "whole dataset as one chunk (160 kB < 1 MiB)";
  EXPECT_EQ(automatic.filters, (std::vector<H5Z_filter_t>{H5Z_FILTER_DEFLATE}));
  EXPECT_EQ(automatic.first_filter_values, (std::vector<unsigned>{1}));

  const StorageInfo plain = inspect(path("z.h5"), "plain");
  EXPECT_TRUE(plain.chunk.empty());
  EXPECT_TRUE(plain.filters.empty());
  EXPECT_EQ(plain.storage_bytes, smooth.size() * sizeof(double));

  File file = File::open(path("z.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  EXPECT_EQ(file.read_dataset<NdArray<double>>("smooth").data, smooth);
  EXPECT_EQ(file.read_dataset<std::vector<double>>("auto"), smooth);
}

TEST_F(hdf5, AutomaticChunksOfLargeDatasetsStayBelowOneMebibyte) {
  {
    File file = File::create(path("big.h5"), kIdentity);
    file.write_dataset("big", Shape{300, 1000}, std::vector<double>(300000, 1.0),
                       DatasetOptions{{}, 1, false});
  }
  const StorageInfo big = inspect(path("big.h5"), "big");
  ASSERT_EQ(big.chunk.size(), 2u);
  EXPECT_EQ(big.chunk[1], 1000u);
  EXPECT_LE(big.chunk[0] * big.chunk[1] * sizeof(double), std::size_t{1} << 20);
  EXPECT_GE(big.chunk[0] * big.chunk[1] * sizeof(double), std::size_t{1} << 19);
}

// A full disk is the system's message and what to do, not HDF5's dump of its write arguments.
// /dev/full accepts the open and fails every write with ENOSPC.
TEST_F(hdf5, AFullDiskIsSaidPlainly) {
#if defined(__SANITIZE_ADDRESS__)
  // libhdf5 1.10.8 keeps its file structure when closing fails on a full disk (1032 bytes, its
  // own allocation); LeakSanitizer would report it at exit. Only this test's allocations are
  // exempt.
  const __lsan::ScopedDisabler hdf5_leaks_on_a_failed_close;
#endif
  const auto message = message_of<IoError>([] {
    auto file = File::create("/dev/full", {"kirchhoff-test", 1, 0}, CreateMode::truncate);
    file.write_dataset("values", std::vector<double>(1 << 16, 1.0));
    file.close();
  });
  EXPECT_EQ(message.rfind("file '/dev/full': cannot ", 0), 0u) << message;
  EXPECT_CONTAINS(message,
                  ": No space left on device (free space or quota on that file system, or write "
                  "elsewhere, and run again)");
  EXPECT_EQ(message.find("buf ="), std::string::npos) << message;
}

TEST_F(hdf5, ExtendibleDatasetAppendsAcrossCloseAndReopen) {
  // Rows of shape {2, 3}: trial t holds values 100 t + 0..5.
  const auto rows = [](std::size_t first, std::size_t count) {
    std::vector<double> v;
    for (std::size_t t = first; t < first + count; ++t) {
      for (std::size_t j = 0; j < 6; ++j) v.push_back(static_cast<double>(100 * t + j));
    }
    return v;
  };
  {
    File file = File::create(path("ext.h5"), kIdentity);
    Dataset trials =
        file.create_group("points/p0")
            .create_extendible<double>("trials", {0, 2, 3}, DatasetOptions{{4, 2, 3}, 5, true});
    EXPECT_EQ(trials.path(), "/points/p0/trials");
    EXPECT_EQ(trials.shape(), (Shape{0, 2, 3}));
    trials.append(rows(0, 1));
    trials.append(rows(1, 2));
    trials.append(std::vector<double>{});  // nothing to do
    EXPECT_EQ(trials.shape(), (Shape{3, 2, 3}));
    file.close();
  }
  {
    File file = File::open(path("ext.h5"), OpenMode::read_write, "kirchhoff-results", 2);
    Dataset trials = file.open_dataset("points/p0/trials");
    EXPECT_EQ(trials.shape(), (Shape{3, 2, 3}));
    trials.append(rows(3, 5));
    EXPECT_EQ(trials.shape(), (Shape{8, 2, 3}));
  }
  const StorageInfo info = inspect(path("ext.h5"), "/points/p0/trials");
  EXPECT_EQ(info.chunk, (Shape{4, 2, 3}));
  EXPECT_EQ(info.filters, (std::vector<H5Z_filter_t>{H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE}));
  EXPECT_EQ(info.first_filter_values.empty(), false);
  ASSERT_EQ(info.max_dims.size(), 3u);
  EXPECT_EQ(info.max_dims[0], H5S_UNLIMITED);
  EXPECT_EQ(info.max_dims[1], 2u);

  File file = File::open(path("ext.h5"), OpenMode::read_only, "kirchhoff-results", 2);
  const Dataset trials = file.open_dataset("points/p0/trials");
  const auto all = trials.read<NdArray<double>>();
  EXPECT_EQ(all.shape, (Shape{8, 2, 3}));
  EXPECT_EQ(all.data, rows(0, 8));
  EXPECT_EQ(trials.read_rows<double>(2, 3), rows(2, 3));
  EXPECT_EQ(trials.read_rows<double>(8, 0), std::vector<double>{});
}

TEST_F(hdf5, ExtendibleDatasetRowsCanBeRewrittenAndRangesAreChecked) {
  File file = File::create(path("rows.h5"), kIdentity);
  Dataset d = file.create_extendible<std::uint32_t>("r", {0, 2});
  d.append(std::vector<std::uint32_t>{1, 2, 3, 4, 5, 6});
  d.write_rows(1, std::vector<std::uint32_t>{30, 40});
  EXPECT_EQ(d.read_rows<std::uint32_t>(0, 3), (std::vector<std::uint32_t>{1, 2, 30, 40, 5, 6}));
  const std::string f = path("rows.h5").string();

  EXPECT_EQ(message_of<InvalidArgument>([&] {
              d.append(std::vector<std::uint32_t>{7, 8, 9});
            }),
            "file '" + f +
                "', object '/r': cannot append rows: 3 values are not a whole number "
                "of rows of 2 values");
  EXPECT_EQ(d.shape(), (Shape{3, 2})) << "a refused append changes nothing";
  EXPECT_EQ(message_of<InvalidArgument>([&] {
              d.write_rows(2, std::vector<std::uint32_t>{1, 2, 3, 4});
            }),
            "file '" + f +
                "', object '/r': cannot write rows: rows [2, 4) are outside the 3 rows "
                "of the dataset");
  EXPECT_THROW(static_cast<void>(d.read_rows<std::uint32_t>(3, 1)), InvalidArgument);
  EXPECT_THROW(static_cast<void>(d.read_rows<std::uint32_t>(4, 0)), InvalidArgument);
  EXPECT_CONTAINS(message_of<FormatError>([&] {
                    d.append(std::vector<double>{1.0, 2.0});
                  }),
                  "cannot append rows: expected type float64, found uint32");

  // Default chunks hold whole rows, about 64 KiB.
  EXPECT_EQ(d.chunk_shape(), (Shape{8192, 2}));

  // A fixed-size dataset cannot grow.
  Dataset fixed = file.write_dataset("fixed", Shape{2, 2}, std::vector<std::uint32_t>{1, 2, 3, 4});
  EXPECT_CONTAINS(message_of<FormatError>([&] {
                    fixed.append(std::vector<std::uint32_t>{5, 6});
                  }),
                  "expected a dataset extendible along its first dimension, found shape "
                  "{2, 2} with maximum shape {2, 2}");
  fixed.write_rows(0, std::vector<std::uint32_t>{9, 9});
  EXPECT_EQ(fixed.read<NdArray<std::uint32_t>>().data, (std::vector<std::uint32_t>{9, 9, 3, 4}));
  Dataset scalar = file.write_dataset("scalar", std::uint32_t{1});
  EXPECT_CONTAINS(message_of<FormatError>([&] { scalar.append(std::vector<std::uint32_t>{1}); }),
                  "expected an array with rows, found a scalar");
}

// Parts of rows, as the engine streams /trials: rows added by resize_rows, boxes written into
// them; boxes outside the shape and a wrong number of values are refused.
TEST_F(hdf5, BoxesArePartsOfRowsWrittenInPlace) {
  File file = File::create(path("box.h5"), kIdentity);
  Dataset d = file.create_extendible<double>("t", {0, 4, 2});
  d.resize_rows(2);
  EXPECT_EQ(d.shape(), (Shape{2, 4, 2}));
  d.write_box({1, 1, 0}, {1, 2, 2}, std::vector<double>{1, 2, 3, 4});
  d.write_box({0, 3, 1}, {1, 1, 1}, std::vector<double>{9});
  const auto all = d.read<NdArray<double>>();
  const std::vector<double> expected{0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 1, 2, 3, 4, 0, 0};
  EXPECT_EQ(all.data, expected);
  const std::string f = path("box.h5").string();
  EXPECT_EQ(message_of<InvalidArgument>([&] {
              d.write_box({1, 3, 0}, {1, 2, 2}, std::vector<double>{1, 2, 3, 4});
            }),
            "file '" + f +
                "', object '/t': cannot write box: extent {1, 2, 2} at {1, 3, 0} is outside "
                "the shape {2, 4, 2}");
  EXPECT_CONTAINS(message_of<InvalidArgument>([&] {
                    d.write_box({0, 0, 0}, {1, 1, 2}, std::vector<double>{1});
                  }),
                  "cannot write box: 1 values for a box of 2 elements");
  EXPECT_THROW(d.write_box({0, 0}, {1, 1}, std::vector<double>{1}), InvalidArgument);
  d.resize_rows(1);
  EXPECT_EQ(d.shape(), (Shape{1, 4, 2}));
  Dataset fixed = file.write_dataset("fixed", Shape{2, 2}, std::vector<double>{1, 2, 3, 4});
  EXPECT_CONTAINS(message_of<FormatError>([&] { fixed.resize_rows(3); }),
                  "cannot resize to 3 rows: expected a dataset extendible along its first "
                  "dimension, found shape {2, 2} with maximum shape {2, 2}");
}

TEST_F(hdf5, OneDimensionalExtendibleDatasetAppendsSingleValues) {
  File file = File::create(path("1d.h5"), kIdentity);
  Dataset d = file.create_extendible<std::int64_t>("seeds", {0});
  for (std::int64_t i = 0; i < 5; ++i) d.append(std::array{i * i});
  EXPECT_EQ(d.read<std::vector<std::int64_t>>(), (std::vector<std::int64_t>{0, 1, 4, 9, 16}));
  EXPECT_EQ(d.chunk_shape(), Shape{8192});
}

}  // namespace
}  // namespace kirchhoff::h5
