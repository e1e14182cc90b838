#pragma once
// Random numbers for identifiers the daemon makes up (subscription tags, notification
// cookies, a media player's SSRC): not secrets, so a per-thread Mersenne Twister seeded
// from std::random_device, no lock.

#include <cstddef>
#include <cstdint>
#include <string>

namespace rtpe {

uint64_t random_u64();
// digits lower-case hex digits.
std::string random_hex(std::size_t digits);

}  // namespace rtpe
