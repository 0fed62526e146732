#include "common/text.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace mmm {

std::string printable(std::string_view text, std::size_t max) {
    std::string out;
    std::size_t shown = 0;
    for (const char c : text) {
        if (shown == max) break;
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f && c != '\\') out.push_back(c);
        else out += fmt::format("\\x{:02x}", byte);
        ++shown;
    }
    if (shown < text.size()) out += fmt::format("...({} bytes)", text.size());
    return out;
}

namespace {
constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

bool is_continuation(unsigned char c) { return (c & 0xC0U) == 0x80U; }

}  // namespace

// The length of the well-formed UTF-8 sequence at the start of `s` (Unicode's table 3-7), or 0.
std::size_t utf8_sequence_length(std::string_view s) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = byte(0);
    if (c < 0x80U) return 1;
    std::size_t length = 0;
    unsigned char low = 0x80U;  // the second byte's range; later bytes are any continuation byte
    unsigned char high = 0xBFU;
    if (c >= 0xC2U && c <= 0xDFU) {
        length = 2;
    } else if (c >= 0xE0U && c <= 0xEFU) {
        length = 3;
        if (c == 0xE0U) low = 0xA0U;   // no overlong forms
        if (c == 0xEDU) high = 0x9FU;  // no surrogates
    } else if (c >= 0xF0U && c <= 0xF4U) {
        length = 4;
        if (c == 0xF0U) low = 0x90U;   // no overlong forms
        if (c == 0xF4U) high = 0x8FU;  // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (s.size() < length) return 0;
    if (byte(1) < low || byte(1) > high) return 0;
    for (std::size_t i = 2; i < length; ++i)
        if (!is_continuation(byte(i))) return 0;
    return length;
}

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        // A run of ASCII bytes in one append (the common case; byte by byte was slow on multi-megabyte lines).
        const auto ascii_end = std::find_if(text.begin(), text.end(), [](char c) { return (c & 0x80) != 0; });
        const auto ascii = static_cast<std::size_t>(ascii_end - text.begin());
        out += text.substr(0, ascii);
        text.remove_prefix(ascii);
        if (text.empty()) break;
        const std::size_t n = utf8_sequence_length(text);
        if (n == 0) {
            out += replacement;
            text.remove_prefix(1);
        } else {
            out += text.substr(0, n);
            text.remove_prefix(n);
        }
    }
    return out;
}

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t n = utf8_sequence_length(text.substr(at));
        if (n == 0) return at;
        at += n;
    }
    return std::nullopt;
}

std::optional<std::size_t> first_control_character(std::string_view text, std::string_view allowed) {
    for (std::size_t at = 0; at < text.size(); ++at) {
        const auto c = static_cast<unsigned char>(text[at]);
        if ((c < 0x20 && allowed.find(text[at]) == std::string_view::npos) || c == 0x7f) return at;
        // U+0080-U+009F: 0xc2 followed by 0x80-0x9f.
        if (c == 0xc2 && at + 1 < text.size() && (static_cast<unsigned char>(text[at + 1]) & 0xe0) == 0x80) return at;
    }
    return std::nullopt;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        lines.push_back(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

}  // namespace mmm
