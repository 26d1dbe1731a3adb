// blas::gemm on Eigen matrices and blocks (column-major, unit inner stride).
#pragma once

#include <Eigen/Core>

#include "kirchhoff/core/blas.hpp"

namespace kirchhoff::blas {

// c = a · b, or c = a · b + c with accumulate; c must already have its size.
template <class A, class B, class C>
void multiply(const A& a, const B& b, C&& c, bool accumulate = false) {
  using Scalar = typename std::decay_t<C>::Scalar;
  static_assert(!std::decay_t<A>::IsRowMajor && !std::decay_t<B>::IsRowMajor &&
                !std::decay_t<C>::IsRowMajor);
  eigen_assert(a.cols() == b.rows() && c.rows() == a.rows() && c.cols() == b.cols());
  eigen_assert(a.innerStride() == 1 && b.innerStride() == 1 && c.innerStride() == 1);
  gemm(Op::none, Op::none, c.rows(), c.cols(), a.cols(), Scalar{1}, a.data(), a.outerStride(),
       b.data(), b.outerStride(), accumulate ? Scalar{1} : Scalar{0}, c.data(), c.outerStride());
}

// c = aᵀ · b; c must already have its size.
template <class A, class B, class C>
void multiply_transposed(const A& a, const B& b, C&& c) {
  using Scalar = typename std::decay_t<C>::Scalar;
  static_assert(!std::decay_t<A>::IsRowMajor && !std::decay_t<B>::IsRowMajor &&
                !std::decay_t<C>::IsRowMajor);
  eigen_assert(a.rows() == b.rows() && c.rows() == a.cols() && c.cols() == b.cols());
  eigen_assert(a.innerStride() == 1 && b.innerStride() == 1 && c.innerStride() == 1);
  gemm(Op::transpose, Op::none, c.rows(), c.cols(), a.rows(), Scalar{1}, a.data(), a.outerStride(),
       b.data(), b.outerStride(), Scalar{0}, c.data(), c.outerStride());
}

}  // namespace kirchhoff::blas
