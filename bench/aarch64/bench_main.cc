// AArch64 instruction-count bench (run under qemu-aarch64 with bench/mcu/insn_count.c): each
// layer, and the converted Fashion-MNIST CNN when it is compiled in, runs once per kernel path
// (ref, neon, dotprod; those the CPU has) between the markers qinfer_mark_begin/_end. Prints
// "bench <target> <layer> <macs>" before each measured region, in region order, and MISMATCH
// if a path's output differs from the reference path's.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "kernels/aarch64/dispatch.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#if defined(QINFER_BENCH_MODEL_HEADER)
#include QINFER_BENCH_MODEL_HEADER
#endif

extern "C" __attribute__((noinline)) void qinfer_mark_begin() { asm volatile("" ::: "memory"); }
extern "C" __attribute__((noinline)) void qinfer_mark_end() { asm volatile("" ::: "memory"); }

namespace {

using namespace qinfer;
using namespace qinfer::kernels;
using aarch64::Isa;

uint32_t g_seed = 12345;
int8_t NextByte() {
  g_seed = g_seed * 1664525u + 1013904223u;
  return static_cast<int8_t>(g_seed >> 24);
}
std::vector<int8_t> Bytes(int64_t n) {
  std::vector<int8_t> v(static_cast<size_t>(n));
  for (auto& e : v) e = NextByte();
  return v;
}

enum class Kind { kConv, kDepthwise, kFc, kAdd, kMaxPool, kAvgPool, kMean };

// A layer of the Fashion-MNIST CNN (models/fashion_cnn.onnx as converted) or the toy FC.
struct Layer {
  const char* name;
  Kind kind;
  int32_t h, w, c;       // input (FC: batches, -, in features)
  int32_t k, oc, pad;    // kernel size (pooling: window = stride), output channels (FC: out
                         // features), padding
};

const Layer kLayers[] = {
    {"conv1_3x3_28x28x1_16", Kind::kConv, 28, 28, 1, 3, 16, 1},
    {"conv2_3x3_14x14x16_32", Kind::kConv, 14, 14, 16, 3, 32, 1},
    {"dw_3x3_14x14x32", Kind::kDepthwise, 14, 14, 32, 3, 32, 1},
    {"pw_1x1_14x14x32_32", Kind::kConv, 14, 14, 32, 1, 32, 0},
    {"conv3_3x3_7x7x32_64", Kind::kConv, 7, 7, 32, 3, 64, 1},
    {"fc_64_10", Kind::kFc, 1, 1, 64, 1, 10, 0},
    {"fc_256_128", Kind::kFc, 1, 1, 256, 1, 128, 0},
    {"add_14x14x32", Kind::kAdd, 14, 14, 32, 0, 0, 0},
    {"maxpool_2x2_28x28x16", Kind::kMaxPool, 28, 28, 16, 2, 0, 0},
    {"avgpool_2x2_28x28x16", Kind::kAvgPool, 28, 28, 16, 2, 0, 0},
    {"mean_7x7x64", Kind::kMean, 7, 7, 64, 0, 0, 0},
};

int g_failures = 0;

void Announce(Isa isa, const char* name, int64_t macs) {
  std::printf("bench %s %s %lld\n", aarch64::IsaName(isa), name, static_cast<long long>(macs));
  std::fflush(stdout);
}

void Check(const std::vector<int8_t>& want, const std::vector<int8_t>& got, Isa isa,
           const char* name) {
  if (want != got) {
    std::printf("MISMATCH %s %s\n", aarch64::IsaName(isa), name);
    ++g_failures;
  }
}

// Add, pooling and mean: no MACs (reported as 0, so the MAC targets skip them).
void RunOther(const Layer& l, const Isa* isas, int n_isas) {
  const Dims4 in{1, l.h, l.w, l.c};
  const int32_t ok = l.k > 0 ? l.k : 1;
  const Dims4 out_d = l.kind == Kind::kMean  ? Dims4{1, 1, 1, l.c}
                      : l.kind == Kind::kAdd ? in
                                             : Dims4{1, l.h / ok, l.w / ok, l.c};
  const auto x = Bytes(FlatSize(in)), y = Bytes(FlatSize(in));
  const AddParams ap{-128, -10, -128, 20, 1518500250, -11, 1298765432, -11, 1431655765, -18,
                     -128, 127, false};
  const PoolParams pp{l.k, l.k, l.k, l.k, 0, 0, -128, 127};
  const MeanParams mp{-128, -128, 2098462800, -4, -128, 127, MeanRounding::kFolded};
  std::vector<int8_t> want;
  for (int i = 0; i < n_isas; ++i) {
    aarch64::SetIsa(isas[i]);
    std::vector<int8_t> out(static_cast<size_t>(FlatSize(out_d)));
    Announce(isas[i], l.name, 0);
    qinfer_mark_begin();
    switch (l.kind) {
      case Kind::kAdd: aarch64::Add(ap, in, x.data(), in, y.data(), out_d, out.data()); break;
      case Kind::kMaxPool: aarch64::MaxPool2D(pp, in, x.data(), out_d, out.data()); break;
      case Kind::kAvgPool: aarch64::AvgPool2D(pp, in, x.data(), out_d, out.data()); break;
      default: aarch64::MeanHW(mp, in, x.data(), out.data()); break;
    }
    qinfer_mark_end();
    if (i == 0) want = out;
    Check(want, out, isas[i], l.name);
  }
}

void RunLayer(const Layer& l, const Isa* isas, int n_isas) {
  if (l.kind != Kind::kConv && l.kind != Kind::kDepthwise && l.kind != Kind::kFc) {
    RunOther(l, isas, n_isas);
    return;
  }
  const int32_t oc = l.kind == Kind::kDepthwise ? l.c : l.oc;
  std::vector<int32_t> mult(static_cast<size_t>(oc)), shift(static_cast<size_t>(oc)),
      bias(static_cast<size_t>(oc));
  for (int32_t i = 0; i < oc; ++i) {
    mult[i] = 1200000000 + 1000 * i, shift[i] = -8 - (i & 1), bias[i] = 100 * i - 700;
  }
  const Requant rq{mult.data(), shift.data(), oc};
  std::vector<int8_t> want;
  if (l.kind == Kind::kFc) {
    const auto x = Bytes(int64_t{l.h} * l.c);
    const auto wt = Bytes(int64_t{l.oc} * l.c);
    const FullyConnectedParams p{-128, 0, -5, -128, 127, rq};
    for (int i = 0; i < n_isas; ++i) {
      aarch64::SetIsa(isas[i]);
      std::vector<int8_t> out(static_cast<size_t>(l.h * l.oc));
      Announce(isas[i], l.name, int64_t{l.h} * l.c * l.oc);
      qinfer_mark_begin();
      aarch64::FullyConnected(p, l.h, l.c, l.oc, x.data(), wt.data(), bias.data(), out.data());
      qinfer_mark_end();
      if (i == 0) want = out;
      Check(want, out, isas[i], l.name);
    }
    return;
  }
  const Dims4 in{1, l.h, l.w, l.c};
  const int32_t oh = l.h + 2 * l.pad - l.k + 1, ow = l.w + 2 * l.pad - l.k + 1;
  const Dims4 out_d{1, oh, ow, oc};
  const bool dw = l.kind == Kind::kDepthwise;
  const Dims4 wd = dw ? Dims4{1, l.k, l.k, oc} : Dims4{oc, l.k, l.k, l.c};
  const auto x = Bytes(FlatSize(in));
  const auto wt = Bytes(FlatSize(wd));
  ConvParams p{1, 1, 1, 1, l.pad, l.pad, 1, 1, -128, -3, -128, 127, rq};
  const int64_t macs = FlatSize(out_d) * l.k * l.k * (dw ? 1 : l.c);
  for (int i = 0; i < n_isas; ++i) {
    aarch64::SetIsa(isas[i]);
    std::vector<int8_t> out(static_cast<size_t>(FlatSize(out_d)));
    Announce(isas[i], l.name, macs);
    qinfer_mark_begin();
    if (dw) {
      aarch64::DepthwiseConv2D(p, in, x.data(), wd, wt.data(), bias.data(), out_d, out.data());
    } else {
      aarch64::Conv2D(p, in, x.data(), wd, wt.data(), bias.data(), out_d, out.data());
    }
    qinfer_mark_end();
    if (i == 0) want = out;
    Check(want, out, isas[i], l.name);
  }
}

#if defined(QINFER_BENCH_MODEL_HEADER)
alignas(16) uint8_t g_arena[256 * 1024];

void RunModel(const char* name, const unsigned char* bytes, size_t size, const Isa* isas,
              int n_isas) {
  Model model;
  Error err;
  if (Model::Load(bytes, size, &model, &err) != Status::kOk) {
    std::printf("MISMATCH %s: load failed: %s\n", name, err.message);
    ++g_failures;
    return;
  }
  std::vector<int8_t> input;
  std::vector<int8_t> want;
  for (int i = 0; i < n_isas; ++i) {
    aarch64::SetIsa(isas[i]);
    Interpreter interp;
    if (interp.Init(model, g_arena, sizeof g_arena, &err) != Status::kOk) {
      std::printf("MISMATCH %s: init failed: %s\n", name, err.message);
      ++g_failures;
      return;
    }
    TensorView in, out;
    interp.input(0, &in);
    if (input.empty()) input = Bytes(static_cast<int64_t>(in.bytes));
    std::memcpy(in.data, input.data(), input.size());
    Announce(isas[i], name, 0);
    qinfer_mark_begin();
    const Status st = interp.Invoke(&err);
    qinfer_mark_end();
    interp.output(0, &out);
    const int8_t* o = static_cast<const int8_t*>(out.data);
    std::vector<int8_t> got(o, o + out.bytes);
    if (st != Status::kOk) got.clear();
    if (i == 0) want = got;
    Check(want, got, isas[i], name);
  }
}
#endif

}  // namespace

int main() {
  const Isa all[] = {Isa::kRef, Isa::kNeon, Isa::kDotprod};
  const int n = static_cast<int>(aarch64::DetectedIsa()) + 1;
  for (const Layer& l : kLayers) RunLayer(l, all, n);
#if defined(QINFER_BENCH_MODEL_HEADER)
  RunModel("fashion_cnn", fashion_cnn, fashion_cnn_size, all, n);
#endif
  std::printf("%s\n", g_failures == 0 ? "bench outputs bit-exact on every path" : "MISMATCH");
  return g_failures == 0 ? 0 : 1;
}
