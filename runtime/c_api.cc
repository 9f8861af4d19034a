#include "runtime/qinfer.h"

#include <type_traits>

#include "runtime/interpreter.h"
#include "runtime/model.h"

namespace {

struct Context {
  qinfer::Model model;
  qinfer::Interpreter interpreter;
};

static_assert(sizeof(Context) <= sizeof(qinfer_context), "qinfer_context too small");
static_assert(std::is_trivially_copyable<qinfer::Model>::value &&
                  std::is_trivially_copyable<qinfer::Interpreter>::value,
              "Context must be an implicit-lifetime type to live in qinfer_context");
static_assert(alignof(Context) <= alignof(qinfer_context), "qinfer_context misaligned");

Context* Get(qinfer_context* ctx) { return reinterpret_cast<Context*>(ctx); }
const Context* Get(const qinfer_context* ctx) { return reinterpret_cast<const Context*>(ctx); }

static_assert(sizeof(qinfer_error) == sizeof(qinfer::Error), "error layouts differ");

qinfer::Error* ErrorOf(qinfer_error* err) { return reinterpret_cast<qinfer::Error*>(err); }

int32_t Code(qinfer::Status s) { return static_cast<int32_t>(s); }

}  // namespace

extern "C" {

int32_t qinfer_verify(const void* model, size_t model_size, qinfer_error* err) {
  qinfer::Model m;
  return Code(qinfer::Model::Load(model, model_size, &m, ErrorOf(err)));
}

size_t qinfer_arena_bytes(const void* model, size_t model_size) {
  qinfer::Model m;
  if (qinfer::Model::Load(model, model_size, &m, nullptr) != qinfer::Status::kOk) return 0;
  return m.arena_bytes();
}

int32_t qinfer_init(qinfer_context* ctx, const void* model, size_t model_size, void* arena,
                    size_t arena_size, qinfer_error* err) {
  if (ctx == nullptr) return Code(qinfer::Status::kNullArgument);
  // Both members are plain pointer holders (implicit-lifetime types): assigning fresh
  // values starts them in the caller's storage.
  Context* c = Get(ctx);
  c->model = qinfer::Model();
  c->interpreter = qinfer::Interpreter();
  const qinfer::Status s = qinfer::Model::Load(model, model_size, &c->model, ErrorOf(err));
  if (s != qinfer::Status::kOk) return Code(s);
  return Code(c->interpreter.Init(c->model, arena, arena_size, ErrorOf(err)));
}

size_t qinfer_input_count(const qinfer_context* ctx) {
  return ctx == nullptr ? 0 : Get(ctx)->interpreter.input_count();
}

size_t qinfer_output_count(const qinfer_context* ctx) {
  return ctx == nullptr ? 0 : Get(ctx)->interpreter.output_count();
}

int32_t qinfer_input(const qinfer_context* ctx, size_t index, qinfer_tensor* out) {
  if (ctx == nullptr || out == nullptr) return Code(qinfer::Status::kNullArgument);
  return Code(Get(ctx)->interpreter.input(index, out));
}

int32_t qinfer_output(const qinfer_context* ctx, size_t index, qinfer_tensor* out) {
  if (ctx == nullptr || out == nullptr) return Code(qinfer::Status::kNullArgument);
  return Code(Get(ctx)->interpreter.output(index, out));
}

int32_t qinfer_invoke(qinfer_context* ctx, qinfer_error* err) {
  if (ctx == nullptr) return Code(qinfer::Status::kNullArgument);
  return Code(Get(ctx)->interpreter.Invoke(ErrorOf(err)));
}

const char* qinfer_status_name(int32_t code) {
  return qinfer::StatusName(static_cast<qinfer::Status>(code));
}

}  // extern "C"
