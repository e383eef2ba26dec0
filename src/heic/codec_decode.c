/*
 * Host side of the decoder plugin interface.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "codec_decode.h"

#include <string.h>

#include "hevc_sps.h"

/* NAL unit types of H.265 table 7-1 that matter here. */
enum { NAL_VPS = 32, NAL_SPS = 33, NAL_PPS = 34, NAL_AUD = 35, NAL_PREFIX_SEI = 39 };

/* What the plugin's host callbacks reach through heic_plugin_host.opaque.
 * It lives on hx_decode_hevc's stack, which outlives open() .. close(). */
typedef struct host_ctx {
  const heic_decoder_plugin *plugin;
  hc_mem *mem;
  const hc_log *log;
  hx_picture *pic;
  hc_err *err;
  int narrow; /* 8-bit storage for an 8-bit picture, when the plugin can write it */
  int alloc_calls;
  int alloc_ok;
  heic_status alloc_status; /* the first failure alloc_planes reported */
  int bit_depth_chroma;
  /* The plugin reports failures by status plus a logged message; keeping
   * the last error-level message lets err say what actually went wrong. */
  char last_error[200];
} host_ctx;

static void host_log(void *opaque, heic_log_level level, const char *message) {
  host_ctx *hc = opaque;
  if (!message) return;
  if (level == HEIC_LOG_ERROR) {
    strncpy(hc->last_error, message, sizeof(hc->last_error) - 1);
    hc->last_error[sizeof(hc->last_error) - 1] = 0;
  }
  hc_logf(hc->log, level, "%s", message);
}

static heic_status alloc_planes(host_ctx *hc, heic_plugin_picture *pp, uint32_t width,
                                uint32_t height, heic_chroma chroma, int bit_depth_luma,
                                int bit_depth_chroma) {
  /* A second call would orphan the first picture's planes inside the
   * plugin's half-written state; refuse rather than guess which one wins. */
  if (++hc->alloc_calls > 1)
    return hc_fail(hc->err, HEIC_ERR_DECODER,
                   "decoder '%s' asked for picture planes more than once", hc->plugin->name);
  if (!pp) return hc_fail(hc->err, HEIC_ERR_DECODER, "decoder '%s' passed no picture", hc->plugin->name);
  memset(pp, 0, sizeof(*pp));
  if (width == 0 || height == 0)
    return hc_fail(hc->err, HEIC_ERR_DECODER, "decoder '%s' produced an empty %ux%u picture",
                   hc->plugin->name, width, height);
  if ((unsigned)chroma > HEIC_CHROMA_444)
    return hc_fail(hc->err, HEIC_ERR_DECODER, "decoder '%s' produced unknown chroma format %d",
                   hc->plugin->name, (int)chroma);
  /* HEVC bit depths are 8..16 (bit_depth_minus8 is unsigned). */
  if (bit_depth_luma < 8 || bit_depth_luma > 16 ||
      (chroma != HEIC_CHROMA_400 && (bit_depth_chroma < 8 || bit_depth_chroma > 16)))
    return hc_fail(hc->err, HEIC_ERR_UNSUPPORTED, "bit depth %d (luma) / %d (chroma) is not supported",
                   bit_depth_luma, bit_depth_chroma);
  /* The picture holds one bit depth: chroma planes carry the chroma depth
   * until hx_decode_hevc rescales them after decoding. */
  int bytes = hc->narrow && hc->plugin->api_version >= 5 && bit_depth_luma == 8 &&
              (chroma == HEIC_CHROMA_400 || bit_depth_chroma == 8);
  heic_status st = bytes ? hx_picture_alloc8(hc->pic, hc->mem, width, height, chroma, hc->err)
                         : hx_picture_alloc(hc->pic, hc->mem, width, height, chroma,
                                            bit_depth_luma, hc->err);
  if (st != HEIC_OK) return st;
  hc->alloc_ok = 1;
  hc->bit_depth_chroma = chroma == HEIC_CHROMA_400 ? bit_depth_luma : bit_depth_chroma;
  pp->width = width;
  pp->height = height;
  pp->chroma = chroma;
  pp->bit_depth_luma = bit_depth_luma;
  pp->bit_depth_chroma = hc->bit_depth_chroma;
  int planes = chroma == HEIC_CHROMA_400 ? 1 : 3;
  for (int i = 0; i < planes; i++) {
    const hx_plane *pl = &hc->pic->planes[i];
    pp->planes[i] = pl->data;
    pp->planes8[i] = pl->bytes;
    pp->strides[i] = pl->stride;
    pp->plane_w[i] = pl->w;
    pp->plane_h[i] = pl->h;
  }
  return HEIC_OK;
}

/* Remembers a refusal so that a plugin that ignores it and reports success
 * still fails, with the status that err already names. */
static heic_status host_alloc_planes(void *opaque, heic_plugin_picture *pp, uint32_t width,
                                     uint32_t height, heic_chroma chroma, int bit_depth_luma,
                                     int bit_depth_chroma) {
  host_ctx *hc = opaque;
  heic_status st =
      alloc_planes(hc, pp, width, height, chroma, bit_depth_luma, bit_depth_chroma);
  if (st != HEIC_OK && hc->alloc_status == HEIC_OK) hc->alloc_status = st;
  return st;
}

/* Rescales chroma samples from depth `from` to depth `to` in place.  Shifts
 * rather than max-value scaling: in HEVC the chroma zero point is
 * 1 << (depth - 1), and only a shift maps one zero point onto the other. */
static void rescale_plane(hx_plane *pl, int from, int to) {
  uint32_t maxv = (1u << to) - 1;
  for (uint32_t y = 0; y < pl->h; y++) {
    uint16_t *row = pl->data + (size_t)y * pl->stride;
    if (to > from) {
      int sh = to - from;
      for (uint32_t x = 0; x < pl->w; x++) row[x] = (uint16_t)((uint32_t)row[x] << sh);
    } else {
      int sh = from - to;
      uint32_t half = 1u << (sh - 1);
      for (uint32_t x = 0; x < pl->w; x++) {
        uint32_t v = ((uint32_t)row[x] + half) >> sh;
        row[x] = (uint16_t)(v > maxv ? maxv : v);
      }
    }
  }
}

/* Whether a NAL unit that follows a picture's slices starts the next
 * access unit (H.265 7.4.2.4.4): a parameter set, an access unit delimiter,
 * a prefix SEI, a reserved type of those ranges, or the first slice of
 * another picture. */
static int starts_access_unit(const uint8_t *nal, size_t size) {
  unsigned type = (nal[0] >> 1) & 0x3F;
  if (type < 32) return size > 2 && (nal[2] & 0x80); /* first_slice_segment_in_pic_flag */
  return (type >= NAL_VPS && type <= NAL_AUD) || type == NAL_PREFIX_SEI ||
         (type >= 41 && type <= 44) || (type >= 48 && type <= 55);
}

/* Refuses an SPS whose picture is over the pixel limit, before the decoder
 * allocates for it. */
static heic_status check_sps(const uint8_t *nal, size_t size, uint64_t max_pixels, hc_err *err) {
  hx_sps_info sps;
  if (((nal[0] >> 1) & 0x3F) != NAL_SPS || !hx_sps_parse(nal, size, &sps)) return HEIC_OK;
  if ((uint64_t)sps.width * sps.height > max_pixels)
    return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED,
                   "the HEVC parameter set describes a %ux%u picture, more than the limit of %llu "
                   "pixels (max_pixels)",
                   sps.width, sps.height, (unsigned long long)max_pixels);
  return HEIC_OK;
}

static heic_status push(const heic_decoder_plugin *plugin, void *state, host_ctx *hc,
                        const uint8_t *nal, size_t size, hc_err *err) {
  heic_status st = plugin->push_nal(state, nal, size);
  if (st != HEIC_OK)
    return hc_fail(err, st, "decoder '%s' rejected a NAL unit: %s", plugin->name,
                   hc->last_error[0] ? hc->last_error : heic_status_string(st));
  return HEIC_OK;
}

heic_status hx_decode_hevc(const heic_decoder_plugin *plugin, hc_mem *mem, const hc_log *log,
                           const hf_hvcc *hvcc, const uint8_t *data, size_t size,
                           uint64_t max_pixels, int narrow, hx_picture *out, hc_err *err) {
  if (out) memset(out, 0, sizeof(*out));
  if (!plugin || !mem || !hvcc || !out || (!data && size))
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hx_decode_hevc: missing argument");
  if (plugin->api_version < 1 || plugin->codec != HEIC_CODEC_HEVC || !plugin->open ||
      !plugin->push_nal || !plugin->decode || !plugin->close)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "'%s' is not a usable HEVC decoder plugin",
                   plugin->name ? plugin->name : "?");
  /* hvcC's lengthSizeMinusOne gives 1, 2 or 4 in practice; 3 is not
   * forbidden by the reader, and any of 1..4 is unambiguous to split. */
  unsigned ls = hvcc->length_size;
  if (ls < 1 || ls > 4)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT, "hvcC NAL length size %u is invalid", ls);
  if (size == 0) return hc_fail(err, HEIC_ERR_INVALID_INPUT, "HEVC image item has no data");

  host_ctx hc = {.plugin = plugin, .mem = mem, .log = log, .pic = out, .err = err, .narrow = narrow};
  heic_plugin_host host = {.opaque = &hc, .alloc_planes = host_alloc_planes, .log = host_log};
  heic_plugin_picture pp;
  memset(&pp, 0, sizeof(pp));
  void *state = NULL;
  int opened = 0;
  heic_status st = plugin->open(&state, &host);
  if (st != HEIC_OK) {
    hc_fail(err, st, "cannot open decoder '%s': %s", plugin->name,
            hc.last_error[0] ? hc.last_error : heic_status_string(st));
    goto done;
  }
  opened = 1;

  for (uint32_t a = 0; a < hvcc->array_count; a++) {
    const hf_hvcc_array *arr = &hvcc->arrays[a];
    for (uint32_t n = 0; n < arr->count; n++) {
      if (!arr->nals[n].data || arr->nals[n].size == 0) {
        st = hc_fail(err, HEIC_ERR_INVALID_INPUT, "hvcC array %u (NAL type %u): NAL unit %u is empty",
                     a, arr->nal_type, n);
        goto done;
      }
      st = check_sps(arr->nals[n].data, arr->nals[n].size, max_pixels, err);
      if (st == HEIC_OK) st = push(plugin, state, &hc, arr->nals[n].data, arr->nals[n].size, err);
      if (st != HEIC_OK) goto done;
    }
  }

  int seen_slice = 0;

  for (size_t off = 0; off < size;) {
    if (size - off < ls) {
      st = hc_fail(err, HEIC_ERR_INVALID_INPUT,
                   "NAL length field at offset %zu is truncated (%zu of %u bytes)", off,
                   size - off, ls);
      goto done;
    }
    uint64_t len = 0;
    for (unsigned i = 0; i < ls; i++) len = (len << 8) | data[off + i];
    size_t body = off + ls;
    if (len == 0) {
      st = hc_fail(err, HEIC_ERR_INVALID_INPUT, "zero-length NAL unit at offset %zu", off);
      goto done;
    }
    if (len > size - body) {
      st = hc_fail(err, HEIC_ERR_INVALID_INPUT,
                   "NAL unit at offset %zu claims %llu bytes but only %zu remain", off,
                   (unsigned long long)len, size - body);
      goto done;
    }
    const uint8_t *nal = data + body;
    if (seen_slice && starts_access_unit(nal, (size_t)len)) {
      hc_logf(log, HEIC_LOG_WARNING,
              "ignoring %zu bytes after the first picture of the item (an image item holds one)",
              size - off);
      break;
    }
    seen_slice |= ((nal[0] >> 1) & 0x3F) < 32;
    st = check_sps(nal, (size_t)len, max_pixels, err);
    if (st == HEIC_OK) st = push(plugin, state, &hc, nal, (size_t)len, err);
    if (st != HEIC_OK) goto done;
    off = body + (size_t)len;
  }

  st = plugin->decode(state, &pp);
  if (st != HEIC_OK) {
    /* A failure inside alloc_planes was recorded first and wins. */
    hc_fail(err, st, "decoder '%s' failed: %s", plugin->name,
            hc.last_error[0] ? hc.last_error : heic_status_string(st));
    goto done;
  }
  if (hc.alloc_status != HEIC_OK) {
    st = hc.alloc_status;
    goto done;
  }
  if (!hc.alloc_ok) {
    st = hc_fail(err, HEIC_ERR_DECODER, "decoder '%s' reported success without a picture",
                 plugin->name);
    goto done;
  }
  if (out->chroma != HEIC_CHROMA_400 && hc.bit_depth_chroma != out->bit_depth) {
    rescale_plane(&out->planes[HX_CB], hc.bit_depth_chroma, out->bit_depth);
    rescale_plane(&out->planes[HX_CR], hc.bit_depth_chroma, out->bit_depth);
  }

done:
  if (opened) plugin->close(&state);
  if (st != HEIC_OK) hx_picture_clear(out);
  return st;
}
