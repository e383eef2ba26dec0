/*
 * libheic - HEIF/HEIC images in C.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Encoding: images in, a HEIF file out.
 *
 *   heic_image_new(&img, alloc, w, h, HEIC_LAYOUT_RGB, ...);   fill its plane
 *   heic_context_new(&ctx, &cfg);
 *   heic_encode_options_init(&opts);  opts.quality = 75;
 *   heic_context_encode_image(ctx, img, &opts, &item);        (encodes now)
 *   heic_context_write_file(ctx, "out.heic");                 (never seen partial)
 *
 * A context used for encoding holds the coded items until it is written or
 * freed; it does not also read a file.
 */
#ifndef HEIC_ENCODE_H
#define HEIC_ENCODE_H

#include "heic_common.h"
#include "heic_context.h"
#include "heic_image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- input images ---- */

/* A writable image for encoding: interleaved RGB[A] (components 3 or 4) or
 * planar YCbCr[+alpha] with the given chroma.  bit_depth 8 (uint8_t
 * samples) or 9..16 (uint16_t samples holding 0 .. 2^depth - 1).  Planes are
 * zeroed.  The image takes a reference to alloc (NULL: a private one).  On
 * failure *out is NULL. */
HEIC_API HEIC_NODISCARD heic_status heic_image_new(heic_image **out, heic_allocator *alloc,
                                                   uint32_t width, uint32_t height,
                                                   heic_layout layout, heic_chroma chroma,
                                                   int bit_depth, int has_alpha);
/* heic_image_new() without zeroing the planes, for a caller that writes
 * every sample before encoding: a large image's memory is then taken as it
 * is filled rather than all at once by the zeroing (which, next to the
 * decoded file it is filled from, doubles the peak). */
HEIC_API HEIC_NODISCARD heic_status heic_image_new_uninit(heic_image **out, heic_allocator *alloc,
                                                          uint32_t width, uint32_t height,
                                                          heic_layout layout, heic_chroma chroma,
                                                          int bit_depth, int has_alpha);
/* Writable view of a plane of an image made by heic_image_new[_uninit] (borrowed; NULL
 * for decoded images, which are immutable, or a missing plane). */
HEIC_API uint8_t *heic_image_plane_mut(heic_image *img, heic_plane_id plane, size_t *stride);
/* Colour description of the samples (for YCbCr input: how they were made;
 * for RGB input: the nclx to write, default sRGB 1/13/6 full). */
HEIC_API void heic_image_set_nclx(heic_image *img, const heic_nclx *nclx);
HEIC_API void heic_image_set_premultiplied(heic_image *img, int premultiplied);
/* HDR metadata to store with the image ('clli' and/or 'mdcv' properties, as
 * has_clli / has_mdcv say); NULL: none.  Copied. */
HEIC_API void heic_image_set_hdr(heic_image *img, const heic_hdr *hdr);

/* ---- options ---- */

typedef struct heic_encode_options {
  const char *encoder;   /* plugin name; NULL = "builtin" (libheic's own HEVC encoder) */
  int quality;           /* 0..100, mapped to the encoder's QP; default 50 */
  /* 1: lossless, where the plugin supports it (HEIC_ERR_UNSUPPORTED if not).
   * RGB input is then coded as GBR (identity matrix) at 4:4:4.  Samples
   * deeper than the coded bit depth (at most 12) cannot be lossless:
   * HEIC_ERR_UNSUPPORTED. */
  int lossless;
  /* For RGB input: 4:2:0 (default), 4:2:2 or 4:4:4, as far as the plugin can
   * code it (the builtin encoder: 4:2:0).  YCbCr input keeps its own. */
  heic_chroma chroma;
  /* RGB -> YCbCr matrix written in nclx: 0 = default (BT.601 full range for
   * sRGB input, as libheif does; identity when lossless), else an
   * ISO/IEC 23091-2 matrix code (1, 5, 6, 9). */
  int matrix_coefficients;
  /* Plugin parameters as "name=value" strings, NULL-terminated; borrowed for
   * the call.  Unknown names fail with HEIC_ERR_NOT_FOUND. */
  const char *const *params;
  uint32_t thumbnail_size; /* longest side of a thumbnail; 0 = no thumbnail */
  uint32_t tile_size;      /* images larger than this in either dimension are
                              written as a grid of tile_size tiles; 0: images
                              larger than 4096 become a grid of 1024 tiles */
  int no_grid;             /* 1: never use a grid */
  int no_alpha;            /* 1: drop the input's alpha */
  /* EXIF orientation (1..8) of the input pixels: written as irot/imir so a
   * reader shows the image upright while the pixels stay as they are
   * (what Apple's cameras do).  0 or 1 = none. */
  int orientation;
  /* Metadata to store with the image (borrowed for the call; copied). */
  const uint8_t *exif; size_t exif_size; /* TIFF header onward ("II*\0"/"MM\0*") */
  const uint8_t *xmp;  size_t xmp_size;
  const uint8_t *icc;  size_t icc_size;
  heic_progress_fn progress;
  void *progress_opaque;
  /* Where the colour description (nclx) goes.  It is always stated in the
   * coded image (the HEVC VUI).  HEIC_NCLX_AUTO (0, the default): a colr
   * nclx box only when it says more than what readers assume without one
   * - sRGB primaries and transfer, a BT.601 matrix, full range (1/13/6 or
   * 1/13/5, full) - or when an ICC profile is stored too; a box that only
   * repeats the default makes some readers (libvips 8.14) warn that they
   * ignore it, and libheif's own encoder leaves it out likewise.
   * HEIC_NCLX_ALWAYS: the box in every case. */
  int nclx_box;
  /* Bits per sample of the coded image: 8, 10 or 12 where the plugin codes
   * it; 0 (the default) = 8 for 8-bit input, 10 for deeper input.  Input
   * deeper than asked is rounded, shallower scaled up. */
  int bit_depth;
  uint32_t reserved[6];
} heic_encode_options;

enum { HEIC_NCLX_AUTO = 0, HEIC_NCLX_ALWAYS = 1 };

HEIC_API void heic_encode_options_init(heic_encode_options *opts);

/* Encodes img (alpha, thumbnail and metadata as opts say) into the context's
 * output; the first image encoded becomes the primary.  img is borrowed for
 * the call.  *item_id (may be NULL) receives the new image item's id.  On
 * failure (including cancellation) part of the image may already be in the
 * output, so the context refuses from then on: later encodes and writes
 * return the same error, and nothing incomplete can be written.  Free it. */
HEIC_API HEIC_NODISCARD heic_status heic_context_encode_image(heic_context *ctx, const heic_image *img,
                                                              const heic_encode_options *opts,
                                                              uint32_t *item_id);

/* heic_context_encode_image() taking ownership of *img: the image is freed
 * as soon as its samples have been converted for the encoder - before the
 * coding, which then does not hold the caller's image beside its own
 * planes - and *img is NULL on return, whatever the result.  For callers
 * that make an image only to encode it. */
HEIC_API HEIC_NODISCARD heic_status heic_context_encode_image_consume(heic_context *ctx,
                                                                      heic_image **img,
                                                                      const heic_encode_options *opts,
                                                                      uint32_t *item_id);

/* ---- streaming input: the image a band of rows at a time ---- */

/* Where heic_context_encode_rows() takes an RGB[A] image from, top to
 * bottom, so that neither the caller nor the library ever holds it whole.
 * Samples are interleaved R, G, B (and A when has_alpha): uint8_t for
 * bit_depth 8, native-endian uint16_t holding 0 .. 2^bit_depth - 1 for 9..16. */
typedef struct heic_row_source {
  uint32_t width, height;
  int bit_depth;          /* 8..16 */
  int has_alpha;          /* 1: four samples per pixel, the fourth alpha */
  int alpha_premultiplied;
  /* Colour of the samples, as heic_image_set_nclx() says; all zero: sRGB
   * (1/13/6, full range), what a heic_image starts with. */
  heic_nclx nclx;
  /* HDR metadata, as heic_image_set_hdr() (copied). */
  heic_hdr hdr;
  /* 1: the caller knows that every pixel has R = G = B (a grey PNG or
   * JPEG).  0: unknown - heic_context_encode_image() codes grey RGB as
   * luma alone (4:0:0), so to make the same file the library first reads
   * the rows until a pixel that is not grey (for a colour photo, the first
   * row or so), then rewinds; without rewind, the image is coded as colour. */
  int grey;
  /* Fills rows [y, y + count) into rows, row i at rows + i * stride bytes.
   * Called with y = 0 first and then each next band in order (count is
   * the library's choice, at most 256), each row once per pass.  Return
   * HEIC_OK, or any other status to stop the encode with it (for
   * example HEIC_ERR_IO with a message in opaque's own state). */
  heic_status (*read)(void *opaque, uint32_t y, uint32_t count, uint8_t *rows, size_t stride);
  /* May be NULL.  Starts a new pass: the next read is from row 0. */
  heic_status (*rewind)(void *opaque);
  void *opaque;           /* borrowed for the call */
  uint32_t reserved[8];
} heic_row_source;

/* heic_context_encode_image() for an image read through src a band of rows
 * at a time: the same file, byte for byte, as encoding the whole image with
 * the same options (tests/test_encode_rows.c), with memory that follows the
 * image's width instead of its area.  The picture is converted and coded
 * band by band; a grid's tiles of one row of tiles advance together; the
 * thumbnail is averaged from the rows as they pass and alpha is coded from
 * the same rows as its own image.  What is held: a band of rows and its
 * conversion, each encoder's window of a few CTU rows (one encoder per
 * tile of the current row of tiles, or one for a picture that is no grid,
 * and as many again for alpha) and the parameter sets.  The coded slices
 * go, as each tile ends, to an unnamed temporary file in TMPDIR (else
 * /tmp) that the context holds until it is freed, and are read back when
 * the file is written: a streamed encode needs disk space there for its
 * output (HEIC_ERR_IO when it has none).  Limits: max_pixels applies to the
 * image as in heic_context_encode_image(); max_memory to what the context
 * allocates, which here is that working set rather than the picture.
 * Progress: opts->progress is called before each band with (rows done,
 * height); returning non-zero cancels (HEIC_ERR_CANCELLED), and a failed
 * read stops the encode with its status.  Only with encoders that take
 * bands (heic_plugin.h API version 4: the builtin one); with another,
 * HEIC_ERR_UNSUPPORTED before any row is read.  src is borrowed for the call; the context follows the rules of
 * heic_context_encode_image() on failure (refuses from then on). */
HEIC_API HEIC_NODISCARD heic_status heic_context_encode_rows(heic_context *ctx, const heic_row_source *src,
                                                             const heic_encode_options *opts,
                                                             uint32_t *item_id);

/* Writes the encoded file.  To a file: path is never seen partial.  The
 * data goes to an unnamed file in path's directory (Linux O_TMPFILE; where
 * that is unsupported, a hidden temporary ".<name>.tmp-<pid>-<n>"), which is
 * fsync'd and only then linked or renamed to path, and the directory is
 * fsync'd.  Whatever happens, even SIGKILL at any instant, path is either
 * as it was or the complete new file.  On failure nothing is left and an
 * existing path is untouched (except that a failing fsync of the directory
 * is reported after the file is in place).  A process killed while
 * replacing an existing path (between two system calls), or in the
 * fallback mode, can leave the hidden temporary: the next write to the same
 * path removes it.  A path that exists and is not a regular file (a
 * device, a FIFO) is written directly; a symbolic link is replaced, not
 * followed.  To memory: on success the caller owns one reference to *out. */
HEIC_API HEIC_NODISCARD heic_status heic_context_write_file(heic_context *ctx, const char *path);
HEIC_API HEIC_NODISCARD heic_status heic_context_write_memory(heic_context *ctx, heic_buffer **out);

/* ---- encoder plugins ---- */

/* Number of encoder plugins built in and the name / description of each
 * (static strings); NULL past the end. */
HEIC_API uint32_t heic_encoder_count(void);
HEIC_API const char *heic_encoder_name(uint32_t index);
HEIC_API const char *heic_encoder_description(uint32_t index);
/* Parameters of an encoder: fills the fields of the index-th parameter
 * (strings static).  HEIC_ERR_NOT_FOUND past the end or for an unknown encoder. */
HEIC_API HEIC_NODISCARD heic_status heic_encoder_param(const char *encoder, uint32_t index,
                                                       const char **name, const char **type,
                                                       const char **default_value, const char **help);

#ifdef __cplusplus
}
#endif

#endif /* HEIC_ENCODE_H */
