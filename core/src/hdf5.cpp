#include "kirchhoff/core/hdf5.hpp"

#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "kirchhoff/core/error.hpp"

static_assert(std::is_same_v<hid_t, std::int64_t>,
              "kirchhoff::h5::Handle stores hid_t as std::int64_t (HDF5 >= 1.10)");

namespace kirchhoff::h5 {
namespace {

// HDF5 spells these with old-style casts in macros.
constexpr hid_t all_selection = 0;                                              // H5S_ALL
constexpr hsize_t unlimited = std::numeric_limits<hsize_t>::max();              // H5S_UNLIMITED
constexpr std::size_t variable_size = std::numeric_limits<std::size_t>::max();  // H5T_VARIABLE
const std::string root_path = "/";
constexpr std::uint64_t auto_chunk_bytes = std::uint64_t{1} << 20;
constexpr std::uint64_t extendible_chunk_bytes = std::uint64_t{1} << 16;

void silence_hdf5_errors() noexcept {
  static const bool silenced = [] {
    // Errors are reported through exceptions; HDF5 must not print its stack to stderr.
    return H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0;
  }();
  static_cast<void>(silenced);
}

// The innermost entry of the current HDF5 error stack (where the error was detected), which is
// also cleared. Must be called right after the failing call, before any other HDF5 call.
std::string hdf5_error_description() {
  const hid_t stack = H5Eget_current_stack();
  if (stack < 0) return "no HDF5 error description";
  struct Innermost {
    std::string description;
    hid_t minor = -1;
  } innermost;
  const auto walk = [](unsigned n, const H5E_error2_t* entry, void* data) noexcept -> herr_t {
    if (n != 0 || entry == nullptr) return 0;
    auto* out = static_cast<Innermost*>(data);
    try {
      out->description = entry->desc != nullptr ? entry->desc : "";
    } catch (...) {
      return -1;
    }
    out->minor = entry->min_num;
    return 0;
  };
  H5Ewalk2(stack, H5E_WALK_UPWARD, walk, &innermost);
  if (innermost.description.empty() && innermost.minor >= 0) {
    H5E_type_t type{};
    const ssize_t size = H5Eget_msg(innermost.minor, &type, nullptr, 0);
    if (size > 0) {
      std::string message(static_cast<std::size_t>(size) + 1, '\0');
      H5Eget_msg(innermost.minor, &type, message.data(), message.size());
      message.resize(static_cast<std::size_t>(size));
      innermost.description = message;
    }
  }
  H5Eclose_stack(stack);
  return innermost.description.empty() ? "no HDF5 error description" : innermost.description;
}

// A failed read or write of the file itself: HDF5 describes it with a dump of its arguments
// ("file write failed: time = ..., errno = 28, error message = 'No space left on device', buf =
// ..."). The system's message is what a user needs, with what to do for a full disk.
std::optional<std::string> system_error_of(std::string_view description) {
  constexpr std::string_view marker = "error message = '";
  const auto begin = description.find(marker);
  if (begin == std::string_view::npos) return std::nullopt;
  const auto start = begin + marker.size();
  const auto end = description.find('\'', start);
  if (end == std::string_view::npos) return std::nullopt;
  std::string message(description.substr(start, end - start));
  constexpr std::string_view errno_marker = "errno = ";
  if (const auto e = description.find(errno_marker); e != std::string_view::npos) {
    const auto digits = description.substr(e + errno_marker.size());
    int code = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), code);
    if (code == ENOSPC || code == EDQUOT) {
      message += " (free space or quota on that file system, or write elsewhere, and run again)";
    }
  }
  return message;
}

// Where an operation happens, for messages: file path, object path, optional attribute name.
struct Where {
  std::string_view file;
  std::string object;  // empty: the file itself
  std::string_view attribute = {};

  [[nodiscard]] std::string str() const {
    std::string s = fmt::format("file '{}'", file);
    if (!object.empty()) s += fmt::format(", object '{}'", object);
    if (!attribute.empty()) s += fmt::format(", attribute '{}'", attribute);
    return s;
  }

  // Throws IoError for the HDF5 call that just failed.
  [[noreturn]] void fail(std::string_view operation) const {
    const std::string description = hdf5_error_description();
    if (auto system = system_error_of(description)) {
      throw IoError(fmt::format("{}: cannot {}: {}", str(), operation, *system));
    }
    throw IoError(fmt::format("{}: cannot {} (HDF5: {})", str(), operation, description));
  }
  void check(herr_t status, std::string_view operation) const {
    if (status < 0) fail(operation);
  }
  bool check_tri(htri_t status, std::string_view operation) const {
    if (status < 0) fail(operation);
    return status > 0;
  }
  Handle check_id(hid_t id, HandleKind kind, std::string_view operation) const {
    if (id < 0) fail(operation);
    return {id, kind};
  }
  [[noreturn]] void format_error(std::string_view what) const {
    throw FormatError(fmt::format("{}: {}", str(), what));
  }
  [[noreturn]] void invalid(std::string_view what) const {
    throw InvalidArgument(fmt::format("{}: {}", str(), what));
  }
};

herr_t close_id(hid_t id, HandleKind kind) noexcept {
  switch (kind) {
    case HandleKind::file:
      return H5Fclose(id);
    case HandleKind::group:
      return H5Gclose(id);
    case HandleKind::dataset:
      return H5Dclose(id);
    case HandleKind::attribute:
      return H5Aclose(id);
    case HandleKind::dataspace:
      return H5Sclose(id);
    case HandleKind::datatype:
      return H5Tclose(id);
    case HandleKind::property_list:
      return H5Pclose(id);
    case HandleKind::object:
      return H5Oclose(id);
  }
  return -1;
}

std::string_view kind_name(HandleKind kind) {
  switch (kind) {
    case HandleKind::file:
      return "file";
    case HandleKind::group:
      return "group";
    case HandleKind::dataset:
      return "dataset";
    case HandleKind::attribute:
      return "attribute";
    case HandleKind::dataspace:
      return "dataspace";
    case HandleKind::datatype:
      return "datatype";
    case HandleKind::property_list:
      return "property list";
    case HandleKind::object:
      return "object";
  }
  return "object";
}

// Closes the handle (which is empty afterwards); the HDF5 error description on failure.
std::optional<std::string> close_reporting(Handle& handle) {
  if (handle.empty()) return std::nullopt;
  const HandleKind kind = handle.kind();
  const hid_t id = handle.release();
  if (close_id(id, kind) < 0) {
    return fmt::format("cannot close {} (HDF5: {})", kind_name(kind), hdf5_error_description());
  }
  return std::nullopt;
}

// ---- names and paths --------------------------------------------------------------------------

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(begin, end - begin);
    if (!part.empty() && part != ".") parts.push_back(part);
    begin = end + 1;
  }
  return parts;
}

// Absolute, normalized object path of `name` seen from the group at `base`.
std::string join_path(std::string_view base, std::string_view name) {
  std::string full = name.starts_with('/') ? std::string(name) : fmt::format("{}/{}", base, name);
  std::string out;
  for (const std::string_view part : split_path(full)) {
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

void require_name(const Where& where, std::string_view name, std::string_view what) {
  if (name.empty()) where.invalid(fmt::format("empty {} name", what));
  if (name.find('\0') != std::string_view::npos) {
    where.invalid(fmt::format("{} name contains a NUL character", what));
  }
}

void require_no_nul(const Where& where, std::string_view value) {
  if (value.find('\0') != std::string_view::npos) {
    where.invalid("strings are stored NUL-terminated and must not contain NUL characters");
  }
}

// ---- types and shapes -------------------------------------------------------------------------

template <Numeric T>
hid_t memory_type() {
  if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
  if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
  if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
  if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_NATIVE_UINT32;
  if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_NATIVE_UINT64;
}

template <Numeric T>
hid_t stored_type() {
  if constexpr (std::is_same_v<T, double>) return H5T_IEEE_F64LE;
  if constexpr (std::is_same_v<T, float>) return H5T_IEEE_F32LE;
  if constexpr (std::is_same_v<T, std::int32_t>) return H5T_STD_I32LE;
  if constexpr (std::is_same_v<T, std::int64_t>) return H5T_STD_I64LE;
  if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_STD_U8LE;
  if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_STD_U32LE;
  if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_STD_U64LE;
}

template <Numeric T>
constexpr std::string_view type_name() {
  if constexpr (std::is_same_v<T, double>) return "float64";
  if constexpr (std::is_same_v<T, float>) return "float32";
  if constexpr (std::is_same_v<T, std::int32_t>) return "int32";
  if constexpr (std::is_same_v<T, std::int64_t>) return "int64";
  if constexpr (std::is_same_v<T, std::uint8_t>) return "uint8";
  if constexpr (std::is_same_v<T, std::uint32_t>) return "uint32";
  if constexpr (std::is_same_v<T, std::uint64_t>) return "uint64";
}

std::string describe_type(hid_t type) {
  const std::size_t bits = H5Tget_size(type) * 8;
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return fmt::format("{}{}", H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int", bits);
    case H5T_FLOAT:
      return fmt::format("float{}", bits);
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ENUM:
      return "enum";
    case H5T_ARRAY:
      return "array";
    case H5T_VLEN:
      return "variable-length sequence";
    case H5T_OPAQUE:
      return "opaque";
    case H5T_BITFIELD:
      return "bitfield";
    case H5T_REFERENCE:
      return "reference";
    case H5T_TIME:
      return "time";
    case H5T_NO_CLASS:
    case H5T_NCLASSES:
      break;
  }
  return "unknown type";
}

template <Numeric T>
bool type_matches(hid_t type) {
  const H5T_class_t cls = H5Tget_class(type);
  if (H5Tget_size(type) != sizeof(T)) return false;
  if constexpr (std::is_floating_point_v<T>) {
    return cls == H5T_FLOAT;
  } else {
    const H5T_sign_t sign = H5Tget_sign(type);
    return cls == H5T_INTEGER && (sign == H5T_SGN_NONE) == std::is_unsigned_v<T>;
  }
}

template <Numeric T>
void require_type(const Where& where, hid_t type) {
  if (!type_matches<T>(type)) {
    where.format_error(
        fmt::format("expected type {}, found {}", type_name<T>(), describe_type(type)));
  }
}

std::vector<hsize_t> to_hsize(const Shape& shape) {
  return {shape.begin(), shape.end()};
}

std::string describe_shape(const Shape& shape) {
  std::string out = "{";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "}";
}

// Number of elements in `shape`; nullopt on overflow of std::size_t.
std::optional<std::size_t> element_count(const Shape& shape) {
  std::size_t n = 1;
  for (const std::uint64_t d : shape) {
    if (d == 0) return 0;
    if (d > std::numeric_limits<std::size_t>::max() / n) return std::nullopt;
    n *= static_cast<std::size_t>(d);
  }
  return n;
}

struct SpaceInfo {
  H5S_class_t cls = H5S_NO_CLASS;
  Shape dims;
  Shape max_dims;
};

SpaceInfo space_info(const Where& where, hid_t space) {
  SpaceInfo info;
  info.cls = H5Sget_simple_extent_type(space);
  if (info.cls == H5S_NO_CLASS) where.fail("get dataspace class");
  if (info.cls != H5S_SIMPLE) return info;
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) where.fail("get dataspace rank");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  std::vector<hsize_t> max_dims(static_cast<std::size_t>(rank));
  if (H5Sget_simple_extent_dims(space, dims.data(), max_dims.data()) < 0) {
    where.fail("get dataspace dimensions");
  }
  info.dims.assign(dims.begin(), dims.end());
  info.max_dims.assign(max_dims.begin(), max_dims.end());
  return info;
}

std::string describe_space(const SpaceInfo& info) {
  if (info.cls == H5S_SCALAR) return "a scalar";
  if (info.cls == H5S_NULL) return "an empty (null) dataspace";
  return fmt::format("shape {}", describe_shape(info.dims));
}

Handle make_space(const Where& where, const Shape& dims, const Shape& max_dims = {}) {
  if (dims.empty())
    return where.check_id(H5Screate(H5S_SCALAR), HandleKind::dataspace, "create scalar dataspace");
  const std::vector<hsize_t> d = to_hsize(dims);
  const std::vector<hsize_t> m = to_hsize(max_dims);
  return where.check_id(
      H5Screate_simple(static_cast<int>(d.size()), d.data(), m.empty() ? nullptr : m.data()),
      HandleKind::dataspace, "create dataspace");
}

Handle utf8_string_type(const Where& where, H5T_cset_t cset = H5T_CSET_UTF8) {
  Handle type = where.check_id(H5Tcopy(H5T_C_S1), HandleKind::datatype, "copy string type");
  where.check(H5Tset_size(type.get(), variable_size), "make string type variable-length");
  where.check(H5Tset_cset(type.get(), cset), "set string character set");
  return type;
}

// Link creation: make missing parent groups, names in UTF-8.
Handle link_creation_list(const Where& where) {
  Handle lcpl = where.check_id(H5Pcreate(H5P_LINK_CREATE), HandleKind::property_list,
                               "create link creation property list");
  where.check(H5Pset_create_intermediate_group(lcpl.get(), 1), "set intermediate group creation");
  where.check(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), "set link name encoding");
  return lcpl;
}

// ---- reading attributes and datasets through one code path -------------------------------------

struct Source {
  hid_t id;
  bool attribute;
  Where where;

  [[nodiscard]] Handle type() const {
    return where.check_id(attribute ? H5Aget_type(id) : H5Dget_type(id), HandleKind::datatype,
                          "get datatype");
  }
  [[nodiscard]] Handle space() const {
    return where.check_id(attribute ? H5Aget_space(id) : H5Dget_space(id), HandleKind::dataspace,
                          "get dataspace");
  }
  void read(hid_t memory, void* buffer) const {
    where.check(attribute ? H5Aread(id, memory, buffer)
                          : H5Dread(id, memory, all_selection, all_selection, H5P_DEFAULT, buffer),
                "read");
  }
};

void require_scalar(const Source& source, const SpaceInfo& info) {
  if (info.cls != H5S_SCALAR) {
    source.where.format_error(fmt::format("expected a scalar, found {}", describe_space(info)));
  }
}

std::size_t require_1d(const Source& source, const SpaceInfo& info) {
  if (info.cls != H5S_SIMPLE || info.dims.size() != 1) {
    source.where.format_error(fmt::format("expected a 1-D array, found {}", describe_space(info)));
  }
  return static_cast<std::size_t>(info.dims[0]);
}

void require_string_type(const Source& source, hid_t type) {
  if (H5Tget_class(type) != H5T_STRING) {
    source.where.format_error(fmt::format("expected type string, found {}", describe_type(type)));
  }
}

// Reads n strings, fixed- or variable-length, from a source of string type.
std::vector<std::string> read_strings(const Source& source, hid_t type, hid_t space,
                                      std::size_t n) {
  std::vector<std::string> out;
  if (n == 0) return out;
  out.reserve(n);
  const htri_t variable = source.where.check_tri(H5Tis_variable_str(type), "inspect string type");
  if (variable) {
    const H5T_cset_t cset = H5Tget_cset(type);
    if (cset < 0) source.where.fail("get string character set");
    const Handle memory = utf8_string_type(source.where, cset);
    std::vector<char*> pointers(n, nullptr);
    struct Reclaim {
      hid_t type, space;
      std::vector<char*>& buffer;
      ~Reclaim() {
#if H5_VERSION_GE(1, 12, 0)
        const herr_t status = H5Treclaim(type, space, H5P_DEFAULT, buffer.data());
#else
        const herr_t status = H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer.data());
#endif
        if (status < 0) H5Eclear2(H5E_DEFAULT);
      }
    } reclaim{memory.get(), space, pointers};
    source.read(memory.get(), pointers.data());
    for (const char* p : pointers) out.emplace_back(p != nullptr ? p : "");
    return out;
  }
  const std::size_t size = H5Tget_size(type);
  if (size == 0) source.where.fail("get string size");
  const H5T_str_t pad = H5Tget_strpad(type);
  const Handle memory =
      source.where.check_id(H5Tcopy(type), HandleKind::datatype, "copy string type");
  std::vector<char> buffer(n * size);
  source.read(memory.get(), buffer.data());
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view s(buffer.data() + i * size, size);
    if (pad == H5T_STR_SPACEPAD) {
      s = s.substr(0, s.find_last_not_of(' ') + 1);
    } else {
      s = s.substr(0, std::min(s.find('\0'), s.size()));
    }
    out.emplace_back(s);
  }
  return out;
}

template <typename T>
T read_value(const Source& source) {
  const Handle type = source.type();
  const Handle space = source.space();
  const SpaceInfo info = space_info(source.where, space.get());
  if constexpr (Numeric<T>) {
    require_type<T>(source.where, type.get());
    require_scalar(source, info);
    T value{};
    source.read(memory_type<T>(), &value);
    return value;
  } else if constexpr (detail::is_numeric_vector<T>) {
    using E = typename T::value_type;
    require_type<E>(source.where, type.get());
    T values(require_1d(source, info));
    if (!values.empty()) source.read(memory_type<E>(), values.data());
    return values;
  } else if constexpr (detail::is_nd_array<T>) {
    using E = typename decltype(T::data)::value_type;
    require_type<E>(source.where, type.get());
    T array;
    if (info.cls == H5S_NULL) return array;
    array.shape = info.dims;
    const std::optional<std::size_t> n = element_count(array.shape);
    if (!n) source.where.format_error("dataset too large for memory");
    array.data.resize(*n);
    if (*n > 0) source.read(memory_type<E>(), array.data.data());
    return array;
  } else if constexpr (std::is_same_v<T, std::string>) {
    require_string_type(source, type.get());
    require_scalar(source, info);
    return std::move(read_strings(source, type.get(), space.get(), 1).front());
  } else {
    static_assert(std::is_same_v<T, std::vector<std::string>>);
    require_string_type(source, type.get());
    return read_strings(source, type.get(), space.get(), require_1d(source, info));
  }
}

// ---- attributes -------------------------------------------------------------------------------

void write_attribute_raw(hid_t object, const Where& where, hid_t stored, hid_t memory,
                         const Shape& dims, const void* buffer) {
  const std::string name(where.attribute);
  if (where.check_tri(H5Aexists(object, name.c_str()), "check for attribute")) {
    where.check(H5Adelete(object, name.c_str()), "delete attribute before rewriting it");
  }
  const Handle space = make_space(where, dims);
  const Handle acpl = where.check_id(H5Pcreate(H5P_ATTRIBUTE_CREATE), HandleKind::property_list,
                                     "create attribute creation property list");
  where.check(H5Pset_char_encoding(acpl.get(), H5T_CSET_UTF8), "set attribute name encoding");
  const Handle attribute =
      where.check_id(H5Acreate2(object, name.c_str(), stored, space.get(), acpl.get(), H5P_DEFAULT),
                     HandleKind::attribute, "create attribute");
  static const char dummy = 0;  // H5Awrite refuses a null buffer even for zero elements
  where.check(H5Awrite(attribute.get(), memory, buffer != nullptr ? buffer : &dummy),
              "write attribute");
}

void write_string_attribute(hid_t object, const Where& where, std::span<const std::string> values,
                            bool scalar) {
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const std::string& v : values) {
    require_no_nul(where, v);
    pointers.push_back(v.c_str());
  }
  const Handle type = utf8_string_type(where);
  write_attribute_raw(object, where, type.get(), type.get(),
                      scalar ? Shape{} : Shape{values.size()}, pointers.data());
}

}  // namespace

// ---- Handle -----------------------------------------------------------------------------------

Handle::Handle(std::int64_t id, HandleKind kind) noexcept : id_(id < 0 ? -1 : id), kind_(kind) {
  silence_hdf5_errors();
}

Handle::Handle(Handle&& other) noexcept : id_(other.id_), kind_(other.kind_) {
  other.id_ = -1;
}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, -1);
    kind_ = other.kind_;
  }
  return *this;
}

Handle::~Handle() {
  reset();
}

std::int64_t Handle::release() noexcept {
  return std::exchange(id_, -1);
}

void Handle::reset() noexcept {
  if (id_ >= 0) {
    if (close_id(std::exchange(id_, -1), kind_) < 0) H5Eclear2(H5E_DEFAULT);
  }
}

void Handle::close() {
  if (std::optional<std::string> error = close_reporting(*this)) throw IoError(*error);
}

// ---- Object -----------------------------------------------------------------------------------

Object::Object(Handle handle, std::string file_path, std::string path) noexcept
    : handle_(std::move(handle)), file_path_(std::move(file_path)), path_(std::move(path)) {}

std::int64_t Object::id() const {
  if (handle_.empty()) {
    throw InvalidArgument(
        fmt::format("file '{}', object '{}': the HDF5 object is closed or was "
                    "moved from",
                    file_path_, path_));
  }
  return handle_.get();
}

template <Numeric T>
void Object::write_attribute(std::string_view name, T value) {
  const Where where{file_path_, path_, name};
  require_name(where, name, "attribute");
  write_attribute_raw(id(), where, stored_type<T>(), memory_type<T>(), {}, &value);
}

template <Numeric T>
void Object::write_attribute_array(std::string_view name, std::span<const T> values) {
  const Where where{file_path_, path_, name};
  require_name(where, name, "attribute");
  write_attribute_raw(id(), where, stored_type<T>(), memory_type<T>(), Shape{values.size()},
                      values.data());
}

void Object::write_attribute(std::string_view name, std::string_view value) {
  const Where where{file_path_, path_, name};
  require_name(where, name, "attribute");
  const std::string copy(value);
  write_string_attribute(id(), where, std::span<const std::string>(&copy, 1), true);
}

void Object::write_attribute(std::string_view name, std::span<const std::string> values) {
  const Where where{file_path_, path_, name};
  require_name(where, name, "attribute");
  write_string_attribute(id(), where, values, false);
}

template <AttributeValue T>
T Object::read_attribute(std::string_view name) const {
  const Where where{file_path_, path_, name};
  require_name(where, name, "attribute");
  const std::string n(name);
  if (!where.check_tri(H5Aexists(id(), n.c_str()), "check for attribute")) {
    where.format_error("attribute not found");
  }
  const Handle attribute = where.check_id(H5Aopen(id(), n.c_str(), H5P_DEFAULT),
                                          HandleKind::attribute, "open attribute");
  return read_value<T>(Source{attribute.get(), true, where});
}

bool Object::has_attribute(std::string_view name) const {
  const Where where{file_path_, path_, name};
  require_name(where, name, "attribute");
  const std::string n(name);
  return where.check_tri(H5Aexists(id(), n.c_str()), "check for attribute");
}

std::vector<std::string> Object::attribute_names() const {
  const Where where{file_path_, path_};
  std::vector<std::string> names;
  const auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) noexcept {
    try {
      static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    } catch (...) {
      return herr_t{-1};
    }
    return herr_t{0};
  };
  hsize_t index = 0;
  where.check(H5Aiterate2(id(), H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names),
              "list attributes");
  std::sort(names.begin(), names.end());
  return names;
}

// ---- Group ------------------------------------------------------------------------------------

bool Group::exists(std::string_view path) const {
  const Where where{file_path_, path_};
  require_name(where, path, "object");
  const std::vector<std::string_view> parts = split_path(path);
  std::string prefix = path.starts_with('/') ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) prefix += '/';
    prefix += parts[i];
    const Where here{file_path_, join_path(path_, prefix)};  // owns its object path
    if (!here.check_tri(H5Lexists(id(), prefix.c_str(), H5P_DEFAULT), "check for link")) {
      return false;
    }
    if (!here.check_tri(H5Oexists_by_name(id(), prefix.c_str(), H5P_DEFAULT), "check for object")) {
      return false;  // dangling soft or external link
    }
    if (i + 1 < parts.size()) {
      const Handle object = here.check_id(H5Oopen(id(), prefix.c_str(), H5P_DEFAULT),
                                          HandleKind::object, "open object");
      if (H5Iget_type(object.get()) != H5I_GROUP) return false;
    }
  }
  return true;
}

namespace {

// Opens an existing object of the expected kind, or throws FormatError.
Handle open_object(hid_t base, const Where& where, bool exists, std::string_view path,
                   H5I_type_t expected) {
  const std::string_view expected_name = expected == H5I_GROUP ? "group" : "dataset";
  if (!exists) where.format_error(fmt::format("expected a {}, found nothing", expected_name));
  const std::string p(path);
  Handle object =
      where.check_id(H5Oopen(base, p.c_str(), H5P_DEFAULT), HandleKind::object, "open object");
  const H5I_type_t found = H5Iget_type(object.get());
  if (found != expected) {
    const std::string_view found_name = found == H5I_GROUP      ? "group"
                                        : found == H5I_DATASET  ? "dataset"
                                        : found == H5I_DATATYPE ? "named datatype"
                                                                : "object of unknown kind";
    where.format_error(fmt::format("expected a {}, found a {}", expected_name, found_name));
  }
  return {object.release(), expected == H5I_GROUP ? HandleKind::group : HandleKind::dataset};
}

// Chunk shape for a dataset of `dims` with filters but no chunk shape given: the whole dataset,
// halved along its slowest dimensions until a chunk holds at most `max_bytes`.
Shape automatic_chunk(const Shape& dims, std::size_t element_size, std::uint64_t max_bytes) {
  Shape chunk = dims;
  const auto bytes = [&] {
    std::uint64_t b = std::max<std::size_t>(element_size, 1);
    for (const std::uint64_t c : chunk) {
      if (c != 0 && b > max_bytes / c) return max_bytes + 1;  // (and no overflow)
      b *= c;
    }
    return b;
  };
  for (std::size_t i = 0; i < chunk.size() && bytes() > max_bytes; ++i) {
    while (chunk[i] > 1 && bytes() > max_bytes) chunk[i] = (chunk[i] + 1) / 2;
  }
  return chunk;
}

}  // namespace

Group Group::create_group(std::string_view path) {
  const std::string full = join_path(path_, path);
  const Where where{file_path_, full};
  require_name(where, path, "group");
  if (exists(path)) {
    throw IoError(
        fmt::format("{}: cannot create group: an object of that name already exists", where.str()));
  }
  const Handle lcpl = link_creation_list(where);
  const std::string p(path);
  Handle group = where.check_id(H5Gcreate2(id(), p.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                                HandleKind::group, "create group");
  return {std::move(group), file_path_, full};
}

Group Group::open_group(std::string_view path) const {
  const std::string full = join_path(path_, path);
  const Where where{file_path_, full};
  require_name(where, path, "group");
  return {open_object(id(), where, exists(path), path, H5I_GROUP), file_path_, full};
}

Group Group::require_group(std::string_view path) {
  return exists(path) ? open_group(path) : create_group(path);
}

std::vector<std::string> Group::children() const {
  const Where where{file_path_, path_};
  H5G_info_t info{};
  where.check(H5Gget_info(id(), &info), "get group info");
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(info.nlinks));
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t size =
        H5Lget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (size < 0) where.fail("get link name");
    std::string name(static_cast<std::size_t>(size) + 1, '\0');
    if (H5Lget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(),
                           H5P_DEFAULT) < 0) {
      where.fail("get link name");
    }
    name.resize(static_cast<std::size_t>(size));
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Dataset Group::open_dataset(std::string_view path) const {
  const std::string full = join_path(path_, path);
  const Where where{file_path_, full};
  require_name(where, path, "dataset");
  return make_dataset(open_object(id(), where, exists(path), path, H5I_DATASET), path);
}

Dataset Group::make_dataset(Handle handle, std::string_view path) const {
  return {std::move(handle), file_path_, join_path(path_, path)};
}

Handle Group::create_dataset(std::string_view path, std::int64_t file_type, const Shape& shape,
                             const Shape& max_shape, const DatasetOptions& options) {
  const std::string full = join_path(path_, path);
  const Where where{file_path_, full};
  require_name(where, path, "dataset");
  if (options.deflate_level < 0 || options.deflate_level > 9) {
    where.invalid(fmt::format("deflate level {} is outside 0..9", options.deflate_level));
  }
  const bool filtered = options.deflate_level > 0 || options.shuffle;
  if (shape.empty() && (filtered || !options.chunk.empty())) {
    where.invalid("a scalar dataset cannot be chunked or compressed");
  }
  Shape chunk = options.chunk;
  if (!chunk.empty()) {
    if (chunk.size() != shape.size()) {
      where.invalid(fmt::format("chunk shape {} does not have the rank of the dataset shape {}",
                                describe_shape(chunk), describe_shape(shape)));
    }
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      const std::uint64_t limit = max_shape.empty() ? shape[i] : max_shape[i];
      if (chunk[i] == 0 || (limit != unlimited && chunk[i] > limit)) {
        where.invalid(fmt::format("chunk shape {} must be positive and fit in the dataset shape {}",
                                  describe_shape(chunk), describe_shape(shape)));
      }
    }
  } else if (filtered && std::ranges::none_of(shape, [](std::uint64_t d) { return d == 0; })) {
    chunk = automatic_chunk(shape, H5Tget_size(file_type), auto_chunk_bytes);
  }
  if (exists(path)) {
    throw IoError(fmt::format("{}: cannot create dataset: an object of that name already exists",
                              where.str()));
  }
  const Handle space = make_space(where, shape, max_shape);
  const Handle dcpl = where.check_id(H5Pcreate(H5P_DATASET_CREATE), HandleKind::property_list,
                                     "create dataset creation property list");
  if (!chunk.empty()) {
    const std::vector<hsize_t> c = to_hsize(chunk);
    where.check(H5Pset_chunk(dcpl.get(), static_cast<int>(c.size()), c.data()), "set chunk shape");
    if (options.shuffle) where.check(H5Pset_shuffle(dcpl.get()), "set shuffle filter");
    if (options.deflate_level > 0) {
      where.check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options.deflate_level)),
                  "set deflate filter");
    }
  }
  const Handle lcpl = link_creation_list(where);
  const std::string p(path);
  return where.check_id(
      H5Dcreate2(id(), p.c_str(), file_type, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
      HandleKind::dataset, "create dataset");
}

template <Numeric T>
Dataset Group::write_dataset(std::string_view path, T value) {
  Handle dataset = create_dataset(path, stored_type<T>(), {}, {}, {});
  const Where where{file_path_, join_path(path_, path)};
  where.check(
      H5Dwrite(dataset.get(), memory_type<T>(), all_selection, all_selection, H5P_DEFAULT, &value),
      "write dataset");
  return make_dataset(std::move(dataset), path);
}

template <Numeric T>
Dataset Group::write_numeric(std::string_view path, const Shape& shape, std::span<const T> values,
                             const DatasetOptions& options) {
  const Where where{file_path_, join_path(path_, path)};
  const std::optional<std::size_t> n = element_count(shape);
  if (!n || *n != values.size()) {
    where.invalid(fmt::format("cannot write dataset: shape {} does not hold the {} values given",
                              describe_shape(shape), values.size()));
  }
  Handle dataset = create_dataset(path, stored_type<T>(), shape, {}, options);
  if (!values.empty()) {
    where.check(H5Dwrite(dataset.get(), memory_type<T>(), all_selection, all_selection, H5P_DEFAULT,
                         values.data()),
                "write dataset");
  }
  return make_dataset(std::move(dataset), path);
}

Dataset Group::write_dataset(std::string_view path, std::string_view text) {
  const Where where{file_path_, join_path(path_, path)};
  require_no_nul(where, text);
  const Handle type = utf8_string_type(where);
  Handle dataset = create_dataset(path, type.get(), {}, {}, {});
  const std::string copy(text);
  const char* pointer = copy.c_str();
  where.check(
      H5Dwrite(dataset.get(), type.get(), all_selection, all_selection, H5P_DEFAULT, &pointer),
      "write dataset");
  return make_dataset(std::move(dataset), path);
}

Dataset Group::write_dataset(std::string_view path, std::span<const std::string> values,
                             const DatasetOptions& options) {
  const Where where{file_path_, join_path(path_, path)};
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const std::string& v : values) {
    require_no_nul(where, v);
    pointers.push_back(v.c_str());
  }
  const Handle type = utf8_string_type(where);
  Handle dataset = create_dataset(path, type.get(), Shape{values.size()}, {}, options);
  if (!values.empty()) {
    where.check(H5Dwrite(dataset.get(), type.get(), all_selection, all_selection, H5P_DEFAULT,
                         pointers.data()),
                "write dataset");
  }
  return make_dataset(std::move(dataset), path);
}

template <Numeric T>
Dataset Group::create_extendible(std::string_view path, const Shape& shape,
                                 const DatasetOptions& options) {
  const Where where{file_path_, join_path(path_, path)};
  if (shape.empty()) where.invalid("an extendible dataset needs at least one dimension");
  const Shape row_shape(shape.begin() + 1, shape.end());
  if (std::ranges::any_of(row_shape, [](std::uint64_t d) { return d == 0; })) {
    where.invalid(fmt::format("dimensions after the first must be positive, got shape {}",
                              describe_shape(shape)));
  }
  Shape max_shape = shape;
  max_shape[0] = unlimited;
  DatasetOptions opts = options;
  if (opts.chunk.empty()) {
    const std::optional<std::size_t> row = element_count(row_shape);
    if (!row) where.invalid("row too large");
    const std::uint64_t row_bytes = static_cast<std::uint64_t>(*row) * sizeof(T);
    opts.chunk = shape;
    opts.chunk[0] = std::max<std::uint64_t>(1, extendible_chunk_bytes / row_bytes);
  }
  return make_dataset(create_dataset(path, stored_type<T>(), shape, max_shape, opts), path);
}

// ---- Dataset ----------------------------------------------------------------------------------

namespace {

struct Rows {
  Shape dims;
  Shape max_dims;
  std::uint64_t row_size = 0;  // elements per row
};

template <Numeric T>
Rows row_layout(hid_t dataset, const Where& where, std::string_view operation) {
  const Handle type = where.check_id(H5Dget_type(dataset), HandleKind::datatype, "get datatype");
  if (!type_matches<T>(type.get())) {
    where.format_error(fmt::format("cannot {}: expected type {}, found {}", operation,
                                   type_name<T>(), describe_type(type.get())));
  }
  const Handle space =
      where.check_id(H5Dget_space(dataset), HandleKind::dataspace, "get dataspace");
  const SpaceInfo info = space_info(where, space.get());
  if (info.cls != H5S_SIMPLE || info.dims.empty()) {
    where.format_error(fmt::format("cannot {}: expected an array with rows, found {}", operation,
                                   describe_space(info)));
  }
  Rows rows{info.dims, info.max_dims, 1};
  for (std::size_t i = 1; i < info.dims.size(); ++i) rows.row_size *= info.dims[i];
  return rows;
}

// Number of whole rows in `n` values, or InvalidArgument.
std::uint64_t whole_rows(const Where& where, const Rows& rows, std::size_t n,
                         std::string_view operation) {
  if (rows.row_size == 0 ? n != 0 : n % rows.row_size != 0) {
    where.invalid(fmt::format("cannot {}: {} values are not a whole number of rows of {} values",
                              operation, n, rows.row_size));
  }
  return rows.row_size == 0 ? 0 : n / rows.row_size;
}

// Selects rows [first, first + count) of the dataset's file space and a matching memory space.
std::pair<Handle, Handle> row_selection(hid_t dataset, const Where& where, const Rows& rows,
                                        std::uint64_t first, std::uint64_t count) {
  Handle file_space = where.check_id(H5Dget_space(dataset), HandleKind::dataspace, "get dataspace");
  std::vector<hsize_t> start(rows.dims.size(), 0);
  std::vector<hsize_t> extent = to_hsize(rows.dims);
  start[0] = first;
  extent[0] = count;
  where.check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                  extent.data(), nullptr),
              "select rows");
  const hsize_t n = count * rows.row_size;
  Handle memory_space = where.check_id(H5Screate_simple(1, &n, nullptr), HandleKind::dataspace,
                                       "create memory dataspace");
  return {std::move(file_space), std::move(memory_space)};
}

void check_row_range(const Where& where, const Rows& rows, std::uint64_t first, std::uint64_t count,
                     std::string_view operation) {
  if (first > rows.dims[0] || count > rows.dims[0] - first) {
    where.invalid(fmt::format("cannot {}: rows [{}, {}) are outside the {} rows of the dataset",
                              operation, first, first + count, rows.dims[0]));
  }
}

}  // namespace

Shape Dataset::shape() const {
  const Where where{file_path_, path_};
  const Handle space = where.check_id(H5Dget_space(id()), HandleKind::dataspace, "get dataspace");
  return space_info(where, space.get()).dims;
}

Shape Dataset::chunk_shape() const {
  const Where where{file_path_, path_};
  const Handle dcpl = where.check_id(H5Dget_create_plist(id()), HandleKind::property_list,
                                     "get dataset creation property list");
  const H5D_layout_t layout = H5Pget_layout(dcpl.get());
  if (layout < 0) where.fail("get dataset layout");
  if (layout != H5D_CHUNKED) return {};
  std::vector<hsize_t> chunk(H5S_MAX_RANK);
  const int rank = H5Pget_chunk(dcpl.get(), H5S_MAX_RANK, chunk.data());
  if (rank < 0) where.fail("get chunk shape");
  chunk.resize(static_cast<std::size_t>(rank));
  return {chunk.begin(), chunk.end()};
}

template <DatasetValue T>
T Dataset::read() const {
  return read_value<T>(Source{id(), false, Where{file_path_, path_}});
}

template <Numeric T>
void Dataset::append_rows(std::span<const T> values) {
  const Where where{file_path_, path_};
  const Rows rows = row_layout<T>(id(), where, "append rows");
  const std::uint64_t k = whole_rows(where, rows, values.size(), "append rows");
  if (k == 0) return;
  if (rows.max_dims[0] != unlimited && k > rows.max_dims[0] - rows.dims[0]) {
    where.format_error(fmt::format(
        "cannot append rows: expected a dataset extendible along its first dimension, found "
        "shape {} with maximum shape {}",
        describe_shape(rows.dims), describe_shape(rows.max_dims)));
  }
  Rows grown = rows;
  grown.dims[0] += k;
  const std::vector<hsize_t> new_dims = to_hsize(grown.dims);
  where.check(H5Dset_extent(id(), new_dims.data()), "extend dataset");
  try {
    const auto [file_space, memory_space] = row_selection(id(), where, grown, rows.dims[0], k);
    where.check(H5Dwrite(id(), memory_type<T>(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                         values.data()),
                "write appended rows");
  } catch (...) {
    // Do not leave rows of fill values behind.
    const std::vector<hsize_t> old_dims = to_hsize(rows.dims);
    if (H5Dset_extent(id(), old_dims.data()) < 0) H5Eclear2(H5E_DEFAULT);
    throw;
  }
}

template <Numeric T>
void Dataset::write_rows_at(std::uint64_t first_row, std::span<const T> values) {
  const Where where{file_path_, path_};
  const Rows rows = row_layout<T>(id(), where, "write rows");
  const std::uint64_t k = whole_rows(where, rows, values.size(), "write rows");
  check_row_range(where, rows, first_row, k, "write rows");
  if (k == 0) return;
  const auto [file_space, memory_space] = row_selection(id(), where, rows, first_row, k);
  where.check(H5Dwrite(id(), memory_type<T>(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                       values.data()),
              "write rows");
}

void Dataset::resize_rows(std::uint64_t rows) {
  const Where where{file_path_, path_};
  const Handle space = where.check_id(H5Dget_space(id()), HandleKind::dataspace, "get dataspace");
  const SpaceInfo info = space_info(where, space.get());
  if (info.cls != H5S_SIMPLE || info.dims.empty() ||
      (info.max_dims[0] != unlimited && rows > info.max_dims[0])) {
    where.format_error(fmt::format(
        "cannot resize to {} rows: expected a dataset extendible along its first dimension, "
        "found shape {} with maximum shape {}",
        rows, describe_shape(info.dims), describe_shape(info.max_dims)));
  }
  Shape dims = info.dims;
  dims[0] = rows;
  const std::vector<hsize_t> new_dims = to_hsize(dims);
  where.check(H5Dset_extent(id(), new_dims.data()), "resize dataset");
}

template <Numeric T>
void Dataset::write_box_at(const Shape& start, const Shape& count, std::span<const T> values) {
  const Where where{file_path_, path_};
  const Rows rows = row_layout<T>(id(), where, "write box");
  bool inside = start.size() == rows.dims.size() && count.size() == rows.dims.size();
  std::uint64_t elements = 1;
  for (std::size_t i = 0; inside && i < rows.dims.size(); ++i) {
    inside = start[i] <= rows.dims[i] && count[i] <= rows.dims[i] - start[i];
    elements *= count[i];  // at most the dataset's elements once inside
  }
  if (!inside) {
    where.invalid(fmt::format("cannot write box: extent {} at {} is outside the shape {}",
                              describe_shape(count), describe_shape(start),
                              describe_shape(rows.dims)));
  }
  if (values.size() != elements) {
    where.invalid(fmt::format("cannot write box: {} values for a box of {} elements", values.size(),
                              elements));
  }
  if (elements == 0) return;
  const Handle file_space =
      where.check_id(H5Dget_space(id()), HandleKind::dataspace, "get dataspace");
  const std::vector<hsize_t> first = to_hsize(start), extent = to_hsize(count);
  where.check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, first.data(), nullptr,
                                  extent.data(), nullptr),
              "select box");
  const hsize_t n = elements;
  const Handle memory_space = where.check_id(H5Screate_simple(1, &n, nullptr),
                                             HandleKind::dataspace, "create memory dataspace");
  where.check(H5Dwrite(id(), memory_type<T>(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                       values.data()),
              "write box");
}

template <Numeric T>
std::vector<T> Dataset::read_rows(std::uint64_t first_row, std::uint64_t count) const {
  const Where where{file_path_, path_};
  const Rows rows = row_layout<T>(id(), where, "read rows");
  check_row_range(where, rows, first_row, count, "read rows");
  std::vector<T> values(static_cast<std::size_t>(count * rows.row_size));
  if (values.empty()) return values;
  const auto [file_space, memory_space] = row_selection(id(), where, rows, first_row, count);
  where.check(H5Dread(id(), memory_type<T>(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                      values.data()),
              "read rows");
  return values;
}

// ---- File -------------------------------------------------------------------------------------

File File::create(const std::filesystem::path& path, const FileIdentity& identity,
                  CreateMode mode) {
  silence_hdf5_errors();
  const std::string file_path = path.string();
  const Where where{file_path, ""};
  if (identity.filetype.empty()) where.invalid("cannot create file: empty filetype");
  if (identity.major < 0 || identity.minor < 0) {
    where.invalid(fmt::format("cannot create file: negative schema_version {}.{}", identity.major,
                              identity.minor));
  }
  std::error_code ec;
  if (mode == CreateMode::exclusive &&
      std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
    throw IoError(fmt::format("{}: cannot create file: it already exists", where.str()));
  }
  // (H5F_ACC_EXCL below also refuses an existing file, should one appear in between.)
  File file;
  file.file_ = where.check_id(
      H5Fcreate(file_path.c_str(), mode == CreateMode::exclusive ? H5F_ACC_EXCL : H5F_ACC_TRUNC,
                H5P_DEFAULT, H5P_DEFAULT),
      HandleKind::file, "create file");
  file.file_path_ = file_path;
  file.path_ = root_path;
  try {
    file.handle_ = Where{file_path, "/"}.check_id(H5Gopen2(file.file_.get(), "/", H5P_DEFAULT),
                                                  HandleKind::group, "open root group");
    file.write_attribute("filetype", std::string_view(identity.filetype));
    file.write_attribute("schema_version", std::array{identity.major, identity.minor});
  } catch (...) {
    file.handle_.reset();
    file.file_.reset();
    std::filesystem::remove(path, ec);  // we created (or truncated) it: no half-made file
    throw;
  }
  return file;
}

File File::open_foreign(const std::filesystem::path& path) {
  return open_any(path, OpenMode::read_only);
}

File File::open_any(const std::filesystem::path& path, OpenMode mode) {
  silence_hdf5_errors();
  const std::string file_path = path.string();
  const Where where{file_path, ""};
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    throw IoError(fmt::format("{}: cannot open file: no such file", where.str()));
  }
  if (status.type() == std::filesystem::file_type::directory) {
    throw IoError(fmt::format("{}: cannot open file: it is a directory", where.str()));
  }
#if H5_VERSION_GE(1, 12, 0)
  const htri_t is_hdf5 = H5Fis_accessible(file_path.c_str(), H5P_DEFAULT);
#else
  const htri_t is_hdf5 = H5Fis_hdf5(file_path.c_str());
#endif
  if (!where.check_tri(is_hdf5, "open file")) where.format_error("not an HDF5 file");
  File file;
  file.file_ = where.check_id(
      H5Fopen(file_path.c_str(), mode == OpenMode::read_only ? H5F_ACC_RDONLY : H5F_ACC_RDWR,
              H5P_DEFAULT),
      HandleKind::file, "open file");
  file.file_path_ = file_path;
  file.path_ = root_path;
  file.handle_ = Where{file_path, "/"}.check_id(H5Gopen2(file.file_.get(), "/", H5P_DEFAULT),
                                                HandleKind::group, "open root group");
  return file;
}

File File::open(const std::filesystem::path& path, OpenMode mode,
                std::string_view expected_filetype, std::int32_t supported_major) {
  const std::string file_path = path.string();
  const Where where{file_path, ""};
  File file = open_any(path, mode);
  if (!file.has_attribute("filetype") || !file.has_attribute("schema_version")) {
    where.format_error(
        fmt::format("expected a '{}' file, found no file identity (root attributes 'filetype' and "
                    "'schema_version')",
                    expected_filetype));
  }
  const FileIdentity found = file.identity();
  if (found.filetype != expected_filetype) {
    where.format_error(
        fmt::format("expected a '{}' file, found a '{}' file", expected_filetype, found.filetype));
  }
  if (found.major != supported_major) {
    where.format_error(
        fmt::format("schema_version {}.{} is not supported by this build (supports {}.x)",
                    found.major, found.minor, supported_major));
  }
  return file;
}

FileIdentity File::identity() const {
  FileIdentity identity;
  identity.filetype = read_attribute<std::string>("filetype");
  const auto version = read_attribute<std::vector<std::int32_t>>("schema_version");
  if (version.size() != 2) {
    Where{file_path_, path_, "schema_version"}.format_error(
        fmt::format("expected 2 values [major, minor], found {}", version.size()));
  }
  identity.major = version[0];
  identity.minor = version[1];
  return identity;
}

void File::flush() {
  if (file_.empty()) {
    throw InvalidArgument(
        fmt::format("file '{}': cannot flush: the file is closed or was moved "
                    "from",
                    file_path_));
  }
  Where{file_path_, ""}.check(H5Fflush(file_.get(), H5F_SCOPE_LOCAL), "flush file");
}

void File::close() {
  if (file_.empty() && handle_.empty()) return;
  std::optional<std::string> error;
  if (!file_.empty() && H5Fflush(file_.get(), H5F_SCOPE_LOCAL) < 0) {
    error = fmt::format("cannot flush (HDF5: {})", hdf5_error_description());
  }
  std::optional<std::string> group_error = close_reporting(handle_);
  std::optional<std::string> file_error = close_reporting(file_);
  if (!error) error = group_error ? std::move(group_error) : std::move(file_error);
  if (error) throw IoError(fmt::format("file '{}': {}", file_path_, *error));
}

// ---- explicit instantiations ------------------------------------------------------------------

#define KIRCHHOFF_H5_INSTANTIATE(T)                                                            \
  template void Object::write_attribute<T>(std::string_view, T);                               \
  template void Object::write_attribute_array<T>(std::string_view, std::span<const T>);        \
  template T Object::read_attribute<T>(std::string_view) const;                                \
  template std::vector<T> Object::read_attribute<std::vector<T>>(std::string_view) const;      \
  template Dataset Group::write_dataset<T>(std::string_view, T);                               \
  template Dataset Group::write_numeric<T>(std::string_view, const Shape&, std::span<const T>, \
                                           const DatasetOptions&);                             \
  template Dataset Group::create_extendible<T>(std::string_view, const Shape&,                 \
                                               const DatasetOptions&);                         \
  template T Dataset::read<T>() const;                                                         \
  template std::vector<T> Dataset::read<std::vector<T>>() const;                               \
  template NdArray<T> Dataset::read<NdArray<T>>() const;                                       \
  template void Dataset::append_rows<T>(std::span<const T>);                                   \
  template void Dataset::write_rows_at<T>(std::uint64_t, std::span<const T>);                  \
  template void Dataset::write_box_at<T>(const Shape&, const Shape&, std::span<const T>);      \
  template std::vector<T> Dataset::read_rows<T>(std::uint64_t, std::uint64_t) const;

KIRCHHOFF_H5_INSTANTIATE(double)
KIRCHHOFF_H5_INSTANTIATE(float)
KIRCHHOFF_H5_INSTANTIATE(std::int32_t)
KIRCHHOFF_H5_INSTANTIATE(std::int64_t)
KIRCHHOFF_H5_INSTANTIATE(std::uint8_t)
KIRCHHOFF_H5_INSTANTIATE(std::uint32_t)
KIRCHHOFF_H5_INSTANTIATE(std::uint64_t)
#undef KIRCHHOFF_H5_INSTANTIATE

template std::string Object::read_attribute<std::string>(std::string_view) const;
template std::vector<std::string> Object::read_attribute<std::vector<std::string>>(
    std::string_view) const;
template std::string Dataset::read<std::string>() const;
template std::vector<std::string> Dataset::read<std::vector<std::string>>() const;

}  // namespace kirchhoff::h5
