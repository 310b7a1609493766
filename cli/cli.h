// The `cradle` command line: the profile toolkit and the collector's status.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace cradle {

// Runs `cradle ARGS...` (args without the program name), printing to `out` and errors to
// `err`. Returns the exit status: 0 ok, 1 a finding (an incomplete input, a
// capability the workload needed and was refused), 2 an error.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cradle
