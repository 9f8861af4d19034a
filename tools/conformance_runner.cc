// qinfer-conformance/1 runner: validation of every rule of FORMAT.md, execution with the
// reference kernels, exact comparison. See conformance_runner.h.
#include "tools/conformance_runner.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <new>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/fixedpoint.h"
#include "kernels/reference.h"
#include "kernels/types.h"

namespace qinfer {
namespace conformance {
namespace {

using json = nlohmann::json;
namespace kn = qinfer::kernels;
namespace ref = qinfer::kernels::ref;

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
// Implementation limits, far above any conformance case: elements per tensor, and the
// padded extent of a convolution or pooling input (keeps every kernel index in int32).
constexpr int64_t kMaxElements = int64_t{1} << 26;
constexpr int64_t kMaxPaddedExtent = int64_t{1} << 30;

// A refusal: the case breaks a rule of the format (or a limit of this runner).
class Invalid : public std::runtime_error {
 public:
  explicit Invalid(const std::string& what) : std::runtime_error(what) {}
};

template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream s;
  (s << ... << args);
  return s.str();
}

[[noreturn]] void Refuse(const std::string& why) { throw Invalid(why); }

// Names and strings from the case go into one-line messages: no control characters.
std::string Printable(const std::string& s) {
  std::string r;
  r.reserve(s.size());
  for (char ch : s) {
    const unsigned char u = static_cast<unsigned char>(ch);
    r.push_back(u < 0x20 || u == 0x7f ? '?' : ch);
  }
  return r;
}

std::string Quote(const std::string& s) { return "'" + Printable(s) + "'"; }

std::string ShapeString(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// ---- typed access to JSON values ----

int64_t GetInt(const json& j, const std::string& what) {
  if (j.is_number_integer()) {
    if (j.is_number_unsigned()) {
      const uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        Refuse(Cat(what, " = ", u, " is out of range"));
      return static_cast<int64_t>(u);
    }
    return j.get<int64_t>();
  }
  if (j.is_number_float()) Refuse(Cat(what, " is not an integer (or is out of range)"));
  Refuse(Cat(what, " must be an integer, got ", j.type_name()));
}

int32_t GetIntIn(const json& j, const std::string& what, int64_t lo, int64_t hi) {
  const int64_t v = GetInt(j, what);
  if (v < lo || v > hi) Refuse(Cat(what, " = ", v, " is outside [", lo, ", ", hi, "]"));
  return static_cast<int32_t>(v);
}

const json* Find(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const json& Require(const json& obj, const char* key, const std::string& ctx) {
  const json* v = Find(obj, key);
  if (!v) Refuse(Cat(ctx, " has no '", key, "'"));
  return *v;
}

const std::string& GetString(const json& j, const std::string& what) {
  if (!j.is_string()) Refuse(Cat(what, " must be a string, got ", j.type_name()));
  return j.get_ref<const std::string&>();
}

// ---- tensors ----

enum class Kind { kInput, kConstant, kIntermediate, kOutput };

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kInput: return "input";
    case Kind::kConstant: return "constant";
    case Kind::kIntermediate: return "intermediate";
    case Kind::kOutput: return "output";
  }
  return "?";
}

struct Tensor {
  std::string name;
  Kind kind = Kind::kInput;
  bool is_int32 = false;
  std::vector<int32_t> shape;
  int64_t numel = 0;
  int32_t zero_point = 0;
  std::vector<int8_t> data8;       // int8 value once available (input/constant or produced)
  std::vector<int32_t> data32;     // int32 constant data
  std::vector<int8_t> expected;    // output tensors: the expected data
  bool available = false;          // readable by the next op
  int produced_by = -1;            // op index
};

Tensor ParseTensor(const json& jt, size_t index) {
  const std::string ctx = Cat("tensor ", index);
  if (!jt.is_object()) Refuse(Cat(ctx, " must be an object, got ", jt.type_name()));
  Tensor t;
  t.name = GetString(Require(jt, "name", ctx), ctx + " name");
  if (t.name.empty()) Refuse(Cat(ctx, " has an empty name"));
  const std::string tc = Cat("tensor ", Quote(t.name));

  const std::string& kind = GetString(Require(jt, "kind", tc), tc + " kind");
  if (kind == "input") t.kind = Kind::kInput;
  else if (kind == "constant") t.kind = Kind::kConstant;
  else if (kind == "intermediate") t.kind = Kind::kIntermediate;
  else if (kind == "output") t.kind = Kind::kOutput;
  else Refuse(Cat(tc, ": unknown kind ", Quote(kind)));

  const std::string& dtype = GetString(Require(jt, "dtype", tc), tc + " dtype");
  if (dtype == "int8") t.is_int32 = false;
  else if (dtype == "int32") t.is_int32 = true;
  else Refuse(Cat(tc, ": unknown dtype ", Quote(dtype)));

  const json& js = Require(jt, "shape", tc);
  if (!js.is_array()) Refuse(Cat(tc, " shape must be a list, got ", js.type_name()));
  if (js.empty() || js.size() > 4)
    Refuse(Cat(tc, " shape has rank ", js.size(), "; it must be 1 to 4"));
  t.numel = 1;
  for (size_t d = 0; d < js.size(); ++d) {
    const int32_t v = GetIntIn(js[d], Cat(tc, " shape[", d, "]"), 1, kInt32Max);
    t.shape.push_back(v);
    t.numel *= v;  // at most kMaxElements * 2^31 before the check below: fits int64
    if (t.numel > kMaxElements)
      Refuse(Cat(tc, " has more than ", kMaxElements, " elements (runner limit)"));
  }

  const json* jz = Find(jt, "zero_point");
  if (t.is_int32) {
    if (jz && GetInt(*jz, tc + " zero_point") != 0)
      Refuse(Cat(tc, " is int32; its zero_point must be absent or 0"));
    t.zero_point = 0;
  } else {
    if (!jz) Refuse(Cat(tc, " is int8 and has no zero_point"));
    t.zero_point = GetIntIn(*jz, tc + " zero_point", -128, 127);
  }

  const json* jd = Find(jt, "data");
  if (t.kind == Kind::kIntermediate) {
    if (jd && !jd->is_null()) Refuse(Cat(tc, " is intermediate and must not have data"));
    return t;
  }
  if (!jd) Refuse(Cat(tc, " (", kind, ") has no data"));
  if (!jd->is_array()) Refuse(Cat(tc, " data must be a list, got ", jd->type_name()));
  if (static_cast<int64_t>(jd->size()) != t.numel)
    Refuse(Cat(tc, " data has ", jd->size(), " values; shape ", ShapeString(t.shape),
               " needs ", t.numel));
  const int64_t lo = t.is_int32 ? kInt32Min : -128;
  const int64_t hi = t.is_int32 ? kInt32Max : 127;
  std::vector<int32_t> values(static_cast<size_t>(t.numel));
  for (size_t i = 0; i < values.size(); ++i) {
    const json& v = (*jd)[i];
    if (v.is_number_integer() && !v.is_number_unsigned()) {  // fast path: no message built
      const int64_t x = v.get<int64_t>();
      if (x >= lo && x <= hi) {
        values[i] = static_cast<int32_t>(x);
        continue;
      }
    }
    values[i] = GetIntIn(v, Cat(tc, " data[", i, "]"), lo, hi);
  }
  if (t.is_int32) {
    if (t.kind == Kind::kOutput) Refuse(Cat(tc, ": an output must be int8"));
    t.data32 = std::move(values);
  } else {
    std::vector<int8_t>& dst = t.kind == Kind::kOutput ? t.expected : t.data8;
    dst.assign(values.begin(), values.end());
  }
  t.available = t.kind == Kind::kInput || t.kind == Kind::kConstant;
  return t;
}

kn::Dims4 ToDims4(const std::vector<int32_t>& shape) {
  int32_t d[4] = {1, 1, 1, 1};
  const size_t off = 4 - shape.size();
  for (size_t i = 0; i < shape.size(); ++i) d[off + i] = shape[i];
  return kn::Dims4{d[0], d[1], d[2], d[3]};
}

// ---- ops ----

struct Graph {
  std::vector<Tensor> tensors;
  std::map<std::string, size_t> by_name;
};

// One op being validated and run: its slots, its params and error context.
class Op {
 public:
  Op(Graph& g, const json& jop, size_t index) : g_(g), index_(index) {
    ctx_ = Cat("op ", index);
    if (!jop.is_object()) Refuse(Cat(ctx_, " must be an object, got ", jop.type_name()));
    type_ = GetString(Require(jop, "type", ctx_), ctx_ + " type");
    ctx_ = Cat("op ", index, " (", Printable(type_), ")");
    static const char* const kTypes[] = {"conv2d",     "depthwise_conv2d", "fully_connected",
                                         "add",        "mul",              "max_pool2d",
                                         "avg_pool2d", "softmax"};
    if (std::find(std::begin(kTypes), std::end(kTypes), type_) == std::end(kTypes))
      Refuse(Cat(ctx_, ": unknown op type ", Quote(type_)));

    const json& ji = Require(jop, "inputs", ctx_);
    if (!ji.is_array()) Refuse(Cat(ctx_, " inputs must be a list, got ", ji.type_name()));
    for (size_t i = 0; i < ji.size(); ++i) {
      if (ji[i].is_null()) {
        inputs_.push_back(nullptr);
        continue;
      }
      const std::string& name = GetString(ji[i], Cat(ctx_, " inputs[", i, "]"));
      inputs_.push_back(&Lookup(name));
    }

    const json& jo = Require(jop, "outputs", ctx_);
    if (!jo.is_array()) Refuse(Cat(ctx_, " outputs must be a list, got ", jo.type_name()));
    if (jo.size() != 1) Refuse(Cat(ctx_, " must have exactly one output, has ", jo.size()));
    output_ = &Lookup(GetString(jo[0], ctx_ + " outputs[0]"));

    const json& jp = Require(jop, "params", ctx_);
    if (!jp.is_object()) Refuse(Cat(ctx_, " params must be an object, got ", jp.type_name()));
    params_ = &jp;
  }

  const std::string& type() const { return type_; }
  const std::string& ctx() const { return ctx_; }

  // params must hold exactly `keys`.
  void ExpectParams(std::initializer_list<const char*> keys) {
    std::set<std::string> known(keys.begin(), keys.end());
    for (auto it = params_->begin(); it != params_->end(); ++it)
      if (!known.count(it.key())) Refuse(Cat(ctx_, ": unknown params key ", Quote(it.key())));
    for (const char* k : keys)
      if (!Find(*params_, k)) Refuse(Cat(ctx_, ": missing params key '", k, "'"));
  }

  int32_t Param(const char* key, int64_t lo, int64_t hi) const {
    return GetIntIn(params_->at(key), Cat(ctx_, ": ", key), lo, hi);
  }

  int32_t ZeroPointParam(const char* key, const Tensor& t) const {
    const int32_t zp = Param(key, -128, 127);
    if (zp != t.zero_point)
      Refuse(Cat(ctx_, ": ", key, "=", zp, " differs from tensor ", Quote(t.name),
                 " zero_point=", t.zero_point));
    return zp;
  }

  // A non-empty list of integers in [lo, hi].
  std::vector<int32_t> ListParam(const char* key, int64_t lo, int64_t hi) const {
    const json& j = params_->at(key);
    if (!j.is_array()) Refuse(Cat(ctx_, ": ", key, " must be a list, got ", j.type_name()));
    if (j.empty()) Refuse(Cat(ctx_, ": ", key, " must not be empty"));
    std::vector<int32_t> v;
    for (size_t i = 0; i < j.size(); ++i)
      v.push_back(GetIntIn(j[i], Cat(ctx_, ": ", key, "[", i, "]"), lo, hi));
    return v;
  }

  // Checks the input count: `min_count` to `max_count` entries; only `nullable_slot` may
  // be null.
  void ExpectInputs(size_t min_count, size_t max_count, int nullable_slot) {
    if (inputs_.size() < min_count || inputs_.size() > max_count) {
      if (min_count == max_count)
        Refuse(Cat(ctx_, " needs ", min_count, " inputs, has ", inputs_.size()));
      Refuse(Cat(ctx_, " needs ", min_count, " or ", max_count, " inputs, has ",
                 inputs_.size()));
    }
    for (size_t i = 0; i < inputs_.size(); ++i)
      if (!inputs_[i] && static_cast<int>(i) != nullable_slot)
        Refuse(Cat(ctx_, ": inputs[", i, "] is null; only the bias slot may be null"));
  }

  // Slot i, or null when absent / null.
  Tensor* InputOrNull(size_t i) const { return i < inputs_.size() ? inputs_[i] : nullptr; }

  // An input read by this op: must be available, of the dtype and rank asked.
  const Tensor& Input(size_t i, const char* role, bool int32, int rank /*0 = any*/,
                      bool must_be_constant) const {
    const Tensor* t = inputs_[i];
    if (must_be_constant && t->kind != Kind::kConstant)
      Refuse(Cat(ctx_, ": ", role, " ", Quote(t->name), " must be a constant, is ",
                 KindName(t->kind)));
    if (!t->available)
      Refuse(Cat(ctx_, " reads tensor ", Quote(t->name), " before it is produced"));
    if (t->is_int32 != int32)
      Refuse(Cat(ctx_, ": ", role, " ", Quote(t->name), " must be ", int32 ? "int32" : "int8"));
    if (rank && static_cast<int>(t->shape.size()) != rank)
      Refuse(Cat(ctx_, ": ", role, " ", Quote(t->name), " must have rank ", rank,
                 ", has shape ", ShapeString(t->shape)));
    return *t;
  }

  // The output: an intermediate/output int8 tensor not produced yet, with the given shape.
  Tensor& Output(const std::vector<int32_t>& expected_shape) const {
    Tensor& t = *output_;
    if (t.kind != Kind::kIntermediate && t.kind != Kind::kOutput)
      Refuse(Cat(ctx_, " writes tensor ", Quote(t.name), " of kind ", KindName(t.kind),
                 "; an op output must be intermediate or output"));
    if (t.produced_by >= 0)
      Refuse(Cat(ctx_, " writes tensor ", Quote(t.name), " already produced by op ",
                 t.produced_by));
    if (t.is_int32) Refuse(Cat(ctx_, ": output ", Quote(t.name), " must be int8"));
    if (t.shape != expected_shape)
      Refuse(Cat(ctx_, ": output ", Quote(t.name), " has shape ", ShapeString(t.shape),
                 "; the op produces ", ShapeString(expected_shape)));
    return t;
  }

  void MarkProduced(Tensor& t) const {
    t.produced_by = static_cast<int>(index_);
    t.available = true;
  }

 private:
  Tensor& Lookup(const std::string& name) {
    auto it = g_.by_name.find(name);
    if (it == g_.by_name.end())
      Refuse(Cat(ctx_, " refers to unknown tensor ", Quote(name)));
    return g_.tensors[it->second];
  }

  Graph& g_;
  size_t index_;
  std::string ctx_;
  std::string type_;
  std::vector<Tensor*> inputs_;
  Tensor* output_ = nullptr;
  const json* params_ = nullptr;
};

void CheckActivationRange(const Op& op, int32_t* act_min, int32_t* act_max) {
  *act_min = op.Param("activation_min", -128, 127);
  *act_max = op.Param("activation_max", -128, 127);
  if (*act_min > *act_max)
    Refuse(Cat(op.ctx(), ": activation_min=", *act_min, " > activation_max=", *act_max));
}

// Per-tensor or per-channel multiplier/shift lists.
struct RequantLists {
  std::vector<int32_t> multiplier, shift;
  int32_t At(const std::vector<int32_t>& v, int64_t c) const {
    return v.size() == 1 ? v[0] : v[static_cast<size_t>(c)];
  }
};

RequantLists GetRequant(const Op& op, int64_t channels) {
  RequantLists r;
  r.multiplier = op.ListParam("multiplier", 0, kInt32Max);
  r.shift = op.ListParam("shift", -31, 30);
  if (r.multiplier.size() != r.shift.size())
    Refuse(Cat(op.ctx(), ": multiplier has ", r.multiplier.size(), " entries, shift has ",
               r.shift.size()));
  if (r.multiplier.size() != 1 && static_cast<int64_t>(r.multiplier.size()) != channels)
    Refuse(Cat(op.ctx(), ": multiplier/shift have ", r.multiplier.size(),
               " entries; they need 1 or the number of output channels (", channels, ")"));
  return r;
}

// The output of a requantizing op (conv, depthwise, fully connected) with its zero point,
// multiplier/shift lists and activation range, each checked; `numel` against the runner limit.
struct RequantOutput {
  Tensor* out;
  int32_t zero_point, act_min, act_max;
  RequantLists rq;
};

RequantOutput MakeRequantOutput(const Op& op, const std::vector<int32_t>& out_shape,
                                int64_t numel, int64_t channels) {
  if (numel > kMaxElements)
    Refuse(Cat(op.ctx(), ": output ", ShapeString(out_shape), " exceeds the runner limit"));
  RequantOutput r;
  r.out = &op.Output(out_shape);
  r.zero_point = op.ZeroPointParam("output_zero_point", *r.out);
  r.rq = GetRequant(op, channels);
  CheckActivationRange(op, &r.act_min, &r.act_max);
  return r;
}

kn::Requant AsRequant(const RequantLists& r) {
  return kn::Requant{r.multiplier.data(), r.shift.data(),
                     static_cast<int32_t>(r.multiplier.size())};
}

// x * 2^max(shift, 0) must fit int32 (the MBQM precondition).
bool FitsAfterLeftShift(int64_t x, int32_t shift) {
  const int64_t left = shift > 0 ? shift : 0;
  if (x < kInt32Min || x > kInt32Max) return false;
  const int64_t scaled = x * (int64_t{1} << left);  // |x| <= 2^31, left <= 30: fits int64
  return scaled >= kInt32Min && scaled <= kInt32Max;
}

int64_t MaxAbsDiff(const std::vector<int8_t>& v, int32_t zp) {
  int64_t m = 0;
  for (int8_t x : v) m = std::max<int64_t>(m, x >= zp ? x - zp : zp - x);
  return m;
}

// conv2d / depthwise_conv2d geometry: OH from H, pads, filter, dilation, stride.
int32_t ConvExtent(const Op& op, const char* axis, int64_t in, int64_t pad0, int64_t pad1,
                   int64_t filter, int64_t dilation, int64_t stride) {
  const int64_t padded = in + pad0 + pad1;
  if (padded > kMaxPaddedExtent)
    Refuse(Cat(op.ctx(), ": padded input ", axis, " ", padded, " exceeds the runner limit ",
               kMaxPaddedExtent));
  const int64_t effective = (filter - 1) * dilation + 1;
  const int64_t num = padded - effective;
  if (num < 0)
    Refuse(Cat(op.ctx(), ": effective filter ", axis, " ", effective,
               " is larger than the padded input ", axis, " ", padded));
  return static_cast<int32_t>(num / stride + 1);
}

struct ConvGeometry {
  int32_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, pad_bottom,
      pad_right;
};

ConvGeometry GetConvGeometry(const Op& op) {
  ConvGeometry g;
  g.stride_h = op.Param("stride_h", 1, kInt32Max);
  g.stride_w = op.Param("stride_w", 1, kInt32Max);
  g.dilation_h = op.Param("dilation_h", 1, kInt32Max);
  g.dilation_w = op.Param("dilation_w", 1, kInt32Max);
  g.pad_top = op.Param("pad_top", 0, kInt32Max);
  g.pad_left = op.Param("pad_left", 0, kInt32Max);
  g.pad_bottom = op.Param("pad_bottom", 0, kInt32Max);
  g.pad_right = op.Param("pad_right", 0, kInt32Max);
  return g;
}

// `partial_overflow`: some partial sum (bias first, then the taps in order, as the reference
// kernels accumulate in int32) left int32 although the final value may fit. Such a case is
// refused too: running it would be undefined behaviour in the kernel.
void CheckAcc(const Op& op, int64_t flat, int64_t acc, int32_t shift, bool partial_overflow) {
  if (!FitsAfterLeftShift(acc, shift))
    Refuse(Cat(op.ctx(), ": accumulator ", acc, " at output flat index ", flat,
               shift > 0 ? Cat(" shifted left by ", shift) : std::string(),
               " does not fit int32"));
  if (partial_overflow)
    Refuse(Cat(op.ctx(), ": a partial sum of the accumulator at output flat index ", flat,
               " (bias first, then taps in order) does not fit int32"));
}

bool OutsideInt32(int64_t v) { return v < kInt32Min || v > kInt32Max; }

void RunConv(Op& op, bool depthwise) {
  op.ExpectInputs(2, 3, 2);
  if (depthwise)
    op.ExpectParams({"stride_h", "stride_w", "dilation_h", "dilation_w", "pad_top", "pad_left",
                     "pad_bottom", "pad_right", "depth_multiplier", "input_zero_point",
                     "output_zero_point", "multiplier", "shift", "activation_min",
                     "activation_max"});
  else
    op.ExpectParams({"stride_h", "stride_w", "dilation_h", "dilation_w", "pad_top", "pad_left",
                     "pad_bottom", "pad_right", "groups", "input_zero_point",
                     "output_zero_point", "multiplier", "shift", "activation_min",
                     "activation_max"});
  const Tensor& in = op.Input(0, "input", false, 4, false);
  const Tensor& w = op.Input(1, "weights", false, 4, true);
  const Tensor* bias = op.InputOrNull(2);
  if (bias) bias = &op.Input(2, "bias", true, 1, true);
  if (w.zero_point != 0)
    Refuse(Cat(op.ctx(), ": weights ", Quote(w.name), " zero_point=", w.zero_point,
               "; conv weights must have zero_point 0"));

  const ConvGeometry g = GetConvGeometry(op);
  const int64_t N = in.shape[0], H = in.shape[1], W = in.shape[2], C = in.shape[3];
  const int64_t KH = w.shape[1], KW = w.shape[2];
  int64_t OC = 0;
  int32_t groups = 1, depth_multiplier = 1;
  if (depthwise) {
    depth_multiplier = op.Param("depth_multiplier", 1, kInt32Max);
    OC = C * depth_multiplier;
    if (w.shape[0] != 1 || w.shape[3] != OC)
      Refuse(Cat(op.ctx(), ": weights shape ", ShapeString(w.shape), " must be [1, KH, KW, ",
                 OC, "] (input channels ", C, " x depth_multiplier ", depth_multiplier, ")"));
  } else {
    groups = op.Param("groups", 1, kInt32Max);
    OC = w.shape[0];
    if (C % groups != 0)
      Refuse(Cat(op.ctx(), ": groups=", groups, " does not divide input channels ", C));
    if (OC % groups != 0)
      Refuse(Cat(op.ctx(), ": groups=", groups, " does not divide output channels ", OC));
    if (w.shape[3] != C / groups)
      Refuse(Cat(op.ctx(), ": weights shape ", ShapeString(w.shape), " must have ",
                 C / groups, " input channels per group (", C, " / groups ", groups, ")"));
  }
  if (bias && bias->shape[0] != OC)
    Refuse(Cat(op.ctx(), ": bias ", Quote(bias->name), " has shape ", ShapeString(bias->shape),
               "; it must be [", OC, "]"));
  const int32_t zi = op.ZeroPointParam("input_zero_point", in);
  const int32_t OH =
      ConvExtent(op, "height", H, g.pad_top, g.pad_bottom, KH, g.dilation_h, g.stride_h);
  const int32_t OW =
      ConvExtent(op, "width", W, g.pad_left, g.pad_right, KW, g.dilation_w, g.stride_w);
  std::vector<int32_t> out_shape = {static_cast<int32_t>(N), OH, OW, static_cast<int32_t>(OC)};
  const RequantOutput ro = MakeRequantOutput(op, out_shape, N * OH * OW * OC, OC);
  Tensor& out = *ro.out;
  const int32_t zo = ro.zero_point, act_min = ro.act_min, act_max = ro.act_max;
  const RequantLists& rq = ro.rq;

  // acc (bias included) and acc * 2^max(shift, 0) must fit int32 (FORMAT.md 5 and 6.1). A
  // per-channel bound settles almost every case; only if it does not are the exact
  // accumulators computed (int64) to decide.
  const int64_t max_x = MaxAbsDiff(in.data8, zi);
  bool bound_ok = true;
  for (int64_t oc = 0; oc < OC && bound_ok; ++oc) {
    int64_t sum_w = 0;
    const int64_t wc = depthwise ? 0 : oc;
    for (int64_t ky = 0; ky < KH; ++ky)
      for (int64_t kx = 0; kx < KW; ++kx)
        for (int64_t ic = 0; ic < (depthwise ? 1 : w.shape[3]); ++ic) {
          const int64_t idx = depthwise ? (ky * KW + kx) * OC + oc
                                        : ((wc * KH + ky) * KW + kx) * w.shape[3] + ic;
          const int64_t v = w.data8[static_cast<size_t>(idx)];
          sum_w += v < 0 ? -v : v;
        }
    int64_t b = bias ? bias->data32[static_cast<size_t>(oc)] : 0;
    b = b < 0 ? -b : b;
    const int32_t shift = rq.At(rq.shift, oc);
    if (!FitsAfterLeftShift(b + max_x * sum_w, shift)) bound_ok = false;
  }
  if (!bound_ok) {
    const int64_t Cg = depthwise ? 1 : w.shape[3];
    const int64_t OCg = depthwise ? 1 : OC / groups;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox)
          for (int64_t oc = 0; oc < OC; ++oc) {
            int64_t acc = bias ? bias->data32[static_cast<size_t>(oc)] : 0;
            bool partial_overflow = false;
            for (int64_t ky = 0; ky < KH; ++ky)
              for (int64_t kx = 0; kx < KW; ++kx) {
                const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
                const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                for (int64_t ic = 0; ic < Cg; ++ic) {
                  const int64_t ch = depthwise ? oc / depth_multiplier : (oc / OCg) * Cg + ic;
                  const int64_t widx = depthwise ? (ky * KW + kx) * OC + oc
                                                 : ((oc * KH + ky) * KW + kx) * Cg + ic;
                  acc += int64_t{w.data8[static_cast<size_t>(widx)]} *
                         (in.data8[static_cast<size_t>(((n * H + iy) * W + ix) * C + ch)] - zi);
                  partial_overflow = partial_overflow || OutsideInt32(acc);
                }
              }
            CheckAcc(op, ((n * OH + oy) * OW + ox) * OC + oc, acc, rq.At(rq.shift, oc),
                     partial_overflow);
          }
  }

  kn::ConvParams p{};
  p.stride_h = g.stride_h;
  p.stride_w = g.stride_w;
  p.dilation_h = g.dilation_h;
  p.dilation_w = g.dilation_w;
  p.pad_top = g.pad_top;
  p.pad_left = g.pad_left;
  p.groups = groups;
  p.depth_multiplier = depth_multiplier;
  p.input_zero_point = zi;
  p.output_zero_point = zo;
  p.act_min = act_min;
  p.act_max = act_max;
  p.requant = AsRequant(rq);
  std::vector<int8_t> result(static_cast<size_t>(N * OH * OW * OC));
  const kn::Dims4 in_dims = ToDims4(in.shape), w_dims = ToDims4(w.shape),
                  out_dims = ToDims4(out_shape);
  const int32_t* bias_data = bias ? bias->data32.data() : nullptr;
  if (depthwise)
    ref::DepthwiseConv2D(p, in_dims, in.data8.data(), w_dims, w.data8.data(), bias_data,
                         out_dims, result.data());
  else
    ref::Conv2D(p, in_dims, in.data8.data(), w_dims, w.data8.data(), bias_data, out_dims,
                result.data());
  out.data8 = std::move(result);
  op.MarkProduced(out);
}

void RunFullyConnected(Op& op) {
  op.ExpectInputs(2, 3, 2);
  op.ExpectParams({"input_zero_point", "weights_zero_point", "output_zero_point", "multiplier",
                   "shift", "activation_min", "activation_max"});
  const Tensor& in = op.Input(0, "input", false, 0, false);
  const Tensor& w = op.Input(1, "weights", false, 2, true);
  const Tensor* bias = op.InputOrNull(2);
  if (bias) bias = &op.Input(2, "bias", true, 1, true);
  const int64_t OUT = w.shape[0], IN = w.shape[1];
  if (in.numel % IN != 0)
    Refuse(Cat(op.ctx(), ": input ", Quote(in.name), " has ", in.numel,
               " elements, not a multiple of the weights' input size ", IN));
  const int64_t batches = in.numel / IN;
  if (bias && bias->shape[0] != OUT)
    Refuse(Cat(op.ctx(), ": bias ", Quote(bias->name), " has shape ", ShapeString(bias->shape),
               "; it must be [", OUT, "]"));
  const int32_t zi = op.ZeroPointParam("input_zero_point", in);
  const int32_t zw = op.ZeroPointParam("weights_zero_point", w);
  const std::vector<int32_t> out_shape = {static_cast<int32_t>(batches),
                                          static_cast<int32_t>(OUT)};
  const RequantOutput ro = MakeRequantOutput(op, out_shape, batches * OUT, OUT);
  Tensor& out = *ro.out;
  const int32_t zo = ro.zero_point, act_min = ro.act_min, act_max = ro.act_max;
  const RequantLists& rq = ro.rq;

  const int64_t max_x = MaxAbsDiff(in.data8, zi);
  bool bound_ok = true;
  for (int64_t o = 0; o < OUT && bound_ok; ++o) {
    int64_t sum_w = 0;
    for (int64_t i = 0; i < IN; ++i) {
      const int64_t v = int64_t{w.data8[static_cast<size_t>(o * IN + i)]} - zw;
      sum_w += v < 0 ? -v : v;
    }
    int64_t b = bias ? bias->data32[static_cast<size_t>(o)] : 0;
    b = b < 0 ? -b : b;
    if (!FitsAfterLeftShift(b + max_x * sum_w, rq.At(rq.shift, o))) bound_ok = false;
  }
  if (!bound_ok) {
    for (int64_t b = 0; b < batches; ++b)
      for (int64_t o = 0; o < OUT; ++o) {
        int64_t acc = bias ? bias->data32[static_cast<size_t>(o)] : 0;
        bool partial_overflow = false;
        for (int64_t i = 0; i < IN; ++i) {
          acc += (int64_t{w.data8[static_cast<size_t>(o * IN + i)]} - zw) *
                 (int64_t{in.data8[static_cast<size_t>(b * IN + i)]} - zi);
          partial_overflow = partial_overflow || OutsideInt32(acc);
        }
        CheckAcc(op, b * OUT + o, acc, rq.At(rq.shift, o), partial_overflow);
      }
  }

  kn::FullyConnectedParams p{};
  p.input_zero_point = zi;
  p.weights_zero_point = zw;
  p.output_zero_point = zo;
  p.act_min = act_min;
  p.act_max = act_max;
  p.requant = AsRequant(rq);
  std::vector<int8_t> result(static_cast<size_t>(batches * OUT));
  ref::FullyConnected(p, static_cast<int32_t>(batches), static_cast<int32_t>(IN),
                      static_cast<int32_t>(OUT), in.data8.data(), w.data8.data(),
                      bias ? bias->data32.data() : nullptr, result.data());
  out.data8 = std::move(result);
  op.MarkProduced(out);
}

void RunElementwise(Op& op, bool is_add) {
  op.ExpectInputs(2, 2, -1);
  if (is_add)
    op.ExpectParams({"input1_zero_point", "input2_zero_point", "output_zero_point", "left_shift",
                     "input1_multiplier", "input1_shift", "input2_multiplier", "input2_shift",
                     "output_multiplier", "output_shift", "activation_min", "activation_max"});
  else
    op.ExpectParams({"input1_zero_point", "input2_zero_point", "output_zero_point",
                     "output_multiplier", "output_shift", "activation_min", "activation_max"});
  const Tensor& a = op.Input(0, "input1", false, 0, false);
  const Tensor& b = op.Input(1, "input2", false, 0, false);
  if (a.shape != b.shape)
    Refuse(Cat(op.ctx(), ": input shapes ", ShapeString(a.shape), " and ", ShapeString(b.shape),
               " differ (no broadcasting in version 1)"));
  const int32_t z1 = op.ZeroPointParam("input1_zero_point", a);
  const int32_t z2 = op.ZeroPointParam("input2_zero_point", b);
  Tensor& out = op.Output(a.shape);
  const int32_t zo = op.ZeroPointParam("output_zero_point", out);
  const int32_t om = op.Param("output_multiplier", 0, kInt32Max);
  const int32_t os = op.Param("output_shift", -31, 30);
  int32_t act_min, act_max;
  CheckActivationRange(op, &act_min, &act_max);
  const kn::Dims4 dims = ToDims4(a.shape);
  std::vector<int8_t> result(static_cast<size_t>(a.numel));

  if (is_add) {
    kn::AddParams p{};
    p.input1_zero_point = z1;
    p.input2_zero_point = z2;
    p.output_zero_point = zo;
    p.left_shift = op.Param("left_shift", 0, 23);
    p.input1_multiplier = op.Param("input1_multiplier", 0, kInt32Max);
    p.input1_shift = op.Param("input1_shift", -31, 30);
    p.input2_multiplier = op.Param("input2_multiplier", 0, kInt32Max);
    p.input2_shift = op.Param("input2_shift", -31, 30);
    p.output_multiplier = om;
    p.output_shift = os;
    p.act_min = act_min;
    p.act_max = act_max;
    p.subtract = false;
    // Every MBQM argument, and a + b, must fit int32.
    for (int64_t i = 0; i < a.numel; ++i) {
      const size_t k = static_cast<size_t>(i);
      const int64_t x1 = (int64_t{a.data8[k]} - z1) * (int64_t{1} << p.left_shift);
      const int64_t x2 = (int64_t{b.data8[k]} - z2) * (int64_t{1} << p.left_shift);
      if (!FitsAfterLeftShift(x1, p.input1_shift) || !FitsAfterLeftShift(x2, p.input2_shift))
        Refuse(Cat(op.ctx(), ": scaled input at flat index ", i,
                   " shifted left by its input shift does not fit int32"));
      const int64_t s =
          int64_t{kn::MultiplyByQuantizedMultiplier(static_cast<int32_t>(x1),
                                                    p.input1_multiplier, p.input1_shift)} +
          kn::MultiplyByQuantizedMultiplier(static_cast<int32_t>(x2), p.input2_multiplier,
                                            p.input2_shift);
      if (!FitsAfterLeftShift(s, os))
        Refuse(Cat(op.ctx(), ": sum ", s, " at flat index ", i,
                   os > 0 ? " shifted left by output_shift" : "", " does not fit int32"));
    }
    ref::Add(p, dims, a.data8.data(), dims, b.data8.data(), dims, result.data());
  } else {
    kn::MulParams p{};
    p.input1_zero_point = z1;
    p.input2_zero_point = z2;
    p.output_zero_point = zo;
    p.output_multiplier = om;
    p.output_shift = os;
    p.act_min = act_min;
    p.act_max = act_max;
    for (int64_t i = 0; i < a.numel; ++i) {
      const size_t k = static_cast<size_t>(i);
      const int64_t prod = (int64_t{a.data8[k]} - z1) * (int64_t{b.data8[k]} - z2);
      if (!FitsAfterLeftShift(prod, os))
        Refuse(Cat(op.ctx(), ": product ", prod, " at flat index ", i,
                   " shifted left by output_shift=", os, " does not fit int32"));
    }
    ref::Mul(p, dims, a.data8.data(), dims, b.data8.data(), dims, result.data());
  }
  out.data8 = std::move(result);
  op.MarkProduced(out);
}

void RunPool(Op& op, bool is_max) {
  op.ExpectInputs(1, 1, -1);
  op.ExpectParams({"filter_h", "filter_w", "stride_h", "stride_w", "pad_top", "pad_left",
                   "pad_bottom", "pad_right", "activation_min", "activation_max"});
  const Tensor& in = op.Input(0, "input", false, 4, false);
  kn::PoolParams p{};
  p.filter_h = op.Param("filter_h", 1, kInt32Max);
  p.filter_w = op.Param("filter_w", 1, kInt32Max);
  p.stride_h = op.Param("stride_h", 1, kInt32Max);
  p.stride_w = op.Param("stride_w", 1, kInt32Max);
  p.pad_top = op.Param("pad_top", 0, kInt32Max);
  p.pad_left = op.Param("pad_left", 0, kInt32Max);
  const int32_t pad_bottom = op.Param("pad_bottom", 0, kInt32Max);
  const int32_t pad_right = op.Param("pad_right", 0, kInt32Max);
  const std::pair<const char*, int32_t> pads_h[] = {{"pad_top", p.pad_top},
                                                     {"pad_bottom", pad_bottom}};
  const std::pair<const char*, int32_t> pads_w[] = {{"pad_left", p.pad_left},
                                                     {"pad_right", pad_right}};
  for (const auto& pad : pads_h)
    if (pad.second >= p.filter_h)
      Refuse(Cat(op.ctx(), ": ", pad.first, "=", pad.second, " must be smaller than filter_h=",
                 p.filter_h));
  for (const auto& pad : pads_w)
    if (pad.second >= p.filter_w)
      Refuse(Cat(op.ctx(), ": ", pad.first, "=", pad.second, " must be smaller than filter_w=",
                 p.filter_w));
  CheckActivationRange(op, &p.act_min, &p.act_max);
  // The kernel sums a window in int32: at most 2^23 values of magnitude <= 128.
  const int64_t window = int64_t{std::min(p.filter_h, in.shape[1])} *
                         std::min(p.filter_w, in.shape[2]);
  if (window > (int64_t{1} << 23))
    Refuse(Cat(op.ctx(), ": a window of ", window, " elements exceeds the runner limit"));
  const int32_t OH = ConvExtent(op, "height", in.shape[1], p.pad_top, pad_bottom, p.filter_h, 1,
                                p.stride_h);
  const int32_t OW = ConvExtent(op, "width", in.shape[2], p.pad_left, pad_right, p.filter_w, 1,
                                p.stride_w);
  const std::vector<int32_t> out_shape = {in.shape[0], OH, OW, in.shape[3]};
  if (int64_t{in.shape[0]} * OH * OW * in.shape[3] > kMaxElements)
    Refuse(Cat(op.ctx(), ": output ", ShapeString(out_shape), " exceeds the runner limit"));
  Tensor& out = op.Output(out_shape);
  if (out.zero_point != in.zero_point)
    Refuse(Cat(op.ctx(), ": input ", Quote(in.name), " zero_point=", in.zero_point,
               " and output ", Quote(out.name), " zero_point=", out.zero_point,
               " differ; pooling needs the same zero point"));
  std::vector<int8_t> result(out_shape[0] * static_cast<size_t>(OH) * OW * out_shape[3]);
  if (is_max)
    ref::MaxPool2D(p, ToDims4(in.shape), in.data8.data(), ToDims4(out_shape), result.data());
  else
    ref::AvgPool2D(p, ToDims4(in.shape), in.data8.data(), ToDims4(out_shape), result.data());
  out.data8 = std::move(result);
  op.MarkProduced(out);
}

void RunSoftmax(Op& op) {
  op.ExpectInputs(1, 1, -1);
  op.ExpectParams({"input_multiplier", "input_left_shift", "diff_min"});
  const Tensor& in = op.Input(0, "input", false, 0, false);
  kn::SoftmaxParams p{};
  p.input_multiplier = op.Param("input_multiplier", 0, kInt32Max);
  p.input_left_shift = op.Param("input_left_shift", 0, 30);
  p.diff_min = op.Param("diff_min", kInt32Min, 0);
  if (int64_t{p.diff_min} * (int64_t{1} << p.input_left_shift) < kInt32Min)
    Refuse(Cat(op.ctx(), ": diff_min=", p.diff_min, " * 2^input_left_shift (",
               p.input_left_shift, ") is below -2^31"));
  Tensor& out = op.Output(in.shape);
  if (out.zero_point != -128)
    Refuse(Cat(op.ctx(), ": output ", Quote(out.name), " zero_point=", out.zero_point,
               "; softmax output zero_point must be -128"));
  const int32_t depth = in.shape.back();
  const int32_t rows = static_cast<int32_t>(in.numel / depth);

  // k = (12 - CLZ(sum)) + 31 - 8 must lie in [0, 31], i.e. sum < 2^28: compute each row's
  // sum (gemmlowp fixed point, as FORMAT.md section 6.7) before calling the kernel.
  using ScaledDiff = gemmlowp::FixedPoint<int32_t, 5>;
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t* row = in.data8.data() + static_cast<size_t>(r) * depth;
    const int32_t mx = *std::max_element(row, row + depth);
    int64_t sum = 0;
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t d = row[c] - mx;
      if (d < p.diff_min) continue;
      const int32_t scaled = static_cast<int32_t>(int64_t{d} * (int64_t{1} << p.input_left_shift));
      const int32_t x = kn::Srdhm(scaled, p.input_multiplier);
      const int32_t e = gemmlowp::exp_on_negative_values(ScaledDiff::FromRaw(x)).raw();
      sum += kn::Rdbp(e, 12);
    }
    if (sum >= (int64_t{1} << 28)) {
      int bits = 0;
      for (int64_t s = sum; s; s >>= 1) ++bits;
      const int k = (12 - (32 - bits)) + 31 - 8;
      Refuse(Cat(op.ctx(), ": row ", r, ": sum of exponentials ", sum, " gives k=", k,
                 ", outside [0, 31]"));
    }
  }
  std::vector<int8_t> result(static_cast<size_t>(in.numel));
  ref::Softmax(p, rows, depth, in.data8.data(), result.data());
  out.data8 = std::move(result);
  op.MarkProduced(out);
}

std::string Compare(const Graph& g) {
  std::vector<std::string> failures;
  for (const Tensor& t : g.tensors) {
    if (t.kind != Kind::kOutput) continue;
    int64_t differ = 0, first = -1;
    for (size_t i = 0; i < t.expected.size(); ++i) {
      if (t.data8[i] != t.expected[i]) {
        if (first < 0) first = static_cast<int64_t>(i);
        ++differ;
      }
    }
    if (differ) {
      const size_t f = static_cast<size_t>(first);
      failures.push_back(Cat(Printable(t.name), ": ", differ, " of ", t.expected.size(),
                             " values differ (first at flat index ", first,
                             ": got ", int{t.data8[f]}, ", expected ", int{t.expected[f]}, ")"));
    }
  }
  std::string s;
  for (size_t i = 0; i < failures.size(); ++i) s += (i ? "; " : "") + failures[i];
  return s;
}

// Validates and runs a parsed case; returns "" on pass, the mismatch otherwise; throws
// Invalid on a refusal.
std::string RunParsed(const json& root, bool named) {
  const json& jf = Require(root, "format", "the case");
  const std::string& format = GetString(jf, "format");
  if (format != kFormatId)
    Refuse(Cat("unknown format ", Quote(format), "; this runner reads ", kFormatId));
  if (!named) Refuse("the case needs a 'name' that is a non-empty string");

  Graph g;
  const json& jt = Require(root, "tensors", "the case");
  if (!jt.is_array()) Refuse(Cat("tensors must be a list, got ", jt.type_name()));
  for (size_t i = 0; i < jt.size(); ++i) {
    Tensor t = ParseTensor(jt[i], i);
    if (g.by_name.count(t.name)) Refuse(Cat("tensor name ", Quote(t.name), " is not unique"));
    g.by_name[t.name] = g.tensors.size();
    g.tensors.push_back(std::move(t));
  }
  const bool has_output = std::any_of(g.tensors.begin(), g.tensors.end(),
                                      [](const Tensor& t) { return t.kind == Kind::kOutput; });
  if (!has_output) Refuse("the case has no tensor of kind output");

  const json& jo = Require(root, "ops", "the case");
  if (!jo.is_array()) Refuse(Cat("ops must be a list, got ", jo.type_name()));
  if (jo.empty()) Refuse("the case has no ops");
  for (size_t i = 0; i < jo.size(); ++i) {
    Op op(g, jo[i], i);
    const std::string& type = op.type();
    if (type == "conv2d") RunConv(op, false);
    else if (type == "depthwise_conv2d") RunConv(op, true);
    else if (type == "fully_connected") RunFullyConnected(op);
    else if (type == "add") RunElementwise(op, true);
    else if (type == "mul") RunElementwise(op, false);
    else if (type == "max_pool2d") RunPool(op, true);
    else if (type == "avg_pool2d") RunPool(op, false);
    else if (type == "softmax") RunSoftmax(op);
    else Refuse(Cat(op.ctx(), ": unknown op type ", Quote(type)));
  }
  for (const Tensor& t : g.tensors)
    if ((t.kind == Kind::kOutput || t.kind == Kind::kIntermediate) && t.produced_by < 0)
      Refuse(Cat(KindName(t.kind), " tensor ", Quote(t.name), " is not produced by any op"));
  return Compare(g);
}

std::string FileStem(const std::string& path) {
  std::string base = path;
  const size_t slash = base.find_last_of('/');
  if (slash != std::string::npos) base = base.substr(slash + 1);
  if (base.size() > 5 && base.compare(base.size() - 5, 5, ".json") == 0)
    base.resize(base.size() - 5);
  return base.empty() ? path : base;
}

}  // namespace

CaseResult RunCaseText(const std::string& json_text, const std::string& fallback_name) {
  CaseResult r;
  r.name = Printable(fallback_name);
  try {
    // A key given twice would silently drop one value: refuse it, like an unknown key.
    std::vector<std::set<std::string>> open_objects;
    std::string duplicate_key;
    const json::parser_callback_t check_keys = [&](int, json::parse_event_t event,
                                                   json& parsed) {
      if (event == json::parse_event_t::object_start) {
        open_objects.emplace_back();
      } else if (event == json::parse_event_t::object_end) {
        if (!open_objects.empty()) open_objects.pop_back();
      } else if (event == json::parse_event_t::key && !open_objects.empty() &&
                 parsed.is_string()) {
        if (!open_objects.back().insert(parsed.get<std::string>()).second &&
            duplicate_key.empty())
          duplicate_key = parsed.get<std::string>();
      }
      return true;
    };
    json root;
    try {
      root = json::parse(json_text, check_keys);
    } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400
      r.reason = Cat("invalid case: malformed JSON: ", Printable(e.what()));
      return r;
    }
    if (!duplicate_key.empty())
      Refuse(Cat("malformed JSON: key ", Quote(duplicate_key), " appears twice in one object"));
    if (!root.is_object()) Refuse(Cat("the top level must be an object, got ", root.type_name()));
    const json* jn = Find(root, "name");
    const bool named = jn && jn->is_string() && !jn->get_ref<const std::string&>().empty();
    if (named) r.name = Printable(jn->get_ref<const std::string&>());
    const std::string mismatch = RunParsed(root, named);
    r.passed = mismatch.empty();
    r.reason = mismatch;
  } catch (const Invalid& e) {
    r.passed = false;
    r.reason = Cat("invalid case: ", e.what());
  } catch (const std::bad_alloc&) {
    r.passed = false;
    r.reason = "runner error: out of memory";
  } catch (const std::exception& e) {
    r.passed = false;
    r.reason = Cat("invalid case: ", Printable(e.what()));
  } catch (...) {
    r.passed = false;
    r.reason = "runner error: unknown exception";
  }
  return r;
}

CaseResult RunCaseFile(const std::string& path) {
  CaseResult r;
  r.name = Printable(FileStem(path));
  try {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      r.reason = "cannot open file " + Printable(path);
      return r;
    }
    std::ostringstream text;
    text << f.rdbuf();
    if (f.bad()) {
      r.reason = "cannot read file " + Printable(path);
      return r;
    }
    return RunCaseText(text.str(), FileStem(path));
  } catch (const std::bad_alloc&) {
    r.reason = "runner error: out of memory reading " + Printable(path);
  } catch (const std::exception& e) {
    r.reason = Cat("cannot read file ", Printable(path), ": ", Printable(e.what()));
  } catch (...) {
    r.reason = "runner error: unknown exception";
  }
  return r;
}

std::string FormatResult(const CaseResult& result) {
  return result.passed ? "PASS " + result.name : "FAIL " + result.name + ": " + result.reason;
}

int RunConformance(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err) {
  namespace fs = std::filesystem;
  int64_t passed = 0, failed = 0;
  auto report = [&](const CaseResult& r) {
    out << FormatResult(r) << '\n';
    (r.passed ? passed : failed) += 1;
  };
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (!ec && fs::is_directory(st)) {
      std::vector<std::pair<std::string, std::string>> files;  // (file name, path)
      fs::directory_iterator it(path, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() <= 5 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
        std::error_code ec2;
        if (!fs::is_regular_file(it->status(ec2))) continue;
        files.emplace_back(name, it->path().string());
      }
      if (ec) {
        CaseResult r;
        r.name = Printable(path);
        r.reason = "cannot list directory: " + Printable(ec.message());
        report(r);
        continue;
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) report(RunCaseFile(f.second));
    } else if (!ec && fs::exists(st)) {
      report(RunCaseFile(path));
    } else {
      CaseResult r;
      r.name = Printable(FileStem(path));
      r.reason = "no such file or directory: " + Printable(path);
      report(r);
    }
  }
  out << passed << " passed, " << failed << " failed" << std::endl;
  if (passed + failed == 0) {
    err << "qinfer conformance: no case file found" << std::endl;
    return 1;
  }
  return failed == 0 ? 0 : 1;
}

int RunConformance(const std::vector<std::string>& paths, std::ostream& out) {
  return RunConformance(paths, out, std::cerr);
}

}  // namespace conformance
}  // namespace qinfer
