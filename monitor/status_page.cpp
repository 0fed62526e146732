// The status page's Content-Security-Policy: hashes of its inline script and style.
#include "monitor/status_page.hpp"

#include <array>
#include <stdexcept>

#include <openssl/evp.h>

namespace mmm::monitor {

namespace {

// "'sha256-<base64>'" of `text`, as CSP spells a hash source.
std::string hash_source(std::string_view text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 of the status page failed");
    std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> base64{};
    const int length = EVP_EncodeBlock(base64.data(), digest.data(), static_cast<int>(size));
    return "'sha256-" + std::string(reinterpret_cast<const char*>(base64.data()), static_cast<std::size_t>(length)) +
           "'";
}

// The text between `open` and the next `close`; the page has exactly one of each element (a programmer's error
// otherwise: the page would not run under its own policy).
std::string_view inner(std::string_view html, std::string_view open, std::string_view close) {
    const auto begin = html.find(open);
    const auto end = begin == std::string_view::npos ? begin : html.find(close, begin + open.size());
    if (end == std::string_view::npos || html.find(open, begin + open.size()) != std::string_view::npos)
        throw std::logic_error("the status page needs exactly one " + std::string(open) + " element");
    return html.substr(begin + open.size(), end - begin - open.size());
}

}  // namespace

std::string status_page_csp(std::string_view html) {
    return "default-src 'self'; script-src " + hash_source(inner(html, "<script>", "</script>")) +
           "; style-src " + hash_source(inner(html, "<style>", "</style>")) +
           "; connect-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
           "frame-ancestors 'none'";
}

}  // namespace mmm::monitor
