// Subcommands of the `qinfer` command line; tools/main.cc dispatches to them.
// Each takes the arguments after `qinfer` (argv[0] is the subcommand name) and returns the
// process exit status.
#ifndef QINFER_TOOLS_COMMANDS_H_
#define QINFER_TOOLS_COMMANDS_H_

namespace qinfer {
namespace tools {

int ConformanceMain(int argc, char** argv);
int ConvertMain(int argc, char** argv);  // tools/qinfer_convert.cc
int RunMain(int argc, char** argv);      // tools/qinfer_run.cc
int InspectMain(int argc, char** argv);  // tools/qinfer_inspect.cc
int EvaluateMain(int argc, char** argv); // tools/qinfer_evaluate.cc

}  // namespace tools
}  // namespace qinfer

#endif  // QINFER_TOOLS_COMMANDS_H_
