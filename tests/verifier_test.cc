// One crafted bad model per verification rule: each must be rejected with its own code
// and a message naming the op or tensor, never crash.
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/model.h"
#include "tests/support/model_builder.h"

namespace qinfer {
namespace {

using testing::AlignedBytes;
using testing::ModelBuilder;

struct Base {
  ModelBuilder mb;
  int in, w, b, conv_out, fw, fc_out;
};

// input [1,6,6,2] -> conv 3x3 stride 1 pad 1 (3 channels) -> fully connected -> [1,4]
void BuildBase(Base* base) {
  ModelBuilder& mb = base->mb;
  base->in = mb.AddActivation({1, 6, 6, 2}, 0);
  base->w = mb.AddConstantInt8({3, 3, 3, 2}, std::vector<int8_t>(54, 1));
  base->b = mb.AddConstantInt32({3}, {1, 2, 3});
  base->conv_out = mb.AddActivation({1, 6, 6, 3}, -1);
  base->fw = mb.AddConstantInt8({4, 108}, std::vector<int8_t>(432, -1));
  base->fc_out = mb.AddActivation({1, 4}, 2);
  mb.AddOp(testing::ConvOp(schema::OpCode::CONV_2D, base->in, base->w, base->b, base->conv_out, 1,
                           1, {1 << 30, 1 << 30, 1 << 30}, {-3, -3, -3}));
  mb.AddOp(testing::FullyConnectedOp(base->conv_out, base->fw, -1, base->fc_out, {1 << 30}, {-5}));
  mb.SetInputs({base->in});
  mb.SetOutputs({base->fc_out});
}

Status LoadBytes(const AlignedBytes& bytes, Error* err) {
  Model model;
  return Model::Load(bytes.data(), bytes.size(), &model, err);
}

struct Rule {
  const char* name;
  Status expected;
  const char* message_part;
  std::function<void(Base&)> mutate;
};

testing::OpSpec ConvWith(Base& b, std::function<flatbuffers::Offset<schema::Conv2DOptions>(
                                      flatbuffers::FlatBufferBuilder&)> make) {
  testing::OpSpec op = b.mb.op(0);
  op.options = [make](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(schema::OpOptions::Conv2DOptions, make(fbb).Union());
  };
  return op;
}

flatbuffers::Offset<schema::Conv2DOptions> Conv(flatbuffers::FlatBufferBuilder& fbb,
                                                int stride = 1, int pad = 1, int groups = 1,
                                                std::vector<int32_t> mult = {1 << 30},
                                                std::vector<int32_t> shift = {-3},
                                                int act_min = -128, int act_max = 127,
                                                int dilation = 1) {
  auto m = fbb.CreateVector(mult);
  auto s = fbb.CreateVector(shift);
  return schema::CreateConv2DOptions(fbb, stride, stride, dilation, dilation, pad, pad, pad, pad,
                                     groups, 1, m, s, act_min, act_max);
}

TEST(Verifier, BaseModelIsValid) {
  Base b;
  BuildBase(&b);
  Error err;
  EXPECT_EQ(LoadBytes(b.mb.Finish(), &err), Status::kOk) << err.message;
}

TEST(Verifier, EachRuleRejectsItsBadModel) {
  const std::vector<Rule> rules = {
      {"version", Status::kBadVersion, "version", [](Base& b) { b.mb.version = 2; }},
      {"op input index", Status::kBadTensorIndex, "op 0",
       [](Base& b) { b.mb.op(0).inputs[0] = 99; }},
      {"negative input index", Status::kBadTensorIndex, "op 1",
       [](Base& b) { b.mb.op(1).inputs[0] = -5; }},
      {"graph output index", Status::kBadTensorIndex, "outputs",
       [](Base& b) { b.mb.SetOutputs({42}); }},
      {"no outputs", Status::kMissingField, "outputs", [](Base& b) { b.mb.SetOutputs({}); }},
      {"weights dtype", Status::kBadDType, "weights must be int8",
       [](Base& b) {
         auto& t = b.mb.tensor(b.w);
         t.dtype = schema::DType::INT32;
         t.data.resize(54 * 4);
       }},
      {"zero dim", Status::kBadShape, "dim 1", [](Base& b) { b.mb.tensor(b.in).shape = {1, 0, 6, 2}; }},
      {"rank 5", Status::kBadShape, "rank 5", [](Base& b) { b.mb.tensor(b.in).shape = {1, 1, 6, 6, 2}; }},
      {"byte size overflow", Status::kTooLarge, "2^31",
       [](Base& b) { b.mb.tensor(b.in).shape = {65536, 65536, 1, 2}; }},
      {"zero point range", Status::kBadZeroPoint, "out of [-128, 127]",
       [](Base& b) { b.mb.tensor(b.conv_out).zero_point = 200; }},
      {"conv weights zero point", Status::kBadZeroPoint, "weights zero point",
       [](Base& b) { b.mb.tensor(b.w).zero_point = 3; }},
      {"buffer size", Status::kBadBuffer, "buffer holds",
       [](Base& b) { b.mb.tensor(b.b).data.resize(8); }},
      {"opcode", Status::kBadOpCode, "unknown opcode",
       [](Base& b) { b.mb.op(1).opcode = static_cast<schema::OpCode>(77); }},
      {"options missing", Status::kBadOptions, "op 1 (FULLY_CONNECTED)",
       [](Base& b) { b.mb.op(1).options = nullptr; }},
      {"options of another op", Status::kBadOptions, "Conv2DOptions",
       [](Base& b) { b.mb.op(0).options = b.mb.op(1).options; }},
      {"too many inputs", Status::kBadOpArity, "inputs: 4",
       [](Base& b) { b.mb.op(0).inputs.push_back(b.b); }},
      {"two outputs", Status::kBadOpArity, "exactly one output",
       [](Base& b) { b.mb.op(0).outputs.push_back(b.fc_out); }},
      {"conv output size", Status::kShapeMismatch, "height: output size 6, padding/stride/dilation imply 3",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 2); }); }},
      {"dilation output size", Status::kShapeMismatch, "imply 4",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 1, 1, 1, {1 << 30}, {-3}, -128, 127, 2); }); }},
      {"fc input size", Status::kShapeMismatch, "not a multiple",
       [](Base& b) {
         b.mb.tensor(b.fw).shape = {4, 107};
         b.mb.tensor(b.fw).data.resize(428);
       }},
      {"bias length", Status::kShapeMismatch, "bias must be [3]",
       [](Base& b) {
         b.mb.tensor(b.b).shape = {2};
         b.mb.tensor(b.b).data.resize(8);
       }},
      {"shift range", Status::kBadRequant, "shift[0] = 40",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 1, 1, 1, {1 << 30}, {40}); }); }},
      {"negative multiplier", Status::kBadRequant, "multiplier[0] < 0",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 1, 1, 1, {-1}, {0}); }); }},
      {"per-channel length", Status::kBadRequant, "expected 1 or 3",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 1, 1, 1, {1, 2}, {0, 0}); }); }},
      {"activation range", Status::kBadActivationRange, "act_min 10, act_max 5",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 1, 1, 1, {1 << 30}, {-3}, 10, 5); }); }},
      {"stride 0", Status::kBadParam, "stride",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 0); }); }},
      {"groups", Status::kBadParam, "groups = 2",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 1, 1, 2); }); }},
      {"arena offset outside", Status::kArenaPlanInvalid, "inside arena",
       [](Base& b) { b.mb.arena_bytes_override = 64; }},
      {"arena offset misaligned", Status::kArenaPlanInvalid, "16-aligned",
       [](Base& b) { b.mb.tensor(b.conv_out).arena_offset = 8; }},
      {"live tensors overlap", Status::kArenaOverlap, "overlaps tensor",
       [](Base& b) { b.mb.tensor(b.conv_out).arena_offset = 0; }},
      {"scratch overlaps", Status::kArenaOverlap, "scratch overlaps live tensor",
       [](Base& b) {
         b.mb.op(1).scratch_offset = 80;  // conv_out, live at op 1
         b.mb.op(1).scratch_bytes = 16;
       }},
      {"output not live to end", Status::kArenaPlanInvalid, "live until the end",
       [](Base& b) { b.mb.tensor(b.fc_out).live_until = 1; }},
      {"read after live range", Status::kArenaPlanInvalid, "after its live range",
       [](Base& b) { b.mb.tensor(b.conv_out).live_until = 0; }},
      {"use before definition", Status::kUseBeforeDefinition, "op 0",
       [](Base& b) {
         std::swap(b.mb.op(0), b.mb.op(1));
         b.mb.tensor(b.conv_out).live_from = 1;
         b.mb.tensor(b.fc_out).live_from = 0;
       }},
      {"graph input produced by an op", Status::kUseBeforeDefinition, "graph input",
       [](Base& b) { b.mb.SetInputs({b.in, b.conv_out}); }},
      {"accumulator overflow", Status::kTooLarge, "accumulator may overflow",
       [](Base& b) {
         const int32_t big[3] = {2147483000, 0, 0};
         std::memcpy(b.mb.tensor(b.b).data.data(), big, sizeof(big));
       }},
      {"constant output", Status::kBadBuffer, "writes a constant",
       [](Base& b) { b.mb.op(1).outputs = {b.fw}; }},
  };
  for (const Rule& rule : rules) {
    Base b;
    BuildBase(&b);
    rule.mutate(b);
    Error err;
    const Status got = LoadBytes(b.mb.Finish(), &err);
    EXPECT_EQ(got, rule.expected) << rule.name << ": " << err.message;
    EXPECT_EQ(err.code, rule.expected) << rule.name;
    EXPECT_NE(std::string(err.message).find(rule.message_part), std::string::npos)
        << rule.name << ": message '" << err.message << "' lacks '" << rule.message_part << "'";
  }
}

// MEAN's divide modes: a known mode, equal zero points for the truncating one, and a rescaled
// sum plus the rounding term that fits int32.
TEST(Verifier, MeanRoundingRules) {
  struct Case {
    schema::MeanRounding rounding;
    int32_t shift, out_zero_point, hw;
    Status expected;
    const char* message_part;
  };
  const std::vector<Case> cases = {
      {schema::MeanRounding::FOLDED, -6, 3, 6, Status::kOk, ""},
      {schema::MeanRounding::DIVIDE_HALF_AWAY, 0, 3, 6, Status::kOk, ""},
      {schema::MeanRounding::DIVIDE_TRUNCATE, 0, 0, 6, Status::kOk, ""},
      {schema::MeanRounding::DIVIDE_TRUNCATE, 0, 3, 6, Status::kBadOptions, "equal input and output zero points"},
      {static_cast<schema::MeanRounding>(7), 0, 0, 6, Status::kBadOptions, "rounding 7"},
      {schema::MeanRounding::DIVIDE_HALF_AWAY, 20, 0, 64, Status::kTooLarge, "overflows int32 (shift 20)"},
      {schema::MeanRounding::FOLDED, 20, 0, 64, Status::kOk, ""},
  };
  for (const Case& cs : cases) {
    ModelBuilder mb;
    const int in = mb.AddActivation({1, cs.hw, cs.hw, 2}, 0);
    const int out = mb.AddActivation({1, 1, 1, 2}, cs.out_zero_point);
    testing::OpSpec op;
    op.opcode = schema::OpCode::MEAN;
    op.inputs = {in};
    op.outputs = {out};
    op.options = [cs](flatbuffers::FlatBufferBuilder& f) {
      return std::make_pair(schema::OpOptions::MeanOptions,
                            schema::CreateMeanOptions(f, 1 << 30, cs.shift, -128, 127, cs.rounding).Union());
    };
    mb.AddOp(op);
    mb.SetInputs({in});
    mb.SetOutputs({out});
    Error err;
    EXPECT_EQ(LoadBytes(mb.Finish(), &err), cs.expected)
        << static_cast<int>(cs.rounding) << ": " << err.message;
    EXPECT_NE(std::string(err.message).find(cs.message_part), std::string::npos) << err.message;
  }
}

TEST(Verifier, RejectsBadBytes) {
  Base b;
  BuildBase(&b);
  AlignedBytes good = b.mb.Finish();
  Error err;
  AlignedBytes bad_id(good.data(), good.size());
  bad_id.data()[4] = 'X';
  EXPECT_EQ(LoadBytes(bad_id, &err), Status::kBadIdentifier);
  AlignedBytes tiny(good.data(), 4);
  EXPECT_EQ(LoadBytes(tiny, &err), Status::kModelTooSmall);
  Model m;
  EXPECT_EQ(Model::Load(nullptr, 100, &m, &err), Status::kNullArgument);
  // Every truncation is rejected, never read past the end (ASan build checks the reads).
  for (size_t len = 8; len < good.size(); len += 1) {
    AlignedBytes cut(good.data(), len);
    EXPECT_NE(LoadBytes(cut, &err), Status::kOk) << len;
  }
  // Flipping any byte either still verifies or is rejected: never a crash.
  int rejected = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    AlignedBytes flipped(good.data(), good.size());
    flipped.data()[i] ^= 0x5a;
    if (LoadBytes(flipped, &err) != Status::kOk) ++rejected;
  }
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace qinfer
