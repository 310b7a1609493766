#include "profilegen/capability_minimizer.h"

#include <algorithm>

namespace cradle {

Result<Minimization> minimize_capabilities(
    const std::vector<std::string>& granted,
    const std::function<Result<std::optional<RunDifference>>(const std::vector<std::string>&)>& trial) {
    Minimization minimization;
    std::vector<std::string> kept = granted;
    for (const std::string& capability : granted) {
        std::vector<std::string> without;
        std::copy_if(kept.begin(), kept.end(), std::back_inserter(without),
                     [&](const std::string& other) { return other != capability; });
        auto difference = trial(without);
        if (!difference) {
            return difference.error();
        }
        MinimizationStep step{capability, difference->has_value(), *difference};
        if (step.needed) {
            minimization.needed.push_back(capability);
        } else {
            minimization.not_needed.push_back(capability);
            kept = std::move(without);
        }
        minimization.steps.push_back(std::move(step));
    }
    return minimization;
}

}  // namespace cradle
