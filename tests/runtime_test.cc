// End-to-end runtime tests on models built with FlatBufferBuilder: dispatch wiring against
// direct kernel calls, the C API, arena contracts, zero heap use.
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/reference.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/qinfer.h"
#include "tests/support/model_builder.h"

#if !defined(__SANITIZE_ADDRESS__)
#define QINFER_COUNT_MALLOC 1
#endif

#ifdef QINFER_COUNT_MALLOC
// glibc lets an executable interpose malloc; count every call made while armed.
extern "C" void* __libc_malloc(size_t);
extern "C" void* __libc_calloc(size_t, size_t);
extern "C" void* __libc_realloc(void*, size_t);
extern "C" void __libc_free(void*);
static int g_heap_calls = 0;
static bool g_armed = false;
extern "C" void* malloc(size_t n) {
  if (g_armed) ++g_heap_calls;
  return __libc_malloc(n);
}
extern "C" void* calloc(size_t a, size_t b) {
  if (g_armed) ++g_heap_calls;
  return __libc_calloc(a, b);
}
extern "C" void* realloc(void* p, size_t n) {
  if (g_armed) ++g_heap_calls;
  return __libc_realloc(p, n);
}
extern "C" void free(void* p) {
  if (g_armed && p != nullptr) ++g_heap_calls;
  __libc_free(p);
}
#endif

namespace qinfer {
namespace {

using testing::AlignedBytes;
using testing::ModelBuilder;
namespace ref = kernels::ref;

std::vector<int8_t> RandomInt8(std::mt19937& rng, size_t n, int lo = -128, int hi = 127) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(d(rng));
  return v;
}

// conv 3x3 (per-channel, relu clamp) -> depthwise 3x3 stride 2 -> max pool 2x2
// -> fully connected (rank-4 input) -> softmax
struct SmallNet {
  std::vector<int8_t> conv_w, dw_w, fc_w, input;
  std::vector<int32_t> conv_b, dw_b, fc_b;
  std::vector<int32_t> conv_m{1500000000, 1300000000, 1100000000, 2000000000};
  std::vector<int32_t> conv_s{-9, -8, -9, -10};
  AlignedBytes bytes;

  explicit SmallNet(uint32_t seed) {
    std::mt19937 rng(seed);
    conv_w = RandomInt8(rng, 4 * 3 * 3 * 3, -127, 127);
    dw_w = RandomInt8(rng, 1 * 3 * 3 * 8, -127, 127);
    fc_w = RandomInt8(rng, 5 * 32, -127, 127);
    input = RandomInt8(rng, 1 * 8 * 8 * 3);
    std::uniform_int_distribution<int> b(-3000, 3000);
    for (int i = 0; i < 4; ++i) conv_b.push_back(b(rng));
    for (int i = 0; i < 8; ++i) dw_b.push_back(b(rng));
    for (int i = 0; i < 5; ++i) fc_b.push_back(b(rng));

    ModelBuilder mb;
    const int in = mb.AddActivation({1, 8, 8, 3}, 3);
    const int cw = mb.AddConstantInt8({4, 3, 3, 3}, conv_w);
    const int cb = mb.AddConstantInt32({4}, conv_b);
    const int c_out = mb.AddActivation({1, 8, 8, 4}, -128);
    const int dw = mb.AddConstantInt8({1, 3, 3, 8}, dw_w);
    const int db = mb.AddConstantInt32({8}, dw_b);
    const int d_out = mb.AddActivation({1, 4, 4, 8}, 5);
    const int p_out = mb.AddActivation({1, 2, 2, 8}, 5);
    const int fw = mb.AddConstantInt8({5, 32}, fc_w);
    const int fb = mb.AddConstantInt32({5}, fc_b);
    const int f_out = mb.AddActivation({1, 5}, -7);
    const int s_out = mb.AddActivation({1, 5}, -128);
    mb.AddOp(testing::ConvOp(schema::OpCode::CONV_2D, in, cw, cb, c_out, 1, 1, conv_m, conv_s,
                             1, 1, 1, -128, 100));
    auto dwop = testing::ConvOp(schema::OpCode::DEPTHWISE_CONV_2D, c_out, dw, db, d_out, 2, 1,
                                {1400000000}, {-8}, 1, 2);
    // 8x8 input, 3x3, stride 2, pad 1 top/left and 0 bottom/right -> 4x4.
    dwop.options = [](flatbuffers::FlatBufferBuilder& fbb) {
      auto m = fbb.CreateVector(std::vector<int32_t>{1400000000});
      auto s = fbb.CreateVector(std::vector<int32_t>{-8});
      auto o = schema::CreateConv2DOptions(fbb, 2, 2, 1, 1, 1, 1, 0, 0, 1, 2, m, s, -128, 127);
      return std::make_pair(schema::OpOptions::Conv2DOptions, o.Union());
    };
    mb.AddOp(dwop);
    testing::OpSpec pool;
    pool.opcode = schema::OpCode::MAX_POOL_2D;
    pool.inputs = {d_out};
    pool.outputs = {p_out};
    pool.options = [](flatbuffers::FlatBufferBuilder& fbb) {
      auto o = schema::CreatePool2DOptions(fbb, 2, 2, 2, 2, 0, 0, 0, 0, -128, 127);
      return std::make_pair(schema::OpOptions::Pool2DOptions, o.Union());
    };
    mb.AddOp(pool);
    mb.AddOp(testing::FullyConnectedOp(p_out, fw, fb, f_out, {1200000000}, {-9}));
    testing::OpSpec sm;
    sm.opcode = schema::OpCode::SOFTMAX;
    sm.inputs = {f_out};
    sm.outputs = {s_out};
    sm.options = [](flatbuffers::FlatBufferBuilder& fbb) {
      auto o = schema::CreateSoftmaxOptions(fbb, 1677721600, 23, -248);
      return std::make_pair(schema::OpOptions::SoftmaxOptions, o.Union());
    };
    mb.AddOp(sm);
    mb.SetInputs({in});
    mb.SetOutputs({f_out, s_out});
    bytes = mb.Finish();
  }

  // The same graph as direct kernel calls.
  void Expected(std::vector<int8_t>* logits, std::vector<int8_t>* probs) const {
    kernels::ConvParams p{};
    p.stride_h = p.stride_w = 1;
    p.dilation_h = p.dilation_w = 1;
    p.pad_top = p.pad_left = 1;
    p.groups = 1;
    p.depth_multiplier = 1;
    p.input_zero_point = 3;
    p.output_zero_point = -128;
    p.act_min = -128;
    p.act_max = 100;
    p.requant = {conv_m.data(), conv_s.data(), 4};
    std::vector<int8_t> c(8 * 8 * 4), d(4 * 4 * 8), pool(2 * 2 * 8);
    ref::Conv2D(p, {1, 8, 8, 3}, input.data(), {4, 3, 3, 3}, conv_w.data(), conv_b.data(),
                {1, 8, 8, 4}, c.data());
    const int32_t dm = 1400000000, ds = -8;
    kernels::ConvParams q = p;
    q.stride_h = q.stride_w = 2;
    q.depth_multiplier = 2;
    q.input_zero_point = -128;
    q.output_zero_point = 5;
    q.act_max = 127;
    q.requant = {&dm, &ds, 1};
    ref::DepthwiseConv2D(q, {1, 8, 8, 4}, c.data(), {1, 3, 3, 8}, dw_w.data(), dw_b.data(),
                         {1, 4, 4, 8}, d.data());
    kernels::PoolParams pp{2, 2, 2, 2, 0, 0, -128, 127};
    ref::MaxPool2D(pp, {1, 4, 4, 8}, d.data(), {1, 2, 2, 8}, pool.data());
    const int32_t fm = 1200000000, fs = -9;
    kernels::FullyConnectedParams f{5, 0, -7, -128, 127, {&fm, &fs, 1}};
    logits->resize(5);
    ref::FullyConnected(f, 1, 32, 5, pool.data(), fc_w.data(), fc_b.data(), logits->data());
    probs->resize(5);
    ref::Softmax({1677721600, 23, -248}, 1, 5, logits->data(), probs->data());
  }
};

TEST(Runtime, SmallNetMatchesDirectKernelCalls) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    SmallNet net(seed);
    Model model;
    Error err;
    ASSERT_EQ(Model::Load(net.bytes.data(), net.bytes.size(), &model, &err), Status::kOk) << err.message;
    std::vector<uint8_t> storage(model.arena_bytes() + 16);
    uint8_t* arena = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
    Interpreter interp;
    ASSERT_EQ(interp.Init(model, arena, model.arena_bytes(), &err), Status::kOk) << err.message;
    ASSERT_EQ(interp.input_count(), 1u);
    ASSERT_EQ(interp.output_count(), 2u);
    TensorView in;
    ASSERT_EQ(interp.input(0, &in), Status::kOk);
    ASSERT_EQ(in.bytes, net.input.size());
    EXPECT_EQ(in.zero_point, 3);
    std::memcpy(in.data, net.input.data(), in.bytes);
    ASSERT_EQ(interp.Invoke(&err), Status::kOk);
    std::vector<int8_t> logits, probs;
    net.Expected(&logits, &probs);
    TensorView out0, out1;
    ASSERT_EQ(interp.output(0, &out0), Status::kOk);
    ASSERT_EQ(interp.output(1, &out1), Status::kOk);
    EXPECT_EQ(std::vector<int8_t>(out0.data, out0.data + out0.bytes), logits);
    EXPECT_EQ(std::vector<int8_t>(out1.data, out1.data + out1.bytes), probs);
    EXPECT_EQ(interp.output(2, &out1), Status::kBadIndex);
  }
}

TEST(Runtime, CApiRunsTheSameModel) {
  SmallNet net(7);
  const size_t need = qinfer_arena_bytes(net.bytes.data(), net.bytes.size());
  ASSERT_GT(need, 0u);
  alignas(16) static uint8_t arena[4096];
  ASSERT_LE(need, sizeof(arena));
  qinfer_context ctx;
  qinfer_error err;
  ASSERT_EQ(qinfer_init(&ctx, net.bytes.data(), net.bytes.size(), arena, need, &err), QINFER_OK)
      << err.message;
  qinfer_tensor in, out;
  ASSERT_EQ(qinfer_input(&ctx, 0, &in), QINFER_OK);
  std::memcpy(in.data, net.input.data(), in.bytes);
  ASSERT_EQ(qinfer_invoke(&ctx, &err), QINFER_OK);
  ASSERT_EQ(qinfer_output(&ctx, 1, &out), QINFER_OK);
  std::vector<int8_t> logits, probs;
  net.Expected(&logits, &probs);
  EXPECT_EQ(std::vector<int8_t>(out.data, out.data + out.bytes), probs);
  EXPECT_EQ(out.zero_point, -128);
  EXPECT_EQ(qinfer_init(&ctx, net.bytes.data(), net.bytes.size(), arena, need - 1, &err),
            static_cast<int32_t>(Status::kArenaTooSmall));
  EXPECT_NE(std::strstr(err.message, "arena"), nullptr);
  EXPECT_STREQ(qinfer_status_name(static_cast<int32_t>(Status::kArenaOverlap)),
               "live tensors overlap in the arena");
}

TEST(Runtime, ArenaContracts) {
  SmallNet net(3);
  Model model;
  Error err;
  ASSERT_EQ(Model::Load(net.bytes.data(), net.bytes.size(), &model, &err), Status::kOk);
  alignas(16) static uint8_t arena[4096 + 16];
  Interpreter interp;
  EXPECT_EQ(interp.Init(model, arena + 1, 4096, &err), Status::kArenaMisaligned);
  EXPECT_EQ(interp.Init(model, arena, model.arena_bytes() - 16, &err), Status::kArenaTooSmall);
  EXPECT_EQ(interp.Invoke(&err), Status::kNotInitialized);
  Model unloaded;
  EXPECT_EQ(interp.Init(unloaded, arena, 4096, &err), Status::kNotInitialized);
  // The model bytes must be 16-byte aligned so constants are, too.
  AlignedBytes shifted;
  shifted.resize(net.bytes.size() + 1);
  std::memcpy(shifted.data() + 1, net.bytes.data(), net.bytes.size());
  EXPECT_EQ(Model::Load(shifted.data() + 1, net.bytes.size(), &model, &err), Status::kModelMisaligned);
}

#ifdef QINFER_COUNT_MALLOC
TEST(Runtime, NoHeapDuringLoadInitInvoke) {
  SmallNet net(11);
  alignas(16) static uint8_t arena[4096];
  Model model;
  Interpreter interp;
  Error err;
  qinfer_context ctx;
  qinfer_error cerr;
  g_heap_calls = 0;
  g_armed = true;
  const Status load = Model::Load(net.bytes.data(), net.bytes.size(), &model, &err);
  const Status init = interp.Init(model, arena, sizeof(arena), &err);
  const Status run = interp.Invoke(&err);
  const int32_t c_init = qinfer_init(&ctx, net.bytes.data(), net.bytes.size(), arena, sizeof(arena), &cerr);
  const int32_t c_run = qinfer_invoke(&ctx, &cerr);
  g_armed = false;
  EXPECT_EQ(load, Status::kOk);
  EXPECT_EQ(init, Status::kOk);
  EXPECT_EQ(run, Status::kOk);
  EXPECT_EQ(c_init, 0);
  EXPECT_EQ(c_run, 0);
  EXPECT_EQ(g_heap_calls, 0);
  // The hook itself works: an allocation while armed is counted.
  g_armed = true;
  void* p = std::malloc(16);
  g_armed = false;
  std::free(p);
  EXPECT_EQ(g_heap_calls, 1);
}
#endif

TEST(Runtime, ReshapeViewSharesBytesAndCopyWorks) {
  for (bool view : {true, false}) {
    ModelBuilder mb;
    const int in = mb.AddActivation({1, 2, 2, 3}, 1);
    const int mid = mb.AddActivation({4, 3}, 1);
    const int out = mb.AddActivation({1, 12}, 1);
    testing::OpSpec r1{schema::OpCode::RESHAPE, {in}, {mid}, nullptr};
    testing::OpSpec r2{schema::OpCode::RESHAPE, {mid}, {out}, nullptr};
    mb.AddOp(r1);
    mb.AddOp(r2);
    mb.SetInputs({in});
    mb.SetOutputs({out});
    if (view) {
      mb.tensor(mid).arena_offset = 0;
      mb.tensor(out).arena_offset = 0;
      mb.tensor(in).arena_offset = 0;
      mb.arena_bytes_override = 16;
    }
    AlignedBytes bytes = mb.Finish();
    Model model;
    Error err;
    ASSERT_EQ(Model::Load(bytes.data(), bytes.size(), &model, &err), Status::kOk) << err.message;
    EXPECT_EQ(model.arena_bytes(), view ? 16u : 48u);
    alignas(16) uint8_t arena[64];
    Interpreter interp;
    ASSERT_EQ(interp.Init(model, arena, sizeof(arena), &err), Status::kOk);
    TensorView i, o;
    interp.input(0, &i);
    for (int k = 0; k < 12; ++k) i.data[k] = static_cast<int8_t>(k * 7 - 40);
    ASSERT_EQ(interp.Invoke(&err), Status::kOk);
    interp.output(0, &o);
    ASSERT_EQ(o.bytes, 12u);
    EXPECT_EQ(o.rank, 2);
    for (int k = 0; k < 12; ++k) EXPECT_EQ(o.data[k], k * 7 - 40);
    EXPECT_EQ(o.data == i.data, view);
  }
}

}  // namespace
}  // namespace qinfer
