#include "common/json.h"

#include <cerrno>

#include "common/profile_name.h"

namespace cradle {

namespace {

// nlohmann's own tree builder, except that a failure is kept with the byte it happened at
// instead of thrown: its out_of_range errors ("number overflow parsing '1e999'") do not say
// where, and the input may be far too large to search by eye.
class LocatingParser : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
public:
    explicit LocatingParser(nlohmann::json& document) : json_sax_dom_parser(document, false) {}

    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& error) {
        m_position = position;
        m_reason = error.what();
        // "[json.exception.parse_error.101] parse error at line 1, ...": the tag says nothing
        // to a reader.
        if (const std::size_t tag_end = m_reason.find("] "); m_reason.rfind("[json.exception.", 0) == 0 &&
                                                               tag_end != std::string::npos) {
            m_reason.erase(0, tag_end + 2);
        }
        return false;
    }

    std::size_t position() const { return m_position; }
    const std::string& reason() const { return m_reason; }

private:
    std::size_t m_position = 0;
    std::string m_reason;
};

}  // namespace

Result<nlohmann::json> parse_json(std::string_view text) {
    nlohmann::json document;
    LocatingParser parser(document);
    if (!nlohmann::json::sax_parse(text, &parser)) {
        return Error{EINVAL, "not JSON (byte " + std::to_string(parser.position()) + "): " +
                                 printable_value(parser.reason(), 200)};
    }
    return document;
}

std::string dump_json(const nlohmann::json& document, int indent) {
    return document.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cradle
