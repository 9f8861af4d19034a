// qinfer inspect MODEL.qinfer
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "converter/error.h"
#include "converter/runner.h"
#include "runtime/target.h"
#include "schema/qinfer_generated.h"
#include "tools/commands.h"

namespace qinfer {
namespace tools {
namespace {

const char kInspectHelp[] =
    "usage: qinfer inspect MODEL.qinfer\n"
    "\n"
    "Verifies the model with the runtime and prints its target (and whether this CPU runs it), ops (with their integer parameters),\n"
    "tensors (shape, zero point, scales, arena offset and live range), arena bytes, weight\n"
    "bytes and the file size.\n";

std::string Shape(const flatbuffers::Vector<int32_t>* s) {
  std::string o = "[";
  if (s)
    for (uint32_t i = 0; i < s->size(); ++i) o += (i ? "," : "") + std::to_string(s->Get(i));
  return o + "]";
}

template <typename V>
std::string List(const V* v, size_t max = 8) {
  if (!v) return "-";
  std::string o;
  for (uint32_t i = 0; i < v->size() && i < max; ++i) o += (i ? "," : "") + std::to_string(v->Get(i));
  if (v->size() > max) o += ",...(" + std::to_string(v->size()) + ")";
  return o;
}

std::string Options(const schema::Operator* op) {
  char buf[512];
  switch (op->options_type()) {
    case schema::OpOptions::Conv2DOptions: {
      const auto* o = op->options_as_Conv2DOptions();
      std::snprintf(buf, sizeof(buf), "stride %dx%d dil %dx%d pad t%d l%d b%d r%d groups %d mult %d act [%d,%d] m %s s %s",
                    o->stride_h(), o->stride_w(), o->dilation_h(), o->dilation_w(), o->pad_top(), o->pad_left(),
                    o->pad_bottom(), o->pad_right(), o->groups(), o->depth_multiplier(), o->act_min(), o->act_max(),
                    List(o->multiplier(), 3).c_str(), List(o->shift(), 3).c_str());
      return buf;
    }
    case schema::OpOptions::FullyConnectedOptions: {
      const auto* o = op->options_as_FullyConnectedOptions();
      std::snprintf(buf, sizeof(buf), "act [%d,%d] m %s s %s", o->act_min(), o->act_max(), List(o->multiplier(), 3).c_str(),
                    List(o->shift(), 3).c_str());
      return buf;
    }
    case schema::OpOptions::AddOptions: {
      const auto* o = op->options_as_AddOptions();
      std::snprintf(buf, sizeof(buf), "%s left_shift %d in1 %d>>%d in2 %d>>%d out %d,%d act [%d,%d]",
                    o->subtract() ? "sub" : "add", o->left_shift(), o->input1_multiplier(), o->input1_shift(),
                    o->input2_multiplier(), o->input2_shift(), o->output_multiplier(), o->output_shift(), o->act_min(),
                    o->act_max());
      return buf;
    }
    case schema::OpOptions::MulOptions: {
      const auto* o = op->options_as_MulOptions();
      std::snprintf(buf, sizeof(buf), "out %d,%d act [%d,%d]", o->output_multiplier(), o->output_shift(), o->act_min(),
                    o->act_max());
      return buf;
    }
    case schema::OpOptions::Pool2DOptions: {
      const auto* o = op->options_as_Pool2DOptions();
      std::snprintf(buf, sizeof(buf), "filter %dx%d stride %dx%d pad t%d l%d b%d r%d act [%d,%d]", o->filter_h(),
                    o->filter_w(), o->stride_h(), o->stride_w(), o->pad_top(), o->pad_left(), o->pad_bottom(),
                    o->pad_right(), o->act_min(), o->act_max());
      return buf;
    }
    case schema::OpOptions::MeanOptions: {
      const auto* o = op->options_as_MeanOptions();
      std::snprintf(buf, sizeof(buf), "m %d s %d act [%d,%d]", o->multiplier(), o->shift(), o->act_min(), o->act_max());
      return buf;
    }
    case schema::OpOptions::SoftmaxOptions: {
      const auto* o = op->options_as_SoftmaxOptions();
      std::snprintf(buf, sizeof(buf), "input_multiplier %d left_shift %d diff_min %d", o->input_multiplier(),
                    o->input_left_shift(), o->diff_min());
      return buf;
    }
    case schema::OpOptions::LookupTableOptions:
      return "table " + List(op->options_as_LookupTableOptions()->table(), 6);
    case schema::OpOptions::RequantizeOptions: {
      const auto* o = op->options_as_RequantizeOptions();
      std::snprintf(buf, sizeof(buf), "m %d s %d", o->multiplier(), o->shift());
      return buf;
    }
    case schema::OpOptions::ConcatenationOptions: {
      const auto* o = op->options_as_ConcatenationOptions();
      return "axis " + std::to_string(o->axis()) + " m " + List(o->input_multiplier()) + " s " + List(o->input_shift());
    }
    case schema::OpOptions::PadOptions:
      return "pads " + List(op->options_as_PadOptions()->pads(), 8);
    case schema::OpOptions::TransposeOptions:
      return "perm " + List(op->options_as_TransposeOptions()->perm());
    default:
      return "";
  }
}

}  // namespace

int InspectMain(int argc, char** argv) {
  using namespace qinfer::converter;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kInspectHelp, stdout);
      return 0;
    }
    if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "error: unknown option '%s'\n", a.c_str());
      return 1;
    }
    if (!path.empty()) {
      std::fprintf(stderr, "error: unexpected argument '%s'\n", a.c_str());
      return 1;
    }
    path = a;
  }
  if (path.empty()) {
    std::fprintf(stderr, "error: no model given (usage: qinfer inspect MODEL.qinfer)\n");
    return 1;
  }
  try {
    const std::string file = ReadFileBytes(path);
    // Verified without the CPU check, so a model packed for another machine can be read.
    VerifyModelBytes(std::vector<uint8_t>(file.begin(), file.end()));
    std::vector<uint64_t> aligned(file.size() / 8 + 1);
    std::memcpy(aligned.data(), file.data(), file.size());
    const schema::Model* m = schema::GetModel(aligned.data());
    qinfer::Error cpu;
    Model here;
    const bool runs_here = Model::Load(aligned.data(), file.size(), &here, &cpu) == Status::kOk;
    int64_t weight_bytes = 0;
    if (m->buffers())
      for (const auto* b : *m->buffers()) weight_bytes += b->data() ? b->data()->size() : 0;
    std::printf("model %s: format version %u, producer %s\n", path.c_str(), m->version(),
                m->producer() ? m->producer()->c_str() : "-");
    if (m->description()) std::printf("description: %s\n", m->description()->c_str());
    std::printf("target: %s (%s%s)\n", TargetName(static_cast<uint8_t>(m->target())),
                runs_here ? "runs on this CPU" : "refused on this CPU: ", runs_here ? "" : cpu.message);
    std::printf("file bytes: %zu\narena bytes: %u\nweight bytes: %lld\n", file.size(), m->arena_bytes(),
                static_cast<long long>(weight_bytes));
    std::printf("inputs: %s  outputs: %s\n\n", List(m->inputs(), 16).c_str(), List(m->outputs(), 16).c_str());
    std::printf("ops (%u):\n", m->operators()->size());
    for (uint32_t i = 0; i < m->operators()->size(); ++i) {
      const auto* op = m->operators()->Get(i);
      std::printf("  %3u %-18s in %-12s out %-4s %s%s%s\n", i, schema::EnumNameOpCode(op->opcode()),
                  List(op->inputs()).c_str(), List(op->outputs()).c_str(), Options(op).c_str(),
                  op->name() ? "  # " : "", op->name() ? op->name()->c_str() : "");
      if (op->packed_weights() >= 0)
        std::printf("      packed weights buffer %d, folded bias buffer %d\n", op->packed_weights(),
                    op->folded_bias());
      if (op->scratch_bytes() > 0)
        std::printf("      scratch %d bytes at %d\n", op->scratch_bytes(), op->scratch_offset());
    }
    std::printf("\ntensors (%u):\n", m->tensors()->size());
    for (uint32_t i = 0; i < m->tensors()->size(); ++i) {
      const auto* t = m->tensors()->Get(i);
      std::string where;
      if (t->buffer() >= 0) where = "const buffer " + std::to_string(t->buffer());
      else
        where = "arena @" + std::to_string(t->arena_offset()) + " live [" + std::to_string(t->live_from()) + "," +
                std::to_string(t->live_until()) + "]";
      std::string scales = "-";
      if (t->quant() && t->quant()->scale() && t->quant()->scale()->size() > 0) {
        char b[64];
        std::snprintf(b, sizeof(b), "%.6g", t->quant()->scale()->Get(0));
        scales = b;
        if (t->quant()->scale()->size() > 1)
          scales += " (+" + std::to_string(t->quant()->scale()->size() - 1) + " per-channel, axis " +
                    std::to_string(t->quant()->quantized_dimension()) + ")";
      }
      std::printf("  %3u %-5s %-16s zp %4d scale %s  %s%s%s  %s\n", i, schema::EnumNameDType(t->dtype()),
                  Shape(t->shape()).c_str(), t->zero_point(), scales.c_str(), where.c_str(),
                  t->source_perm() ? "  source_perm " : "", t->source_perm() ? Shape(t->source_perm()).c_str() : "",
                  t->name() ? t->name()->c_str() : "");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace tools
}  // namespace qinfer
