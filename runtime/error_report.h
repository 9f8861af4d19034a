// Fills an Error without printf: "op 3 (CONV_2D): shift[5] = 40 out of [-31, 30]".
#ifndef QINFER_RUNTIME_ERROR_REPORT_H_
#define QINFER_RUNTIME_ERROR_REPORT_H_

#include <cstdint>

#include "runtime/status.h"

namespace qinfer {

class ErrorReport {
 public:
  ErrorReport(Error* error, Status code, int32_t op_index, int32_t tensor_index);
  ErrorReport& operator<<(const char* text);
  ErrorReport& operator<<(int64_t value);
  ErrorReport& operator<<(int32_t value) { return *this << static_cast<int64_t>(value); }
  ErrorReport& operator<<(uint32_t value) { return *this << static_cast<int64_t>(value); }
  Status code() const { return code_; }
  operator Status() const { return code_; }

 private:
  Error* error_;
  Status code_;
  uint32_t length_ = 0;
};

}  // namespace qinfer

#endif  // QINFER_RUNTIME_ERROR_REPORT_H_
