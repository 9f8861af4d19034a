// `qinfer conformance PATH...`: runs qinfer-conformance/1 cases with the reference kernels.
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "tools/commands.h"
#include "tools/conformance_runner.h"

namespace qinfer {
namespace tools {
namespace {

void PrintUsage(std::ostream& os) {
  os << "usage: qinfer conformance [--help] PATH...\n"
        "\n"
        "Runs qinfer-conformance/1 cases (JSON, see shared/conformance/FORMAT.md) with the\n"
        "reference kernels and compares every output exactly (tolerance 0).\n"
        "\n"
        "  PATH    a case file, or a directory whose *.json files are run in file-name order\n"
        "\n"
        "Prints one line per case, \"PASS <name>\" or \"FAIL <name>: <reason>\", then a final\n"
        "line \"<P> passed, <F> failed\". A case that cannot be read or is refused as invalid\n"
        "fails. Exit status: 0 if every case passed, 1 if any failed or none was found,\n"
        "2 on a usage error.\n";
}

}  // namespace

int ConformanceMain(int argc, char** argv) {
  try {
    std::vector<std::string> paths;
    bool options_done = false;
    for (int i = 1; i < argc; ++i) {
      const char* arg = argv[i];
      if (!options_done && arg[0] == '-' && arg[1] != '\0') {
        if (std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0) {
          PrintUsage(std::cout);
          return 0;
        }
        if (std::strcmp(arg, "--") == 0) {
          options_done = true;
          continue;
        }
        std::cerr << "qinfer conformance: unknown option '" << arg << "'\n";
        PrintUsage(std::cerr);
        return 2;
      }
      paths.emplace_back(arg);
    }
    if (paths.empty()) {
      std::cerr << "qinfer conformance: no case file or directory given\n";
      PrintUsage(std::cerr);
      return 2;
    }
    return conformance::RunConformance(paths, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "qinfer conformance: " << e.what() << '\n';
    return 1;
  } catch (...) {
    std::cerr << "qinfer conformance: unknown error\n";
    return 1;
  }
}

}  // namespace tools
}  // namespace qinfer
