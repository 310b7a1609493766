#include "golden.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

#include "common/profile_name.h"

namespace cradle::test {

namespace {

// Only this exact value rewrites: a stray CRADLE_UPDATE_GOLDEN=0 or an empty one must not.
bool updating() {
    const char* value = std::getenv("CRADLE_UPDATE_GOLDEN");
    return value != nullptr && std::string_view(value) == "1";
}

// Line `index` (from 0) of `text` without its newline, or nullopt past the end; `ended` says
// whether it had one.
std::optional<std::string_view> line_at(std::string_view text, std::size_t index, bool& ended) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < index; ++i) {
        const std::size_t newline = text.find('\n', start);
        if (newline == std::string_view::npos) {
            return std::nullopt;
        }
        start = newline + 1;
    }
    if (start >= text.size()) {
        return std::nullopt;
    }
    const std::size_t newline = text.find('\n', start);
    ended = newline != std::string_view::npos;
    return text.substr(start, ended ? newline - start : std::string_view::npos);
}

std::string shown(const std::optional<std::string_view>& line, bool ended) {
    if (!line) {
        return "(end of file)";
    }
    // Quoted and escaped, so that trailing spaces, tabs and control bytes show.
    return "\"" + printable_value(*line, 200) + "\"" + (ended ? "" : " (no newline at the end)");
}

std::string creating_command() { return "CRADLE_UPDATE_GOLDEN=1 ./build/bin/cradle-unit -tc='*golden*'"; }

}  // namespace

std::string golden_path(const std::string& name) {
    return std::string(CRADLE_SOURCE_DIR) + "/tests/unit/golden/" + name;
}

std::string first_difference(const std::string& expected, const std::string& actual) {
    if (expected == actual) {
        return "";
    }
    for (std::size_t index = 0;; ++index) {
        bool expected_ended = false;
        bool actual_ended = false;
        const auto expected_line = line_at(expected, index, expected_ended);
        const auto actual_line = line_at(actual, index, actual_ended);
        if (expected_line != actual_line || expected_ended != actual_ended) {
            return "line " + std::to_string(index + 1) + ":\n  golden: " + shown(expected_line, expected_ended) +
                   "\n  actual: " + shown(actual_line, actual_ended);
        }
    }
}

void check_golden(const std::string& name, const std::string& actual) {
    const std::string path = golden_path(name);
    if (updating()) {
        std::filesystem::create_directories(std::filesystem::path(path).parent_path());
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << actual;
        out.close();
        REQUIRE_MESSAGE(!out.fail(), "writing golden file \"" << path << "\"");
        MESSAGE("wrote golden file " << path);
        return;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) {
        FAIL_CHECK("golden file " << path << " is missing; create it with " << creating_command()
                                  << " and review it before committing");
        return;
    }
    std::ostringstream golden;
    golden << in.rdbuf();
    const std::string difference = first_difference(golden.str(), actual);
    CHECK_MESSAGE(difference.empty(), "output differs from golden file "
                                          << path << " at " << difference
                                          << "\nif the change is intended, rewrite it with " << creating_command()
                                          << " and review the diff");
}

void check_golden_render(const std::string& name, const std::function<Result<std::string>()>& render) {
    const auto first = render();
    REQUIRE_MESSAGE(first.ok(), "rendering " << name << ": " << first.error().message);
    const auto second = render();
    REQUIRE_MESSAGE(second.ok(), "rendering " << name << " again: " << second.error().message);
    CHECK_MESSAGE(*first == *second,
                  "rendering " << name << " twice gave different bytes at " << first_difference(*first, *second));
    check_golden(name, *first);
}

}  // namespace cradle::test
