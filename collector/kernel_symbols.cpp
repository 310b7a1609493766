#include "collector/kernel_symbols.h"

#include <algorithm>
#include <charconv>

#include "common/text_file.h"

namespace cradle {

namespace {

struct Symbol {
    std::uint64_t address;
    std::string_view name;
};

}  // namespace

Result<std::map<std::string, cradle_text_range>> find_function_text(std::string_view kallsyms,
                                                                    const std::vector<std::string>& names) {
    std::vector<Symbol> symbols;
    std::vector<Symbol> wanted;
    std::size_t start = 0;
    while (start < kallsyms.size()) {
        std::size_t end = kallsyms.find('\n', start);
        if (end == std::string_view::npos) {
            end = kallsyms.size();
        }
        const std::string_view line = kallsyms.substr(start, end - start);
        start = end + 1;

        std::uint64_t address = 0;
        const auto [after_address, parse_error] = std::from_chars(line.data(), line.data() + line.size(), address, 16);
        if (parse_error != std::errc() || after_address + 3 > line.data() + line.size()) {
            continue;
        }
        // "<address> <type> <name>[\t[module]]"
        std::string_view name = line.substr(after_address - line.data() + 3);
        name = name.substr(0, name.find_first_of("\t "));
        symbols.push_back({address, name});
        if (std::find(names.begin(), names.end(), name) != names.end()) {
            wanted.push_back({address, name});
        }
    }
    if (symbols.empty()) {
        return Error{EINVAL, "no kernel symbols in the symbol table"};
    }
    if (std::all_of(symbols.begin(), symbols.end(), [](const Symbol& symbol) { return symbol.address == 0; })) {
        return Error{EPERM, "kernel symbol addresses are hidden (kptr_restrict); run as root"};
    }

    std::vector<std::uint64_t> addresses;
    addresses.reserve(symbols.size());
    for (const Symbol& symbol : symbols) {
        addresses.push_back(symbol.address);
    }
    std::sort(addresses.begin(), addresses.end());

    std::map<std::string, cradle_text_range> ranges;
    for (const Symbol& symbol : wanted) {
        const auto next = std::upper_bound(addresses.begin(), addresses.end(), symbol.address);
        if (next == addresses.end()) {
            continue;
        }
        ranges.emplace(std::string(symbol.name), cradle_text_range{symbol.address, *next});
    }
    return ranges;
}

Result<std::map<std::string, cradle_text_range>> find_kernel_function_text(const std::vector<std::string>& names) {
    auto text = read_text_file("/proc/kallsyms");
    if (!text) {
        return text.error();
    }
    auto ranges = find_function_text(*text, names);
    if (!ranges) {
        return with_context(ranges.error(), "reading \"/proc/kallsyms\"");
    }
    return ranges;
}

}  // namespace cradle
