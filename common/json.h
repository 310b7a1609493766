// Reading and writing JSON that crosses a trust boundary: the OCI state on a hook's stdin,
// the collector's requests and answers, configuration files.
//
// nlohmann::json throws more than parse errors on such input: a number that does not fit a
// double ("1e999") is out_of_range, a string that is not UTF-8 cannot be dumped. Every one of
// those is malformed input, so these functions turn them all into a Result.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cradle {

// Parses `text` as one JSON document. On failure: EINVAL, "not JSON (byte N): <reason>", where
// N counts the bytes read when it went wrong (from 1: the last byte of a bad token), and the reason (with a line and
// column for syntax errors) is cut to a printable 200 bytes, since it may quote a long attacker-set token.
Result<nlohmann::json> parse_json(std::string_view text);

// `document` as compact text (indent < 0) or indented by `indent` spaces. Bytes of strings
// that are not UTF-8 become U+FFFD instead of an exception: the text may quote attacker input.
std::string dump_json(const nlohmann::json& document, int indent = -1);

// `document` as text (indent as for dump_json) for output that others read as data, where a
// replaced byte would silently change a path or a name: fails with EILSEQ and the message
// `member "<pointer>" is not UTF-8: <reason>`, where <pointer> is the JSON pointer of the first
// string or key in document order that is not UTF-8 ("/incomplete/0"; "" for the document
// itself), quoted with printable_value.
Result<std::string> write_json(const nlohmann::json& document, int indent = -1);

}  // namespace cradle
