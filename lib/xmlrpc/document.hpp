#pragma once
// XML-RPC documents over xmlrpc-c's core library, seen from C++: a methodCall built from a
// method name and string parameters, and a methodResponse read back as "value" or "fault".
//
// xmlrpc-c stays behind this header: no xmlrpc-c type appears in it.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rtpe::xmlrpc {

// What xmlrpc-c refused: a parameter that is not valid UTF-8, a document that is not XML-RPC.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// <?xml ...?><methodCall>...</methodCall> with every parameter a <string>. Throws Error.
std::string method_call(const std::string& method, const std::vector<std::string>& params);

struct Fault {
    int code = 0;
    std::string text;
};

// A methodResponse: nullopt when it carries a value, else its fault. Throws Error when the
// text is not a methodResponse.
std::optional<Fault> read_response(std::string_view xml);

}  // namespace rtpe::xmlrpc
