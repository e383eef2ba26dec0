/*
 * Internal picture.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "picture.h"

#include <string.h>

void hx_chroma_size(heic_chroma chroma, uint32_t w, uint32_t h, uint32_t *cw, uint32_t *ch) {
  switch (chroma) {
    case HEIC_CHROMA_420: *cw = (w + 1) / 2; *ch = (h + 1) / 2; break;
    case HEIC_CHROMA_422: *cw = (w + 1) / 2; *ch = h; break;
    case HEIC_CHROMA_444: *cw = w; *ch = h; break;
    default: *cw = 0; *ch = 0; break;
  }
}

static heic_status plane_alloc(hx_plane *pl, hc_mem *mem, uint32_t w, uint32_t h, int zeroed,
                               hc_err *err) {
  size_t n;
  memset(pl, 0, sizeof(*pl));
  if (hc_mul_size(w ? w : 1, h ? h : 1, &n)) return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED, "plane %ux%u too large", w, h);
  pl->data = zeroed ? hc_calloc(mem, n, sizeof(uint16_t)) : hc_malloc_array(mem, n, sizeof(uint16_t));
  if (!pl->data) return hc_fail(err, HEIC_ERR_OUT_OF_MEMORY, "out of memory for a %ux%u plane", w, h);
  pl->stride = w ? w : 1;
  pl->w = w;
  pl->h = h;
  return HEIC_OK;
}

heic_status hx_plane_alloc(hx_plane *pl, hc_mem *mem, uint32_t w, uint32_t h, hc_err *err) {
  return plane_alloc(pl, mem, w, h, 1, err);
}

void hx_plane_copy_padded(hx_plane *d, const hx_plane *s, uint32_t x0, uint32_t y0, uint32_t w,
                          uint32_t h) {
  uint32_t inside = x0 < s->w ? s->w - x0 : 0;
  if (inside > w) inside = w;
  for (uint32_t r = 0; r < h; r++) {
    uint32_t yy = y0 + r < s->h ? y0 + r : s->h - 1;
    const uint16_t *src = s->data + (size_t)yy * s->stride;
    uint16_t *dst = d->data + (size_t)r * d->stride;
    if (inside) memcpy(dst, src + x0, inside * sizeof(*dst));
    for (uint32_t x = inside; x < w; x++) dst[x] = src[s->w - 1];
  }
}

void hx_plane_free(hc_mem *mem, hx_plane *pl) {
  hc_free(mem, pl->data);
  memset(pl, 0, sizeof(*pl));
}

static heic_status picture_alloc(hx_picture *p, hc_mem *mem, uint32_t w, uint32_t h,
                                 heic_chroma chroma, int bit_depth, int zeroed, hc_err *err) {
  p->mem = mem;
  p->width = w;
  p->height = h;
  p->chroma = chroma;
  p->bit_depth = bit_depth;
  heic_status st = plane_alloc(&p->planes[0], mem, w, h, zeroed, err);
  if (st == HEIC_OK && chroma != HEIC_CHROMA_400) {
    uint32_t cw, ch;
    hx_chroma_size(chroma, w, h, &cw, &ch);
    st = plane_alloc(&p->planes[1], mem, cw, ch, zeroed, err);
    if (st == HEIC_OK) st = plane_alloc(&p->planes[2], mem, cw, ch, zeroed, err);
  }
  if (st != HEIC_OK) hx_picture_clear(p);
  return st;
}

heic_status hx_picture_alloc(hx_picture *p, hc_mem *mem, uint32_t w, uint32_t h,
                             heic_chroma chroma, int bit_depth, hc_err *err) {
  return picture_alloc(p, mem, w, h, chroma, bit_depth, 1, err);
}

heic_status hx_picture_alloc_unset(hx_picture *p, hc_mem *mem, uint32_t w, uint32_t h,
                                   heic_chroma chroma, int bit_depth, hc_err *err) {
  return picture_alloc(p, mem, w, h, chroma, bit_depth, 0, err);
}

void hx_picture_clear(hx_picture *p) {
  if (!p->mem) {
    memset(p, 0, sizeof(*p));
    return;
  }
  for (int i = 0; i < 4; i++) hx_plane_free(p->mem, &p->planes[i]);
  memset(p, 0, sizeof(*p));
}

void hx_picture_move(hx_picture *dst, hx_picture *src) {
  hx_picture_clear(dst);
  *dst = *src;
  memset(src, 0, sizeof(*src));
}
