/*
 * libheic - HEIF/HEIC images in C.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The context: reads one HEIF file, describes its items and decodes them.
 *
 * A context is used from one thread at a time (it may use its own worker
 * threads inside a call).  Separate contexts are independent.
 * Every string and array a query returns is borrowed from the context and
 * stays valid until the context is freed or reads another file.
 */
#ifndef HEIC_CONTEXT_H
#define HEIC_CONTEXT_H

#include "heic_common.h"
#include "heic_image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct heic_context heic_context;

/* Security limits.  A value of 0 means "use the default" (in brackets).
 * Each bounds the memory or the work a file can cost, and an error caused by
 * one names it (e.g. "... (max_item_decodes)").  Counts and sizes are checked
 * before the work they bound is done: a plan of the whole derivation of an
 * image (tiles, layers, identity inputs, alpha) is made and checked before
 * its first picture is decoded. */
typedef struct heic_limits {
  uint64_t max_pixels;    /* width * height of any image, tile or canvas [2^28] */
  uint32_t max_items;     /* items in the file [10000] */
  uint32_t max_box_depth; /* nesting of boxes [16] */
  uint32_t max_tiles;     /* tiles of one grid, and coded pictures decoded
                             for one image in all [65536] */
  uint64_t max_memory;    /* bytes this context may have outstanding [2^32] */
  uint64_t max_file_size; /* bytes of input accepted [2^32] */
  uint32_t max_extents;   /* iloc extents of one item [32] */
  uint32_t max_overlay_layers; /* inputs of one overlay (iovl) image [256] */
  uint32_t max_item_decodes;   /* times one coded item may be decoded for one
                                  image (a grid naming one tile many times) [16] */
  uint32_t max_decode_ratio;   /* pixels decoded for one image, per pixel of the
                                  image, beyond an allowance of 2^24 [4] */
  uint32_t reserved[8];   /* zero */
} heic_limits;

typedef struct heic_context_config {
  /* Allocator for everything the context and its images allocate; NULL =
   * a private malloc-based one.  The context takes its own reference, so
   * the caller may release theirs at any time. */
  heic_allocator *allocator;
  /* NULL: messages are dropped.  May be called from the context's worker
   * threads while a grid is decoded or encoded: it must be thread-safe. */
  heic_log_fn log;
  void *log_opaque;
  heic_limits limits;
  int threads;           /* worker threads for grids; 0 = number of CPUs, 1 = none */
  uint32_t reserved[8];  /* zero */
} heic_context_config;

/* Fills *cfg with the defaults (all zero, i.e. default limits). */
HEIC_API void heic_context_config_init(heic_context_config *cfg);

/* cfg may be NULL.  On failure *out is NULL. */
HEIC_API HEIC_NODISCARD heic_status heic_context_new(heic_context **out,
                                                     const heic_context_config *cfg);
/* Releases everything the context owns.  Images it returned stay valid. */
HEIC_API void heic_context_free(heic_context **ctx);

/* Text describing the last failure of a call on ctx ("" when none).
 * Borrowed: valid until the next call on ctx. */
HEIC_API const char *heic_context_last_error(const heic_context *ctx);

/* Read a file / a memory block.  The memory is copied; the caller keeps it.
 * The structure is parsed and checked here; coded data is read at decode.
 * A file's boxes up to its trailing item data (mdat) are read into memory;
 * when that data is 1 MiB or more it stays in the file, which the context
 * keeps open (its own descriptor, closed by heic_context_free or the next
 * read) and reads as items are decoded (smaller files are read whole).  A
 * file must be a regular file and must not be changed while the context
 * uses it (data cut short then fails with HEIC_ERR_IO). */
HEIC_API HEIC_NODISCARD heic_status heic_context_read_file(heic_context *ctx, const char *path);
HEIC_API HEIC_NODISCARD heic_status heic_context_read_memory(heic_context *ctx, const void *data,
                                                             size_t size);

/* ---- brands ---- */
/* Four-character codes are written into char[5] buffers, NUL-terminated. */
HEIC_API void heic_context_major_brand(const heic_context *ctx, char out[5]);
HEIC_API uint32_t heic_context_minor_version(const heic_context *ctx);
HEIC_API uint32_t heic_context_brand_count(const heic_context *ctx);
HEIC_API void heic_context_brand(const heic_context *ctx, uint32_t index, char out[5]);

/* ---- items ---- */
HEIC_API uint32_t heic_context_item_count(const heic_context *ctx);
HEIC_API uint32_t heic_context_item_id(const heic_context *ctx, uint32_t index);
/* The image to show: the pitm item, or, when pitm names a thumbnail, the
 * image it is a thumbnail of (as libheif does).  0 when there is none. */
HEIC_API uint32_t heic_context_primary_item(const heic_context *ctx);
/* Top-level images: the primary item first (whatever else it is), then image
 * items that are not hidden and are not a tile, thumbnail or auxiliary
 * image of another item. */
HEIC_API uint32_t heic_context_top_level_count(const heic_context *ctx);
HEIC_API uint32_t heic_context_top_level_id(const heic_context *ctx, uint32_t index);

/* Strings in heic_item_info stay valid until the next item_info call on the
 * context (or until it is freed or reads another file). */
typedef struct heic_item_info {
  uint32_t id;
  char type[5];              /* "hvc1", "grid", "iovl", "iden", "Exif", "mime", ... */
  const char *name;          /* borrowed; "" when none */
  const char *content_type;  /* borrowed; mime items only, else "" */
  int hidden;
  int is_image;              /* a coded or derived image item */
  int is_primary;
  uint32_t width, height;    /* from ispe, 0 when absent */
  int bit_depth;             /* luma bits from pixi/hvcC (a grid's: its tiles'), 0 = unknown */
  heic_chroma chroma;        /* from hvcC (a grid's: its tiles'); valid when bit_depth != 0 */
  uint64_t data_size;        /* bytes of item data (sum of extents) */
  uint32_t alpha_item;       /* auxiliary alpha image of this item, 0 = none */
  uint32_t depth_item;       /* auxiliary depth image, 0 = none */
  uint32_t thumbnail_count;  /* items with a 'thmb' reference to this one */
  uint32_t thumbnail_of;     /* this item is a thumbnail of that one, 0 = not */
  uint32_t auxiliary_of;     /* this item is an auxiliary image of that one */
  const char *aux_type;      /* borrowed auxC URN, "" when none */
  int premultiplied;         /* a 'prem' reference points from this item */
  int decodable;             /* 0 when decoding is known to fail: checked like a
                                decode would be, but without decoding any
                                picture (every input exists and has readable
                                data, no reference cycle, every limit holds) */
  const char *why_not;       /* borrowed reason when !decodable, else "" */
  const char *data_error;    /* borrowed: why the item's data cannot be read
                                (extents past the end of the file, no iloc
                                entry for a coded image, ...); "" when it can
                                or the item needs none.  data_size is 0 then. */
  /* The size heic_context_decode_item gives the image, its transformations
   * applied (clean aperture, rotation, mirroring, in their order): what a
   * viewer shows, while width x height is the coded size (ispe).  0 x 0
   * when unknown (no ispe, a clean aperture outside the image). */
  uint32_t display_width, display_height;
  uint32_t reserved[6];
} heic_item_info;

HEIC_API HEIC_NODISCARD heic_status heic_context_item_info(const heic_context *ctx, uint32_t id,
                                                           heic_item_info *info);
/* Thumbnail item ids of an image (index < thumbnail_count). */
HEIC_API uint32_t heic_context_thumbnail_id(const heic_context *ctx, uint32_t item, uint32_t index);

/* Properties associated with an item, in ipma order.  describe writes a
 * one-line summary ("ispe 4032x3024", "colr nclx 1/13/6 full") into buf. */
HEIC_API uint32_t heic_context_property_count(const heic_context *ctx, uint32_t item);
HEIC_API HEIC_NODISCARD heic_status heic_context_property(const heic_context *ctx, uint32_t item,
                                                          uint32_t index, char type[5],
                                                          int *essential, char *describe,
                                                          size_t describe_size);

/* References from an item (iref), in file order.  Each has a type and a list
 * of target ids; *to is borrowed. */
HEIC_API uint32_t heic_context_reference_count(const heic_context *ctx, uint32_t item);
HEIC_API HEIC_NODISCARD heic_status heic_context_reference(const heic_context *ctx, uint32_t item,
                                                           uint32_t index, char type[5],
                                                           const uint32_t **to, uint32_t *count);

/* ---- metadata ---- */
/* Metadata items ('Exif', 'mime' XMP, ...) describing an image item (cdsc). */
HEIC_API uint32_t heic_context_metadata_count(const heic_context *ctx, uint32_t item);
HEIC_API uint32_t heic_context_metadata_id(const heic_context *ctx, uint32_t item, uint32_t index);
/* The whole payload of any non-image item (for Exif: as stored, starting with
 * the 4-byte TIFF header offset).  On success the caller owns one reference. */
HEIC_API HEIC_NODISCARD heic_status heic_context_item_data(heic_context *ctx, uint32_t item,
                                                           heic_buffer **out);
/* ICC profile (colr 'prof'/'rICC') of an image item, or of its first input
 * for a derived image that has none itself.  HEIC_ERR_NOT_FOUND if none;
 * on success the caller owns one reference. */
HEIC_API HEIC_NODISCARD heic_status heic_context_item_icc(heic_context *ctx, uint32_t item,
                                                          heic_buffer **out);
/* nclx colour of an image item or of its first input (HEIC_ERR_NOT_FOUND when
 * there is none: decoding then uses the HEVC stream's VUI). */
HEIC_API HEIC_NODISCARD heic_status heic_context_item_nclx(const heic_context *ctx, uint32_t item,
                                                           heic_nclx *out);
/* The colour the coded stream itself describes: the VUI of the SPS in the
 * item's hvcC (for a grid or identity item, its first input's), which is
 * what decoding uses when heic_context_item_nclx() finds no colr box.
 * HEIC_ERR_NOT_FOUND when the stream signals neither range nor colour
 * description (nor has an SPS to read); a stream that gives the range only
 * reports code points 2 (unspecified) for the rest. */
HEIC_API HEIC_NODISCARD heic_status heic_context_item_stream_nclx(const heic_context *ctx,
                                                                  uint32_t item, heic_nclx *out);
/* HDR metadata of an image item: its 'clli' and 'mdcv' properties (has_clli
 * and has_mdcv say which it has).  HEIC_ERR_NOT_FOUND when it has neither. */
HEIC_API HEIC_NODISCARD heic_status heic_context_item_hdr(const heic_context *ctx, uint32_t item,
                                                          heic_hdr *out);

/* ---- decoding ---- */

/* Progress of a decode, counted in coded pictures: `total` is the number of
 * coded pictures the image needs (its tiles, overlay layers, alpha, ...),
 * `done` how many have been decoded.  Called with done = 0 before the first
 * picture, after each picture, and once more at the end; at every level of a
 * derived image (the tiles of a grid inside a grid too).  It may be called
 * from the context's worker threads, but never by two threads at once.
 * Return non-zero to cancel: the decode then fails with HEIC_ERR_CANCELLED
 * as soon as the pictures in progress are done, having released everything. */
typedef int (*heic_progress_fn)(void *opaque, uint32_t done, uint32_t total);

/* How subsampled chroma is brought to full resolution for RGB output. */
typedef enum heic_upsampling {
  HEIC_UPSAMPLING_DEFAULT = 0, /* nearest: what libheif 1.15 does, so outputs agree */
  HEIC_UPSAMPLING_NEAREST = 1, /* replicate each chroma sample */
  HEIC_UPSAMPLING_BILINEAR = 2 /* interpolate between chroma sample sites */
} heic_upsampling;

typedef struct heic_decode_options {
  heic_layout layout;   /* HEIC_LAYOUT_RGB (default) or HEIC_LAYOUT_YCBCR */
  int no_transform;     /* 1: ignore clap/irot/imir */
  int no_alpha;         /* 1: do not attach the alpha plane */
  heic_upsampling upsampling;
  heic_progress_fn progress;
  void *progress_opaque;
  uint32_t reserved[8]; /* zero */
} heic_decode_options;

HEIC_API void heic_decode_options_init(heic_decode_options *opts);

/* Decodes an image item (coded, grid, overlay or identity-derived) with its
 * alpha and transformations.  opts may be NULL.  On success the caller owns
 * *out (heic_image_free); on failure *out is NULL and nothing is leaked. */
HEIC_API HEIC_NODISCARD heic_status heic_context_decode_item(heic_context *ctx, uint32_t item,
                                                             const heic_decode_options *opts,
                                                             heic_image **out);

#ifdef __cplusplus
}
#endif

#endif /* HEIC_CONTEXT_H */
