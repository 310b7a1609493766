#include "common/json.h"

#include <cerrno>
#include <optional>

#include "common/profile_name.h"

namespace cradle {

namespace {

// nlohmann's own tree builder, except that a failure is kept with the byte it happened at
// instead of thrown: its out_of_range errors ("number overflow parsing '1e999'") do not say
// where, and the input may be far too large to search by eye.
// nlohmann's message without its "[json.exception.parse_error.101] " tag, which tells a reader
// nothing.
std::string without_exception_tag(std::string reason) {
    if (const std::size_t tag_end = reason.find("] ");
        reason.rfind("[json.exception.", 0) == 0 && tag_end != std::string::npos) {
        reason.erase(0, tag_end + 2);
    }
    return reason;
}

class LocatingParser : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
public:
    explicit LocatingParser(nlohmann::json& document) : json_sax_dom_parser(document, false) {}

    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& error) {
        m_position = position;
        m_reason = without_exception_tag(error.what());
        return false;
    }

    std::size_t position() const { return m_position; }
    const std::string& reason() const { return m_reason; }

private:
    std::size_t m_position = 0;
    std::string m_reason;
};

bool dumps(const std::string& text) {
    try {
        (void)nlohmann::json(text).dump();
        return true;
    } catch (const nlohmann::json::exception&) {
        return false;
    }
}

// RFC 6901: '~' and '/' inside a reference token are escaped.
std::string pointer_token(const std::string& key) {
    std::string token;
    for (const char c : key) {
        token += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    }
    return token;
}

// The pointer of the first string or key below `value` that nlohmann cannot write.
std::optional<std::string> first_unwritable(const nlohmann::json& value, const std::string& pointer) {
    if (value.is_string()) {
        return dumps(value.get_ref<const std::string&>()) ? std::nullopt : std::optional(pointer);
    }
    if (value.is_object()) {
        for (const auto& [key, member] : value.items()) {
            const std::string below = pointer + "/" + pointer_token(key);
            if (!dumps(key)) {
                return below;
            }
            if (auto found = first_unwritable(member, below)) {
                return found;
            }
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (auto found = first_unwritable(value[i], pointer + "/" + std::to_string(i))) {
                return found;
            }
        }
    }
    return std::nullopt;
}

}  // namespace

Result<nlohmann::json> parse_json(std::string_view text) {
    nlohmann::json document;
    LocatingParser parser(document);
    if (!nlohmann::json::sax_parse(text, &parser)) {
        return Error{EINVAL, "not JSON (byte " + std::to_string(parser.position()) +
                                 "): " + printable_value(parser.reason(), 200)};
    }
    return document;
}

std::string dump_json(const nlohmann::json& document, int indent) {
    return document.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::string> write_json(const nlohmann::json& document, int indent) {
    try {
        return document.dump(indent);
    } catch (const nlohmann::json::exception& error) {
        // The walk runs only on failure: a document that writes pays for one dump.
        const std::string reason = without_exception_tag(error.what());
        const std::string pointer = first_unwritable(document, "").value_or("");
        return Error{EILSEQ, "member \"" + printable_value(pointer, 200) + "\" is not UTF-8: " + reason};
    }
}

}  // namespace cradle
