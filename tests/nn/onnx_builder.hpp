// Builds small ONNX models in memory with the protobuf API, and naive reference computations
// (direct loops, no im2col) to check the engine against, for the tests of tests/nn.
#pragma once

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kirchhoff/nn/network.hpp"
#include "kirchhoff/nn/onnx_import.hpp"
#include "kirchhoff/nn/tensor.hpp"

namespace kirchhoff::nn::testing {

// Values uniform in [lo, hi) from a fixed seed (mt19937 is specified bit for bit).
inline std::vector<float> uniform(std::size_t n, std::uint32_t seed, float lo = -1.0F,
                                  float hi = 1.0F) {
  std::mt19937 engine(seed);
  std::vector<float> v(n);
  for (auto& x : v) {
    const double u = static_cast<double>(engine()) / 4294967296.0;
    x = lo + static_cast<float>(u) * (hi - lo);
  }
  return v;
}

inline Tensor random_tensor(Shape shape, std::uint32_t seed, float lo = -1.0F, float hi = 1.0F) {
  const auto n = static_cast<std::size_t>(element_count(shape));
  return Tensor(std::move(shape), uniform(n, seed, lo, hi));
}

class ModelBuilder {
 public:
  // A model whose graph input "x" has shape {batch, input...}; batch is symbolic ("N") unless
  // fixed_batch > 0.
  explicit ModelBuilder(const Shape& input, std::int64_t opset = 13, std::int64_t fixed_batch = 0) {
    model_.set_ir_version(7);
    model_.set_producer_name("kirchhoff-tests");
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    graph_ = model_.mutable_graph();
    graph_->set_name("test_graph");
    auto* in = graph_->add_input();
    in->set_name("x");
    auto* type = in->mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx::TensorProto::FLOAT);
    auto* batch = type->mutable_shape()->add_dim();
    if (fixed_batch > 0) {
      batch->set_dim_value(fixed_batch);
    } else {
      batch->set_dim_param("N");
    }
    for (auto d : input) type->mutable_shape()->add_dim()->set_dim_value(d);
  }

  static void fill(onnx::TensorProto& t, const std::string& name, const Shape& shape,
                   const std::vector<float>& values, bool raw = true) {
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : shape) t.add_dims(d);
    if (raw) {
      t.set_raw_data(
          std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
    } else {
      for (float v : values) t.add_float_data(v);
    }
  }

  onnx::TensorProto& initializer(const std::string& name, const Shape& shape,
                                 const std::vector<float>& values, bool raw = true) {
    auto* t = graph_->add_initializer();
    fill(*t, name, shape, values, raw);
    return *t;
  }
  onnx::TensorProto& initializer_int64(const std::string& name,
                                       const std::vector<std::int64_t>& v) {
    auto* t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<std::int64_t>(v.size()));
    for (auto x : v) t->add_int64_data(x);
    return *t;
  }

  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    auto* n = graph_->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }

  static void attr(onnx::NodeProto& n, const std::string& name, std::int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, float v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& name,
                   const std::vector<std::int64_t>& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
  }

  void output(const std::string& name) { graph_->add_output()->set_name(name); }
  void metadata(const std::string& key, const std::string& value) {
    auto* p = model_.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  }

  [[nodiscard]] std::string bytes() const {
    std::string s;
    model_.SerializeToString(&s);
    return s;
  }
  [[nodiscard]] Network load(const std::string& what = "test.onnx") const {
    return load_onnx_bytes(bytes(), what);
  }

  onnx::ModelProto& model() { return model_; }
  onnx::GraphProto& graph() { return *graph_; }

 private:
  onnx::ModelProto model_;
  onnx::GraphProto* graph_ = nullptr;
};

// A small CNN on 1×12×12 images with every kind of linear layer: conv1 (4@3×3, pad 1) +
// BatchNormalization (folded), Relu, 2×2 MaxPool, conv2 (6@3×3, 2 groups, stride 1), Relu,
// Flatten, fc (Gemm transB, 96 → 10). Weights from fixed seeds.
inline ModelBuilder small_cnn() {
  ModelBuilder b({1, 12, 12});
  b.initializer("conv1.w", {4, 1, 3, 3}, uniform(36, 101));
  b.initializer("conv1.b", {4}, uniform(4, 102));
  auto& c1 = b.node("Conv", {"x", "conv1.w", "conv1.b"}, {"c1"}, "conv1");
  ModelBuilder::attr(c1, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
  b.initializer("bn.scale", {4}, uniform(4, 103, 0.5F, 1.5F));
  b.initializer("bn.B", {4}, uniform(4, 104));
  b.initializer("bn.mean", {4}, uniform(4, 105));
  b.initializer("bn.var", {4}, uniform(4, 106, 0.5F, 2.0F));
  b.node("BatchNormalization", {"c1", "bn.scale", "bn.B", "bn.mean", "bn.var"}, {"n1"}, "bn1");
  b.node("Relu", {"n1"}, {"r1"});
  auto& p = b.node("MaxPool", {"r1"}, {"p1"}, "pool1");
  ModelBuilder::attr(p, "kernel_shape", std::vector<std::int64_t>{2, 2});
  ModelBuilder::attr(p, "strides", std::vector<std::int64_t>{2, 2});
  b.initializer("conv2.w", {6, 2, 3, 3}, uniform(108, 107));
  b.initializer("conv2.b", {6}, uniform(6, 108));
  ModelBuilder::attr(b.node("Conv", {"p1", "conv2.w", "conv2.b"}, {"c2"}, "conv2"), "group",
                     std::int64_t{2});
  b.node("Relu", {"c2"}, {"r2"});
  b.node("Flatten", {"r2"}, {"f"});
  b.initializer("fc.w", {10, 96}, uniform(960, 109, -0.3F, 0.3F));
  b.initializer("fc.b", {10}, uniform(10, 110));
  ModelBuilder::attr(b.node("Gemm", {"f", "fc.w", "fc.b"}, {"y"}, "fc"), "transB", std::int64_t{1});
  b.output("y");
  return b;
}

// ---------------------------------------------------------------------------------------------
// Naive references on batched NCHW tensors

struct Conv2d {
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t groups = 1;
};

// Direct convolution, in double: y[n,m,oh,ow] = b[m] + Σ w[m,c,i,j]·x[n, g·Cg + c, oh·s + i − p,
// ow·s + j − p].
inline Tensor reference_conv(const Tensor& x, const std::vector<float>& w, const Shape& w_shape,
                             const std::vector<float>& bias, const Conv2d& p) {
  const std::int64_t n = x.shape[0], c_in = x.shape[1], h = x.shape[2], wd = x.shape[3];
  const std::int64_t m_out = w_shape[0], cg = w_shape[1], kh = w_shape[2], kw = w_shape[3];
  const std::int64_t oh_n = (h + p.pad_top + p.pad_bottom - kh) / p.stride_h + 1;
  const std::int64_t ow_n = (wd + p.pad_left + p.pad_right - kw) / p.stride_w + 1;
  const std::int64_t mg = m_out / p.groups;
  Tensor y({n, m_out, oh_n, ow_n});
  auto X = [&](std::int64_t s, std::int64_t c, std::int64_t i, std::int64_t j) {
    return static_cast<double>(x.data[static_cast<std::size_t>(((s * c_in + c) * h + i) * wd + j)]);
  };
  for (std::int64_t s = 0; s < n; ++s) {
    for (std::int64_t m = 0; m < m_out; ++m) {
      const std::int64_t g = m / mg;
      for (std::int64_t oh = 0; oh < oh_n; ++oh) {
        for (std::int64_t ow = 0; ow < ow_n; ++ow) {
          double acc = bias.empty() ? 0.0 : static_cast<double>(bias[static_cast<std::size_t>(m)]);
          for (std::int64_t c = 0; c < cg; ++c) {
            for (std::int64_t i = 0; i < kh; ++i) {
              for (std::int64_t j = 0; j < kw; ++j) {
                const std::int64_t ih = oh * p.stride_h - p.pad_top + i;
                const std::int64_t iw = ow * p.stride_w - p.pad_left + j;
                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                acc += static_cast<double>(
                           w[static_cast<std::size_t>(((m * cg + c) * kh + i) * kw + j)]) *
                       X(s, g * cg + c, ih, iw);
              }
            }
          }
          y.data[static_cast<std::size_t>(((s * m_out + m) * oh_n + oh) * ow_n + ow)] =
              static_cast<float>(acc);
        }
      }
    }
  }
  return y;
}

// y = x·W (+ b) with W inputs × outputs row-major, in double.
inline Tensor reference_dense(const Tensor& x, const std::vector<float>& w, std::int64_t outputs,
                              const std::vector<float>& bias) {
  const std::int64_t n = x.shape[0], k = x.shape[1];
  Tensor y({n, outputs});
  for (std::int64_t s = 0; s < n; ++s) {
    for (std::int64_t j = 0; j < outputs; ++j) {
      double acc = bias.empty() ? 0.0 : static_cast<double>(bias[static_cast<std::size_t>(j)]);
      for (std::int64_t i = 0; i < k; ++i) {
        acc += static_cast<double>(x.data[static_cast<std::size_t>(s * k + i)]) *
               static_cast<double>(w[static_cast<std::size_t>(i * outputs + j)]);
      }
      y.data[static_cast<std::size_t>(s * outputs + j)] = static_cast<float>(acc);
    }
  }
  return y;
}

// Largest |a − b| / (|b| + floor) over two tensors of the same shape (∞ on a shape mismatch).
inline double max_relative_error(const Tensor& a, const Tensor& b, double floor = 1e-3) {
  if (a.shape != b.shape) return std::numeric_limits<double>::infinity();
  double worst = 0.0;
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    const double d = std::abs(static_cast<double>(a.data[i]) - static_cast<double>(b.data[i]));
    worst = std::max(worst, d / (std::abs(static_cast<double>(b.data[i])) + floor));
  }
  return worst;
}

}  // namespace kirchhoff::nn::testing
