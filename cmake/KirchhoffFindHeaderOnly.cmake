# Imported targets for the dependencies Debian ships without a CMake target.
# Used by the build (KirchhoffDependencies.cmake) and by the installed kirchhoffConfig.cmake.
# Sets KIRCHHOFF_NOT_FOUND to the Debian packages that are missing.
set(KIRCHHOFF_NOT_FOUND "")

if(NOT TARGET Random123::Random123)
  find_path(RANDOM123_INCLUDE_DIR NAMES Random123/philox.h)
  if(RANDOM123_INCLUDE_DIR)
    add_library(Random123::Random123 INTERFACE IMPORTED)
    target_include_directories(Random123::Random123 SYSTEM INTERFACE "${RANDOM123_INCLUDE_DIR}")
  else()
    list(APPEND KIRCHHOFF_NOT_FOUND librandom123-dev)
  endif()
endif()

# SuiteSparse's CHOLMOD (sparse Cholesky for the exact IR-drop solver).
if(NOT TARGET SuiteSparse::CHOLMOD)
  find_path(CHOLMOD_INCLUDE_DIR NAMES cholmod.h PATH_SUFFIXES suitesparse)
  find_library(CHOLMOD_LIBRARY NAMES cholmod)
  if(CHOLMOD_INCLUDE_DIR AND CHOLMOD_LIBRARY)
    add_library(SuiteSparse::CHOLMOD UNKNOWN IMPORTED)
    set_target_properties(SuiteSparse::CHOLMOD PROPERTIES IMPORTED_LOCATION "${CHOLMOD_LIBRARY}"
                          INTERFACE_INCLUDE_DIRECTORIES "${CHOLMOD_INCLUDE_DIR}")
  else()
    list(APPEND KIRCHHOFF_NOT_FOUND libsuitesparse-dev)
  endif()
endif()

# OpenBLAS: the dense products (core/blas.hpp). Installing it also makes it the system's
# libblas.so.3, which CHOLMOD and PyTorch then use instead of the reference BLAS. Its CMake
# file (Debian's libopenblas-dev) sets variables only.
if(NOT TARGET OpenBLAS::OpenBLAS)
  find_package(OpenBLAS CONFIG QUIET)
  find_path(OPENBLAS_CBLAS_INCLUDE_DIR NAMES cblas.h HINTS ${OpenBLAS_INCLUDE_DIRS} NO_DEFAULT_PATH)
  if(OpenBLAS_FOUND AND OPENBLAS_CBLAS_INCLUDE_DIR)
    add_library(OpenBLAS::OpenBLAS INTERFACE IMPORTED)
    set_target_properties(OpenBLAS::OpenBLAS PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${OPENBLAS_CBLAS_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES "${OpenBLAS_LIBRARIES}")
  else()
    list(APPEND KIRCHHOFF_NOT_FOUND libopenblas-dev)
  endif()
endif()
