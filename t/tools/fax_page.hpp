#pragma once
// The page every fax test sends (the in-process gateway test, and fax-peer through the
// daemon) and the TIFF-F files spandsp's terminals send it from and receive it into.

#include <cstdint>
#include <string>
#include <vector>

namespace rtpe::test {

inline constexpr int kFaxPageWidth = 1728;  // T.4 A4 width at R8
inline constexpr int kFaxPageLength = 1200;

using FaxPage = std::vector<std::vector<uint8_t>>;  // rows of packed pixels, 1 = black

// Blocks of 64 x 32 in a checkerboard, a diagonal line and a frame: runs of many lengths,
// rows that differ from the one above and rows that do not (T.4 2D coding's cases).
FaxPage test_fax_page();

// One bilevel page as a fax TIFF (204 x 196 dpi, CCITT T.6); false when libtiff fails.
bool write_fax_tiff(const std::string& path, const FaxPage& page);

struct ReceivedFax {
    int pages = 0;
    uint32_t width = 0, length = 0;
    FaxPage first_page;
};
// What a terminal received; pages 0 when the file cannot be read.
ReceivedFax read_fax_tiff(const std::string& path);

}  // namespace rtpe::test
