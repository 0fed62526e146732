// Classification of check result texts.
#include "monitor/checks/check_sample.hpp"

namespace mmm::monitor {

CheckOutcome classify_check_text(std::string_view text) {
    if (text.starts_with("OK")) return CheckOutcome::Ok;
    if (text.starts_with("ERROR")) return CheckOutcome::Error;
    return CheckOutcome::Unknown;
}

}  // namespace mmm::monitor
