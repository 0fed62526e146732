// The status page (GET /, issue 13): monitor/status_page.html, compiled in, and the Content-Security-Policy it is
// served with.
#pragma once

#include <string>
#include <string_view>

namespace mmm::monitor {

// The page's text (generated from monitor/status_page.html by CMake: status_page_html.cpp.in).
std::string_view status_page_html();

// The policy for `html`: its one inline <script> and <style> allowed by their SHA-256 (nothing else runs or styles,
// even a script that reached the DOM some other way), fetches and everything else from the page's own origin only.
std::string status_page_csp(std::string_view html);

}  // namespace mmm::monitor
