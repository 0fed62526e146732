// The writer lease's arithmetic.
#include "agent/core/writer_lease.hpp"

namespace mmm::agent {

void WriterLease::on_set_status(WriterGrant grant, std::optional<std::chrono::milliseconds> lease,
                                SteadyTime received) {
    if (grant == WriterGrant::NotGiven || !lease) {
        clear();
        return;
    }
    length_ = *lease;
    renewed_at_ = received;
    end_ = received + *lease;
}

void WriterLease::clear() {
    end_.reset();
    length_ = std::chrono::milliseconds{0};
}

}  // namespace mmm::agent
