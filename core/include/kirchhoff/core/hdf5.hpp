// A small typed interface to HDF5 for Kirchhoff's result files.
//
//   auto file = h5::File::create("run.h5", {"kirchhoff-results", 2, 0}, h5::CreateMode::exclusive);
//   file.write_attribute("seed", std::uint64_t{42});
//   auto trials = file.create_group("points/p0").create_extendible<double>("trials", {0, 64});
//   trials.append(row_values);                              // k whole rows of 64 values
//   file.close();                                           // reports errors; the destructor can't
//
// Every object (File, Group, Dataset) owns its HDF5 identifier through a move-only Handle and
// knows its file path and object path, so that every error names both. Every HDF5 return code
// is checked: a failing call throws IoError naming the operation, the file, the object and the
// innermost description from the HDF5 error stack. A file that is readable but not what was
// asked for (wrong filetype or schema version, a missing object, a dataset or attribute of
// another type or shape) throws FormatError. HDF5's automatic printing of error stacks to
// stderr is switched off, for the whole process, the first time a Handle (so any File) is made.
//
// Threads: Debian's HDF5 is the serial (non thread-safe) build. Use this interface, and HDF5 in
// general, from one thread at a time; the campaign engine funnels all results to a single
// writer thread.
//
// Objects keep their file alive: a Group or Dataset may outlive the File it came from (HDF5
// closes the file when its last object is closed). File::close() flushes and closes the file
// and reports errors; destructors never throw.
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace kirchhoff::h5 {

// The numeric element types that can be stored (as little-endian IEEE floats and integers).
template <typename T>
concept Numeric =
    std::same_as<T, double> || std::same_as<T, float> || std::same_as<T, std::int32_t> ||
    std::same_as<T, std::int64_t> || std::same_as<T, std::uint8_t> ||
    std::same_as<T, std::uint32_t> || std::same_as<T, std::uint64_t>;

// Any contiguous sized range of a Numeric type: std::vector, std::array, std::span, C arrays.
template <typename R>
concept NumericRange = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    Numeric<std::remove_cv_t<std::ranges::range_value_t<R>>>;

template <NumericRange R>
using range_element_t = std::remove_cv_t<std::ranges::range_value_t<R>>;

// Dimensions of a dataset, slowest-varying first (row-major).
using Shape = std::vector<std::uint64_t>;

// An N-dimensional array: its shape and its elements in row-major order.
template <Numeric T>
struct NdArray {
  Shape shape;
  std::vector<T> data;
  friend bool operator==(const NdArray&, const NdArray&) = default;
};

namespace detail {
template <typename T>
inline constexpr bool is_numeric_vector = false;
template <Numeric T>
inline constexpr bool is_numeric_vector<std::vector<T>> = true;
template <typename T>
inline constexpr bool is_nd_array = false;
template <Numeric T>
inline constexpr bool is_nd_array<NdArray<T>> = true;
}  // namespace detail

// What an attribute can hold: a number, a string, a 1-D array of numbers or of strings.
template <typename T>
concept AttributeValue = Numeric<T> || std::same_as<T, std::string> ||
    detail::is_numeric_vector<T> || std::same_as<T, std::vector<std::string>>;

// What a dataset can be read as: an attribute value, or an NdArray of any rank.
template <typename T>
concept DatasetValue = AttributeValue<T> || detail::is_nd_array<T>;

// ---------------------------------------------------------------------------------------------
// Handle: owns one HDF5 identifier (hid_t, a 64-bit integer in HDF5 >= 1.10) and closes it with
// the function for its kind. Move-only; a moved-from or released handle is empty.

enum class HandleKind : std::uint8_t {
  file,
  group,
  dataset,
  attribute,
  dataspace,
  datatype,
  property_list,
  object,  // opened with H5Oopen, closed with H5Oclose
};

class Handle {
 public:
  Handle() noexcept = default;
  // Takes ownership of `id`; a negative id makes an empty handle.
  Handle(std::int64_t id, HandleKind kind) noexcept;
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();  // closes, ignoring errors

  [[nodiscard]] std::int64_t get() const noexcept { return id_; }
  [[nodiscard]] HandleKind kind() const noexcept { return kind_; }
  [[nodiscard]] bool empty() const noexcept { return id_ < 0; }
  explicit operator bool() const noexcept { return !empty(); }

  // Gives up ownership without closing; the handle is empty afterwards.
  [[nodiscard]] std::int64_t release() noexcept;
  // Closes (if not empty), ignoring errors; the handle is empty afterwards.
  void reset() noexcept;
  // Closes (if not empty) and throws IoError if HDF5 reports an error; the handle is empty
  // afterwards either way.
  void close();

 private:
  std::int64_t id_ = -1;
  HandleKind kind_ = HandleKind::object;
};

// ---------------------------------------------------------------------------------------------

// Chunked storage and filters for a new dataset. Filters need chunking: when deflate or shuffle
// is asked for without a chunk shape, chunks are chosen automatically (the whole dataset, split
// along its slowest dimensions down to at most 1 MiB); an empty dataset stays contiguous.
struct DatasetOptions {
  Shape chunk;            // empty: contiguous (or see above); else one extent per dimension
  int deflate_level = 0;  // 0: no compression; 1..9: gzip level
  bool shuffle = false;   // byte shuffle before deflate (helps for floating point)
};

// Identity written into the root of every Kirchhoff file: attributes `filetype` (string) and
// `schema_version` (int32 [major, minor]). A reader supports one major version and any minor.
struct FileIdentity {
  std::string filetype;
  std::int32_t major = 0;
  std::int32_t minor = 0;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

enum class CreateMode : std::uint8_t {
  exclusive,  // fail if the file exists (and leave it untouched)
  truncate,   // replace an existing file
};

enum class OpenMode : std::uint8_t { read_only, read_write };

class Dataset;

// Something in a file that carries attributes: a group (or a file's root) or a dataset.
class Object {
 public:
  // File this object lives in, as given when the file was created or opened.
  [[nodiscard]] const std::string& file_path() const noexcept { return file_path_; }
  // Absolute path of the object inside the file, e.g. "/points/trials"; "/" for the root.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // The HDF5 identifier, for direct use of the C API. Empty once moved from or closed.
  [[nodiscard]] const Handle& handle() const noexcept { return handle_; }
  [[nodiscard]] bool is_open() const noexcept { return !handle_.empty(); }

  // Writes an attribute, replacing any existing attribute of that name.
  template <Numeric T>
  void write_attribute(std::string_view name, T value);
  template <NumericRange R>
  void write_attribute(std::string_view name, const R& values) {
    write_attribute_array(name, std::span<const range_element_t<R>>(std::ranges::data(values),
                                                                    std::ranges::size(values)));
  }
  // Strings are stored as variable-length UTF-8; they must not contain NUL characters.
  void write_attribute(std::string_view name, std::string_view value);
  void write_attribute(std::string_view name, std::span<const std::string> values);

  // Reads an attribute. The stored type must be exactly T (same class, size and signedness;
  // strings may be fixed- or variable-length) and the shape must match: scalar for a number or
  // std::string, 1-D for a vector. Otherwise, or if it is missing: FormatError.
  template <AttributeValue T>
  [[nodiscard]] T read_attribute(std::string_view name) const;

  [[nodiscard]] bool has_attribute(std::string_view name) const;
  // Names of all attributes, sorted.
  [[nodiscard]] std::vector<std::string> attribute_names() const;

 protected:
  Object() = default;
  Object(Handle handle, std::string file_path, std::string path) noexcept;
  Object(Object&&) noexcept = default;
  Object& operator=(Object&&) noexcept = default;
  ~Object() = default;

  // The identifier; throws InvalidArgument if this object is closed or moved from.
  [[nodiscard]] std::int64_t id() const;

  Handle handle_;
  std::string file_path_;
  std::string path_;

 private:
  template <Numeric T>
  void write_attribute_array(std::string_view name, std::span<const T> values);
};

// A group. Names given to its functions are paths relative to it ("a/b") or absolute ("/a/b").
class Group : public Object {
 public:
  Group() = default;  // empty
  Group(Group&&) noexcept = default;
  Group& operator=(Group&&) noexcept = default;
  ~Group() = default;

  // Creates a group, and any missing groups on its path. IoError if it already exists.
  Group create_group(std::string_view path);
  // Opens an existing group; FormatError if it is missing or not a group.
  [[nodiscard]] Group open_group(std::string_view path) const;
  // Opens the group, creating it (and missing parents) if needed.
  Group require_group(std::string_view path);
  // Whether an object (group or dataset) exists at the path; false if any part is missing.
  [[nodiscard]] bool exists(std::string_view path) const;
  // Names of the direct children (groups and datasets), sorted.
  [[nodiscard]] std::vector<std::string> children() const;

  // Opens an existing dataset; FormatError if it is missing or not a dataset.
  [[nodiscard]] Dataset open_dataset(std::string_view path) const;

  // Writes a new dataset (missing parent groups are created). IoError if the name exists.
  // A number: scalar dataset.
  template <Numeric T>
  Dataset write_dataset(std::string_view path, T value);
  // A range of numbers: 1-D dataset.
  template <NumericRange R>
  Dataset write_dataset(std::string_view path, const R& values, const DatasetOptions& options = {});
  // Numbers with a shape: N-d dataset, `values` in row-major order, as many as the shape holds.
  template <NumericRange R>
  Dataset write_dataset(std::string_view path, const Shape& shape, const R& values,
                        const DatasetOptions& options = {});
  // A string (e.g. a whole TOML document): scalar variable-length UTF-8 dataset.
  Dataset write_dataset(std::string_view path, std::string_view text);
  // Strings: 1-D variable-length UTF-8 dataset.
  Dataset write_dataset(std::string_view path, std::span<const std::string> values,
                        const DatasetOptions& options = {});

  // Creates a dataset that grows along its first dimension: `shape` is {initial rows (usually
  // 0), d1, d2, ...}, the first dimension is unlimited. Without options.chunk, chunks hold whole
  // rows, about 64 KiB each. Fill it with Dataset::append.
  template <Numeric T>
  Dataset create_extendible(std::string_view path, const Shape& shape,
                            const DatasetOptions& options = {});

  // Reads a whole dataset; see Dataset::read.
  template <DatasetValue T>
  [[nodiscard]] T read_dataset(std::string_view path) const;

 protected:
  Group(Handle handle, std::string file_path, std::string path) noexcept
      : Object(std::move(handle), std::move(file_path), std::move(path)) {}

 private:
  template <Numeric T>
  Dataset write_numeric(std::string_view path, const Shape& shape, std::span<const T> values,
                        const DatasetOptions& options);
  Handle create_dataset(std::string_view path, std::int64_t file_type, const Shape& shape,
                        const Shape& max_shape, const DatasetOptions& options);
  Dataset make_dataset(Handle handle, std::string_view path) const;
};

class Dataset : public Object {
 public:
  Dataset() = default;  // empty
  Dataset(Dataset&&) noexcept = default;
  Dataset& operator=(Dataset&&) noexcept = default;
  ~Dataset() = default;

  // Current dimensions; empty for a scalar dataset.
  [[nodiscard]] Shape shape() const;
  // Chunk dimensions; empty if the dataset is not chunked.
  [[nodiscard]] Shape chunk_shape() const;

  // Reads the whole dataset. The stored type must be exactly T's element type; shape: scalar
  // for a number or std::string, 1-D for a vector, anything for an NdArray. Else FormatError.
  template <DatasetValue T>
  [[nodiscard]] T read() const;

  // Appends k whole rows (values.size() == k * row size, row size = d1 * d2 * ...; else
  // InvalidArgument) to a dataset whose first dimension is extendible, and writes them.
  template <NumericRange R>
  void append(const R& values) {
    append_rows(
        std::span<const range_element_t<R>>(std::ranges::data(values), std::ranges::size(values)));
  }
  // Overwrites whole existing rows starting at `first_row` (InvalidArgument if out of range).
  template <NumericRange R>
  void write_rows(std::uint64_t first_row, const R& values) {
    write_rows_at(first_row, std::span<const range_element_t<R>>(std::ranges::data(values),
                                                                 std::ranges::size(values)));
  }
  // Reads `count` whole rows starting at `first_row`, row-major (InvalidArgument if out of
  // range).
  template <Numeric T>
  [[nodiscard]] std::vector<T> read_rows(std::uint64_t first_row, std::uint64_t count) const;
  // Sets the number of rows of a dataset extendible along its first dimension (FormatError past
  // its maximum shape); added rows hold the fill value until they are written.
  void resize_rows(std::uint64_t rows);
  // Overwrites the box of extent `count` at `start` (one entry per dimension, inside the current
  // shape, values.size() the box's elements; InvalidArgument otherwise) with `values`, row-major:
  // part of a row, e.g. trials [t, t + k) of point p of [point][trial][read_time][metric].
  template <NumericRange R>
  void write_box(const Shape& start, const Shape& count, const R& values) {
    write_box_at(
        start, count,
        std::span<const range_element_t<R>>(std::ranges::data(values), std::ranges::size(values)));
  }

 private:
  friend class Group;
  Dataset(Handle handle, std::string file_path, std::string path) noexcept
      : Object(std::move(handle), std::move(file_path), std::move(path)) {}

  template <Numeric T>
  void append_rows(std::span<const T> values);
  template <Numeric T>
  void write_rows_at(std::uint64_t first_row, std::span<const T> values);
  template <Numeric T>
  void write_box_at(const Shape& start, const Shape& count, std::span<const T> values);
};

// A file; it behaves as its root group.
class File : public Group {
 public:
  File() = default;  // empty
  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  ~File() = default;  // closes, ignoring errors: call close() to see them

  // Creates a file and writes its identity. CreateMode::exclusive fails (IoError) if the file
  // exists, without touching it. If writing the identity fails, the new file is removed.
  [[nodiscard]] static File create(const std::filesystem::path& path, const FileIdentity& identity,
                                   CreateMode mode = CreateMode::exclusive);

  // Opens a Kirchhoff file. Refuses with IoError a missing or unreadable file, with FormatError
  // a file that is not HDF5, that has no identity, has another filetype or a schema major
  // version other than `supported_major` (any minor version is accepted).
  [[nodiscard]] static File open(const std::filesystem::path& path, OpenMode mode,
                                 std::string_view expected_filetype, std::int32_t supported_major);

  // Opens, read-only, an HDF5 file written by another program (measurements from a lab's own
  // scripts): no identity is required. The same IoError / FormatError for a missing, unreadable
  // or non-HDF5 file.
  [[nodiscard]] static File open_foreign(const std::filesystem::path& path);

  // The identity stored in the root attributes (FormatError if missing or malformed).
  [[nodiscard]] FileIdentity identity() const;

  // Writes buffered data of this file to disk.
  void flush();
  // Flushes and closes the file; throws IoError on failure. The File is empty afterwards
  // either way; closing an empty File does nothing. If Groups or Datasets of the file are still
  // open, HDF5 finishes closing when the last of them closes, and cannot report errors then.
  void close();

 private:
  [[nodiscard]] static File open_any(const std::filesystem::path& path, OpenMode mode);

  Handle file_;
};

}  // namespace kirchhoff::h5

// Template members taking ranges forward to span-based members instantiated in hdf5.cpp.
namespace kirchhoff::h5 {

template <NumericRange R>
Dataset Group::write_dataset(std::string_view path, const R& values,
                             const DatasetOptions& options) {
  return write_numeric(
      path, Shape{static_cast<std::uint64_t>(std::ranges::size(values))},
      std::span<const range_element_t<R>>(std::ranges::data(values), std::ranges::size(values)),
      options);
}

template <NumericRange R>
Dataset Group::write_dataset(std::string_view path, const Shape& shape, const R& values,
                             const DatasetOptions& options) {
  return write_numeric(
      path, shape,
      std::span<const range_element_t<R>>(std::ranges::data(values), std::ranges::size(values)),
      options);
}

template <DatasetValue T>
T Group::read_dataset(std::string_view path) const {
  return open_dataset(path).read<T>();
}

}  // namespace kirchhoff::h5
