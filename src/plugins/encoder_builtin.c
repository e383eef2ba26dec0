/*
 * The "builtin" encoder plugin: libheic's own HEVC encoder (src/hevc) behind
 * the encoder plugin interface.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Ownership, following rules E1-E4 of heic/heic_plugin.h:
 *  - open() allocates the state block and nothing else; the HEVC encoder is
 *    created inside encode() and freed before encode() returns, so between
 *    calls the state holds only settings.  close() frees the state and drops
 *    the state's reference to its allocator (E1).
 *  - Every byte comes from one heic_allocator: a private one made by open(),
 *    or the caller's through hp_builtin_open_with_allocator() - which is how
 *    the library charges the encoder to a context and how tests inject
 *    allocation failures into it.
 *  - hevc_encoder_encode() hands us the NAL units as refcounted heic_buffers
 *    that we own.  Each is passed to the sink while we still hold it, and
 *    every one of them is released before encode() returns, whether the
 *    encoder, the sink or nothing failed (E3): the caller can never be left
 *    holding, or forget, a chunk of coded data.
 *
 * Picture contract: 4:2:0, 4:2:2, 4:4:4 or 4:0:0 (monochrome: planes[1],
 * planes[2] are not read), 8, 10 or 12 bits (luma and chroma alike), 1x1 ..
 * 16384x16384, lossy or lossless ("lossless": transquant bypass in every
 * CU, so the decoded picture is the input; lossless RGB is 4:4:4 GBR to
 * the hosts).  Odd 4:2:0 sizes are coded padded to even by the HEVC encoder
 * (4:2:0 cannot crop an odd column), so the decoded size is the input size
 * rounded up to even and the container crops the rest (clap); odd 4:2:2
 * widths likewise; 4:4:4 and 4:0:0 are coded at their exact size.  The
 * "chroma" parameter, when set, must match the picture.
 */
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "hevc/hevc_encoder.h"
#include "plugins/encoder_registry.h"

#define BUILTIN_NAME "builtin"
#define BUILTIN_MAX_SIZE 16384u /* what src/hevc accepts */

typedef enum be_param {
  BP_QUALITY = 0,
  BP_LOSSLESS,
  BP_PRESET,
  BP_CHROMA,
  BP_QP,
  BP_SAO,
  BP_DEBLOCK,
  BP_CHROMA_QP_OFFSET,
  BP_PICTURE_HASH,
  BP_THREADS,
  BP_COUNT
} be_param;

typedef enum be_preset { PRESET_ULTRAFAST = 0, PRESET_FAST, PRESET_MEDIUM, PRESET_SLOW, PRESET_VERYSLOW } be_preset;

static const char *const k_presets[] = {
  [PRESET_ULTRAFAST] = "ultrafast", [PRESET_FAST] = "fast", [PRESET_MEDIUM] = "medium", [PRESET_SLOW] = "slow",
  [PRESET_VERYSLOW] = "veryslow", NULL};
static const char *const k_chromas[] = {"420", "400", "422", "444", NULL};
static const heic_chroma k_chroma_values[] = {HEIC_CHROMA_420, HEIC_CHROMA_400, HEIC_CHROMA_422,
                                              HEIC_CHROMA_444};

static const heic_param_info k_params[BP_COUNT] = {
  [BP_QUALITY] = {"quality", HEIC_PARAM_INT, 0, 100, "50", NULL,
                  "0 (smallest) .. 100 (best); mapped to QP, 50 -> 26, 90 -> 9"},
  [BP_LOSSLESS] = {"lossless", HEIC_PARAM_BOOL, 0, 1, "0", NULL,
                   "mathematically lossless (transquant bypass; RGB as 4:4:4 GBR); "
                   "overrides quality and qp"},
  [BP_PRESET] = {"preset", HEIC_PARAM_CHOICE, 0, 0, "medium", k_presets,
                 "speed / compression trade-off of the mode search"},
  [BP_CHROMA] = {"chroma", HEIC_PARAM_CHOICE, 0, 0, "420", k_chromas,
                 "coded chroma format, 4:2:0, 4:0:0 (monochrome), 4:2:2 or 4:4:4; when set, the "
                 "picture must be in it"},
  [BP_QP] = {"qp", HEIC_PARAM_INT, -1, 51, "-1", NULL,
             "quantisation parameter 0..51, overrides quality; -1: from quality"},
  [BP_SAO] = {"sao", HEIC_PARAM_BOOL, 0, 1, "1", NULL, "sample adaptive offset filter"},
  [BP_DEBLOCK] = {"deblock", HEIC_PARAM_BOOL, 0, 1, "1", NULL, "in-loop deblocking filter"},
  [BP_CHROMA_QP_OFFSET] = {"chroma-qp-offset", HEIC_PARAM_INT, -12, 12, "-3", NULL,
                           "QP of Cb and Cr relative to luma (negative: finer chroma); unset: -3 "
                           "in 4:2:0, 0 in 4:2:2, 6 in 4:4:4, 0 for RGB coded as GBR (matrix 0)"},
  [BP_PICTURE_HASH] = {"picture-hash", HEIC_PARAM_BOOL, 0, 1, "0", NULL,
                       "MD5 picture hash SEI, for decoders to verify (58 bytes a picture)"},
  [BP_THREADS] = {"threads", HEIC_PARAM_INT, 0, 1024, "0", NULL,
                  "most threads coding a picture (0: what the host lends, else one per CPU); "
                  "never changes the output"},
};

typedef struct be_state {
  heic_allocator *alloc;        /* the state's own reference */
  hc_mem mem;                   /* account on alloc for the HEVC encoder */
  const heic_plugin_host *host; /* borrowed until close(); may be NULL */
  int quality, qp, sao, deblock, chroma_qp_offset, picture_hash, threads;
  int chroma_qp_offset_set;     /* "chroma-qp-offset" was set: it holds for every format */
  int lossless;
  int chroma, chroma_set;       /* index into k_chromas; "chroma" was set */
  be_preset preset;
  int has_colour;               /* set_colour() was called: the SPS gets a VUI */
  heic_nclx colour;
  int used;                     /* encode() was called (at most once per open) */
  hevc_encoder *stream;         /* encode_begin() .. encode_end(): the picture in progress */
  int stream_failed;            /* an encode_rows() failed: only close() is left */
} be_state;

/* quality -> QP.  Knots every 10 quality steps, linear in between:
 *
 *   quality  0  10  20  30  40  50  60  70  80  90  100
 *   QP      51  45  40  35  30  26  22  18  13   9    0
 *
 * Roughly 0.45 QP per step from 0 to 90 (QP 6 doubles the step size, so that
 * is about one size-halving per 13 quality steps), then a steep last decile
 * so that 100 reaches QP 0 (the finest quantiser, still lossy: lossless is
 * the "lossless" parameter).  Anchors chosen by the project: 50 ~ QP 26,
 * 75 ~ QP 15-16 (where 4:2:0 itself, not the quantiser, limits the RGB PSNR
 * of saturated photos to about 38 dB), 90 ~ QP 9.
 *
 * Against libheif: its x265 plugin (and ours, see encoder_x265.c) reads
 * quality as CRF = (100 - quality) / 2, and on one intra picture x265's rate
 * control lands on an average QP of CRF - 2 .. CRF - 7 depending on the
 * content, so this table is coarser at the same number.  Measured on two
 * corpus photos (Y4M, 4:2:0; x265 3.5 preset slow, tune ssim, as libheif):
 *
 *   quality        builtin (QP)            x265 (average QP)
 *   storm 1000x666
 *     30           931 B, 45.4 dB (37)     2.1 KB, 47.2 dB (27.9)
 *     50           2.0 KB, 47.6 dB (28)    9.9 KB, 48.7 dB (17.6)
 *     75           11.6 KB, 49.0 dB (18)   215 KB, 58.1 dB (4.6)
 *   path 1280x720
 *     30           44 KB, 31.3 dB (37)     67 KB, 34.1 dB (33.2)
 *     50           130 KB, 39.4 dB (28)    172 KB, 43.2 dB (23.2)
 *     75           237 KB, 48.1 dB (18)    339 KB, 53.0 dB (10.2)
 *
 * i.e. builtin -q N is roughly x265 -q (N - 15..25); a table matching
 * libheif would be about QP = 45 - quality / 2 (clamped at 0). */
static const uint8_t k_quality_qp[11] = {51, 45, 40, 35, 30, 26, 22, 18, 13, 9, 0};

int hp_builtin_quality_to_qp(int quality) {
  if (quality <= 0) return k_quality_qp[0];
  if (quality >= 100) return k_quality_qp[10];
  int i = quality / 10, f = quality % 10;
  int a = k_quality_qp[i], b = k_quality_qp[i + 1];
  /* Round half away from a, toward the finer QP: integer only, so the
   * mapping is the same on every platform. */
  return a - ((a - b) * f + 5) / 10;
}

static const heic_param_info *be_param_info(uint32_t index) {
  return index < BP_COUNT ? &k_params[index] : NULL;
}

static void be_close(void **state) {
  if (!state || !*state) return;
  be_state *s = *state;
  heic_allocator *alloc = s->alloc;
  hevc_encoder_free(&s->stream); /* a streamed picture given up */
  hc_allocator_free(alloc, s);
  hc_allocator_unref(alloc);
  *state = NULL;
}

heic_status hp_builtin_open_with_allocator(void **state, const heic_plugin_host *host,
                                           heic_allocator *alloc) {
  if (!state || !alloc) return HEIC_ERR_INVALID_ARGUMENT;
  *state = NULL;
  /* The state block comes from the allocator itself (not from an hc_mem
   * inside it), so this first allocation is counted and can be failed like
   * every later one. */
  be_state *s = hc_allocator_malloc(alloc, sizeof(*s));
  if (!s) {
    hp_plugin_logf(host, HEIC_LOG_ERROR, BUILTIN_NAME ": out of memory");
    return HEIC_ERR_OUT_OF_MEMORY;
  }
  memset(s, 0, sizeof(*s));
  s->alloc = hc_allocator_ref(alloc);
  hc_mem_init(&s->mem, alloc, 0);
  s->host = host;
  s->quality = 50;
  s->qp = -1;
  s->sao = 1;
  s->deblock = 1;
  s->picture_hash = 0;
  /* -3, not hevc-enc's 0: a HEIC is mostly shown as RGB, where an error in
   * Cb or Cr (each covering 4 pixels in 4:2:0, entering R, G, B with gains
   * up to 1.77) weighs more than one in Y.  Chosen on the ten bench photos
   * by the mean of the BD-rates on RGB PSNR and on SSIM of the luma, which
   * the eye resolves finer than colour: against -6 (the old default, best
   * on RGB PSNR alone), -4 gives +0.8 % / -5.7 %, -3 +2.2 % / -7.8 % and
   * 0 +8.0 % / -11.7 % (docs/benchmarks.md, "Chroma QP offset"). */
  s->chroma_qp_offset = -3;
  s->preset = PRESET_MEDIUM;
  *state = s;
  return HEIC_OK;
}

static heic_status be_open(void **state, const heic_plugin_host *host) {
  if (!state) return HEIC_ERR_INVALID_ARGUMENT;
  *state = NULL;
  /* The host's allocator when it lends one (the library does: the encoder
   * is then charged to the context, and fault injection reaches it);
   * otherwise a private one that the state keeps alive until close(). */
  if (host && host->allocator) return hp_builtin_open_with_allocator(state, host, host->allocator);
  heic_allocator *alloc = NULL;
  heic_status st = heic_allocator_new(&alloc, NULL);
  if (st != HEIC_OK) {
    hp_plugin_logf(host, HEIC_LOG_ERROR, BUILTIN_NAME ": out of memory");
    return st;
  }
  st = hp_builtin_open_with_allocator(state, host, alloc);
  heic_allocator_free(&alloc); /* the state holds its own reference (or none) */
  return st;
}

static heic_status be_set_param(void *state, const char *name, const char *value) {
  be_state *s = state;
  if (!s || !name || !value) return HEIC_ERR_INVALID_ARGUMENT;
  if (s->used) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   BUILTIN_NAME ": parameter '%s' set after encode(); parameters apply to "
                   "the one picture an instance encodes",
                   name);
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  const heic_param_info *info = hp_param_lookup(be_param_info, name);
  if (!info) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": unknown parameter '%s'", name);
    return HEIC_ERR_NOT_FOUND;
  }
  be_param id = (be_param)(info - k_params);
  int v = 0;
  heic_status st = hp_param_parse(s->host, BUILTIN_NAME, info, value, &v);
  if (st != HEIC_OK) return st;
  switch (id) {
    case BP_QUALITY: s->quality = v; break;
    case BP_LOSSLESS: s->lossless = v; break;
    case BP_PRESET: s->preset = (be_preset)v; break;
    case BP_CHROMA:
      s->chroma = v;
      s->chroma_set = 1;
      break;
    case BP_QP: s->qp = v; break;
    case BP_SAO: s->sao = v; break;
    case BP_DEBLOCK: s->deblock = v; break;
    case BP_CHROMA_QP_OFFSET:
      s->chroma_qp_offset = v;
      s->chroma_qp_offset_set = 1;
      break;
    case BP_PICTURE_HASH: s->picture_hash = v; break;
    case BP_THREADS: s->threads = v; break;
    case BP_COUNT: return HEIC_ERR_INTERNAL;
  }
  return HEIC_OK;
}

/* What this encoder can take; the geometry and sample range checks shared
 * by every encoder follow in hp_check_picture(), so that a host bug is
 * reported here instead of becoming an out-of-bounds read in the encoder. */
static heic_status be_check_picture(const be_state *s, const heic_plugin_picture *pic) {
  if (pic->chroma != HEIC_CHROMA_420 && pic->chroma != HEIC_CHROMA_400 &&
      pic->chroma != HEIC_CHROMA_422 && pic->chroma != HEIC_CHROMA_444) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": chroma format %d is not supported",
                   (int)pic->chroma);
    return HEIC_ERR_UNSUPPORTED;
  }
  /* an explicit "chroma" that disagrees with the picture: the host and the
   * caller disagree about what is coded */
  if (s->chroma_set && pic->chroma != k_chroma_values[s->chroma]) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": the picture is %s but chroma=%s was set",
                   hp_chroma_name(pic->chroma), k_chromas[s->chroma]);
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  /* (4:0:0 has no chroma: its chroma depth is not looked at) */
  int mono = pic->chroma == HEIC_CHROMA_400;
  if ((!mono && pic->bit_depth_luma != pic->bit_depth_chroma) ||
      (pic->bit_depth_luma != 8 && pic->bit_depth_luma != 10 && pic->bit_depth_luma != 12)) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   BUILTIN_NAME ": bit depth %d/%d (luma/chroma) is not supported (8, 10 or 12 "
                   "bits, the same for luma and chroma)",
                   pic->bit_depth_luma, pic->bit_depth_chroma);
    return HEIC_ERR_UNSUPPORTED;
  }
  if (pic->width > BUILTIN_MAX_SIZE || pic->height > BUILTIN_MAX_SIZE) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": picture size %ux%u exceeds %ux%u",
                   pic->width, pic->height, BUILTIN_MAX_SIZE, BUILTIN_MAX_SIZE);
    return HEIC_ERR_LIMIT_EXCEEDED;
  }
  return hp_check_picture(s->host, BUILTIN_NAME, pic);
}

static void be_config(const be_state *s, const heic_plugin_picture *pic, hevc_enc_config *cfg) {
  hevc_enc_config_default(cfg);
  cfg->bit_depth = pic->bit_depth_luma;
  cfg->chroma_format = pic->chroma == HEIC_CHROMA_400   ? HEVC_CHROMA_400
                       : pic->chroma == HEIC_CHROMA_422 ? HEVC_CHROMA_422
                       : pic->chroma == HEIC_CHROMA_444 ? HEVC_CHROMA_444
                                                        : HEVC_CHROMA_420;
  cfg->lossless = s->lossless;
  cfg->qp = s->qp >= 0 ? s->qp : hp_builtin_quality_to_qp(s->quality);
  cfg->sao = s->sao;
  cfg->deblocking = s->deblock;
  static const hevc_enc_preset presets[] = {[PRESET_ULTRAFAST] = HEVC_PRESET_ULTRAFAST,
                                            [PRESET_FAST] = HEVC_PRESET_FAST,
                                            [PRESET_MEDIUM] = HEVC_PRESET_MEDIUM,
                                            [PRESET_SLOW] = HEVC_PRESET_SLOW,
                                            [PRESET_VERYSLOW] = HEVC_PRESET_VERYSLOW};
  (void)hevc_enc_config_preset(cfg, presets[s->preset]);
  cfg->chroma_qp_offset = s->chroma_qp_offset;
  if (!s->chroma_qp_offset_set) {
    /* The default by format, each chosen as -3 was for 4:2:0 (the mean of
     * the BD-rates on RGB PSNR and on SSIM-Y after the round trip, against
     * libheif's heif-enc with x265 in the same format; docs/benchmarks.md,
     * "4:2:2 and 4:4:4"): a chroma plane of as many samples as luma needs
     * no finer quantiser (x265 codes 4:4:4 at +6 too).  Coded as GBR
     * (matrix 0), the "chroma" planes are blue and red, as important as
     * green: no offset. */
    if (s->has_colour && s->colour.matrix_coefficients == 0)
      cfg->chroma_qp_offset = 0;
    else if (cfg->chroma_format == HEVC_CHROMA_422)
      cfg->chroma_qp_offset = 0;
    else if (cfg->chroma_format == HEVC_CHROMA_444)
      cfg->chroma_qp_offset = 6;
  }
  /* Cross-component prediction (chroma residuals predicted from luma's)
   * pays on GBR, whose planes are strongly correlated: -28 % BD-rate on
   * RGB PSNR over the bench photos, where on YCbCr it costs 2.6 % on
   * PSNR-Y for -0.9 % on PSNR-YUV (docs/benchmarks.md, "Cross-component
   * prediction in lossy 4:4:4").  Lossless 4:4:4 always uses it. */
  cfg->ccp = s->has_colour && s->colour.matrix_coefficients == 0;
  cfg->picture_hash = s->picture_hash;
  cfg->vui_colour = s->has_colour;
  cfg->colour_primaries = s->colour.colour_primaries;
  cfg->transfer_characteristics = s->colour.transfer_characteristics;
  cfg->matrix_coefficients = s->colour.matrix_coefficients;
  cfg->full_range = s->colour.full_range;
}

/* The encoder's view of a plugin picture or band: the same sample type on
 * both sides (uint16_t), only the stride type differs; 4:0:0 has no chroma
 * planes to read.  Borrowed: nothing is copied. */
static hevc_enc_picture be_view(const heic_plugin_picture *pic) {
  int mono = pic->chroma == HEIC_CHROMA_400;
  hevc_enc_picture in = {pic->width, pic->height,
                         {pic->planes[0], mono ? NULL : pic->planes[1], mono ? NULL : pic->planes[2]},
                         {(ptrdiff_t)pic->strides[0], mono ? 0 : (ptrdiff_t)pic->strides[1],
                          mono ? 0 : (ptrdiff_t)pic->strides[2]}};
  return in;
}

static heic_status be_set_colour(void *state, const heic_nclx *nclx) {
  be_state *s = state;
  if (!s || !nclx) return HEIC_ERR_INVALID_ARGUMENT;
  /* The VUI codes each as 8 bits. */
  if (nclx->colour_primaries > 255 || nclx->transfer_characteristics > 255 ||
      nclx->matrix_coefficients > 255) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": colour %u/%u/%u does not fit the VUI",
                   nclx->colour_primaries, nclx->transfer_characteristics, nclx->matrix_coefficients);
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  s->colour = *nclx;
  s->has_colour = 1;
  return HEIC_OK;
}

static heic_status be_encode(void *state, const heic_plugin_picture *pic, heic_nal_sink sink,
                             void *sink_opaque) {
  be_state *s = state;
  if (!s || !pic || !sink) return HEIC_ERR_INVALID_ARGUMENT;
  if (s->used) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   BUILTIN_NAME ": encode() called twice; open one instance per picture");
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  s->used = 1;
  heic_status st = be_check_picture(s, pic);
  if (st != HEIC_OK) return st;

  hevc_enc_config cfg;
  be_config(s, pic, &cfg);
  hevc_enc_picture in = be_view(pic);
  hc_err err;
  hc_err_clear(&err);
  hevc_encoder *enc = NULL;
  hevc_enc_output out;
  memset(&out, 0, sizeof(out));
  /* The host's threads: its pool when it lends one; otherwise as many
   * threads as it asks for (0: one per CPU, on the encoder's own pool).
   * The threads parameter lowers that (or sets it for a host that says
   * nothing, as libheif's plugin host does). */
  cfg.threads = s->host && s->host->threads > 0 ? s->host->threads : 0;
  if (s->threads > 0 && (cfg.threads == 0 || s->threads < cfg.threads)) cfg.threads = s->threads;
  if (cfg.threads > 1024) cfg.threads = 1024;
  st = hevc_encoder_new(&enc, &s->mem, &cfg, &err);
  if (st == HEIC_OK && s->host && s->host->parallel)
    hevc_encoder_set_parallel(enc, s->host->parallel, s->host->parallel_opaque, cfg.threads);
  if (st == HEIC_OK) st = hevc_encoder_encode(enc, &in, &out, &err);
  if (st != HEIC_OK)
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": %s",
                   err.message[0] ? err.message : heic_status_string(st));
  /* One sink call per NAL, in the encoder's order (VPS, SPS, PPS, slice,
   * suffix SEI); the first error stops the loop and is what we return. */
  for (int i = 0; st == HEIC_OK && i < out.count; i++)
    st = sink(sink_opaque, heic_buffer_data(out.nal[i].buf), heic_buffer_size(out.nal[i].buf));
  /* The single exit: whatever happened above, every NAL buffer and the
   * encoder go back to the allocator here. */
  hevc_enc_output_clear(&out);
  hevc_encoder_free(&enc);
  return st;
}

/* ---- streaming input (API version 4) ---- */

/* The encoder's threads, as be_encode() sets them. */
static void be_threads(const be_state *s, hevc_enc_config *cfg) {
  cfg->threads = s->host && s->host->threads > 0 ? s->host->threads : 0;
  if (s->threads > 0 && (cfg->threads == 0 || s->threads < cfg->threads)) cfg->threads = s->threads;
  if (cfg->threads > 1024) cfg->threads = 1024;
}

static heic_status be_encode_begin(void *state, const heic_plugin_picture *pic) {
  be_state *s = state;
  if (!s || !pic) return HEIC_ERR_INVALID_ARGUMENT;
  if (s->used) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   BUILTIN_NAME ": a second picture on one instance; open one instance per picture");
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  s->used = 1;
  if (pic->width < 1 || pic->height < 1 || pic->height > BUILTIN_MAX_SIZE) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": picture size %ux%u outside 1x1..%ux%u",
                   pic->width, pic->height, BUILTIN_MAX_SIZE, BUILTIN_MAX_SIZE);
    return pic->height > BUILTIN_MAX_SIZE ? HEIC_ERR_LIMIT_EXCEEDED : HEIC_ERR_INVALID_ARGUMENT;
  }
  /* The format checks of encode(), on one line of zeros of the width. */
  uint16_t *zero = hc_calloc(&s->mem, pic->width, sizeof(uint16_t));
  if (!zero) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": out of memory");
    return HEIC_ERR_OUT_OF_MEMORY;
  }
  heic_plugin_picture line = *pic;
  line.height = 1;
  for (int c = 0; c < 3; c++) {
    uint32_t w = c && pic->chroma != HEIC_CHROMA_444 ? (pic->width + 1) / 2 : pic->width;
    int on = !c || pic->chroma != HEIC_CHROMA_400;
    line.planes[c] = on ? zero : NULL;
    line.strides[c] = on ? w : 0;
    line.plane_w[c] = on ? w : 0;
    line.plane_h[c] = on ? 1 : 0;
  }
  heic_status st = be_check_picture(s, &line);
  hc_free(&s->mem, zero);
  if (st != HEIC_OK) return st;
  hevc_enc_config cfg;
  be_config(s, pic, &cfg);
  be_threads(s, &cfg);
  hc_err err;
  hc_err_clear(&err);
  st = hevc_encoder_new(&s->stream, &s->mem, &cfg, &err);
  if (st == HEIC_OK && s->host && s->host->parallel)
    hevc_encoder_set_parallel(s->stream, s->host->parallel, s->host->parallel_opaque, cfg.threads);
  if (st == HEIC_OK) st = hevc_encoder_begin(s->stream, pic->width, pic->height, &err);
  if (st != HEIC_OK) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": %s",
                   err.message[0] ? err.message : heic_status_string(st));
    hevc_encoder_free(&s->stream);
  }
  return st;
}

static heic_status be_encode_rows(void *state, const heic_plugin_picture *band) {
  be_state *s = state;
  if (!s || !band) return HEIC_ERR_INVALID_ARGUMENT;
  if (!s->stream || s->stream_failed) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": encode_rows() without a picture begun");
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  heic_status st = be_check_picture(s, band);
  if (st == HEIC_OK) {
    hevc_enc_picture in = be_view(band);
    hc_err err;
    hc_err_clear(&err);
    st = hevc_encoder_push(s->stream, &in, &err);
    if (st != HEIC_OK)
      hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": %s",
                     err.message[0] ? err.message : heic_status_string(st));
  }
  if (st != HEIC_OK) s->stream_failed = 1;
  return st;
}

static heic_status be_encode_end(void *state, heic_nal_sink sink, void *sink_opaque) {
  be_state *s = state;
  if (!s || !sink) return HEIC_ERR_INVALID_ARGUMENT;
  if (!s->stream || s->stream_failed) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": encode_end() without a picture begun");
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  hc_err err;
  hc_err_clear(&err);
  hevc_enc_output out;
  memset(&out, 0, sizeof(out));
  heic_status st = hevc_encoder_finish(s->stream, &out, &err);
  if (st != HEIC_OK)
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, BUILTIN_NAME ": %s",
                   err.message[0] ? err.message : heic_status_string(st));
  for (int i = 0; st == HEIC_OK && i < out.count; i++)
    st = sink(sink_opaque, heic_buffer_data(out.nal[i].buf), heic_buffer_size(out.nal[i].buf));
  hevc_enc_output_clear(&out);
  hevc_encoder_free(&s->stream);
  s->stream_failed = 1; /* one picture per instance */
  return st;
}

const heic_encoder_plugin hp_encoder_builtin = {
  .api_version = HEIC_PLUGIN_API_VERSION,
  .name = BUILTIN_NAME,
  .description = "libheic HEVC intra encoder (4:2:0 and 4:0:0, 8/10/12 bits, lossless)",
  .codec = HEIC_CODEC_HEVC,
  .supports_lossless = 1,
  .param_info = be_param_info,
  .open = be_open,
  .set_param = be_set_param,
  .encode = be_encode,
  .close = be_close,
  .set_colour = be_set_colour,
  .encode_begin = be_encode_begin,
  .encode_rows = be_encode_rows,
  .encode_end = be_encode_end,
};
