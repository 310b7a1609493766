#include "common/auto_profile.h"

#include <cerrno>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/profile_name.h"

namespace cradle {
namespace {

constexpr std::string_view k_generated_alphabet = "bcdfghjklmnpqrstvwxz2456789";
constexpr std::size_t k_hash_length = 8;

enum class Field { Namespace, Pod, Workload, Container, Name, Hostname, Id };

std::optional<Field> field_named(std::string_view name) {
    static constexpr std::pair<std::string_view, Field> k_fields[] = {
        {"container", Field::Container}, {"hostname", Field::Hostname},   {"id", Field::Id},
        {"name", Field::Name},           {"namespace", Field::Namespace}, {"pod", Field::Pod},
        {"workload", Field::Workload}};
    for (const auto& [known, field] : k_fields) {
        if (known == name) {
            return field;
        }
    }
    return std::nullopt;
}

std::string field_value(Field field, const ContainerFacts& facts) {
    switch (field) {
        case Field::Namespace: return facts.namespace_name;
        case Field::Pod: return facts.pod;
        case Field::Workload: return workload_of_pod(facts.pod);
        case Field::Container: return facts.container;
        case Field::Name: return facts.name;
        case Field::Hostname: return facts.hostname;
        case Field::Id: break;
    }
    return facts.id;
}

// One piece of an alternative: literal bytes, a field, or a strftime token ("%Y").
struct Piece {
    enum class Kind { Literal, Field, Time } kind = Kind::Literal;
    std::string text;
    Field field = Field::Id;
};

Error template_error(std::string_view template_text, const std::string& reason) {
    return Error{EINVAL, "auto_profile template \"" + printable_value(template_text) + "\": " + reason};
}

// Splits the template into alternatives of pieces, checking it on the way.
Result<std::vector<std::vector<Piece>>> parse_template(std::string_view text) {
    std::vector<std::vector<Piece>> alternatives(1);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        auto& pieces = alternatives.back();
        if (c == '|') {
            if (pieces.empty()) {
                return template_error(text, "has an empty alternative");
            }
            alternatives.emplace_back();
        } else if (c == '{') {
            const auto close = text.find('}', i);
            if (close == std::string_view::npos) {
                return template_error(text, "has a '{' without its '}'");
            }
            const std::string_view name = text.substr(i + 1, close - i - 1);
            const auto field = field_named(name);
            if (!field) {
                return template_error(text, "has the unknown field {" + printable_value(name) +
                                                "} (known: namespace, pod, workload, container, name, hostname, id)");
            }
            pieces.push_back({Piece::Kind::Field, {}, *field});
            i = close;
        } else if (c == '%') {
            // Checked as a name of its own: the same tokens, the same refusals.
            const std::string token(text.substr(i, 2));
            if (auto checked = expand_profile_name(token, 0); !checked) {
                return template_error(text, checked.error().message);
            }
            pieces.push_back({Piece::Kind::Time, token, Field::Id});
            ++i;
        } else if (is_profile_name_byte(c)) {
            if (pieces.empty() || pieces.back().kind != Piece::Kind::Literal) {
                pieces.push_back({});
            }
            pieces.back().text += static_cast<char>(c);
        } else {
            return template_error(text, "contains \"" + printable_value(text.substr(i, 1)) +
                                            "\" (allowed: letters, digits, '.', '_', '-', {field}, %X, '|')");
        }
    }
    if (alternatives.back().empty()) {
        return template_error(text, text.empty() ? "is empty" : "has an empty alternative");
    }
    return alternatives;
}

bool is_generated(std::string_view segment, std::size_t min_length, std::size_t max_length) {
    return segment.size() >= min_length && segment.size() <= max_length &&
           segment.find_first_not_of(k_generated_alphabet) == std::string_view::npos;
}

std::uint32_t fnv1a(std::string_view text) {
    std::uint32_t hash = 2166136261u;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 16777619u;
    }
    return hash;
}

std::string hex32(std::uint32_t value) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out(k_hash_length, '0');
    for (std::size_t i = k_hash_length; i-- > 0; value >>= 4) {
        out[i] = k_hex[value & 0xf];
    }
    return out;
}

}  // namespace

Result<void> check_auto_template(std::string_view template_text) {
    auto parsed = parse_template(template_text);
    if (!parsed) {
        return parsed.error();
    }
    return {};
}

namespace {

// The value of an annotation, empty when it is absent.
std::string annotation_value(const std::map<std::string, std::string>& annotations, const char* key) {
    const auto found = annotations.find(key);
    return found == annotations.end() ? std::string() : found->second;
}

}  // namespace

// CRI-O copies a pod's annotations into its containers' specs, so there a pod's author could
// write containerd's keys and pass for another namespace, pod or container (and have an
// automatic profile merged into theirs), or for a sandbox. CRI-O marks its specs; in them only
// its own keys count.
bool made_by_crio(const std::map<std::string, std::string>& annotations) {
    return annotation_value(annotations, k_container_manager_annotation) == "cri-o";
}

ContainerFacts facts_from_annotations(const std::map<std::string, std::string>& annotations) {
    const bool crio = made_by_crio(annotations);
    auto first_of = [&](const char* containerd_key, const char* crio_key) {
        std::string value = crio ? std::string() : annotation_value(annotations, containerd_key);
        return value.empty() ? annotation_value(annotations, crio_key) : value;
    };
    ContainerFacts facts;
    facts.namespace_name = first_of("io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace");
    facts.pod = first_of("io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name");
    facts.container = first_of("io.kubernetes.cri.container-name", "io.kubernetes.container.name");
    return facts;
}

bool is_sandbox_container(const std::map<std::string, std::string>& annotations) {
    return (!made_by_crio(annotations) &&
            annotation_value(annotations, "io.kubernetes.cri.container-type") == "sandbox") ||
           annotation_value(annotations, "io.kubernetes.cri-o.ContainerType") == "sandbox";
}

std::string workload_of_pod(std::string_view pod) {
    auto last_segment = [](std::string_view name) -> std::optional<std::string_view> {
        const auto dash = name.rfind('-');
        // Only when something remains before it.
        if (dash == std::string_view::npos || dash == 0) {
            return std::nullopt;
        }
        return name.substr(dash + 1);
    };
    std::string_view name = pod;
    auto segment = last_segment(name);
    if (segment && is_generated(*segment, 5, 5)) {
        name.remove_suffix(segment->size() + 1);
        if (auto hash = last_segment(name); hash && is_generated(*hash, 6, 10)) {
            name.remove_suffix(hash->size() + 1);
        }
    } else if (segment && !segment->empty() && segment->find_first_not_of("0123456789") == std::string_view::npos) {
        name.remove_suffix(segment->size() + 1);
    }
    return std::string(name);
}

AutoProfileName auto_profile_name(std::string_view template_text, const ContainerFacts& facts, std::time_t when) {
    AutoProfileName result;
    std::vector<std::string> notes;
    auto parsed = parse_template(template_text);
    if (!parsed) {
        notes.push_back(parsed.error().message + ", named after the container id instead");
        parsed = parse_template("{id}");
    }

    const std::vector<Piece>* chosen = nullptr;
    for (const auto& alternative : *parsed) {
        bool known = true;
        for (const auto& piece : alternative) {
            known = known && (piece.kind != Piece::Kind::Field || !field_value(piece.field, facts).empty());
        }
        if (known) {
            chosen = &alternative;
            break;
        }
    }
    const std::vector<Piece> by_id{{Piece::Kind::Field, {}, Field::Id}};
    if (chosen == nullptr) {
        chosen = &by_id;
    }

    std::string name;
    std::size_t replaced = 0;
    for (const auto& piece : *chosen) {
        if (piece.kind == Piece::Kind::Literal) {
            name += piece.text;
        } else if (piece.kind == Piece::Kind::Time) {
            auto expanded = expand_profile_name(piece.text, when);
            name += expanded ? *expanded : "_";
        } else {
            for (const char c : field_value(piece.field, facts)) {
                const bool allowed = is_profile_name_byte(static_cast<unsigned char>(c));
                replaced += allowed ? 0 : 1;
                name += allowed ? c : '_';
            }
        }
    }
    // Joined pieces can make what no piece holds alone: "a." + ".b", or a leading '-'.
    for (std::size_t i = 0; i < name.size(); ++i) {
        const bool bad =
            (i == 0 && (name[i] == '.' || name[i] == '-')) || (i > 0 && name[i] == '.' && name[i - 1] == '.');
        if (bad) {
            name[i] = '_';
            ++replaced;
        }
    }
    if (name.empty()) {
        // Only an empty id could do this, which the runtimes' parsers refuse; a name is still due.
        name = "_";
        ++replaced;
    }
    if (replaced > 0) {
        notes.push_back(std::to_string(replaced) + " byte(s) not allowed in a name replaced by '_'");
    }
    if (name.size() > k_max_profile_name_length) {
        const std::string hash = hex32(fnv1a(name));
        const std::size_t uncut = name.size();
        name.resize(k_max_profile_name_length - k_hash_length - 1);
        name += '-';
        name += hash;
        notes.push_back("cut from " + std::to_string(uncut) + " to " + std::to_string(name.size()) +
                        " bytes, ending in a hash of the whole");
    }
    result.name = std::move(name);
    for (const auto& note : notes) {
        result.note += (result.note.empty() ? "" : "; ") + note;
    }
    return result;
}

}  // namespace cradle
