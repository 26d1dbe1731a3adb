# Imported targets for the dependencies Debian ships without a CMake or pkg-config file.
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
