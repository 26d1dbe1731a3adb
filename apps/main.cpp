#include "kirchhoff/apps/cli.hpp"

int main(int argc, char** argv) {
  return kirchhoff::cli::run(argc, argv);
}
