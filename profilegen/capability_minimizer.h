// Which capabilities a workload really needs, proven by running it without them: the search
// behind `cradle verify --minimize-capabilities`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "profilegen/run_comparison.h"

namespace cradle {

// One run of the search: the workload without `capability` (and without those found not needed
// before it).
struct MinimizationStep {
    std::string capability;
    bool needed = false;                      // the run differed from the reference
    std::optional<RunDifference> difference;  // how, when it did
};

struct Minimization {
    std::vector<std::string> needed;      // the proven-minimal set, in the order of `granted`
    std::vector<std::string> not_needed;  // dropped: the workload ran the same without them
    std::vector<MinimizationStep> steps;  // one per capability of `granted`, in order
};

// Runs the workload `trial(capabilities)` once per capability of `granted`, in order: each time
// with the set kept so far minus that capability. When the run is the same as the reference
// (trial returns nothing), the capability stays dropped; when it differs, it is needed and
// kept. So every run after the first drops one capability more, and the result is a set the
// workload was seen to run the same with (the last run that was the same, or the granted set
// itself, which the caller has verified), from which no capability can be dropped alone: where
// two capabilities stand in for each other (dac_override and dac_read_search) one is kept,
// where dropping each alone from the granted set would have reported neither. `trial` returns
// the difference from the reference run, or nothing when the run was the same; its error ends
// the search and is returned.
Result<Minimization> minimize_capabilities(
    const std::vector<std::string>& granted,
    const std::function<Result<std::optional<RunDifference>>(const std::vector<std::string>&)>& trial);

}  // namespace cradle
