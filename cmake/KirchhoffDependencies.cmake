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
kirchhoff_require(zlib1g-dev ZLIB)
# ONNX's exported targets link protobuf::libprotobuf, which FindProtobuf defines.
kirchhoff_require(libprotobuf-dev Protobuf)
kirchhoff_require(libonnx-dev ONNX CONFIG)

# Random123, CHOLMOD and OpenBLAS come without CMake targets: imported targets made by hand.
include(KirchhoffFindHeaderOnly)
foreach(package ${KIRCHHOFF_NOT_FOUND})
  list(APPEND KIRCHHOFF_MISSING_PACKAGES ${package})
  message(SEND_ERROR "Kirchhoff needs the Debian package '${package}' (apt-get install ${package}), "
                     "or run ./run.sh deps")
endforeach()
set(KIRCHHOFF_SUITESPARSE_TARGETS SuiteSparse::CHOLMOD)

# Boost.Math is header-only; make sure the part we use is there, not just Boost's config.
if(Boost_FOUND)
  find_path(BOOST_MATH_INCLUDE_DIR NAMES boost/math/distributions/students_t.hpp
            HINTS ${Boost_INCLUDE_DIRS})
  if(NOT BOOST_MATH_INCLUDE_DIR)
    list(APPEND KIRCHHOFF_MISSING_PACKAGES libboost-math-dev)
    message(SEND_ERROR "Kirchhoff needs Boost.Math: install the Debian package 'libboost-math-dev'")
  endif()
endif()

if(KIRCHHOFF_MPI)
  kirchhoff_require(libopenmpi-dev MPI COMPONENTS CXX)
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
