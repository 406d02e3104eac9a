// Text that came from outside: is it UTF-8, does it hold control characters, and a form of it
// that is safe to put in a log line or a JSON error body (always valid UTF-8, one line).
#pragma once

#include <string>
#include <string_view>

namespace sinkhub::util {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s);

// True if `s` holds a C0 control (U+0000-U+001F), DEL or a C1 control (U+0080-U+009F).
// Expects valid UTF-8.
bool has_control_character(std::string_view s);

// `s` with every byte that is not part of a valid, non-control UTF-8 character written as
// "\xNN": what a client sent, shown without letting it break the log line or the JSON around it.
std::string printable(std::string_view s);

}  // namespace sinkhub::util
