// Text from the network or a file, made safe to log or echo: printable ASCII kept, every other byte (control
// characters such as ESC and NUL, bytes of 0x7f and above) written as \xNN, cut to a length.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mmm {

// At most `max` characters of `text` are shown; a longer text ends in "...(N bytes)".
std::string printable(std::string_view text, std::size_t max = 200);

}  // namespace mmm
