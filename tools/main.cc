// The qinfer command line: one binary, one subcommand per job.
#include <cstdio>
#include <cstring>

#include "tools/commands.h"

namespace {

struct Command {
  const char* name;
  int (*main)(int argc, char** argv);
  const char* summary;
};

const Command kCommands[] = {
#ifdef QINFER_HAVE_CONVERTER
    {"convert", qinfer::tools::ConvertMain, "float ONNX + calibration data -> int8 .qinfer model"},
    {"run", qinfer::tools::RunMain, "run a .qinfer model on .npy inputs"},
    {"inspect", qinfer::tools::InspectMain, "ops, tensors, quantization, arena and file bytes"},
    {"evaluate", qinfer::tools::EvaluateMain, "float vs int8 accuracy on labelled data"},
#endif
    {"conformance", qinfer::tools::ConformanceMain, "run qinfer-conformance/1 JSON cases"},
};

int Usage(FILE* out) {
  std::fprintf(out, "usage: qinfer <command> [options]   (qinfer <command> --help)\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-12s %s\n", c.name, c.summary);
  return out == stdout ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage(stderr);
  if (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    return Usage(stdout);
  }
  for (const Command& c : kCommands) {
    if (!std::strcmp(argv[1], c.name)) return c.main(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "error: unknown command '%s'\n", argv[1]);
  return Usage(stderr);
}
