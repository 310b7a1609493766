#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "common/joined.h"

using namespace cradle;

TEST_CASE("joined: the names in order with the separator between them, nothing for none") {
    CHECK(joined(std::vector<std::string>{"x86_64", "i386"}) == "x86_64, i386");
    CHECK(joined(std::set<std::string>{"b", "a", "c"}, " ") == "a b c");
    CHECK(joined(std::vector<std::string>{"CHOWN"}, " ") == "CHOWN");
    CHECK(joined(std::vector<std::string>{}).empty());
}
