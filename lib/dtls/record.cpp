#include "dtls/record.hpp"

namespace rtpe::dtls {

const char* to_string(RecordStatus status) {
    switch (status) {
    case RecordStatus::ok:
        return "ok";
    case RecordStatus::too_short:
        return "too short";
    case RecordStatus::not_dtls:
        return "not DTLS";
    case RecordStatus::bad_version:
        return "bad version";
    case RecordStatus::bad_length:
        return "bad length";
    case RecordStatus::truncated:
        return "truncated";
    }
    return "unknown";
}

bool looks_like_record(ByteView datagram) {
    return !datagram.empty() && datagram[0] >= 20 && datagram[0] <= 63;
}

RecordStatus parse_record_header(ByteView bytes, RecordHeader& out) {
    if (bytes.size() < kRecordHeaderLength)
        return bytes.empty() || looks_like_record(bytes) ? RecordStatus::too_short : RecordStatus::not_dtls;
    if (!looks_like_record(bytes))
        return RecordStatus::not_dtls;
    RecordHeader h;
    h.content_type = bytes[0];
    h.version = static_cast<uint16_t>(bytes[1] << 8 | bytes[2]);
    h.epoch = static_cast<uint16_t>(bytes[3] << 8 | bytes[4]);
    for (std::size_t i = 5; i < 11; ++i)
        h.sequence = h.sequence << 8 | bytes[i];
    h.length = static_cast<uint16_t>(bytes[11] << 8 | bytes[12]);
    if (h.version != kDtls10 && h.version != kDtls12)
        return RecordStatus::bad_version;
    if (h.length > kMaxRecordLength)
        return RecordStatus::bad_length;
    if (bytes.size() - kRecordHeaderLength < h.length)
        return RecordStatus::truncated;
    out = h;
    return RecordStatus::ok;
}

RecordStatus check_datagram(ByteView datagram, std::size_t* records, RecordHeader* first) {
    std::size_t count = 0;
    RecordStatus status = datagram.empty() ? RecordStatus::too_short : RecordStatus::ok;
    while (!datagram.empty()) {
        RecordHeader h;
        status = parse_record_header(datagram, h);
        if (status != RecordStatus::ok)
            break;
        if (count == 0 && first)
            *first = h;
        ++count;
        datagram = datagram.subspan(kRecordHeaderLength + h.length);
    }
    if (records)
        *records = count;
    return status;
}

}  // namespace rtpe::dtls
