// Checks shared by every test: that a call throws the right exception with the right message.
// Every rejected input is tested for both (docs/development.md, "Tests").
//
//   EXPECT_THROW_MSG(load("x.toml"), ConfigError, "x.toml:3:1: key 'trials'");
//   const std::string m = message_of<FormatError>([&] { read(file); });
//   EXPECT_CONTAINS(m, "line 7");
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

namespace kirchhoff::testing {

// The predicate of EXPECT_CONTAINS: `part` occurs in `text`.
inline ::testing::AssertionResult contains_format(const char* text_expr, const char* part_expr,
                                                  std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << text_expr << " does not contain " << part_expr
                                       << "\n  text: " << text << "\n  part: " << part;
}

// Runs `f`, expects it to throw E (or a subclass of E) and returns the message; a test failure
// (and "") when it throws something else or nothing.
template <typename E, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected " << typeid(E).name() << ", got " << typeid(e).name() << ": "
                  << e.what();
    return {};
  }
  ADD_FAILURE() << "expected " << typeid(E).name() << ", nothing was thrown";
  return {};
}

// The same, but the exception must be exactly E, not a subclass (an IoError that is not a
// FormatError: a missing file rather than a bad one).
template <typename E, typename F>
std::string message_of_exact(F&& f) {
  try {
    f();
  } catch (const E& e) {
    if (typeid(e) != typeid(E)) {
      ADD_FAILURE() << "expected exactly " << typeid(E).name() << ", got the subclass "
                    << typeid(e).name() << ": " << e.what();
      return {};
    }
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected " << typeid(E).name() << ", got " << typeid(e).name() << ": "
                  << e.what();
    return {};
  }
  ADD_FAILURE() << "expected " << typeid(E).name() << ", nothing was thrown";
  return {};
}

}  // namespace kirchhoff::testing

// `part` occurs in `text` (both convertible to std::string_view).
#define EXPECT_CONTAINS(text, part) \
  EXPECT_PRED_FORMAT2(::kirchhoff::testing::contains_format, text, part)
#define ASSERT_CONTAINS(text, part) \
  ASSERT_PRED_FORMAT2(::kirchhoff::testing::contains_format, text, part)

// `statement` throws `type` (or a subclass) whose message contains `part`.
#define EXPECT_THROW_MSG(statement, type, part) \
  EXPECT_CONTAINS(::kirchhoff::testing::message_of<type>([&] { statement; }), part)
