#include "kirchhoff/montecarlo/mpi.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "kirchhoff/core/error.hpp"

#if defined(KIRCHHOFF_HAVE_MPI)
#include <mpi.h>
#endif

namespace kirchhoff::montecarlo {

namespace {

const MpiSession* g_current = nullptr;

#if defined(KIRCHHOFF_HAVE_MPI)
// Launchers set these: OpenMPI's mpirun, PMI (MPICH, Slurm's srun), PMIx.
bool started_by_mpi_launcher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}
#endif

}  // namespace

MpiSession::MpiSession([[maybe_unused]] int* argc, [[maybe_unused]] char*** argv) {
#if defined(KIRCHHOFF_HAVE_MPI)
  if (started_by_mpi_launcher()) {
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
      throw Error("MPI_Init_thread failed");
    }
    initialised_here_ = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
#endif
  g_current = this;
}

MpiSession::~MpiSession() {
  if (g_current == this) g_current = nullptr;
#if defined(KIRCHHOFF_HAVE_MPI)
  if (initialised_here_) MPI_Finalize();
#endif
}

bool MpiSession::all(bool ok) const {
#if defined(KIRCHHOFF_HAVE_MPI)
  if (initialised_here_) {
    int local = ok ? 1 : 0, global = 0;
    MPI_Allreduce(&local, &global, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return global == 1;
  }
#endif
  return ok;
}

int MpiSession::max(int value) const {
#if defined(KIRCHHOFF_HAVE_MPI)
  if (initialised_here_) {
    int global = 0;
    MPI_Allreduce(&value, &global, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return global;
  }
#endif
  return value;
}

const MpiSession* MpiSession::current() noexcept {
  return g_current;
}

bool MpiSession::available() noexcept {
#if defined(KIRCHHOFF_HAVE_MPI)
  return true;
#else
  return false;
#endif
}

}  // namespace kirchhoff::montecarlo
