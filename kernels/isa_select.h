// The run-time kernel path choice shared by the x86 and AArch64 dispatchers
// (kernels/*/dispatch.cc; include it only from files built with the baseline flags). Paths are
// numbered 0 (reference) to count - 1, each needing what the ones below it need. The best one
// the CPU runs is detected once; QINFER_ISA=<name> (read on first use) or SetPath lowers it,
// never raises it.
//
// An IsaSelect is a namespace-scope object made of constants, so it is constant-initialized:
// no static constructor. Not thread-safe while unresolved, like the rest of the runtime.
#ifndef QINFER_KERNELS_ISA_SELECT_H_
#define QINFER_KERNELS_ISA_SELECT_H_

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace qinfer {
namespace kernels {

struct IsaSelect {
  const char* const* names;  // names[i]: path i as spelled in QINFER_ISA
  int32_t count;
  int32_t (*detect)();  // best path this CPU runs
  int32_t detected;     // -1 until asked
  int32_t active;       // -1 until asked
};

// Index of name in s.names, or -1.
inline int32_t FindPath(const IsaSelect& s, const char* name) {
  for (int32_t i = 0; i < s.count; ++i) {
    if (std::strcmp(name, s.names[i]) == 0) return i;
  }
  return -1;
}

// FindPath into a dispatcher's enum; false (and *path untouched) if name is unknown.
template <class Enum>
bool ParsePath(const IsaSelect& s, const char* name, Enum* path) {
  const int32_t i = FindPath(s, name);
  if (i < 0) return false;
  *path = static_cast<Enum>(i);
  return true;
}

inline const char* PathName(const IsaSelect& s, int32_t path) {
  return s.names[path >= 0 && path < s.count ? path : 0];
}

inline int32_t DetectedPath(IsaSelect* s) {
  if (s->detected < 0) s->detected = s->detect();
  return s->detected;
}

// Forces a path; returns the one selected (clamped to [0, DetectedPath]).
inline int32_t SetPath(IsaSelect* s, int32_t path) {
  const int32_t best = DetectedPath(s);
  s->active = path > best ? best : path < 0 ? 0 : path;
  return s->active;
}

// First use: the detected path, lowered by QINFER_ISA if it names a lower one.
__attribute__((noinline)) inline int32_t ResolveActivePath(IsaSelect* s) {
  int32_t path = DetectedPath(s);
  const char* env = std::getenv("QINFER_ISA");
  const int32_t forced = env != nullptr ? FindPath(*s, env) : -1;
  if (forced >= 0 && forced < path) path = forced;
  s->active = path;
  return path;
}

// The path in use if already resolved, else -1 (for a caller that resolves it on a slower
// branch).
inline int32_t ResolvedPath(const IsaSelect& s) { return s.active; }

// The path in use; one load once resolved (it runs on every kernel call).
inline int32_t ActivePath(IsaSelect* s) {
  return s->active >= 0 ? s->active : ResolveActivePath(s);
}

}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_ISA_SELECT_H_
