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

static heic_status plane_alloc_size(hx_plane *pl, hc_mem *mem, uint32_t w, uint32_t h,
                                    size_t bps, int zeroed, hc_err *err) {
  size_t n;
  memset(pl, 0, sizeof(*pl));
  if (hc_mul_size(w ? w : 1, h ? h : 1, &n)) return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED, "plane %ux%u too large", w, h);
  void *p = zeroed ? hc_calloc(mem, n, bps) : hc_malloc_array(mem, n, bps);
  if (!p) return hc_fail(err, HEIC_ERR_OUT_OF_MEMORY, "out of memory for a %ux%u plane", w, h);
  if (bps == 1) pl->bytes = p;
  else pl->data = p;
  pl->stride = w ? w : 1;
  pl->w = w;
  pl->h = h;
  return HEIC_OK;
}

static heic_status plane_alloc(hx_plane *pl, hc_mem *mem, uint32_t w, uint32_t h, int zeroed,
                               hc_err *err) {
  return plane_alloc_size(pl, mem, w, h, sizeof(uint16_t), zeroed, err);
}

heic_status hx_plane_alloc(hx_plane *pl, hc_mem *mem, uint32_t w, uint32_t h, hc_err *err) {
  return hx_plane_alloc_as(pl, mem, w, h, 0, err);
}

heic_status hx_plane_alloc_as(hx_plane *pl, hc_mem *mem, uint32_t w, uint32_t h, int bytes,
                              hc_err *err) {
  return plane_alloc_size(pl, mem, w, h, bytes ? 1 : sizeof(uint16_t), 1, err);
}

void hx_plane_read_row(const hx_plane *pl, uint32_t y, uint32_t x0, uint32_t n, uint16_t *dst) {
  size_t at = (size_t)y * pl->stride + x0;
  if (pl->data) {
    memcpy(dst, pl->data + at, (size_t)n * sizeof(*dst));
  } else {
    const uint8_t *src = pl->bytes + at;
    for (uint32_t x = 0; x < n; x++) dst[x] = src[x];
  }
}

void hx_plane_blit(hx_plane *d, uint32_t dx, uint32_t dy, const hx_plane *s, uint32_t sx,
                   uint32_t sy, uint32_t w, uint32_t h) {
  for (uint32_t r = 0; r < h; r++) {
    size_t di = (size_t)(dy + r) * d->stride + dx, si = (size_t)(sy + r) * s->stride + sx;
    if (d->data && s->data) {
      memcpy(d->data + di, s->data + si, (size_t)w * sizeof(uint16_t));
    } else if (d->bytes && s->bytes) {
      memcpy(d->bytes + di, s->bytes + si, w);
    } else if (d->data) {
      for (uint32_t x = 0; x < w; x++) d->data[di + x] = s->bytes[si + x];
    } else {
      for (uint32_t x = 0; x < w; x++) {
        uint16_t v = s->data[si + x];
        d->bytes[di + x] = (uint8_t)(v > 255 ? 255 : v);
      }
    }
  }
}

heic_status hx_picture_widen(hx_picture *p, hc_err *err) {
  for (int i = 0; i < 4; i++) {
    hx_plane *pl = &p->planes[i];
    if (!pl->bytes) continue;
    hx_plane wide;
    heic_status st = plane_alloc(&wide, p->mem, pl->w, pl->h, 0, err);
    if (st != HEIC_OK) return st;
    hx_plane_blit(&wide, 0, 0, pl, 0, 0, pl->w, pl->h);
    hx_plane_free(p->mem, pl);
    *pl = wide;
  }
  return HEIC_OK;
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
  hc_free(mem, pl->bytes);
  memset(pl, 0, sizeof(*pl));
}

static heic_status picture_alloc(hx_picture *p, hc_mem *mem, uint32_t w, uint32_t h,
                                 heic_chroma chroma, int bit_depth, size_t bps, int zeroed,
                                 hc_err *err) {
  p->mem = mem;
  p->width = w;
  p->height = h;
  p->chroma = chroma;
  p->bit_depth = bit_depth;
  heic_status st = plane_alloc_size(&p->planes[0], mem, w, h, bps, zeroed, err);
  if (st == HEIC_OK && chroma != HEIC_CHROMA_400) {
    uint32_t cw, ch;
    hx_chroma_size(chroma, w, h, &cw, &ch);
    st = plane_alloc_size(&p->planes[1], mem, cw, ch, bps, zeroed, err);
    if (st == HEIC_OK) st = plane_alloc_size(&p->planes[2], mem, cw, ch, bps, zeroed, err);
  }
  if (st != HEIC_OK) hx_picture_clear(p);
  return st;
}

heic_status hx_picture_alloc(hx_picture *p, hc_mem *mem, uint32_t w, uint32_t h,
                             heic_chroma chroma, int bit_depth, hc_err *err) {
  return picture_alloc(p, mem, w, h, chroma, bit_depth, sizeof(uint16_t), 1, err);
}

heic_status hx_picture_alloc8(hx_picture *p, hc_mem *mem, uint32_t w, uint32_t h,
                              heic_chroma chroma, hc_err *err) {
  return picture_alloc(p, mem, w, h, chroma, 8, 1, 1, err);
}

heic_status hx_picture_alloc_unset(hx_picture *p, hc_mem *mem, uint32_t w, uint32_t h,
                                   heic_chroma chroma, int bit_depth, hc_err *err) {
  return picture_alloc(p, mem, w, h, chroma, bit_depth, sizeof(uint16_t), 0, err);
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
