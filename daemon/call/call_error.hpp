#pragma once
// A request the call model refuses. what() is the reason as upstream words it; the control
// plane turns it into the reply its client understands (ng: "error-reason").

#include <stdexcept>

namespace rtpe::call {

class CallError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace rtpe::call
