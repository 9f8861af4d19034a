// Host-only: writes model_zoo cases as a C header of const arrays for the firmware.
#ifndef QINFER_TESTS_MCU_CASE_WRITER_H_
#define QINFER_TESTS_MCU_CASE_WRITER_H_

#include <string>
#include <vector>

#include "tests/mcu/model_zoo.h"

namespace qinfer {
namespace mcu {

// Writes `path` (only if its content changes, so the firmware is not rebuilt needlessly).
// Defines `<prefix>_cases[]`, `<prefix>_case_count` and `<PREFIX>_MAX_ARENA`.
bool WriteCasesHeader(const std::string& path, const std::string& prefix,
                      const std::vector<Case>& cases);

// For large models: writes every model/input/output as a .bin file in `dir`, an assembly
// file `<prefix>_data.S` that .incbin's them into flash (section .qinfer_models), a header
// `<prefix>_models.h` with the same table as WriteCasesHeader, and `<prefix>_manifest.txt`:
// one line per case, "name macs arena op0:macs op1:macs ..." (op names from the schema).
bool WriteCasesIncbin(const std::string& dir, const std::string& prefix,
                      const std::vector<Case>& cases);

}  // namespace mcu
}  // namespace qinfer

#endif  // QINFER_TESTS_MCU_CASE_WRITER_H_
