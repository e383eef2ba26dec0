/*
 * What the two encode paths share: the whole-image one (encode.c) and the
 * streaming one (encode_stream.c), so that both make the same decisions
 * and the same writer calls in the same order - which is what makes their
 * files byte-identical.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_ENCODE_INT_H
#define HEIC_ENCODE_INT_H

#include "context.h"
#include "heic/heic_encode.h"
#include "heic/heic_plugin.h"
#include "heif/heif_write.h"
#include "picture.h"

/* One coded picture as the plugin produced it: parameter sets kept apart
 * (they go to hvcC), every other NAL length-prefixed (4 bytes) in data.
 * Owns data and params (from mem); hx_coded_clear() frees them and zeroes
 * the struct (safe on a zeroed one). */
typedef struct hx_spool hx_spool;

typedef struct coded_image {
  hc_mem *mem;
  /* Set: the NALs that are not parameter sets go to the spool instead of
   * data, starting at spool_off (size counts them there). */
  hx_spool *spool;
  uint64_t spool_off;
  uint8_t *data;
  size_t size, cap;
  uint8_t *params;     /* parameter-set NALs, each as [4-byte length][bytes] */
  size_t params_size, params_cap;
  uint32_t width, height; /* coded (even) size */
} coded_image;

void hx_coded_clear(coded_image *c);
/* The sink of rule E3 (heic_plugin.h): copies the NAL into the
 * coded_image opaque (whose mem must be set) before returning. */
heic_status hx_coded_sink(void *opaque, const uint8_t *nal, size_t size);

/* A context's spool (ctx->enc_spool): the coded data of streamed images,
 * kept in an unnamed temporary file (in TMPDIR, else /tmp) from the encode
 * until the context is freed, so that a picture's coded bytes are not held
 * in memory until the file is written.  hx_spool_open() makes it (on
 * failure *out is NULL); append() adds bytes at its end (HEIC_ERR_IO when
 * the disk refuses); hx_spool_free() closes it (NULL is fine). */
heic_status hx_spool_open(hc_mem *mem, hx_spool **out, hc_err *err);
uint64_t hx_spool_size(const hx_spool *s);
heic_status hx_spool_append(hx_spool *s, const uint8_t *data, size_t n, hc_err *err);
void hx_spool_free(hx_spool **s);
/* Sets item id's payload to the size bytes of the spool at off, read when
 * the file is written. */
heic_status hx_spool_set_item(hx_spool *s, hf_writer *w, uint32_t id, uint64_t off, uint64_t size,
                              hc_err *err);

/* One encode call. */
typedef struct enc_job {
  heic_context *ctx;
  const heic_encode_options *opts;
  const heic_encoder_plugin *plugin;
  hf_writer *w;
  int depth;            /* 8 or 10: what the picture is coded at */
} enc_job;

/* What the decisions are taken from. */
typedef struct hx_enc_input {
  int rgb;              /* 1: RGB samples; 0: YCbCr */
  uint32_t width, height;
  int bit_depth;
  heic_nclx nclx;
  /* *grey = 1 when every pixel has R = G = B; asked only for RGB input
   * when the plugin codes 4:0:0 and the chroma asked for is 4:2:0 (or
   * lossless). */
  heic_status (*is_grey)(void *opaque, int *grey, hc_err *err);
  void *opaque;
} hx_enc_input;

/* Everything decided before a sample is converted. */
typedef struct hx_enc_plan {
  enc_job job;
  heic_nclx nclx;       /* the colour written (its matrix converts RGB) */
  heic_chroma chroma;   /* of the coded colour picture (RGB input) */
  int mono_ok;          /* the plugin codes 4:0:0 */
  int grey_rgb;         /* RGB input coded as its luma alone */
  int nclx_box;         /* a colr nclx box is written */
} hx_enc_plan;

/* Checks opts against the input and the context's limits, makes the
 * context's writer if it has none, and decides the coded format. */
heic_status hx_enc_plan_make(heic_context *ctx, const hx_enc_input *in, const heic_encode_options *opts,
                             hx_enc_plan *plan, hc_err *err);

/* The items of one encoded image, added in this order: the colour image
 * (add_colour: coded now or before), its ICC, HDR and orientation; the
 * alpha image (add_alpha, NULL: none) with its references; the thumbnail
 * (thumb, coded here; NULL or empty: none); Exif, XMP; the primary; the
 * final progress call. */
typedef struct hx_enc_items {
  heic_status (*add_colour)(void *opaque, uint32_t *id, hc_err *err);
  heic_status (*add_alpha)(void *opaque, uint32_t *id, hc_err *err);
  void *opaque;
  const hx_picture *thumb;  /* YCbCr, the size it is coded at */
  heic_hdr hdr;
  int premultiplied;
  heic_chroma chroma;       /* of the coded colour picture */
} hx_enc_items;

heic_status hx_enc_add_items(const hx_enc_plan *plan, const hx_enc_items *items, uint32_t *item_id,
                             hc_err *err);

/* One public encode call, whatever its input: checks the context (no file
 * read into it, no earlier failed encode), defaults the options, runs body
 * and poisons the output when body fails with items half in the writer.
 * have_input 0 fails with "no <missing>".  Returns the call's status, as
 * hx_ctx_result() reports it. */
typedef heic_status (*hx_enc_body)(heic_context *ctx, const heic_encode_options *opts,
                                   uint32_t *item_id, hc_err *err, void *arg);
heic_status hx_enc_call(heic_context *ctx, int have_input, const char *missing,
                        const heic_encode_options *opts, uint32_t *item_id, hx_enc_body body,
                        void *arg);

/* The colour description written for alpha images (full range). */
extern const heic_nclx hx_alpha_nclx;

/* The context's thread pool, made on first use when it has more than one thread. */
heic_status hx_enc_context_pool(heic_context *ctx, hc_err *err);
/* The tile size (a multiple of 8) of the grid a w x h picture is coded as
 * under opts, or 0 when it is coded as one image. */
uint32_t hx_enc_grid_tile(const heic_encode_options *opts, uint32_t w, uint32_t h);

/* A plugin instance for one picture, parameters and colour set; *host
 * (filled here) must outlive it.  On failure nothing is open. */
heic_status hx_enc_open(const enc_job *job, const heic_nclx *nclx, int threads, heic_plugin_host *host,
                        void **state, hc_err *err);
/* After the instance is closed: checks out and reads the coded size back
 * from its SPS; on failure *out is cleared. */
heic_status hx_enc_check_coded(const enc_job *job, uint32_t width, uint32_t height, coded_image *out,
                               hc_err *err);

/* Writer items for coded pictures: a single image item (with clap when
 * with_clap and exact differs from the coded size), a hidden tile, the
 * grid over tiles added before.  box: the colr nclx to add, or NULL. */
heic_status hx_enc_add_single(const enc_job *job, const coded_image *c, uint32_t exact_w, uint32_t exact_h,
                              int channels, const heic_nclx *box, int with_clap, uint32_t *id, hc_err *err);
heic_status hx_enc_add_tile(const enc_job *job, const coded_image *c, int channels, const heic_nclx *box,
                            uint32_t *tid, hc_err *err);
heic_status hx_enc_add_grid(const enc_job *job, const uint32_t *tile_ids, uint32_t cols, uint32_t rows,
                            uint32_t exact_w, uint32_t exact_h, int channels, const heic_nclx *box,
                            uint32_t *id, hc_err *err);

/* Pads pic to the sizes chroma format `like` codes (even width for 4:2:0
 * and 4:2:2, even height for 4:2:0) by repeating the last column / row. */
heic_status hx_enc_pad_as(hx_picture *pic, heic_chroma like, hc_err *err);
heic_status hx_enc_make_even(hx_picture *pic, hc_err *err);

/* Thumbnail by area averaging, fed the source's rows in order. */
typedef struct hx_thumb {
  hc_mem *mem;          /* NULL: nothing held */
  uint32_t w, h;        /* source */
  uint32_t y, oy;       /* source rows fed, output rows done */
  uint32_t *span;
  uint64_t *sums;
  hx_picture out;       /* RGB 4:4:4 at the source depth; complete after h rows */
} hx_thumb;

heic_status hx_thumb_begin(hx_thumb *t, hc_mem *mem, uint32_t w, uint32_t h, int depth, uint32_t max_side,
                           hc_err *err);
void hx_thumb_row(hx_thumb *t, const uint16_t *r, const uint16_t *g, const uint16_t *b);
void hx_thumb_clear(hx_thumb *t);

#endif
