# Shared compile settings and helpers for the module libraries, tests and benchmarks.

add_library(kirchhoff_warnings INTERFACE)
target_compile_options(kirchhoff_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                       -Wconversion -Wsign-conversion -Wdouble-promotion
                       -Wformat=2 -Wimplicit-fallthrough)
if(KIRCHHOFF_WERROR)
  target_compile_options(kirchhoff_warnings INTERFACE -Werror)
endif()

# Results must not depend on whether the compiler fuses a*b+c into one rounding (FMA), which
# varies with -march and optimisation level: no contraction. The two other flags change no
# value: math functions need not set errno, and floating-point exception flags are never read;
# both let the compiler vectorise loops with sqrt and comparisons (the random transforms).
add_compile_options(-ffp-contract=off -fno-math-errno -fno-trapping-math)

# Boost.Math evaluates double functions (erfc_inv, Student-t and beta quantiles) in long double by
# default, through the x87 logl/expl/powl whose last bits differ between CPU vendors: truncated
# normals and confidence bounds differed between an Intel and an AMD machine. In double they run
# on the C library's software functions, the same bits on every x86-64 CPU.
add_compile_definitions(BOOST_MATH_PROMOTE_DOUBLE_POLICY=false)

# KIRCHHOFF_SANITIZE (top-level CMakeLists.txt): ASan + UBSan, or TSan (they cannot be combined).
string(TOLOWER "${KIRCHHOFF_SANITIZE}" _sanitize)
if(_sanitize MATCHES "^(on|yes|true|1|address,undefined|undefined,address)$")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(_sanitize STREQUAL "thread")
  # Link a TSan build of oneTBB (-DTBB_DIR=...; ./run.sh tsan builds Debian's source package):
  # TSan cannot see the synchronisation inside Debian's uninstrumented libtbb (run.sh, tsan_tbb).
  # GCC 12 warns under TSan's instrumentation, and only there (not at -O3, not under ASan, which
  # runs the same code without a report), that a std::vector's destructor frees a pointer "with
  # nonzero offset" (nn/src/ops.cpp, add()): one of the false positives of -Wfree-nonheap-object
  # on inlined vector code (GCC meta-bug 99098). Off in this build only.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-free-nonheap-object)
  add_link_options(-fsanitize=thread)
elseif(NOT _sanitize MATCHES "^(off|no|false|0|)$")
  message(FATAL_ERROR "KIRCHHOFF_SANITIZE='${KIRCHHOFF_SANITIZE}': must be OFF, ON, "
                      "address,undefined or thread")
endif()

# kirchhoff_add_module(<name> [NO_INSTALL] [SOURCES ...] [PUBLIC_DEPENDS ...] [PRIVATE_DEPENDS ...])
# Defines the library kirchhoff_<name> with the alias kirchhoff::<name>; public headers live in
# <module>/include/kirchhoff/<name>/. Without sources the target is an INTERFACE library.
# Installed modules join the export set used by find_package(kirchhoff).
include(GNUInstallDirs)
function(kirchhoff_add_module name)
  cmake_parse_arguments(ARG "NO_INSTALL" "" "SOURCES;PUBLIC_DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  set(target kirchhoff_${name})
  if(ARG_SOURCES)
    add_library(${target} ${ARG_SOURCES})
    target_compile_features(${target} PUBLIC cxx_std_20)
    target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPENDS}
                          PRIVATE ${ARG_PRIVATE_DEPENDS} $<BUILD_INTERFACE:kirchhoff_warnings>)
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    set(scope PUBLIC)
  else()
    add_library(${target} INTERFACE)
    target_link_libraries(${target} INTERFACE ${ARG_PUBLIC_DEPENDS})
    set(scope INTERFACE)
  endif()
  add_library(kirchhoff::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_include_directories(${target} ${scope}
      $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    if(NOT ARG_NO_INSTALL)
      install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
    endif()
  endif()
  if(NOT ARG_NO_INSTALL)
    install(TARGETS ${target} EXPORT kirchhoffTargets
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
            LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  endif()
endfunction()

# kirchhoff_add_test(<name> SOURCES ... LIBS ... [LABELS ...] [TIMEOUT seconds])
# One executable per test file, linked with the test support library (tests/support); every
# GoogleTest case becomes a ctest test <name>.<suite>.<test>. Labels are per test: a case whose
# suite name contains "Statistic" (PcmStatistics, DriftFitStatistical, ...) is labelled
# "statistical", every other case "unit" (or LABELS when given, e.g. integration).
function(kirchhoff_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} kirchhoff_test_support GTest::gtest
                        GTest::gtest_main kirchhoff_warnings)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST TEST_PREFIX "${name}."
                       TEST_FILTER "-*Statistic*.*"
                       PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
                       WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST TEST_PREFIX "${name}."
                       TEST_FILTER "*Statistic*.*"
                       PROPERTIES LABELS statistical TIMEOUT ${ARG_TIMEOUT}
                       WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
endfunction()

# kirchhoff_add_test_folder(<prefix> LIBS ... [TARGETS <variable>])
# One test executable per *_test.cpp of the calling folder, named <prefix>_<file>, labelled per
# test as kirchhoff_add_test does. TARGETS names a variable that receives the list of targets.
function(kirchhoff_add_test_folder prefix)
  cmake_parse_arguments(ARG "" "TARGETS" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  set(targets "")
  foreach(source ${sources})
    get_filename_component(name ${source} NAME_WE)
    kirchhoff_add_test(${prefix}_${name} SOURCES ${source} LIBS ${ARG_LIBS})
    list(APPEND targets ${prefix}_${name})
  endforeach()
  if(ARG_TARGETS)
    set(${ARG_TARGETS} ${targets} PARENT_SCOPE)
  endif()
endfunction()
