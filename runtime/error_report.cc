#include "runtime/error_report.h"

namespace qinfer {

Status RecordError(Error* error, Status code, int32_t op_index, int32_t tensor_index) {
  if (error == nullptr) return code;
  error->code = code;
  error->op_index = op_index;
  error->tensor_index = tensor_index;
  error->message[0] = '\0';
  return code;
}

#if !defined(QINFER_TERSE_ERRORS)
ErrorReport::ErrorReport(Error* error, Status code, int32_t op_index, int32_t tensor_index)
    : error_(error), code_(RecordError(error, code, op_index, tensor_index)) {}

ErrorReport& ErrorReport::operator<<(const char* text) {
  if (error_ == nullptr || text == nullptr) return *this;
  const uint32_t capacity = sizeof(error_->message) - 1;
  while (*text != '\0' && length_ < capacity) error_->message[length_++] = *text++;
  error_->message[length_] = '\0';
  return *this;
}

ErrorReport& ErrorReport::operator<<(int64_t value) {
  char digits[24];
  int n = 0;
  // Work on the negative magnitude so INT64_MIN needs no special case.
  int64_t v = value < 0 ? value : -value;
  do {
    digits[n++] = static_cast<char>('0' - (v % 10));
    v /= 10;
  } while (v != 0);
  char text[26];
  int k = 0;
  if (value < 0) text[k++] = '-';
  while (n > 0) text[k++] = digits[--n];
  text[k] = '\0';
  return *this << static_cast<const char*>(text);
}
#endif

}  // namespace qinfer
