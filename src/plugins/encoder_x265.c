/*
 * The "x265" encoder plugin: HEVC through libx265.  SPDX-License-Identifier: BSD-2-Clause
 *
 * LICENCE: this file is BSD-2-Clause, but libx265 is GPL-2.0-or-later.  It
 * is compiled only when CMake's HEIC_WITH_X265 is ON and libx265 is found,
 * and a libheic built that way (and every program linking it) may only be
 * distributed under the GPL.  The default build leaves it out.
 *
 * Ownership, following rules E1-E4 of heic/heic_plugin.h:
 *  - open() allocates only the state block (settings); close() frees it.
 *    Everything libx265 needs (x265_param, x265_picture, the encoder and our
 *    padded copy of the planes) is created inside encode() and released on
 *    its single exit path, whatever failed, so nothing outlives the call.
 *    libx265 allocates with its own malloc: the host's allocator cannot see
 *    it, which is why the state block uses calloc() too (as the libde265
 *    decoder plugin does) and why leaks here are checked with LSan/valgrind.
 *  - x265_encoder_encode() returns an array of x265_nal that stays owned by
 *    the encoder (valid until its next encode/close call).  Each NAL goes to
 *    the sink, without its Annex-B start code, before the next call into
 *    libx265 (E3).
 *
 * libx265's process-global state.  x265 3.5 keeps globals that its API does
 * not lock: the CTU and minimum CU size are configured by the first
 * x265_encoder_open() in the process and every later encoder must use the
 * same sizes until x265_cleanup() resets them, and x265_cleanup() frees
 * static tables that a running encoder uses.  DESIGN.md rule 7 keeps
 * libheic itself free of mutable globals; this plugin needs one to mirror
 * libx265's: a mutex serialising x265_encoder_open() and x265_cleanup(), and
 * a count of our open encoders per library build (8/10/12 bits are separate
 * libraries with separate globals inside libx265).  x265_cleanup() runs when
 * that count drops to zero, which is "where safe" as far as libheic can
 * know: an application that also uses libx265 directly, on another thread,
 * could still be hurt by it - and would need the same CTU size (64) anyway.
 *
 * Known third-party leaks.  Debian's libx265 3.5 loses 1,168 bytes per
 * encoder opened (an x265_param allocated inside x265_encoder_open() and
 * freed neither by x265_encoder_close() nor by x265_cleanup()).  It is not
 * ours to fix or hide: the tests carry a reproducer, a suppression matching
 * that frame inside libx265 only (tests/lsan_x265.supp), and a heap
 * measurement showing that an encode through this plugin loses exactly those
 * 1,168 bytes and nothing more.  Two more libx265 3.5 leaks are avoided
 * rather than suppressed, by not using the options that trigger them
 * (--no-sao and --pools; see xe_configure).
 *
 * Picture contract: 4:2:0, 4:2:2 or 4:4:4 (as the "chroma" parameter says,
 * when it is set), 8, 10 or 12 bits (luma and chroma alike), 1x1 .. 16384x16384.  libx265
 * cannot code a picture smaller than one CTU (64x64 here, see above) nor an
 * odd width (or height, for 4:2:0) with subsampled chroma, so the picture is
 * padded at the right and bottom by replicating the last column / row, to
 * at least 64x64 and to the chroma grid.  The decoded picture is then
 * max(64, w rounded up to the chroma grid) x max(64, h ...) and the host,
 * which reads the coded size from the SPS, crops the rest with clap (as
 * libheif does for x265).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <x265.h>

#include "plugins/encoder_registry.h"

#define X265_PLUGIN_NAME "x265"
#define X265_MAX_SIZE 16384u
/* One CTU size for every encoder this process opens (see the comment above:
 * libx265 refuses to mix sizes while any encoder is open).  64 is x265's
 * default and the most efficient for photos; smaller pictures are padded. */
#define X265_CTU 64u

typedef enum xe_param {
  XP_QUALITY = 0,
  XP_LOSSLESS,
  XP_PRESET,
  XP_TUNE,
  XP_CHROMA,
  XP_QP,
  XP_COUNT
} xe_param;

/* x265_tune_names has no "none"; ours adds it last. */
static const char *const k_tunes[] = {"psnr",        "ssim",      "grain", "fastdecode",
                                      "zerolatency", "animation", "none",  NULL};
#define TUNE_NONE 6
#define TUNE_SSIM 1
static const char *const k_chromas[] = {"420", "422", "444", NULL};
static const heic_chroma k_chroma_values[] = {HEIC_CHROMA_420, HEIC_CHROMA_422, HEIC_CHROMA_444};
#define PRESET_SLOW 6 /* index of "slow" in x265_preset_names */

static const heic_param_info k_params[XP_COUNT] = {
  [XP_QUALITY] = {"quality", HEIC_PARAM_INT, 0, 100, "50", NULL,
                  "0 (smallest) .. 100 (best); x265 CRF = (100 - quality) / 2, as libheif"},
  [XP_LOSSLESS] = {"lossless", HEIC_PARAM_BOOL, 0, 1, "0", NULL,
                   "mathematically lossless (transquant bypass); overrides quality and qp"},
  /* x265's own NULL-terminated list, so the choices always match the
   * library the plugin was built against. */
  [XP_PRESET] = {"preset", HEIC_PARAM_CHOICE, 0, 0, "slow", x265_preset_names,
                 "x265 speed / compression preset"},
  [XP_TUNE] = {"tune", HEIC_PARAM_CHOICE, 0, 0, "ssim", k_tunes, "x265 tuning"},
  [XP_CHROMA] = {"chroma", HEIC_PARAM_CHOICE, 0, 0, "420", k_chromas,
                 "coded chroma format; when set, the picture must be in it"},
  [XP_QP] = {"qp", HEIC_PARAM_INT, -1, 51, "-1", NULL,
             "constant QP 0..51 instead of CRF from quality; -1: from quality"},
};

typedef struct xe_state {
  const heic_plugin_host *host; /* borrowed until close(); may be NULL */
  int quality, lossless, qp;
  int preset, tune, chroma;     /* indices into the choice lists */
  int chroma_set;               /* "chroma" was set explicitly */
  int has_colour;               /* set_colour() was called: the VUI states it */
  heic_nclx colour;
  int used;                     /* encode() was called (at most once per open) */
} xe_state;

/* See "libx265's process-global state" above.  Indexed by (bit depth - 8) / 2. */
static pthread_mutex_t g_x265_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned g_x265_open[3];

static x265_encoder *xe_encoder_open(const x265_api *api, int slot, x265_param *param) {
  pthread_mutex_lock(&g_x265_lock);
  x265_encoder *enc = api->encoder_open(param);
  if (enc)
    g_x265_open[slot]++;
  else if (g_x265_open[slot] == 0)
    api->cleanup(); /* a failed open may have configured the globals */
  pthread_mutex_unlock(&g_x265_lock);
  return enc;
}

static void xe_encoder_close(const x265_api *api, int slot, x265_encoder *enc) {
  /* Closing touches only the encoder's own memory (and joins its threads),
   * so it runs outside the lock; the count goes down only once it is done. */
  api->encoder_close(enc);
  pthread_mutex_lock(&g_x265_lock);
  if (--g_x265_open[slot] == 0) api->cleanup();
  pthread_mutex_unlock(&g_x265_lock);
}

static const heic_param_info *xe_param_info(uint32_t index) {
  return index < XP_COUNT ? &k_params[index] : NULL;
}

static void xe_close(void **state) {
  if (!state || !*state) return;
  free(*state);
  *state = NULL;
}

static heic_status xe_open(void **state, const heic_plugin_host *host) {
  if (!state) return HEIC_ERR_INVALID_ARGUMENT;
  *state = NULL;
  xe_state *s = calloc(1, sizeof(*s));
  if (!s) {
    hp_plugin_logf(host, HEIC_LOG_ERROR, X265_PLUGIN_NAME ": out of memory");
    return HEIC_ERR_OUT_OF_MEMORY;
  }
  s->host = host;
  s->quality = 50;
  s->qp = -1;
  s->preset = PRESET_SLOW; /* libheif's defaults: slow, tuned for SSIM */
  s->tune = TUNE_SSIM;
  s->chroma = 0;
  *state = s;
  return HEIC_OK;
}

static heic_status xe_set_param(void *state, const char *name, const char *value) {
  xe_state *s = state;
  if (!s || !name || !value) return HEIC_ERR_INVALID_ARGUMENT;
  if (s->used) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   X265_PLUGIN_NAME ": parameter '%s' set after encode(); parameters apply to "
                   "the one picture an instance encodes",
                   name);
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  const heic_param_info *info = hp_param_lookup(xe_param_info, name);
  if (!info) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, X265_PLUGIN_NAME ": unknown parameter '%s'", name);
    return HEIC_ERR_NOT_FOUND;
  }
  if ((xe_param)(info - k_params) == XP_CHROMA && !strcmp(value, "400")) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   X265_PLUGIN_NAME ": chroma=400: monochrome coding is not offered yet");
    return HEIC_ERR_UNSUPPORTED;
  }
  int v = 0;
  heic_status st = hp_param_parse(s->host, X265_PLUGIN_NAME, info, value, &v);
  if (st != HEIC_OK) return st;
  switch ((xe_param)(info - k_params)) {
    case XP_QUALITY: s->quality = v; break;
    case XP_LOSSLESS: s->lossless = v; break;
    case XP_PRESET: s->preset = v; break;
    case XP_TUNE: s->tune = v; break;
    case XP_CHROMA:
      s->chroma = v;
      s->chroma_set = 1;
      break;
    case XP_QP: s->qp = v; break;
    case XP_COUNT: return HEIC_ERR_INTERNAL;
  }
  return HEIC_OK;
}

static heic_status xe_check_picture(const xe_state *s, const heic_plugin_picture *pic) {
  /* The host converts; the plugin codes the format it is given.  An
   * explicit "chroma" that disagrees with the picture means the host and
   * the user disagree, which is worth an error rather than a guess. */
  int unset_ok = !s->chroma_set && (pic->chroma == HEIC_CHROMA_420 ||
                                    pic->chroma == HEIC_CHROMA_422 ||
                                    pic->chroma == HEIC_CHROMA_444);
  if (!unset_ok && pic->chroma != k_chroma_values[s->chroma]) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   X265_PLUGIN_NAME ": the picture is %s but chroma=%s was set (4:0:0 is not "
                   "offered)",
                   hp_chroma_name(pic->chroma), k_chromas[s->chroma]);
    return pic->chroma == HEIC_CHROMA_400 ? HEIC_ERR_UNSUPPORTED : HEIC_ERR_INVALID_ARGUMENT;
  }
  if (pic->bit_depth_luma != pic->bit_depth_chroma ||
      (pic->bit_depth_luma != 8 && pic->bit_depth_luma != 10 && pic->bit_depth_luma != 12)) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   X265_PLUGIN_NAME ": bit depth %d/%d (luma/chroma) is not supported (8, 10 or "
                   "12 bits, the same for luma and chroma)",
                   pic->bit_depth_luma, pic->bit_depth_chroma);
    return HEIC_ERR_UNSUPPORTED;
  }
  if (pic->width > X265_MAX_SIZE || pic->height > X265_MAX_SIZE) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, X265_PLUGIN_NAME ": picture size %ux%u exceeds %ux%u",
                   pic->width, pic->height, X265_MAX_SIZE, X265_MAX_SIZE);
    return HEIC_ERR_LIMIT_EXCEEDED;
  }
  return hp_check_picture(s->host, X265_PLUGIN_NAME, pic);
}

/* The input planes, padded (see the picture contract) and in the sample type
 * libx265 takes: uint8_t for 8 bits, uint16_t above.  One allocation. */
typedef struct xe_planes {
  uint8_t *buf;
  uint8_t *plane[3];
  int stride[3]; /* bytes, as x265_picture wants */
} xe_planes;

static heic_status xe_pad_planes(const xe_state *s, const heic_plugin_picture *pic, uint32_t cw,
                                 uint32_t ch, xe_planes *out) {
  int sx = pic->chroma == HEIC_CHROMA_444 ? 0 : 1, sy = pic->chroma == HEIC_CHROMA_420 ? 1 : 0;
  size_t bps = pic->bit_depth_luma > 8 ? 2 : 1;
  size_t offset[3], total = 0;
  uint32_t pw[3], ph[3];
  for (int c = 0; c < 3; c++) {
    pw[c] = c ? cw >> sx : cw;
    ph[c] = c ? ch >> sy : ch;
    /* cw, ch <= 16384 + 64: no overflow in size_t, and the byte stride fits
     * x265's int. */
    out->stride[c] = (int)(pw[c] * bps);
    offset[c] = total;
    total += (size_t)pw[c] * ph[c] * bps;
  }
  out->buf = malloc(total);
  if (!out->buf) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, X265_PLUGIN_NAME ": out of memory (%zu bytes)", total);
    return HEIC_ERR_OUT_OF_MEMORY;
  }
  for (int c = 0; c < 3; c++) {
    out->plane[c] = out->buf + offset[c];
    uint32_t w = pic->plane_w[c], h = pic->plane_h[c];
    for (uint32_t y = 0; y < ph[c]; y++) {
      /* Rows below the picture repeat its last row: edge replication costs
       * almost no bits and keeps the deblocking at the edge unchanged. */
      const uint16_t *src = pic->planes[c] + (size_t)(y < h ? y : h - 1) * pic->strides[c];
      uint8_t *row = out->plane[c] + (size_t)y * (size_t)out->stride[c];
      for (uint32_t x = 0; x < pw[c]; x++) {
        uint16_t v = src[x < w ? x : w - 1];
        if (bps == 2)
          memcpy(row + 2 * (size_t)x, &v, 2); /* native endian, as x265 reads it */
        else
          row[x] = (uint8_t)v;
      }
    }
  }
  return HEIC_OK;
}

/* x265_param_parse with a check: every name here exists in x265 3.x, so a
 * failure means an incompatible libx265, which is worth a clear message. */
static heic_status xe_parse(const xe_state *s, const x265_api *api, x265_param *param,
                            const char *name, const char *value) {
  int r = api->param_parse(param, name, value);
  if (r == 0) return HEIC_OK;
  hp_plugin_logf(s->host, HEIC_LOG_ERROR, X265_PLUGIN_NAME ": libx265 %s rejected %s=%s (%s)",
                 api->version_str, name, value,
                 r == X265_PARAM_BAD_NAME ? "unknown option" : "bad value");
  return HEIC_ERR_UNSUPPORTED;
}

/* The x265 profile that admits this format as an all-intra single picture.
 * It only constrains the settings: the profile x265 signals follows from the
 * format (8-bit 4:2:0 intra -> Main Still Picture, 10-bit 4:2:0 -> Main 10,
 * the others -> format range extensions). */
static const char *xe_profile(heic_chroma chroma, int depth) {
  switch (chroma) {
    case HEIC_CHROMA_420:
      return depth == 8 ? "mainstillpicture" : depth == 10 ? "main10-intra" : "main12-intra";
    case HEIC_CHROMA_422: return depth <= 10 ? "main422-10-intra" : "main422-12-intra";
    case HEIC_CHROMA_444:
      return depth == 8 ? "main444-stillpicture" : depth == 10 ? "main444-10-intra"
                                                               : "main444-12-intra";
    case HEIC_CHROMA_400: break;
  }
  return NULL;
}

static heic_status xe_configure(const xe_state *s, const x265_api *api, x265_param *param,
                                const heic_plugin_picture *pic, uint32_t cw, uint32_t ch) {
  const char *tune = s->tune == TUNE_NONE ? NULL : k_tunes[s->tune];
  if (api->param_default_preset(param, x265_preset_names[s->preset], tune) < 0) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   X265_PLUGIN_NAME ": libx265 rejected preset %s, tune %s",
                   x265_preset_names[s->preset], tune ? tune : "none");
    return HEIC_ERR_UNSUPPORTED;
  }
  /* libx265 reports its reasons only on stderr; errors are the least it
   * should say there, and our own messages go to the host's log. */
  param->logLevel = X265_LOG_ERROR;
  param->sourceWidth = (int)cw;
  param->sourceHeight = (int)ch;
  param->internalBitDepth = pic->bit_depth_luma;
  param->internalCsp = pic->chroma == HEIC_CHROMA_420   ? X265_CSP_I420
                       : pic->chroma == HEIC_CHROMA_422 ? X265_CSP_I422
                                                        : X265_CSP_I444;
  param->fpsNum = 1;
  param->fpsDenom = 1;
  param->totalFrames = 1;

  char ctu[8];
  snprintf(ctu, sizeof(ctu), "%u", X265_CTU);
  /* One intra picture per encoder: the headers come with it (repeat-headers,
   * so no separate x265_encoder_headers() call), no reference structure, no
   * SEI that a HEIF item has no use for (x265's "info" SEI names the encoder
   * version and every option, the hash SEI costs bytes nobody checks), and
   * one frame thread since there is one frame.  The CTU/min-CU sizes are
   * fixed process-wide (see above).  aq-mode, psy-rd and psy-rdoq as libheif
   * sets them, so that a quality means what it means there.
   *
   * SAO stays on even for the presets that turn it off (ultrafast,
   * superfast): libx265 3.5 allocates its SAO buffers in
   * FrameFilter::init() whether SAO is on or not but frees them only when it
   * is on, so "--no-sao" leaks a few KB per encoder (size growing with the
   * picture).  SAO costs little time on one intra picture.
   *
   * No thread setting: x265's pool is sized by "pools", and libx265 3.5
   * leaks that string (strdup'ed by x265_param_parse() and again by
   * x265_copy_params() inside x265_encoder_open(), freed by neither
   * x265_param_free() nor x265_encoder_close()), so x265 keeps its default
   * pool of one thread per CPU, as libheif leaves it. */
  static const char *const k_fixed[][2] = {
    {"keyint", "1"},      {"min-keyint", "1"},   {"bframes", "0"},   {"info", "0"},
    {"hash", "0"},        {"repeat-headers", "1"}, {"annexb", "1"},  {"aud", "0"},
    {"frame-threads", "1"}, {"min-cu-size", "8"}, {"rskip", "0"},   {"aq-mode", "1"},
    {"psy-rd", "1.0"},    {"psy-rdoq", "1.0"},  {"sao", "1"},
  };
  heic_status st = xe_parse(s, api, param, "ctu", ctu);
  for (size_t i = 0; st == HEIC_OK && i < sizeof(k_fixed) / sizeof(k_fixed[0]); i++)
    st = xe_parse(s, api, param, k_fixed[i][0], k_fixed[i][1]);
  if (st != HEIC_OK) return st;

  if (s->lossless) {
    param->bLossless = 1;
  } else if (s->qp >= 0) {
    param->rc.rateControlMode = X265_RC_CQP;
    param->rc.qp = s->qp;
  } else {
    /* libheif's mapping: quality 0 -> CRF 50, 50 -> 25, 100 -> 0. */
    param->rc.rateControlMode = X265_RC_CRF;
    param->rc.rfConstant = (100 - s->quality) / 2.0;
  }

  if (s->has_colour) {
    param->vui.bEnableVideoSignalTypePresentFlag = 1;
    param->vui.videoFormat = 5; /* unspecified */
    param->vui.bEnableVideoFullRangeFlag = s->colour.full_range ? 1 : 0;
    param->vui.bEnableColorDescriptionPresentFlag = 1;
    param->vui.colorPrimaries = s->colour.colour_primaries;
    param->vui.transferCharacteristics = s->colour.transfer_characteristics;
    param->vui.matrixCoeffs = s->colour.matrix_coefficients;
  }

  const char *profile = xe_profile(pic->chroma, pic->bit_depth_luma);
  if (!profile || api->param_apply_profile(param, profile) < 0) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   X265_PLUGIN_NAME ": libx265 has no profile for %d-bit %s intra pictures",
                   pic->bit_depth_luma, hp_chroma_name(pic->chroma));
    return HEIC_ERR_UNSUPPORTED;
  }
  return HEIC_OK;
}

/* Passes the NALs of one x265_encoder_encode() result to the sink, each
 * without its Annex-B start code (00 00 01 or 00 00 00 01). */
static heic_status xe_emit(const xe_state *s, const x265_nal *nals, uint32_t count,
                           heic_nal_sink sink, void *sink_opaque, uint32_t *emitted) {
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *p = nals[i].payload;
    uint32_t n = nals[i].sizeBytes, z = 0;
    while (z < n && p[z] == 0) z++;
    if (!p || z < 2 || z >= n || p[z] != 1 || n - z - 1 < 2) {
      hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                     X265_PLUGIN_NAME ": NAL unit %u (type %u, %u bytes) has no Annex-B start "
                     "code",
                     i, nals[i].type, n);
      return HEIC_ERR_INTERNAL;
    }
    heic_status st = sink(sink_opaque, p + z + 1, n - z - 1);
    if (st != HEIC_OK) return st;
    (*emitted)++;
  }
  return HEIC_OK;
}

static heic_status xe_encode(void *state, const heic_plugin_picture *pic, heic_nal_sink sink,
                             void *sink_opaque) {
  xe_state *s = state;
  if (!s || !pic || !sink) return HEIC_ERR_INVALID_ARGUMENT;
  if (s->used) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   X265_PLUGIN_NAME ": encode() called twice; open one instance per picture");
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  s->used = 1;
  heic_status st = xe_check_picture(s, pic);
  if (st != HEIC_OK) return st;

  int depth = pic->bit_depth_luma, slot = (depth - 8) / 2;
  /* Each bit depth is a separate build of libx265 (Debian ships 8, 10 and
   * 12 bits in one library); x265_api_get() picks it, or returns NULL. */
  const x265_api *api = x265_api_get(depth);
  if (!api || api->bit_depth != depth) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, X265_PLUGIN_NAME ": this libx265 has no %d-bit encoder",
                   depth);
    return HEIC_ERR_UNSUPPORTED;
  }

  /* Coded size: at least one CTU, and on the chroma grid (see the picture
   * contract at the top). */
  uint32_t cw = pic->width, ch = pic->height;
  if (pic->chroma != HEIC_CHROMA_444) cw += cw & 1;
  if (pic->chroma == HEIC_CHROMA_420) ch += ch & 1;
  if (cw < X265_CTU) cw = X265_CTU;
  if (ch < X265_CTU) ch = X265_CTU;

  /* Everything below is released at `done`, on every path. */
  x265_param *param = NULL;
  x265_picture *xpic = NULL;
  x265_encoder *enc = NULL;
  xe_planes planes;
  memset(&planes, 0, sizeof(planes));
  uint32_t emitted = 0, pictures = 0;

  param = api->param_alloc();
  xpic = api->picture_alloc();
  if (!param || !xpic) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, X265_PLUGIN_NAME ": out of memory");
    st = HEIC_ERR_OUT_OF_MEMORY;
    goto done;
  }
  st = xe_configure(s, api, param, pic, cw, ch);
  if (st != HEIC_OK) goto done;
  st = xe_pad_planes(s, pic, cw, ch, &planes);
  if (st != HEIC_OK) goto done;
  api->picture_init(param, xpic);
  for (int c = 0; c < 3; c++) {
    xpic->planes[c] = planes.plane[c];
    xpic->stride[c] = planes.stride[c];
  }
  xpic->bitDepth = depth;
  xpic->colorSpace = param->internalCsp;

  enc = xe_encoder_open(api, slot, param);
  if (!enc) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   X265_PLUGIN_NAME ": x265_encoder_open() failed for a %ux%u %d-bit %s picture "
                   "(libx265 printed its reason on stderr)",
                   cw, ch, depth, hp_chroma_name(pic->chroma));
    st = HEIC_ERR_DECODER;
    goto done;
  }

  /* The first call may keep the picture in x265's lookahead and return 0;
   * calls with no picture then flush until x265 returns 0 (nothing left). */
  x265_nal *nals = NULL;
  uint32_t count = 0;
  for (x265_picture *in = xpic;; in = NULL) {
    int r = api->encoder_encode(enc, &nals, &count, in, NULL);
    if (r < 0) {
      hp_plugin_logf(s->host, HEIC_LOG_ERROR, X265_PLUGIN_NAME ": x265_encoder_encode() failed");
      st = HEIC_ERR_DECODER;
      goto done;
    }
    if (r > 0) {
      pictures += (uint32_t)r;
      st = xe_emit(s, nals, count, sink, sink_opaque, &emitted);
      if (st != HEIC_OK) goto done; /* E3: the sink's error is ours */
    }
    if ((r == 0 && !in) || pictures > 1) break;
  }
  if (pictures != 1 || emitted == 0) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR,
                   X265_PLUGIN_NAME ": libx265 returned %u pictures (%u NAL units) for one input",
                   pictures, emitted);
    st = HEIC_ERR_INTERNAL;
  }

done:
  /* The single exit.  The encoder goes first: it may still reference the
   * picture's planes, and x265_cleanup() (inside xe_encoder_close) must come
   * after the encoder is gone. */
  if (enc) xe_encoder_close(api, slot, enc);
  if (xpic) api->picture_free(xpic);
  if (param) api->param_free(param);
  free(planes.buf);
  return st;
}

static heic_status xe_set_colour(void *state, const heic_nclx *nclx) {
  xe_state *s = state;
  if (!s || !nclx) return HEIC_ERR_INVALID_ARGUMENT;
  if (nclx->colour_primaries > 255 || nclx->transfer_characteristics > 255 ||
      nclx->matrix_coefficients > 255) {
    hp_plugin_logf(s->host, HEIC_LOG_ERROR, X265_PLUGIN_NAME ": colour %u/%u/%u does not fit the VUI",
                   nclx->colour_primaries, nclx->transfer_characteristics, nclx->matrix_coefficients);
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  s->colour = *nclx;
  s->has_colour = 1;
  return HEIC_OK;
}

const heic_encoder_plugin hp_encoder_x265 = {
  .api_version = HEIC_PLUGIN_API_VERSION,
  .name = X265_PLUGIN_NAME,
  .description = "x265 HEVC encoder (libx265, GPL; 4:2:0/4:2:2/4:4:4, 8/10/12 bits, lossless)",
  .codec = HEIC_CODEC_HEVC,
  .supports_lossless = 1,
  .param_info = xe_param_info,
  .open = xe_open,
  .set_param = xe_set_param,
  .encode = xe_encode,
  .close = xe_close,
  .set_colour = xe_set_colour,
};
