// Message::parse must never read outside the datagram, and what it accepts must be
// readable through every typed accessor and re-encodable: the builder, fed the parsed
// attributes, must produce a message that parses to the same attribute list.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stun/builder.hpp"
#include "stun/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    using namespace rtpe::stun;
    // An exact-size heap copy, so ASan flags a read even one byte past the end.
    const std::vector<uint8_t> copy(data, data + size);
    Message m;
    if (Message::parse(copy, m) != ParseStatus::ok)
        return 0;
    (void)m.username();
    (void)m.software();
    (void)m.priority();
    (void)m.ice_controlling();
    (void)m.ice_controlled();
    (void)m.xor_mapped_address();
    (void)m.mapped_address();
    (void)m.error_code();
    std::array<uint16_t, 4> unknown;
    (void)m.unknown_attributes(unknown);
    (void)m.check_fingerprint();
    static const uint8_t kKey[] = {'k', 'e', 'y'};
    (void)m.check_integrity(ByteView(kKey, sizeof kKey));

    // The re-encoding is never longer: the attributes it drops are the ignored ones.
    std::vector<uint8_t> buffer(copy.size());
    MessageBuilder b(buffer, type_class(m.type()), static_cast<Method>(m.method()), m.transaction_id());
    for (const Attribute& a : m.attributes())
        b.add(a.type, a.value);
    Message again;
    if (!b.ok() || Message::parse(b.finish(), again) != ParseStatus::ok)
        __builtin_trap();
    if (again.type() != m.type() || again.attributes().size() != m.attributes().size())
        __builtin_trap();
    return 0;
}
