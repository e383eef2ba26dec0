/*
 * Geometric transformations.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "transform.h"

#include <math.h>
#include <string.h>

/* Subsampling factors of plane i (1 or 2) relative to the luma grid. */
static void plane_scale(const hx_picture *pic, int i, uint32_t *sx, uint32_t *sy) {
  *sx = *sy = 1;
  if (i == HX_CB || i == HX_CR) {
    if (pic->chroma == HEIC_CHROMA_420) *sx = *sy = 2;
    if (pic->chroma == HEIC_CHROMA_422) *sx = 2;
  }
}

int hx_crop_keeps_chroma(const hx_picture *pic, uint32_t x, uint32_t y) {
  if (pic->is_rgb || pic->chroma == HEIC_CHROMA_444 || pic->chroma == HEIC_CHROMA_400) return 1;
  if (x & 1) return 0;
  return pic->chroma != HEIC_CHROMA_420 || !(y & 1);
}

int hx_rotate_keeps_chroma(const hx_picture *pic, unsigned quarter_turns) {
  return pic->is_rgb || pic->chroma != HEIC_CHROMA_422 || !(quarter_turns & 1);
}

static void free_planes(hc_mem *mem, hx_plane planes[4]) {
  for (int i = 0; i < 4; i++) hx_plane_free(mem, &planes[i]);
}

/* Installs new planes into pic after a successful operation. */
static void replace_planes(hx_picture *pic, hx_plane planes[4], uint32_t w, uint32_t h) {
  free_planes(pic->mem, pic->planes);
  memcpy(pic->planes, planes, sizeof(pic->planes));
  pic->width = w;
  pic->height = h;
}

heic_status hx_crop(hx_picture *pic, uint32_t x, uint32_t y, uint32_t w, uint32_t h, hc_err *err) {
  if (!w || !h || x > pic->width || y > pic->height || w > pic->width - x || h > pic->height - y)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT, "crop %ux%u at (%u,%u) does not fit a %ux%u image",
                   w, h, x, y, pic->width, pic->height);
  hx_plane out[4];
  memset(out, 0, sizeof(out));
  for (int i = 0; i < 4; i++) {
    const hx_plane *src = &pic->planes[i];
    if (!src->data) continue;
    uint32_t sx, sy;
    plane_scale(pic, i, &sx, &sy);
    uint32_t px = x / sx, py = y / sy;
    uint32_t pw = (x + w + sx - 1) / sx - px, ph = (y + h + sy - 1) / sy - py;
    if (pw > src->w - px) pw = src->w - px;
    if (ph > src->h - py) ph = src->h - py;
    if (hx_plane_alloc(&out[i], pic->mem, pw, ph, err) != HEIC_OK) {
      free_planes(pic->mem, out);
      return err->code;
    }
    for (uint32_t r = 0; r < ph; r++)
      memcpy(out[i].data + r * out[i].stride, src->data + (py + r) * src->stride + px,
             pw * sizeof(uint16_t));
  }
  replace_planes(pic, out, w, h);
  return HEIC_OK;
}

heic_status hx_rotate(hx_picture *pic, unsigned quarter_turns, hc_err *err) {
  quarter_turns &= 3;
  if (!quarter_turns) return HEIC_OK;
  hx_plane out[4];
  memset(out, 0, sizeof(out));
  for (int i = 0; i < 4; i++) {
    const hx_plane *src = &pic->planes[i];
    if (!src->data) continue;
    uint32_t sw = src->w, sh = src->h;
    uint32_t dw = quarter_turns == 2 ? sw : sh, dh = quarter_turns == 2 ? sh : sw;
    if (hx_plane_alloc(&out[i], pic->mem, dw, dh, err) != HEIC_OK) {
      free_planes(pic->mem, out);
      return err->code;
    }
    uint16_t *d = out[i].data;
    size_t ds = out[i].stride;
    for (uint32_t r = 0; r < sh; r++) {
      const uint16_t *s = src->data + r * src->stride;
      for (uint32_t c = 0; c < sw; c++) {
        /* Anticlockwise: (c, r) moves to (r, sw-1-c) for one quarter turn. */
        uint32_t dx, dy;
        if (quarter_turns == 1) { dx = r; dy = sw - 1 - c; }
        else if (quarter_turns == 2) { dx = sw - 1 - c; dy = sh - 1 - r; }
        else { dx = sh - 1 - r; dy = c; }
        d[dy * ds + dx] = s[c];
      }
    }
  }
  uint32_t w = quarter_turns == 2 ? pic->width : pic->height;
  uint32_t h = quarter_turns == 2 ? pic->height : pic->width;
  replace_planes(pic, out, w, h);
  return HEIC_OK;
}

heic_status hx_mirror(hx_picture *pic, unsigned axis, hc_err *err) {
  (void)err; /* done in place: cannot fail */
  for (int i = 0; i < 4; i++) {
    hx_plane *p = &pic->planes[i];
    if (!p->data) continue;
    if (axis == 1) {
      for (uint32_t r = 0; r < p->h; r++) {
        uint16_t *row = p->data + r * p->stride;
        for (uint32_t a = 0, b = p->w ? p->w - 1 : 0; a < b; a++, b--) {
          uint16_t t = row[a];
          row[a] = row[b];
          row[b] = t;
        }
      }
    } else {
      for (uint32_t a = 0, b = p->h ? p->h - 1 : 0; a < b; a++, b--) {
        uint16_t *ra = p->data + a * p->stride, *rb = p->data + b * p->stride;
        for (uint32_t c = 0; c < p->w; c++) {
          uint16_t t = ra[c];
          ra[c] = rb[c];
          rb[c] = t;
        }
      }
    }
  }
  return HEIC_OK;
}

heic_status hx_clap_rect(const hf_clap *clap, uint32_t w, uint32_t h, uint32_t *x, uint32_t *y,
                         uint32_t *cw, uint32_t *ch, hc_err *err) {
  if (!clap->width_d || !clap->height_d || !clap->horiz_off_d || !clap->vert_off_d)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT, "clap has a zero denominator");
  double cwf = (double)clap->width_n / clap->width_d;
  double chf = (double)clap->height_n / clap->height_d;
  /* The clean aperture is centred on the image centre plus the offset. */
  double left = (double)clap->horiz_off_n / clap->horiz_off_d + (w - cwf) / 2.0;
  double top = (double)clap->vert_off_n / clap->vert_off_d + (h - chf) / 2.0;
  double l = floor(left + 0.5), t = floor(top + 0.5);
  double rw = floor(cwf + 0.5), rh = floor(chf + 0.5);
  if (l < 0 || t < 0 || rw < 1 || rh < 1 || l + rw > w || t + rh > h)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT,
                   "clap window %.1fx%.1f at (%.1f,%.1f) lies outside the %ux%u image", cwf, chf,
                   left, top, w, h);
  *x = (uint32_t)l;
  *y = (uint32_t)t;
  *cw = (uint32_t)rw;
  *ch = (uint32_t)rh;
  return HEIC_OK;
}

heic_status hx_upsample_444(hx_picture *pic, hc_err *err) {
  if (pic->is_rgb || pic->chroma == HEIC_CHROMA_444 || pic->chroma == HEIC_CHROMA_400) return HEIC_OK;
  hx_plane out[2];
  memset(out, 0, sizeof(out));
  uint32_t sx, sy;
  plane_scale(pic, HX_CB, &sx, &sy);
  for (int i = 0; i < 2; i++) {
    const hx_plane *src = &pic->planes[HX_CB + i];
    if (hx_plane_alloc(&out[i], pic->mem, pic->width, pic->height, err) != HEIC_OK) {
      hx_plane_free(pic->mem, &out[0]);
      return err->code;
    }
    for (uint32_t r = 0; r < pic->height; r++)
      for (uint32_t c = 0; c < pic->width; c++)
        out[i].data[r * out[i].stride + c] = src->data[(r / sy) * src->stride + c / sx];
  }
  for (int i = 0; i < 2; i++) {
    hx_plane_free(pic->mem, &pic->planes[HX_CB + i]);
    pic->planes[HX_CB + i] = out[i];
  }
  pic->chroma = HEIC_CHROMA_444;
  return HEIC_OK;
}
