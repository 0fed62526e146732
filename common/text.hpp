// Text from the network or a file, made safe to log or echo: printable ASCII kept, every other byte (control
// characters such as ESC and NUL, bytes of 0x7f and above) written as \xNN, cut to a length.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmm {

// At most `max` characters of `text` are shown; a longer text ends in "...(N bytes)".
std::string printable(std::string_view text, std::size_t max = 200);

// The length of the well-formed UTF-8 sequence at the start of `s` (Unicode's table 3-7), or 0 (not UTF-8, cut).
std::size_t utf8_sequence_length(std::string_view s);

// `text` with every byte that is not part of a well-formed UTF-8 sequence (stray continuation bytes, overlong
// forms, surrogates, code points above U+10FFFF, cut sequences) replaced by U+FFFD, one per byte.
std::string valid_utf8(std::string_view text);

// The offset of the first byte of `text` that is not part of a well-formed UTF-8 sequence; nullopt: all UTF-8.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// The offset of the first control character of UTF-8 `text` (C0 but the bytes in `allowed`, DEL, C1 U+0080-U+009F),
// nullopt: none. Bytes that are not UTF-8 are skipped (first_invalid_utf8 finds those).
std::optional<std::size_t> first_control_character(std::string_view text, std::string_view allowed);

// The lines of `text` as std::getline gives them: split on '\n', no empty line after a final '\n'.
std::vector<std::string_view> split_lines(std::string_view text);

}  // namespace mmm
