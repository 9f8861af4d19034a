// Runner for `qinfer-conformance/1` cases (see shared/conformance/FORMAT.md): one JSON file
// describes a small int8 graph, its integer parameters and the exact expected output. The
// runner validates the case against every rule of the format, executes its ops with the
// reference kernels (kernels/reference.h) and compares each output bit for bit.
//
// It never throws and never aborts on a bad case: malformed JSON, wrong types, huge
// numbers or inconsistent shapes all end up as a failed CaseResult with a reason.
#ifndef QINFER_TOOLS_CONFORMANCE_RUNNER_H_
#define QINFER_TOOLS_CONFORMANCE_RUNNER_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace qinfer {
namespace conformance {

// The only format id this runner accepts.
inline constexpr const char kFormatId[] = "qinfer-conformance/1";

struct CaseResult {
  std::string name;    // the case's `name`, or the file name without `.json` if unreadable
  bool passed = false;
  std::string reason;  // empty when passed; "invalid case: ..." for a refused case, or
                       // "<tensor>: N of M values differ (first at flat index i: got g,
                       // expected e)" for a mismatch
};

// Runs one case given as JSON text. `fallback_name` is reported when the text has no usable
// `name`.
CaseResult RunCaseText(const std::string& json_text, const std::string& fallback_name);

// Reads and runs one case file.
CaseResult RunCaseFile(const std::string& path);

// The line printed for one case: "PASS <name>" or "FAIL <name>: <reason>" (no newline).
std::string FormatResult(const CaseResult& result);

// Runs every path: a file is one case, a directory contributes every regular `*.json` file
// directly inside it, in file-name order. Prints one line per case to `out`, then the final
// line "<P> passed, <F> failed". A path that does not exist counts as a failed case.
// Returns 0 iff at least one case ran and none failed; when no case is found at all it says
// so on `err` and returns 1.
int RunConformance(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err);
int RunConformance(const std::vector<std::string>& paths, std::ostream& out);

}  // namespace conformance
}  // namespace qinfer

#endif  // QINFER_TOOLS_CONFORMANCE_RUNNER_H_
