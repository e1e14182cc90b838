#include "t38/ifp.hpp"

namespace rtpe::t38 {

namespace {
constexpr uint8_t kDataFieldPresent = 0x80;
constexpr uint8_t kTypeExtended = 0x20;
constexpr uint8_t kFieldDataPresent = 0x80;
constexpr uint8_t kFieldTypeExtended = 0x40;
constexpr uint8_t kLowNibbleFieldDataPresent = 0x08;
}  // namespace

std::size_t ifp_packet_size(Bytes b, int t38_version) {
    if (b.empty())
        return 0;
    const std::size_t type_size = (b[0] & kTypeExtended) != 0 ? 2 : 1;
    if (b.size() < type_size)
        return 0;
    if ((b[0] & kDataFieldPresent) == 0)
        return type_size;

    std::size_t pos = type_size;
    if (pos >= b.size())
        return 0;
    std::size_t fields = 0;
    if ((b[pos] & 0x80) == 0) {
        fields = b[pos++];
    } else if ((b[pos] & 0x40) == 0 && pos + 1 < b.size()) {
        fields = static_cast<std::size_t>((b[pos] & 0x3F) << 8 | b[pos + 1]);
        pos += 2;
    } else {
        return 0;  // cut short, or a fragmented count no datagram can carry
    }

    bool low_nibble_next = false;  // version 0: the last field took only the high half
    for (std::size_t i = 0; i < fields; ++i) {
        if (pos >= b.size())
            return 0;
        bool has_data = false;
        if (t38_version == 0) {
            if (low_nibble_next) {
                has_data = (b[pos] & kLowNibbleFieldDataPresent) != 0;
                ++pos;
                low_nibble_next = false;
            } else {
                has_data = (b[pos] & kFieldDataPresent) != 0;
                if (has_data)
                    ++pos;
                else
                    low_nibble_next = true;
            }
        } else {
            has_data = (b[pos] & kFieldDataPresent) != 0;
            pos += (b[pos] & kFieldTypeExtended) != 0 ? 2 : 1;
        }
        if (has_data) {
            if (pos + 2 > b.size())
                return 0;
            const std::size_t data_size = static_cast<std::size_t>(b[pos] << 8 | b[pos + 1]) + 1;
            pos += 2 + data_size;
        }
        if (pos > b.size())
            return 0;
    }
    if (low_nibble_next)
        ++pos;
    return pos <= b.size() ? pos : 0;
}

}  // namespace rtpe::t38
