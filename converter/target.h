// `qinfer convert --target NAME`: the target profiles and the offline packing they imply.
#ifndef QINFER_CONVERTER_TARGET_H_
#define QINFER_CONVERTER_TARGET_H_

#include <string>

#include "converter/qmodel.h"

namespace qinfer {
namespace converter {

// generic, x86-avx512vnni; x86-avx2 is generic (its kernels read the generic layout and
// have no zero-point term to fold). cortex-m4, cortex-m55 and aarch64-dotprod are reserved
// and refused, as is anything else: throws Error naming the accepted targets.
Target ParseTarget(const std::string& name);
const char* TargetName(Target t);

// Stores, for every conv (not depthwise) and fully connected op the target's kernel takes,
// the weights in the target's layout and the folded bias; sets m->target. Throws Error
// naming the op when a folded bias does not fit int32. Generic: clears all packed data.
void PackForTarget(QModel* m, Target target);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_TARGET_H_
