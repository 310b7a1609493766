#include "cli/event_format.h"

#include <fcntl.h>

#include <algorithm>

#include "cli/event_decode.h"
#include "events_abi.h"

namespace cradle {

namespace {

using namespace std::string_view_literals;

constexpr std::size_t k_time_width = 16;
constexpr std::size_t k_uts_name_width = 16;
constexpr std::size_t k_namespace_width = 10;
constexpr std::size_t k_uid_width = 6;
constexpr std::size_t k_event_width = 24;
constexpr std::size_t k_comm_width = 16;
constexpr std::size_t k_pid_width = 7;
constexpr std::size_t k_return_width = 16;

// Seconds with six decimals, from integers: a double would round some microseconds away.
void append_boot_time(std::string& out, std::uint64_t ns) {
    append_number(out, ns / 1'000'000'000);
    out += '.';
    char digits[6];
    std::uint64_t microseconds = ns % 1'000'000'000 / 1000;
    for (int i = 5; i >= 0; --i) {
        digits[i] = static_cast<char>('0' + microseconds % 10);
        microseconds /= 10;
    }
    out.append(digits, sizeof digits);
}

// Columns a terminal gives the escaped text from `from` on: one per character (escaped text is
// valid UTF-8, so every byte that does not continue a character starts one).
std::size_t columns(const std::string& out, std::size_t from) {
    return static_cast<std::size_t>(
        std::count_if(out.begin() + static_cast<std::ptrdiff_t>(from), out.end(),
                      [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

// Pads the cell that starts at `from` to `width` columns and adds the space between columns.
void end_cell(std::string& out, std::size_t from, std::size_t width) {
    const std::size_t used = columns(out, from);
    if (used < width) {
        out.append(width - used, ' ');
    }
    out += ' ';
}

// Cuts the cell that starts at `from` to `width` characters, then ends it.
void end_cut_cell(std::string& out, std::size_t from, std::size_t width) {
    std::size_t characters = 0;
    for (std::size_t i = from; i < out.size(); ++i) {
        if ((static_cast<unsigned char>(out[i]) & 0xc0) != 0x80 && ++characters > width) {
            out.resize(i);
            break;
        }
    }
    end_cell(out, from, width);
}

// end_cell for a cell known to be ASCII (numbers, titles): one column a byte.
void end_ascii_cell(std::string& out, std::size_t from, std::size_t width) {
    const std::size_t used = out.size() - from;
    if (used < width) {
        out.append(width - used, ' ');
    }
    out += ' ';
}

template <typename Integer>
void append_number_cell(std::string& out, Integer value, std::size_t width) {
    const std::size_t from = out.size();
    append_number(out, value);
    end_ascii_cell(out, from, width);
}

void append_escaped_cell(std::string& out, std::string_view text, std::size_t width) {
    const std::size_t from = out.size();
    append_escaped(out, text);
    end_cell(out, from, width);
}

void append_json_string(std::string& out, std::string_view bytes) {
    out += '"';
    append_escaped(out, bytes, EscapeFor::json_string);
    out += '"';
}

// Text that append_argument made (valid UTF-8, no control bytes) as a JSON string: only its
// backslashes and quotes need escaping.
void append_json_text(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        if (c == '\\' || c == '"') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
}

bool from_user_memory(ArgumentType type) {
    return type == ArgumentType::user_string || type == ArgumentType::user_string_array ||
           type == ArgumentType::sockaddr || type == ArgumentType::clone_args;
}

void append_json_argument(std::string& out, const EventArgument& argument, std::string& scratch) {
    switch (argument.type) {
        case ArgumentType::signed_integer:
        case ArgumentType::unsigned_integer:
        case ArgumentType::boolean: append_argument(out, argument); return;
        case ArgumentType::fd:
            if (static_cast<std::int32_t>(argument.raw) == AT_FDCWD) {
                out += "\"AT_FDCWD\""sv;
            } else {
                append_argument(out, argument);
            }
            return;
        case ArgumentType::user_string:
        case ArgumentType::kernel_string:
            if (argument.unreadable || argument.strings.empty()) {
                out += "null"sv;
            } else {
                append_json_string(out, argument.strings.front());
            }
            return;
        case ArgumentType::user_string_array:
            if (argument.unreadable) {
                out += "null"sv;
                return;
            }
            out += '[';
            for (std::size_t i = 0; i < argument.strings.size(); ++i) {
                if (i != 0) {
                    out += ',';
                }
                append_json_string(out, argument.strings[i]);
            }
            out += ']';
            return;
        case ArgumentType::sockaddr:
            if (argument.unreadable || argument.bytes.size() < 2) {
                out += "null"sv;
                return;
            }
            break;
        case ArgumentType::clone_args:
            if (argument.unreadable) {
                out += "null"sv;
                return;
            }
            break;
        default: break;
    }
    scratch.clear();
    append_argument(scratch, argument);
    append_json_text(out, scratch);
}

// The names of the arguments `select` picks, as a JSON array.
template <typename Select>
void append_json_names(std::string& out, const std::vector<EventArgument>& arguments, Select select) {
    out += '[';
    bool first = true;
    for (const EventArgument& argument : arguments) {
        if (select(argument)) {
            if (!first) {
                out += ',';
            }
            first = false;
            append_json_string(out, argument.name);
        }
    }
    out += ']';
}

}  // namespace

void append_table_header(std::string& out) {
    const auto cell = [&](std::string_view title, std::size_t width) {
        const std::size_t start = out.size();
        out += title;
        end_ascii_cell(out, start, width);
    };
    cell("TIME(s)", k_time_width);
    cell("UTS_NAME", k_uts_name_width);
    cell("MNT_NS", k_namespace_width);
    cell("PID_NS", k_namespace_width);
    cell("UID", k_uid_width);
    cell("EVENT", k_event_width);
    cell("COMM", k_comm_width);
    cell("PID", k_pid_width);
    cell("TID", k_pid_width);
    cell("PPID", k_pid_width);
    cell("RET", k_return_width);
    out += "ARGS\n"sv;
}

void append_table_row(std::string& out, const Event& event) {
    const EventTask& task = event.task;
    std::size_t from = out.size();
    append_boot_time(out, task.boot_time_ns);
    end_ascii_cell(out, from, k_time_width);
    from = out.size();
    append_escaped(out, task.uts_name);
    end_cut_cell(out, from, k_uts_name_width);
    append_number_cell(out, task.mnt_ns, k_namespace_width);
    append_number_cell(out, task.pid_ns, k_namespace_width);
    append_number_cell(out, task.uid, k_uid_width);
    append_escaped_cell(out, event.name, k_event_width);
    append_escaped_cell(out, task.comm, k_comm_width);
    append_number_cell(out, task.pid, k_pid_width);
    append_number_cell(out, task.tid, k_pid_width);
    append_number_cell(out, task.ppid, k_pid_width);
    from = out.size();
    if (event.kind == EventKind::syscall) {
        append_return_value(out, event.return_value);
    }
    end_ascii_cell(out, from, k_return_width);
    for (std::size_t i = 0; i < event.arguments.size(); ++i) {
        if (i != 0) {
            out += ", "sv;
        }
        append_escaped(out, event.arguments[i].name);
        out += ": "sv;
        append_argument(out, event.arguments[i]);
    }
    out += '\n';
}

void append_json_line(std::string& out, const Event& event) {
    const EventTask& task = event.task;
    out += "{\"time\":"sv;
    append_boot_time(out, task.boot_time_ns);
    out += ",\"uts_name\":"sv;
    append_json_string(out, task.uts_name);
    out += ",\"mnt_ns\":"sv;
    append_number(out, task.mnt_ns);
    out += ",\"pid_ns\":"sv;
    append_number(out, task.pid_ns);
    out += ",\"uid\":"sv;
    append_number(out, task.uid);
    out += ",\"event\":"sv;
    append_json_string(out, event.name);
    out += ",\"comm\":"sv;
    append_json_string(out, task.comm);
    out += ",\"pid\":"sv;
    append_number(out, task.pid);
    out += ",\"tid\":"sv;
    append_number(out, task.tid);
    out += ",\"ppid\":"sv;
    append_number(out, task.ppid);
    if (event.kind == EventKind::syscall) {
        out += ",\"ret\":"sv;
        append_number(out, event.return_value);
        if (const char* name = return_value_error_name(event.return_value)) {
            out += ",\"ret_name\":\""sv;
            out += name;
            out += '"';
        }
    }
    out += ",\"args\":{"sv;
    // Decoded text goes through a scratch string before it is quoted; one per thread, so the
    // writer allocates nothing once the buffers have grown.
    thread_local std::string scratch;
    bool truncated = false;
    for (std::size_t i = 0; i < event.arguments.size(); ++i) {
        const EventArgument& argument = event.arguments[i];
        if (i != 0) {
            out += ',';
        }
        append_json_string(out, argument.name);
        out += ':';
        append_json_argument(out, argument, scratch);
        truncated = truncated || argument.truncated;
    }
    out += "},\"user_memory\":"sv;
    append_json_names(out, event.arguments, [](const EventArgument& a) { return from_user_memory(a.type); });
    if (truncated) {
        out += ",\"truncated\":"sv;
        append_json_names(out, event.arguments, [](const EventArgument& a) { return a.truncated; });
    }
    if (!event.container_id.empty()) {
        out += ",\"container_id\":"sv;
        append_json_string(out, event.container_id);
    }
    if (!event.profile_name.empty()) {
        out += ",\"profile\":"sv;
        append_json_string(out, event.profile_name);
    }
    if (event.compat) {
        out += ",\"compat\":true"sv;
    }
    out += "}\n"sv;
}

void append_json_loss(std::string& out, const EventLoss& loss) {
    out += "{\"lost\":"sv;
    append_number(out, loss.total);
    out += ",\"new\":"sv;
    append_number(out, loss.added);
    out += "}\n"sv;
}

void append_table_loss(std::string& out, const EventLoss& loss) {
    out += "LOST "sv;
    append_number(out, loss.added);
    out += loss.added == 1 ? " event (" : " events (";
    append_number(out, loss.total);
    out += " in all)\n"sv;
}

void append_cgroup_warning(std::string& out, const EventLoss& loss) {
    out += "cradle events: warning: "sv;
    append_number(out, loss.added);
    out += loss.added == 1 ? " cgroup"sv : " cgroups"sv;
    out += " beneath the container= cgroups did not fit in the filter ("sv;
    append_number(out, EVENTS_MAX_FILTER_CGROUPS);
    out += " cgroups at most): their tasks are not reported ("sv;
    append_number(out, loss.total);
    out += " in all)\n"sv;
}

void EventTally::add(std::string_view name) {
    ++m_shown;
    if (const auto it = m_counts.find(name); it != m_counts.end()) {
        ++it->second;
        return;
    }
    m_counts.emplace(std::string(name), 1);
}

std::vector<std::pair<std::string, std::uint64_t>> EventTally::by_count() const {
    std::vector<std::pair<std::string, std::uint64_t>> counts(m_counts.begin(), m_counts.end());
    std::ranges::sort(counts, [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    return counts;
}

std::string format_summary(const EventTally& tally, const StreamLosses& losses) {
    std::string out = "events shown: ";
    append_number(out, tally.shown());
    out += "\nevents lost: "sv;
    append_number(out, losses.events);
    out += '\n';
    if (losses.cgroups != 0) {
        out += "cgroups left out: "sv;
        append_number(out, losses.cgroups);
        out += '\n';
    }
    const auto counts = tally.by_count();
    std::size_t name_width = 0;
    std::size_t count_width = 0;
    std::vector<std::string> names;
    for (const auto& [name, count] : counts) {
        std::string escaped;
        append_escaped(escaped, name);
        name_width = std::max(name_width, escaped.size());
        count_width = std::max(count_width, std::to_string(count).size());
        names.push_back(std::move(escaped));
    }
    for (std::size_t i = 0; i < counts.size(); ++i) {
        out += "  "sv;
        out += names[i];
        out.append(name_width - names[i].size() + 2, ' ');
        const std::string count = std::to_string(counts[i].second);
        out.append(count_width - count.size(), ' ');
        out += count;
        out += '\n';
    }
    return out;
}

}  // namespace cradle
