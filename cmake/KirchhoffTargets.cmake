# Shared compile settings and helpers for the module libraries, tests and benchmarks.

add_library(kirchhoff_warnings INTERFACE)
target_compile_options(kirchhoff_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                       -Wconversion -Wsign-conversion -Wnull-dereference -Wdouble-promotion
                       -Wformat=2 -Wimplicit-fallthrough)
if(KIRCHHOFF_WERROR)
  target_compile_options(kirchhoff_warnings INTERFACE -Werror)
endif()

if(KIRCHHOFF_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# kirchhoff_add_module(<name> SOURCES ... DEPENDS ...)
# Defines the library kirchhoff_<name> with the alias kirchhoff::<name>.
function(kirchhoff_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  add_library(kirchhoff_${name} ${ARG_SOURCES})
  add_library(kirchhoff::${name} ALIAS kirchhoff_${name})
  target_include_directories(kirchhoff_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  target_compile_features(kirchhoff_${name} PUBLIC cxx_std_20)
  target_link_libraries(kirchhoff_${name} PUBLIC ${ARG_PUBLIC_DEPENDS}
                        PRIVATE ${ARG_PRIVATE_DEPENDS} $<BUILD_INTERFACE:kirchhoff_warnings>)
  set_target_properties(kirchhoff_${name} PROPERTIES EXPORT_NAME ${name}
                        POSITION_INDEPENDENT_CODE ON)
endfunction()

# kirchhoff_add_test(<name> SOURCES ... LIBS ... [LABELS ...])
# One executable per test file; every GoogleTest case becomes a ctest test.
function(kirchhoff_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main kirchhoff_warnings)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
                       PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
                       WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
endfunction()
