// joined: a list of names as one line of text, for messages and reports.
#pragma once

#include <string>

namespace cradle {

// The strings of `names` (any range of std::string), in order, with `separator` between them;
// "" for none.
template <typename Names>
std::string joined(const Names& names, const std::string& separator = ", ") {
    std::string text;
    for (const std::string& name : names) {
        text += (text.empty() ? "" : separator) + name;
    }
    return text;
}

}  // namespace cradle
