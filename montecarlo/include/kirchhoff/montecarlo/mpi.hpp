// MPI for campaigns (`mpirun -np K kirchhoff run FILE`): rank r of K runs the deterministic
// shard r/K of the campaign's blocks (the same slices as --shard, so checkpoint/resume work per
// rank), then rank 0 merges the K shard files into the results file. The merge produces the
// same datasets as a single run, so results do not depend on the rank count.
//
// MPI is optional at build time (CMake option KIRCHHOFF_MPI, Debian's OpenMPI). MPI is only
// initialised when the program was started by an MPI launcher (its environment says so), so a
// plain `kirchhoff run` never pays for it.
#pragma once

namespace kirchhoff::montecarlo {

class MpiSession {
 public:
  // Initialises MPI (MPI_THREAD_FUNNELED: only the main thread calls MPI) when this build has
  // MPI and the process was started by mpirun/srun; otherwise a world of one rank.
  MpiSession(int* argc, char*** argv);
  ~MpiSession();  // MPI_Finalize when initialised here
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  [[nodiscard]] int rank() const noexcept { return rank_; }
  [[nodiscard]] int size() const noexcept { return size_; }

  // True on every rank when `ok` is true on every rank (an all-reduce; trivially `ok` for one
  // rank). Also a barrier.
  [[nodiscard]] bool all(bool ok) const;
  // The largest `value` over all ranks (an all-reduce; `value` for one rank).
  [[nodiscard]] int max(int value) const;

  // The session of this process (null before one is made): commands use it to learn their
  // rank. There is at most one.
  static const MpiSession* current() noexcept;

  // Whether this build can use MPI.
  static bool available() noexcept;

 private:
  int rank_ = 0;
  int size_ = 1;
  bool initialised_here_ = false;
};

}  // namespace kirchhoff::montecarlo
