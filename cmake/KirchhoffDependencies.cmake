# Every third-party dependency comes from a Debian package and is found here, once.
# A missing one stops configure with the name of the package that provides it.

set(KIRCHHOFF_MISSING_PACKAGES "")

# kirchhoff_require(<debian-package> <find_package arguments...>)
macro(kirchhoff_require debian_package name)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    list(APPEND KIRCHHOFF_MISSING_PACKAGES ${debian_package})
    message(SEND_ERROR "Kirchhoff needs ${name}: install the Debian package '${debian_package}' "
                       "(apt-get install ${debian_package}), or run ./run.sh deps")
  endif()
endmacro()

kirchhoff_require(libhdf5-dev HDF5 COMPONENTS C)
kirchhoff_require(libtbb-dev TBB CONFIG)
kirchhoff_require(libgomp1 OpenMP COMPONENTS CXX)
kirchhoff_require(libboost-math-dev Boost 1.74 CONFIG)
kirchhoff_require(libeigen3-dev Eigen3 3.3 CONFIG)
kirchhoff_require(libtomlplusplus-dev tomlplusplus CONFIG)
kirchhoff_require(libcli11-dev CLI11 CONFIG)
kirchhoff_require(libfmt-dev fmt CONFIG)

# Random123 is header-only and ships no CMake or pkg-config file.
find_path(RANDOM123_INCLUDE_DIR NAMES Random123/philox.h)
if(RANDOM123_INCLUDE_DIR)
  add_library(Random123::Random123 INTERFACE IMPORTED)
  target_include_directories(Random123::Random123 SYSTEM INTERFACE "${RANDOM123_INCLUDE_DIR}")
else()
  list(APPEND KIRCHHOFF_MISSING_PACKAGES librandom123-dev)
  message(SEND_ERROR "Kirchhoff needs Random123 (Random123/philox.h): install the Debian package "
                     "'librandom123-dev' (apt-get install librandom123-dev), or run ./run.sh deps")
endif()

# Boost.Math is header-only; make sure the part we use is there, not just Boost's config.
if(Boost_FOUND)
  find_path(BOOST_MATH_INCLUDE_DIR NAMES boost/math/distributions/students_t.hpp
            HINTS ${Boost_INCLUDE_DIRS})
  if(NOT BOOST_MATH_INCLUDE_DIR)
    list(APPEND KIRCHHOFF_MISSING_PACKAGES libboost-math-dev)
    message(SEND_ERROR "Kirchhoff needs Boost.Math: install the Debian package 'libboost-math-dev'")
  endif()
endif()

# SuiteSparse's CHOLMOD (sparse Cholesky for the exact IR-drop solver). Debian ships no CMake
# config for SuiteSparse 5, so look for the header and the library directly.
find_path(CHOLMOD_INCLUDE_DIR NAMES cholmod.h PATH_SUFFIXES suitesparse)
find_library(CHOLMOD_LIBRARY NAMES cholmod)
if(CHOLMOD_INCLUDE_DIR AND CHOLMOD_LIBRARY)
  add_library(SuiteSparse::CHOLMOD UNKNOWN IMPORTED)
  set_target_properties(SuiteSparse::CHOLMOD PROPERTIES IMPORTED_LOCATION "${CHOLMOD_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${CHOLMOD_INCLUDE_DIR}")
  set(KIRCHHOFF_SUITESPARSE_TARGETS SuiteSparse::CHOLMOD)
else()
  list(APPEND KIRCHHOFF_MISSING_PACKAGES libsuitesparse-dev)
  message(SEND_ERROR "Kirchhoff needs CHOLMOD (cholmod.h): install the Debian package "
                     "'libsuitesparse-dev' (apt-get install libsuitesparse-dev)")
endif()

if(KIRCHHOFF_BUILD_TESTS)
  kirchhoff_require(libgtest-dev GTest CONFIG)
endif()
if(KIRCHHOFF_BUILD_BENCHMARKS)
  kirchhoff_require(libbenchmark-dev benchmark CONFIG)
endif()

if(KIRCHHOFF_MISSING_PACKAGES)
  list(REMOVE_DUPLICATES KIRCHHOFF_MISSING_PACKAGES)
  list(JOIN KIRCHHOFF_MISSING_PACKAGES " " _missing)
  message(FATAL_ERROR "Missing Debian packages: ${_missing}\n"
                      "Install them with: apt-get install ${_missing}")
endif()
