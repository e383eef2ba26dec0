/*
 * libheic - HEIF/HEIC images in C.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Streaming decode: an image handed to the caller in bands of rows, top to
 * bottom, so that the memory a decode needs follows the image's width
 * rather than its area.
 *
 *   static int start(void *op, const heic_rows_info *info) { ...write a header...; return 0; }
 *   static int rows(void *op, const heic_rows_band *band) { ...write band->rows rows...; return 0; }
 *   heic_rows_sink sink = {start, rows, &state};
 *   heic_context_decode_item_rows(ctx, item, &opts, &sink);
 *
 * The samples are exactly those heic_context_decode_item() gives with the
 * same options, row for row and byte for byte.
 *
 * What bounds the memory (everything drawn from the context's allocator):
 * - A grid image: its tiles are decoded a strip at a time - a row of tiles,
 *   or a column of tiles when the output is turned a quarter (irot 90/270),
 *   walked in the order the output rows need them (bottom-up for a vertical
 *   mirror or a half turn).  The tiles of a strip are decoded in parallel on
 *   the context's threads, copied into the strip (one byte a sample for
 *   an 8-bit image, two above) and freed; a strip is
 *   freed as soon as no later band reads it.  Alive at once: at most two
 *   strips (a band may straddle two; bilinear chroma reads one chroma row
 *   or column across the seam), a decoded tile per thread, the first tile
 *   (decoded first: it sets the tile size) until its strip is made, and
 *   one band of output.  Tiles outside a clean aperture (clap) are not
 *   decoded.  A grid alpha image streams alongside in the same way; a
 *   non-grid alpha image of a grid is decoded whole (one plane) and kept.
 *   For a 12 MP iPhone photo (8x6 tiles of 512x512, 8-bit 4:2:0, to 8-bit
 *   RGB on 2 threads) the context's allocator peaks at 8.2 MB (7.7 MB turned
 *   a quarter with bilinear chroma), the file's own 3.5 MB included, where
 *   heic_context_decode_item() peaks at 108 MB with its output image; for
 *   a 200 MP grid of such tiles (16384x12288) 20 MB against 1.7 GB.
 *   (libde265's memory for the tiles being decoded, one decoder per
 *   thread, is outside the allocator and comes on top in either form.)
 * - Any other image (a single coded picture, an overlay, an identity-
 *   derived image, a thumbnail): the item's picture is decoded whole, as
 *   heic_context_decode_item() does, but colour conversion, the
 *   transformations and the packing happen per band, so neither an RGB
 *   copy nor a packed image of the whole picture is made.  A coded 8-bit
 *   picture is held as the decoder plugin wrote it, one byte a sample (no
 *   16-bit copy), and its alpha image beside it; the HEVC decoder's own
 *   frame (outside the allocator) exists while it decodes.
 * - The whole pipeline, then bands (heic_rows_info.streamed = 0): a grid
 *   whose tiles have an odd width or height with subsampled chroma (their
 *   chroma samples overlap, and the last tile placed wins), and YCbCr
 *   output whose transformations need the chroma re-sited (a clap at an odd
 *   offset of 4:2:0 / 4:2:2, a quarter turn of 4:2:2).
 *
 * Limits: every limit of heic_limits applies as it does to
 * heic_context_decode_item() (the same plan of the image is made and
 * checked first; max_pixels still bounds the canvas of every image).  What
 * the streaming form changes is how much of max_memory a decode needs: an
 * image whose whole picture does not fit max_memory may still stream.
 */
#ifndef HEIC_STREAM_H
#define HEIC_STREAM_H

#include "heic_common.h"
#include "heic_context.h"
#include "heic_image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The output as a whole: what heic_image_* would say of the image
 * heic_context_decode_item() makes with the same options. */
typedef struct heic_rows_info {
  uint32_t width, height;
  heic_layout layout;
  heic_chroma chroma;     /* HEIC_CHROMA_444 for HEIC_LAYOUT_RGB */
  int bit_depth;          /* 8: uint8_t samples; 9..16: native-endian uint16_t */
  int has_alpha;
  int premultiplied;
  int components;         /* interleaved per pixel: 3 or 4 for RGB; 1 for YCbCr */
  heic_nclx nclx;
  uint32_t max_band_rows; /* no band has more rows than this */
  int streamed;           /* 1: decoded a strip of tiles at a time; 0: the item's
                             picture was decoded whole first (see above) */
  uint32_t reserved[8];
} heic_rows_info;

/* One band: output rows [first_row, first_row + rows) of every plane.
 * Planes as heic_image_plane() has them: for HEIC_LAYOUT_RGB only
 * planes[HEIC_PLANE_INTERLEAVED] (R, G, B[, A] interleaved); for
 * HEIC_LAYOUT_YCBCR Y, Cb, Cr (absent for 4:0:0) and alpha.  An absent
 * plane is NULL with zero stride and sizes.  Chroma planes of 4:2:0 carry
 * the chroma rows of the band's luma rows: bands start on even rows (but
 * the last may have an odd count), plane_first_row = first_row / 2 and
 * plane_rows = the chroma rows up to the band's end (the last band also
 * takes the chroma row of an odd last luma row).
 *
 * Ownership: every pointer in the band (planes, info) is the library's and
 * valid only during the call that passes it; copy what you keep. */
typedef struct heic_rows_band {
  const heic_rows_info *info;
  uint32_t first_row;          /* luma row of the output */
  uint32_t rows;               /* luma rows in the band, >= 1 */
  const uint8_t *planes[4];
  size_t strides[4];           /* bytes from one row of a plane to the next */
  uint32_t plane_width[4];     /* samples per row (pixels for the interleaved plane) */
  uint32_t plane_first_row[4]; /* the band's first row within the whole plane */
  uint32_t plane_rows[4];      /* rows of the plane in this band */
} heic_rows_band;

/* Called once, before the first band, when the output is known (after the
 * first pictures are decoded).  Return non-zero to cancel. */
typedef int (*heic_rows_start_fn)(void *opaque, const heic_rows_info *info);
/* Called for each band in order, top to bottom, from the thread that called
 * heic_context_decode_item_rows().  Return non-zero to cancel. */
typedef int (*heic_rows_fn)(void *opaque, const heic_rows_band *band);

typedef struct heic_rows_sink {
  heic_rows_start_fn start; /* may be NULL */
  heic_rows_fn rows;        /* required */
  void *opaque;             /* passed to both */
} heic_rows_sink;

/* Decodes an image item like heic_context_decode_item() (same options,
 * opts may be NULL; progress is reported the same way, its total counting
 * tiles outside a clap that are skipped), handing the output to sink a
 * band at a time.  sink is borrowed for the call.
 *
 * HEIC_OK once every band was delivered.  A non-zero return from either
 * callback, or from the progress callback, stops the decode with
 * HEIC_ERR_CANCELLED.  Whatever the outcome, everything the decode
 * allocated is released before it returns.  A decode may fail after some
 * bands were delivered (a damaged tile further down): the caller then
 * discards what it received. */
HEIC_API HEIC_NODISCARD heic_status heic_context_decode_item_rows(heic_context *ctx, uint32_t item,
                                                                  const heic_decode_options *opts,
                                                                  const heic_rows_sink *sink);

#ifdef __cplusplus
}
#endif

#endif /* HEIC_STREAM_H */
