/*
 * libheif-libheic.so: libheif images to libheic pictures (picture.h).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "picture.h"

#include <string.h>

#include "mem.h"

/* v at from bits to to bits, the largest code onto the largest code, with
 * rounding (what heic-enc does with 16-bit PNG samples). */
static uint16_t rescale(uint32_t v, int from, int to) {
  if (from == to) return (uint16_t)v;
  uint32_t max_from = (1u << from) - 1, max_to = (1u << to) - 1;
  if (v > max_from) v = max_from;
  return (uint16_t)((v * max_to + max_from / 2) / max_from);
}

/* One plane of img into dst (w x h samples, stride dst_stride). */
static void copy_plane(const lp_host *api, const struct heif_image *img, enum heif_channel ch,
                       int depth, int coded, uint32_t w, uint32_t h, uint16_t *dst,
                       size_t dst_stride) {
  int stride = 0;
  const uint8_t *src = api->image_get_plane_readonly(img, ch, &stride);
  for (uint32_t y = 0; y < h; y++) {
    const uint8_t *row = src + (size_t)y * (size_t)stride;
    uint16_t *out = dst + y * dst_stride;
    if (depth <= 8) {
      for (uint32_t x = 0; x < w; x++) out[x] = rescale(row[x], depth, coded);
    } else {
      for (uint32_t x = 0; x < w; x++) {
        uint16_t v; /* native-endian, as libheif keeps samples deeper than 8 bits */
        memcpy(&v, row + 2 * (size_t)x, sizeof(v));
        out[x] = rescale(v, depth, coded);
      }
    }
  }
}

/* The plane ch exists, holds w x h samples at depth bits, and can be read. */
static int plane_ok(const lp_host *api, const struct heif_image *img, enum heif_channel ch,
                    uint32_t w, uint32_t h, int depth) {
  int stride = 0;
  return api->image_has_channel(img, ch) && api->image_get_width(img, ch) >= (int)w &&
         api->image_get_height(img, ch) >= (int)h &&
         api->image_get_bits_per_pixel_range(img, ch) == depth &&
         api->image_get_plane_readonly(img, ch, &stride) != NULL && stride > 0;
}

/* The image's nclx as a VUI.  Code points above 255 (none are defined)
 * cannot be carried by the VUI's 8-bit fields and are left unsaid. */
static lp_vui colour_of(const lp_host *api, const struct heif_image *img) {
  lp_vui v = {1, 0, 2, 2, 2};
  struct heif_color_profile_nclx *nclx = NULL;
  struct heif_error e = api->image_get_nclx_color_profile(img, &nclx);
  if (e.code == heif_error_Ok && nclx) {
    v.full_range = nclx->full_range_flag != 0;
    unsigned cp = (unsigned)nclx->color_primaries, tc = (unsigned)nclx->transfer_characteristics,
             mc = (unsigned)nclx->matrix_coefficients;
    if (cp <= 255 && tc <= 255 && mc <= 255) {
      v.described = 1;
      v.primaries = (uint8_t)cp;
      v.transfer = (uint8_t)tc;
      v.matrix = (uint8_t)mc;
    }
  }
  if (nclx) api->nclx_color_profile_free(nclx);
  return v;
}

static const char *chroma_name(heic_chroma c) {
  return c == HEIC_CHROMA_444 ? "4:4:4" : c == HEIC_CHROMA_422 ? "4:2:2" : "4:2:0";
}

void lp_encoded_size(heic_chroma chroma, uint32_t w, uint32_t h, uint32_t *ew, uint32_t *eh) {
  int pad_w = chroma != HEIC_CHROMA_444, pad_h = chroma == HEIC_CHROMA_420;
  *ew = w + (pad_w && (w & 1u) && w < UINT32_MAX);
  *eh = h + (pad_h && (h & 1u) && h < UINT32_MAX);
}

heic_status lp_picture_from_heif(const lp_host *api, const struct heif_image *img,
                                 heic_chroma chroma, lp_picture *out, lp_message *msg) {
  memset(out, 0, sizeof(*out));
  if (!img) {
    lp_message_set(msg, "no image to encode");
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  enum heif_colorspace cs = api->image_get_colorspace(img);
  enum heif_chroma hc = api->image_get_chroma_format(img);
  enum heif_chroma want = chroma == HEIC_CHROMA_444   ? heif_chroma_444
                          : chroma == HEIC_CHROMA_422 ? heif_chroma_422
                                                      : heif_chroma_420;
  int mono = cs == heif_colorspace_monochrome && hc == heif_chroma_monochrome;
  if (!mono && !(cs == heif_colorspace_YCbCr && hc == want)) {
    lp_message_set(msg,
                   "cannot code an image of colorspace %d, chroma %d: this encoder was set to "
                   "YCbCr %s (parameter chroma), and codes monochrome (4:0:0) as it is",
                   (int)cs, (int)hc, chroma_name(chroma));
    return HEIC_ERR_UNSUPPORTED;
  }
  int iw = api->image_get_width(img, heif_channel_Y);
  int ih = api->image_get_height(img, heif_channel_Y);
  int depth = api->image_get_bits_per_pixel_range(img, heif_channel_Y);
  if (iw <= 0 || ih <= 0) {
    lp_message_set(msg, "the image has no luma plane");
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  if (depth < 1 || depth > 16) {
    lp_message_set(msg, "cannot code %d-bit samples (1 to 16 bits are taken, coded at 8, 10 or 12)",
                   depth);
    return HEIC_ERR_UNSUPPORTED;
  }
  uint32_t w = (uint32_t)iw, h = (uint32_t)ih;
  uint32_t cw = chroma == HEIC_CHROMA_444 ? w : w / 2 + (w & 1);
  uint32_t ch = chroma == HEIC_CHROMA_420 ? h / 2 + (h & 1) : h;
  if (!plane_ok(api, img, heif_channel_Y, w, h, depth) ||
      (!mono && (!plane_ok(api, img, heif_channel_Cb, cw, ch, depth) ||
                 !plane_ok(api, img, heif_channel_Cr, cw, ch, depth)))) {
    lp_message_set(msg,
                   "the %ux%u image's planes are not %s at %d bits alike (libheic's encoder "
                   "codes luma and chroma at one depth)",
                   w, h, mono ? "4:0:0" : chroma_name(chroma), depth);
    return HEIC_ERR_UNSUPPORTED;
  }
  int coded = depth <= 8 ? 8 : depth <= 10 ? 10 : 12;
  if (mono) {
    /* Coded as 4:0:0 (the Monochrome profiles), a third smaller than with
     * neutral chroma.  Padded as the colour image of this encoder is, by
     * repeating the last column and row: that is the size
     * lp_query_encoded_size told libheif (before it says which image it
     * is), which writes ispe and clap from it. */
    uint32_t ew, eh;
    lp_encoded_size(chroma, w, h, &ew, &eh);
    uint16_t *y = lp_malloc_array((size_t)ew * eh, sizeof(uint16_t));
    if (!y) {
      lp_message_set(msg, "out of memory for a %ux%u picture", w, h);
      return HEIC_ERR_OUT_OF_MEMORY;
    }
    copy_plane(api, img, heif_channel_Y, depth, coded, w, h, y, ew);
    for (uint32_t r = 0; r < h; r++)
      if (ew > w) y[(size_t)r * ew + w] = y[(size_t)r * ew + w - 1];
    if (eh > h) memcpy(y + (size_t)h * ew, y + (size_t)(h - 1) * ew, (size_t)ew * sizeof(uint16_t));
    heic_plugin_picture *p = &out->pic;
    p->width = ew;
    p->height = eh;
    p->chroma = HEIC_CHROMA_400;
    p->bit_depth_luma = p->bit_depth_chroma = coded;
    p->planes[0] = y;
    p->strides[0] = ew;
    p->plane_w[0] = ew;
    p->plane_h[0] = eh;
    out->samples = y;
    out->colour = colour_of(api, img);
    return HEIC_OK;
  }
  size_t luma = (size_t)w * h, chroma_n = (size_t)cw * ch;
  uint16_t *s = lp_malloc_array(luma + 2 * chroma_n, sizeof(uint16_t));
  if (!s) {
    lp_message_set(msg, "out of memory for a %ux%u picture", w, h);
    return HEIC_ERR_OUT_OF_MEMORY;
  }
  heic_plugin_picture *p = &out->pic;
  p->width = w;
  p->height = h;
  p->chroma = chroma;
  p->bit_depth_luma = p->bit_depth_chroma = coded;
  p->planes[0] = s;
  p->planes[1] = s + luma;
  p->planes[2] = s + luma + chroma_n;
  p->strides[0] = w;
  p->strides[1] = p->strides[2] = cw;
  p->plane_w[0] = w;
  p->plane_h[0] = h;
  p->plane_w[1] = p->plane_w[2] = cw;
  p->plane_h[1] = p->plane_h[2] = ch;
  copy_plane(api, img, heif_channel_Y, depth, coded, w, h, p->planes[0], w);
  copy_plane(api, img, heif_channel_Cb, depth, coded, cw, ch, p->planes[1], cw);
  copy_plane(api, img, heif_channel_Cr, depth, coded, cw, ch, p->planes[2], cw);
  out->samples = s;
  out->colour = colour_of(api, img);
  return HEIC_OK;
}

void lp_picture_clear(lp_picture *p) {
  lp_free(p->samples);
  memset(p, 0, sizeof(*p));
}
