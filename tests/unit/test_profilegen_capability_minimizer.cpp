#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "profilegen/capability_minimizer.h"

using namespace cradle;

namespace {

using Capabilities = std::vector<std::string>;

bool has(const Capabilities& set, const std::string& name) {
    return std::find(set.begin(), set.end(), name) != set.end();
}

// A workload that differs (exit status 1) whenever `works` says it cannot work with the set.
auto workload(std::function<bool(const Capabilities&)> works, std::vector<Capabilities>* tried) {
    return [works, tried](const Capabilities& set) -> Result<std::optional<RunDifference>> {
        tried->push_back(set);
        if (works(set)) {
            return std::optional<RunDifference>();
        }
        RunDifference difference;
        difference.expected = "exit status 0";
        difference.actual = "exit status 1";
        return std::optional<RunDifference>(difference);
    };
}

}  // namespace

TEST_CASE("capability_minimizer: keeps what the workload needs, drops the rest, one run per capability") {
    std::vector<Capabilities> tried;
    const auto found =
        minimize_capabilities({"CAP_CHOWN", "CAP_FOWNER", "CAP_KILL"},
                              workload([](const Capabilities& set) { return has(set, "CAP_CHOWN"); }, &tried));
    REQUIRE(found.ok());
    CHECK(found->needed == Capabilities{"CAP_CHOWN"});
    CHECK(found->not_needed == Capabilities{"CAP_FOWNER", "CAP_KILL"});
    REQUIRE(found->steps.size() == 3);
    CHECK(found->steps[0].needed);
    CHECK(found->steps[0].difference.has_value());
    CHECK_FALSE(found->steps[1].needed);
    // Each run drops one more than the last that stayed the same.
    CHECK(tried == std::vector<Capabilities>{{"CAP_FOWNER", "CAP_KILL"}, {"CAP_CHOWN", "CAP_KILL"}, {"CAP_CHOWN"}});
}

TEST_CASE("capability_minimizer: a workload that needs nothing keeps nothing; none granted, no run") {
    std::vector<Capabilities> tried;
    const auto none = minimize_capabilities({"CAP_NET_RAW", "CAP_SETUID"},
                                            workload([](const Capabilities&) { return true; }, &tried));
    REQUIRE(none.ok());
    CHECK(none->needed.empty());
    CHECK(tried.back().empty());

    tried.clear();
    const auto empty = minimize_capabilities({}, workload([](const Capabilities&) { return false; }, &tried));
    REQUIRE(empty.ok());
    CHECK(empty->needed.empty());
    CHECK(tried.empty());
}

TEST_CASE("capability_minimizer: of two capabilities that stand in for each other, one is kept") {
    std::vector<Capabilities> tried;
    const auto found = minimize_capabilities(
        {"CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH"},
        workload(
            [](const Capabilities& set) { return has(set, "CAP_DAC_OVERRIDE") || has(set, "CAP_DAC_READ_SEARCH"); },
            &tried));
    REQUIRE(found.ok());
    // Dropping each alone from the granted set would have found neither needed.
    CHECK(found->needed == Capabilities{"CAP_DAC_READ_SEARCH"});
    CHECK(found->not_needed == Capabilities{"CAP_DAC_OVERRIDE"});
}

TEST_CASE("capability_minimizer: a failing run ends the search with its error") {
    const auto failed =
        minimize_capabilities({"CAP_CHOWN"}, [](const Capabilities&) -> Result<std::optional<RunDifference>> {
            return Error{5, "no runc"};
        });
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().message == "no runc");
}
