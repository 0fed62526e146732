// Which surviving host the new writer takes the old master's last transactions from (issue 11). Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "common/gtid.hpp"

namespace mmm::agent {

// `own`: what this server received from the old master (GTID position); `received[i]`: what host i received.
// The host that is ahead of `own` and of every earlier pick in some domain wins, the first in config order among
// equals; nullopt when nobody received more than this server.
std::optional<std::size_t> pick_donor(const GtidList& own, const std::vector<GtidList>& received);

}  // namespace mmm::agent
