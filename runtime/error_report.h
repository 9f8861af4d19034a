// Fills an Error without printf: "op 3 (CONV_2D): shift[5] = 40 out of [-31, 30]".
//
// Flash-size option: building the runtime with QINFER_TERSE_ERRORS defined keeps the code,
// op index and tensor index of every error but leaves the message empty; the text and
// numbers streamed into a report are then dropped at compile time, so none of the message
// strings (nor the number formatting) reach the firmware.
#ifndef QINFER_RUNTIME_ERROR_REPORT_H_
#define QINFER_RUNTIME_ERROR_REPORT_H_

#include <cstdint>

#include "runtime/status.h"

namespace qinfer {

// Records code and indices in `error` (when not null) with an empty message; returns `code`.
Status RecordError(Error* error, Status code, int32_t op_index, int32_t tensor_index);

class ErrorReport {
 public:
#if defined(QINFER_TERSE_ERRORS)
  // Inline over a four-argument call: each error site costs a call, not a constructor with a
  // stacked fifth argument and an object in memory.
  ErrorReport(Error* error, Status code, int32_t op_index, int32_t tensor_index)
      : code_(RecordError(error, code, op_index, tensor_index)) {}
  template <typename T>
  ErrorReport& operator<<(const T&) {
    return *this;
  }
#else
  ErrorReport(Error* error, Status code, int32_t op_index, int32_t tensor_index);
  ErrorReport& operator<<(const char* text);
  ErrorReport& operator<<(int64_t value);
  ErrorReport& operator<<(int32_t value) { return *this << static_cast<int64_t>(value); }
  ErrorReport& operator<<(uint32_t value) { return *this << static_cast<int64_t>(value); }
#endif
  Status code() const { return code_; }
  operator Status() const { return code_; }

 private:
#if !defined(QINFER_TERSE_ERRORS)
  Error* error_;
#endif
  Status code_;
#if !defined(QINFER_TERSE_ERRORS)
  uint32_t length_ = 0;
#endif
};

#if defined(QINFER_TERSE_ERRORS)
// A status that takes (and drops) message parts like an ErrorReport but writes nothing: for
// check sites whose caller records the code and indices once (fewer instructions per site).
class TerseStatus {
 public:
  explicit TerseStatus(Status code) : code_(code) {}
  template <typename T>
  TerseStatus& operator<<(const T&) {
    return *this;
  }
  operator Status() const { return code_; }

 private:
  Status code_;
};
#endif

}  // namespace qinfer

#endif  // QINFER_RUNTIME_ERROR_REPORT_H_
