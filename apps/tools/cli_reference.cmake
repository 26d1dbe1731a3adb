# Writes or checks docs/cli.md, the command-line reference, from the `--help` text of the built
# program. The command tree is discovered by walking it: `kirchhoff --help` lists the
# subcommands (CLI11's "Subcommands:" section), each of them is asked for its own `--help`, and
# so on down; a new command appears in the reference without touching this script. The intro
# paragraph of each top-level command comes from cli_reference_intros.md beside this script.
#
# Regenerate (from the repository root, after building):
#   cmake -DKIRCHHOFF=build/release/apps/kirchhoff -DOUT=docs/cli.md -P apps/tools/cli_reference.cmake
# or, building the program first: cmake --build build/release --target cli_reference
# Check (the ctest test cli.reference does this; fails with the first difference):
#   cmake -DKIRCHHOFF=build/release/apps/kirchhoff -DCHECK=docs/cli.md -P apps/tools/cli_reference.cmake
#
# Normalisation, so that the reference is the same on every machine: trailing blanks of each
# line and trailing blank lines of each help text are removed, and the program's own path, its
# directory and the source tree's path are replaced by `kirchhoff`, `<bindir>` and `<source>`
# should a help text ever contain them. CLI11 formats help with a fixed column width (no
# terminal-width dependence) and the program prints no machine-dependent defaults today.
cmake_minimum_required(VERSION 3.20)

set(_usage "usage: cmake -DKIRCHHOFF=<path to kirchhoff> (-DOUT=<file> | -DCHECK=<file>) \
[-DINTROS=<file>] -P cli_reference.cmake")
if(NOT DEFINED KIRCHHOFF OR (NOT DEFINED OUT AND NOT DEFINED CHECK))
  message(FATAL_ERROR "${_usage}")
endif()
if(NOT EXISTS "${KIRCHHOFF}")
  message(FATAL_ERROR "cli_reference: program '${KIRCHHOFF}' not found; build it first "
                      "(cmake --build build/release --target kirchhoff)\n${_usage}")
endif()
get_filename_component(_source_dir "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
if(NOT DEFINED INTROS)
  set(INTROS "${CMAKE_CURRENT_LIST_DIR}/cli_reference_intros.md")
endif()
set(_regenerate
    "cmake -DKIRCHHOFF=build/release/apps/kirchhoff -DOUT=docs/cli.md -P apps/tools/cli_reference.cmake")

# Text is handled as CMake lists of lines. ';', '[' and ']' would change how a list splits, so
# they are encoded as control characters while the text is a list and decoded on output.
string(ASCII 1 _semicolon)
string(ASCII 2 _open)
string(ASCII 3 _close)
function(_kh_to_lines text out_var)
  string(REPLACE ";" "${_semicolon}" text "${text}")
  string(REPLACE "[" "${_open}" text "${text}")
  string(REPLACE "]" "${_close}" text "${text}")
  string(REPLACE "\n" ";" text "${text}")
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()
function(_kh_decode text out_var)
  string(REPLACE "${_semicolon}" ";" text "${text}")
  string(REPLACE "${_open}" "[" text "${text}")
  string(REPLACE "${_close}" "]" text "${text}")
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

# The normalised `--help` text of `kirchhoff <words>`.
get_filename_component(_program_abs "${KIRCHHOFF}" ABSOLUTE)
get_filename_component(_program_dir "${_program_abs}" DIRECTORY)
function(_kh_help words out_var)
  execute_process(COMMAND "${KIRCHHOFF}" ${words} --help
                  RESULT_VARIABLE rc OUTPUT_VARIABLE text ERROR_VARIABLE err)
  string(REPLACE ";" " " shown "${words}")
  if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
    message(FATAL_ERROR "cli_reference: 'kirchhoff ${shown} --help' failed (exit status ${rc}):\n"
                        "${err}${text}")
  endif()
  string(REPLACE "${_program_abs}" "kirchhoff" text "${text}")
  string(REPLACE "${_program_dir}" "<bindir>" text "${text}")
  string(REPLACE "${_source_dir}" "<source>" text "${text}")
  string(REGEX REPLACE "[ \t]+\n" "\n" text "${text}")
  string(REGEX REPLACE "[ \t\n]+$" "" text "${text}")
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

# The subcommand names listed in a help text (CLI11: "Subcommands:" or "SUBCOMMANDS:", then one
# line per subcommand indented by two spaces, up to a blank line; long names put their
# description on an indented continuation line).
function(_kh_subcommands help out_var)
  _kh_to_lines("${help}" lines)
  set(names "")
  set(inside FALSE)
  foreach(line IN LISTS lines)
    if(line MATCHES "^(Subcommands|SUBCOMMANDS):$")
      set(inside TRUE)
    elseif(inside AND line STREQUAL "")
      set(inside FALSE)
    elseif(inside AND line MATCHES "^  ([^ ]+)")
      list(APPEND names "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  set(${out_var} "${names}" PARENT_SCOPE)
endfunction()

# Intro paragraphs: "## kirchhoff <command>" (or "## kirchhoff" for the program itself) then
# the text, up to the next "## " heading; lines before the first heading and lines that are one
# HTML comment are left out.
set(_intro_names "")
if(EXISTS "${INTROS}")
  file(READ "${INTROS}" _intros_text)
  _kh_to_lines("${_intros_text}" _intro_lines)
  set(_current "")
  foreach(_line IN LISTS _intro_lines)
    if(_line MATCHES "^## +kirchhoff( +(.*[^ ]))? *$")
      string(REGEX REPLACE " +" " " _current "${CMAKE_MATCH_2}")
      if(_current STREQUAL "")
        set(_current "_toplevel")
      endif()
      list(APPEND _intro_names "${_current}")
      set("_intro_${_current}" "")
    elseif(_line MATCHES "^## ")
      message(FATAL_ERROR "cli_reference: ${INTROS}: heading '${_line}' is not '## kirchhoff "
                          "<command>'")
    elseif(NOT _current STREQUAL "" AND NOT _line MATCHES "^<!--.*-->$")
      string(APPEND "_intro_${_current}" "${_line}\n")
    endif()
  endforeach()
  foreach(_name IN LISTS _intro_names)
    string(REGEX REPLACE "^\n+" "" "_intro_${_name}" "${_intro_${_name}}")
    string(REGEX REPLACE "\n+$" "" "_intro_${_name}" "${_intro_${_name}}")
  endforeach()
else()
  message(WARNING "cli_reference: no intro file ${INTROS}; sections get no intro paragraph")
endif()
function(_kh_append_intro name)
  if(DEFINED "_intro_${name}" AND NOT "${_intro_${name}}" STREQUAL "")
    _kh_decode("${_intro_${name}}" intro)
    string(APPEND _doc "${intro}\n\n")
    set(_doc "${_doc}" PARENT_SCOPE)
  elseif(NOT name MATCHES " ")
    string(REPLACE "_toplevel" "" shown "kirchhoff ${name}")
    message(WARNING "cli_reference: no intro paragraph for '${shown}': add a "
                    "'## ${shown}' section to ${INTROS}")
  endif()
endfunction()

# Walk the tree depth first, in the order the help texts list the commands.
_kh_help("" _top_help)
_kh_subcommands("${_top_help}" _top_commands)
if(_top_commands STREQUAL "")
  message(FATAL_ERROR "cli_reference: no subcommands found in 'kirchhoff --help':\n${_top_help}")
endif()

function(_kh_walk words)
  string(REPLACE ";" " " name "${words}")
  _kh_help("${words}" help)
  set_property(GLOBAL APPEND PROPERTY KH_COMMANDS "${name}")
  string(REPLACE " " "_" key "${name}")
  set_property(GLOBAL PROPERTY "KH_HELP_${key}" "${help}")
  _kh_subcommands("${help}" children)
  foreach(child IN LISTS children)
    _kh_walk("${words};${child}")
  endforeach()
endfunction()
foreach(_command IN LISTS _top_commands)
  _kh_walk("${_command}")
endforeach()
get_property(_commands GLOBAL PROPERTY KH_COMMANDS)

# The document.
set(_doc "# Command-line reference\n\n")
string(APPEND _doc
  "Every command of `kirchhoff` with its full `--help` text, generated from the built program by\n"
  "[apps/tools/cli_reference.cmake](../apps/tools/cli_reference.cmake); the paragraph before each\n"
  "command group comes from\n"
  "[apps/tools/cli_reference_intros.md](../apps/tools/cli_reference_intros.md). Do not edit this\n"
  "file by hand: change the help texts (`apps/src/*_commands.cpp`) or the intros, then regenerate it\n"
  "from the repository root after building:\n\n"
  "```sh\n${_regenerate}\n```\n\n"
  "The test `cli.reference` (`ctest -R cli.reference`) fails when this file differs from the\n"
  "program's help.\n\n")
_kh_append_intro("_toplevel")
string(APPEND _doc
  "| command | what it does |\n|---|---|\n")
foreach(_name IN LISTS _commands)
  string(REPLACE " " "_" _key "${_name}")
  get_property(_help GLOBAL PROPERTY "KH_HELP_${_key}")
  string(REGEX MATCH "^[^\n]*" _summary "${_help}")
  string(REPLACE " " "-" _anchor "kirchhoff ${_name}")
  string(REPLACE "|" "\\|" _summary "${_summary}")
  string(APPEND _doc "| [`kirchhoff ${_name}`](#${_anchor}) | ${_summary} |\n")
endforeach()
string(APPEND _doc "\n## kirchhoff\n\n```text\n${_top_help}\n```\n")
foreach(_name IN LISTS _commands)
  string(REPLACE " " "_" _key "${_name}")
  get_property(_help GLOBAL PROPERTY "KH_HELP_${_key}")
  if(_name MATCHES " ")
    string(APPEND _doc "\n### kirchhoff ${_name}\n\n")
  else()
    string(APPEND _doc "\n## kirchhoff ${_name}\n\n")
  endif()
  _kh_append_intro("${_name}")
  string(APPEND _doc "```text\n${_help}\n```\n")
endforeach()
foreach(_name IN LISTS _intro_names)
  if(NOT _name IN_LIST _commands AND NOT _name STREQUAL "_toplevel")
    message(STATUS "cli_reference: the intro for 'kirchhoff ${_name}' in ${INTROS} matches no command of "
                   "this build (not used)")
  endif()
endforeach()

if(DEFINED OUT)
  file(WRITE "${OUT}" "${_doc}")
  list(LENGTH _commands _count)
  message(STATUS "cli_reference: wrote ${OUT} (${_count} commands)")
  return()
endif()

# Check: compare line by line and name the command whose section holds the first difference.
if(NOT EXISTS "${CHECK}")
  message(FATAL_ERROR "cli_reference: ${CHECK} does not exist; generate it with\n  ${_regenerate}")
endif()
file(READ "${CHECK}" _actual)
if(_actual STREQUAL _doc)
  message(STATUS "cli_reference: ${CHECK} is up to date")
  return()
endif()
# Without the final newline, so that a line past the end shows as "<end of file>".
string(REGEX REPLACE "\n$" "" _expected_text "${_doc}")
string(REGEX REPLACE "\n$" "" _actual_text "${_actual}")
if(_expected_text STREQUAL _actual_text)
  message(FATAL_ERROR "${CHECK} is out of date: it differs from the generated text only in its "
                      "final newline. Regenerate it from the repository root:\n  ${_regenerate}")
endif()
_kh_to_lines("${_expected_text}" _expected_lines)
_kh_to_lines("${_actual_text}" _actual_lines)
list(LENGTH _expected_lines _expected_count)
list(LENGTH _actual_lines _actual_count)
set(_section "the preface")
set(_line_number 0)
while(TRUE)
  if(_line_number LESS _expected_count)
    list(GET _expected_lines ${_line_number} _expected)
  else()
    set(_expected "<end of file>")
  endif()
  if(_line_number LESS _actual_count)
    list(GET _actual_lines ${_line_number} _found)
  else()
    set(_found "<end of file>")
  endif()
  if(NOT _expected STREQUAL _found)
    break()
  endif()
  if(_expected MATCHES "^##+ (kirchhoff.*)$")
    set(_section "`${CMAKE_MATCH_1}`")
  endif()
  math(EXPR _line_number "${_line_number} + 1")
endwhile()
if(_expected MATCHES "^##+ (kirchhoff.*)$")
  set(_section "`${CMAKE_MATCH_1}`")
endif()
math(EXPR _shown_line "${_line_number} + 1")
foreach(_var _expected _found)
  _kh_decode("${${_var}}" ${_var})
  if(${_var} STREQUAL "")
    set(${_var} "<empty line>")
  endif()
endforeach()
message(FATAL_ERROR
  "${CHECK} is out of date: it differs from the help of the program in ${_section}, first at "
  "line ${_shown_line}:\n"
  "    in the file: ${_found}\n"
  "    generated:   ${_expected}\n"
  "Regenerate it from the repository root:\n  ${_regenerate}\n"
  "or: cmake --build build/release --target cli_reference\n"
  "(here: cmake -DKIRCHHOFF=${KIRCHHOFF} -DOUT=${CHECK} -P ${CMAKE_CURRENT_LIST_FILE})")
