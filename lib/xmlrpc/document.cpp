#include "xmlrpc/document.hpp"

#include <xmlrpc-c/base.h>

#include <memory>

// Exported by libxmlrpc_util and named by xmlrpc-c's documentation as the way to release the
// fault string of xmlrpc_parse_response2(), but declared in no installed header.
extern "C" void xmlrpc_strfree(const char* string);

namespace rtpe::xmlrpc {

namespace {

// An xmlrpc_env that cleans up after itself and turns a fault into an Error.
class Env {
public:
    Env() { xmlrpc_env_init(&env_); }
    ~Env() { xmlrpc_env_clean(&env_); }
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;

    xmlrpc_env* operator&() { return &env_; }
    void check(const char* doing) const {
        if (env_.fault_occurred)
            throw Error(std::string(doing) + ": " + (env_.fault_string ? env_.fault_string : "failed"));
    }

private:
    xmlrpc_env env_;
};

struct ValueDeleter {
    void operator()(xmlrpc_value* v) const { xmlrpc_DECREF(v); }
};
using ValuePtr = std::unique_ptr<xmlrpc_value, ValueDeleter>;

struct MemBlockDeleter {
    void operator()(xmlrpc_mem_block* b) const { xmlrpc_mem_block_free(b); }
};

struct CStringDeleter {
    void operator()(const char* s) const { xmlrpc_strfree(s); }
};

}  // namespace

std::string method_call(const std::string& method, const std::vector<std::string>& params) {
    Env env;
    // What xmlrpc-c returns is owned only once the env shows no fault: on a fault it may be
    // anything.
    xmlrpc_value* raw = xmlrpc_build_value(&env, "()");
    env.check("building the parameters");
    ValuePtr array(raw);
    for (const auto& p : params) {
        raw = xmlrpc_string_new_lp(&env, p.size(), p.data());
        env.check("a parameter");
        ValuePtr item(raw);
        xmlrpc_array_append_item(&env, array.get(), item.get());
        env.check("a parameter");
    }
    xmlrpc_mem_block* block = xmlrpc_mem_block_new(&env, 0);
    env.check("allocating the request");
    std::unique_ptr<xmlrpc_mem_block, MemBlockDeleter> out(block);
    xmlrpc_serialize_call(&env, out.get(), method.c_str(), array.get());
    env.check("serializing the request");
    return std::string(static_cast<const char*>(xmlrpc_mem_block_contents(out.get())),
                       xmlrpc_mem_block_size(out.get()));
}

std::optional<Fault> read_response(std::string_view xml) {
    Env env;
    xmlrpc_value* result = nullptr;
    int fault_code = 0;
    const char* fault_string = nullptr;
    xmlrpc_parse_response2(&env, xml.data(), xml.size(), &result, &fault_code, &fault_string);
    env.check("reading the response");
    ValuePtr owned_result(result);
    std::unique_ptr<const char, CStringDeleter> owned_fault(fault_string);
    if (!fault_string)
        return std::nullopt;
    return Fault{fault_code, fault_string};
}

}  // namespace rtpe::xmlrpc
