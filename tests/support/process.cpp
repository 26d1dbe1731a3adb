#include "support/process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

namespace kirchhoff::testing {

Child start_process(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  Child child{::fork(), log};
  if (child.pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<std::string> copy = argv;
    std::vector<char*> pointers;
    for (auto& a : copy) pointers.push_back(a.data());
    pointers.push_back(nullptr);
    ::execvp(pointers[0], pointers.data());
    ::_exit(127);
  }
  return child;
}

Outcome wait_for(const Child& child) {
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  Outcome o;
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
  // A child killed before it opened its log has none.
  std::ifstream in(child.log);
  o.output.assign(std::istreambuf_iterator<char>(in), {});
  return o;
}

}  // namespace kirchhoff::testing
