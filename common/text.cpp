#include "common/text.hpp"

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

}  // namespace mmm
