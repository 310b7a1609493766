#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "collector/kernel_symbols.h"

using namespace cradle;

namespace {

// Unsorted on purpose, with module symbols and a symbol type other than T; the highest
// address belongs to "zz_last".
constexpr const char* k_kallsyms =
    "ffffffff81200000 T security_capable\n"
    "ffffffff81000000 T _text\n"
    "ffffffff81100040 T cap_capable\n"
    "ffffffffc0001000 t helper_in_module\t[overlay]\n"
    "ffffffff81100000 t cap_vm_enough_memory\n"
    "ffffffff81100100 T ns_capable_noaudit\n"
    "ffffffffc0002000 T zz_last\t[overlay]\n"
    "ffffffff81100080 T has_capability_noaudit\n";

}  // namespace

TEST_CASE("kernel_symbols: a function ends where the next symbol starts, in address order") {
    auto ranges = find_function_text(k_kallsyms, {"cap_capable", "cap_vm_enough_memory", "security_capable"});
    REQUIRE_MESSAGE(ranges.ok(), ranges.error().message);
    REQUIRE(ranges->size() == 3);
    CHECK(ranges->at("cap_vm_enough_memory").start == 0xffffffff81100000ULL);
    CHECK(ranges->at("cap_vm_enough_memory").end == 0xffffffff81100040ULL);
    CHECK(ranges->at("cap_capable").start == 0xffffffff81100040ULL);
    CHECK(ranges->at("cap_capable").end == 0xffffffff81100080ULL);
    // The next symbol in address order is a module's, listed earlier in the text.
    CHECK(ranges->at("security_capable").start == 0xffffffff81200000ULL);
    CHECK(ranges->at("security_capable").end == 0xffffffffc0001000ULL);
}

TEST_CASE("kernel_symbols: module symbols are found by their bare name") {
    auto ranges = find_function_text(k_kallsyms, {"helper_in_module"});
    REQUIRE_MESSAGE(ranges.ok(), ranges.error().message);
    REQUIRE(ranges->count("helper_in_module") == 1);
    CHECK(ranges->at("helper_in_module").start == 0xffffffffc0001000ULL);
    CHECK(ranges->at("helper_in_module").end == 0xffffffffc0002000ULL);
}

TEST_CASE("kernel_symbols: names not in the text, and the last symbol, are absent") {
    auto ranges = find_function_text(k_kallsyms, {"zz_last", "not_a_symbol", "ns_capable_noaudit"});
    REQUIRE_MESSAGE(ranges.ok(), ranges.error().message);
    CHECK(ranges->count("zz_last") == 0);
    CHECK(ranges->count("not_a_symbol") == 0);
    REQUIRE(ranges->count("ns_capable_noaudit") == 1);
    CHECK(ranges->at("ns_capable_noaudit").end == 0xffffffff81200000ULL);
    CHECK(ranges->size() == 1);
}

TEST_CASE("kernel_symbols: a prefix or suffix of a name does not match") {
    auto ranges = find_function_text(k_kallsyms, {"cap_cap", "capable", "cap_capable_x"});
    REQUIRE_MESSAGE(ranges.ok(), ranges.error().message);
    CHECK(ranges->empty());
}

TEST_CASE("kernel_symbols: text without a trailing newline still reads its last line") {
    auto ranges = find_function_text("ffffffff81000010 T b\nffffffff81000000 T a", {"a"});
    REQUIRE_MESSAGE(ranges.ok(), ranges.error().message);
    REQUIRE(ranges->count("a") == 1);
    CHECK(ranges->at("a").end == 0xffffffff81000010ULL);
}

TEST_CASE("kernel_symbols: hidden addresses (all zero) are EPERM") {
    auto ranges = find_function_text(
        "0000000000000000 T _text\n"
        "0000000000000000 T cap_capable\n"
        "0000000000000000 t helper\t[overlay]\n",
        {"cap_capable"});
    REQUIRE_FALSE(ranges.ok());
    CHECK(ranges.error().code == EPERM);
}

TEST_CASE("kernel_symbols: text without any symbol is an error") {
    for (const char* text : {"", "\n\n", "not kallsyms at all\n"}) {
        CAPTURE(text);
        auto ranges = find_function_text(text, {"cap_capable"});
        REQUIRE_FALSE(ranges.ok());
        CHECK(ranges.error().code != 0);
        CHECK_FALSE(ranges.error().message.empty());
    }
}

TEST_CASE("kernel_symbols: k_noaudit_callers is sorted and fits the BPF side's table") {
    CHECK(std::is_sorted(k_noaudit_callers.begin(), k_noaudit_callers.end()));
    CHECK(k_noaudit_callers.size() <= CRADLE_NOAUDIT_CALLERS);
}
