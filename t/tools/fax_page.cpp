#include "fax_page.hpp"

#include <tiffio.h>

#include <memory>

namespace rtpe::test {

namespace {

struct TiffCloser {
    void operator()(TIFF* t) const { TIFFClose(t); }
};
using TiffFile = std::unique_ptr<TIFF, TiffCloser>;

}  // namespace

FaxPage test_fax_page() {
    FaxPage page(kFaxPageLength, std::vector<uint8_t>(kFaxPageWidth / 8));
    for (int y = 0; y < kFaxPageLength; ++y)
        for (int x = 0; x < kFaxPageWidth; ++x) {
            const bool black = ((x / 64 + y / 32) % 2 == 0) != (x == (y * 3) % kFaxPageWidth) || y < 4 ||
                               y >= kFaxPageLength - 4 || x < 4 || x >= kFaxPageWidth - 4;
            if (black)
                page[y][x / 8] |= static_cast<uint8_t>(0x80 >> (x % 8));
        }
    return page;
}

bool write_fax_tiff(const std::string& path, const FaxPage& page) {
    TiffFile tiff(TIFFOpen(path.c_str(), "w"));
    if (!tiff)
        return false;
    TIFF* t = tiff.get();
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, kFaxPageWidth);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, static_cast<int>(page.size()));
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
    TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
    TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0f);
    TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0f);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, static_cast<int>(page.size()));
    TIFFSetField(t, TIFFTAG_PAGENUMBER, 0, 1);
    for (std::size_t y = 0; y < page.size(); ++y) {
        std::vector<uint8_t> row = page[y];  // libtiff may scribble on it
        if (TIFFWriteScanline(t, row.data(), static_cast<uint32_t>(y), 0) != 1)
            return false;
    }
    return TIFFWriteDirectory(t) != 0;
}

ReceivedFax read_fax_tiff(const std::string& path) {
    ReceivedFax r;
    TiffFile tiff(TIFFOpen(path.c_str(), "r"));
    if (!tiff)
        return r;
    TIFF* t = tiff.get();
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &r.width);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &r.length);
    const tmsize_t row_bytes = TIFFScanlineSize(t);
    for (uint32_t y = 0; y < r.length; ++y) {
        std::vector<uint8_t> row(static_cast<std::size_t>(row_bytes));
        if (TIFFReadScanline(t, row.data(), y, 0) != 1)
            break;
        r.first_page.push_back(std::move(row));
    }
    do
        ++r.pages;
    while (TIFFReadDirectory(t));
    return r;
}

}  // namespace rtpe::test
