// What this binary is: version, the git commit it was built from, build type.
#pragma once

namespace kirchhoff::build_info {
const char* version() noexcept;
const char* git_commit() noexcept;  // "unknown" when built outside a git checkout
bool git_dirty() noexcept;          // tracked files differed from the commit at build time
const char* build_type() noexcept;
}  // namespace kirchhoff::build_info
