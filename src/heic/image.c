/*
 * heic_image.  SPDX-License-Identifier: BSD-2-Clause
 */
/* madvise() and MADV_DONTNEED are outside POSIX; they release the rows an
 * encode has finished with (hx_image_release_rows). */
#define _DEFAULT_SOURCE

#include "image.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "heic/heic_encode.h"

struct heic_image {
  heic_allocator *alloc; /* the image's reference */
  hc_mem mem;            /* account of the image's own bytes */
  uint32_t width, height;
  heic_layout layout;
  heic_chroma chroma;
  int bit_depth, has_alpha, premultiplied, components;
  heic_nclx nclx;
  heic_hdr hdr; /* for encoding: what heic_image_set_hdr gave */
  uint8_t *planes[4];
  size_t strides[4];
  uint32_t pw[4], ph[4];
  int writable; /* made by heic_image_new (input for encoding) */
};

void heic_image_free(heic_image **pimg) {
  if (!pimg || !*pimg) return;
  heic_image *img = *pimg;
  *pimg = NULL;
  for (int i = 0; i < 4; i++) hc_free(&img->mem, img->planes[i]);
  heic_allocator *a = img->alloc;
  hc_allocator_free(a, img);
  hc_allocator_unref(a);
}

uint32_t heic_image_width(const heic_image *img) { return img ? img->width : 0; }
uint32_t heic_image_height(const heic_image *img) { return img ? img->height : 0; }
heic_layout heic_image_layout(const heic_image *img) { return img ? img->layout : HEIC_LAYOUT_RGB; }
heic_chroma heic_image_chroma(const heic_image *img) { return img ? img->chroma : HEIC_CHROMA_444; }
int heic_image_bit_depth(const heic_image *img) { return img ? img->bit_depth : 0; }
int heic_image_has_alpha(const heic_image *img) { return img ? img->has_alpha : 0; }
int heic_image_alpha_premultiplied(const heic_image *img) { return img ? img->premultiplied : 0; }
int heic_image_components(const heic_image *img) { return img ? img->components : 0; }

heic_nclx heic_image_nclx(const heic_image *img) {
  heic_nclx none = {2, 2, 2, 1};
  return img ? img->nclx : none;
}

const uint8_t *heic_image_plane(const heic_image *img, heic_plane_id plane, size_t *stride,
                                uint32_t *w, uint32_t *h) {
  int i = (int)plane;
  int ok = img && i >= 0 && i < 4 && img->planes[i];
  if (stride) *stride = ok ? img->strides[i] : 0;
  if (w) *w = ok ? img->pw[i] : 0;
  if (h) *h = ok ? img->ph[i] : 0;
  return ok ? img->planes[i] : NULL;
}

static heic_status alloc_plane(heic_image *img, int i, uint32_t w, uint32_t h, size_t bytes_per_px,
                               hc_err *err) {
  size_t stride, total;
  if (hc_mul_size(w ? w : 1, bytes_per_px, &stride) || hc_mul_size(stride, h ? h : 1, &total))
    return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED, "image %ux%u too large", w, h);
  img->planes[i] = hc_malloc(&img->mem, total);
  if (!img->planes[i]) return hc_fail(err, HEIC_ERR_OUT_OF_MEMORY, "out of memory for a %ux%u image", w, h);
  img->strides[i] = stride;
  img->pw[i] = w;
  img->ph[i] = h;
  return HEIC_OK;
}

/* Copies one hx_plane into an image plane of 1 (8-bit) or 2 byte samples. */
static void pack_plane(const hx_plane *src, uint8_t *dst, size_t stride, int wide) {
  for (uint32_t r = 0; r < src->h; r++) {
    const uint16_t *s = src->data + r * src->stride;
    if (wide) {
      memcpy(dst + r * stride, s, src->w * sizeof(uint16_t));
    } else {
      uint8_t *d = dst + r * stride;
      for (uint32_t c = 0; c < src->w; c++) d[c] = (uint8_t)s[c];
    }
  }
}

heic_status hx_image_from_picture(const hx_picture *pic, heic_layout layout, heic_allocator *alloc,
                                  const heic_nclx *nclx, int premultiplied, heic_image **out,
                                  hc_err *err) {
  *out = NULL;
  if ((layout == HEIC_LAYOUT_RGB) != (pic->is_rgb != 0))
    return hc_fail(err, HEIC_ERR_INTERNAL, "picture layout does not match the requested output");
  heic_image *img = hc_allocator_malloc(alloc, sizeof(*img));
  if (!img) return hc_fail_oom(err);
  memset(img, 0, sizeof(*img));
  img->alloc = hc_allocator_ref(alloc);
  hc_mem_init(&img->mem, alloc, 0);
  img->width = pic->width;
  img->height = pic->height;
  img->layout = layout;
  img->chroma = pic->is_rgb ? HEIC_CHROMA_444 : pic->chroma;
  img->bit_depth = pic->bit_depth;
  img->has_alpha = pic->has_alpha;
  img->premultiplied = premultiplied && pic->has_alpha;
  if (nclx) img->nclx = *nclx;
  int wide = pic->bit_depth > 8;
  size_t bps = wide ? 2 : 1;
  heic_status st = HEIC_OK;
  if (layout == HEIC_LAYOUT_RGB) {
    int nc = pic->has_alpha ? 4 : 3;
    img->components = nc;
    st = alloc_plane(img, 0, pic->width, pic->height, bps * (size_t)nc, err);
    if (st != HEIC_OK) goto fail;
    for (uint32_t r = 0; r < pic->height; r++) {
      uint8_t *row = img->planes[0] + r * img->strides[0];
      for (int c = 0; c < nc; c++) {
        const uint16_t *s = pic->planes[c].data + r * pic->planes[c].stride;
        if (wide) {
          uint16_t *d = (uint16_t *)(void *)row + c;
          for (uint32_t x = 0; x < pic->width; x++) d[(size_t)x * nc] = s[x];
        } else {
          uint8_t *d = row + c;
          for (uint32_t x = 0; x < pic->width; x++) d[(size_t)x * nc] = (uint8_t)s[x];
        }
      }
    }
  } else {
    img->components = 1;
    for (int i = 0; i < 4; i++) {
      const hx_plane *p = &pic->planes[i];
      if (!p->data) continue;
      st = alloc_plane(img, i, p->w, p->h, bps, err);
      if (st != HEIC_OK) goto fail;
      pack_plane(p, img->planes[i], img->strides[i], wide);
    }
  }
  *out = img;
  return HEIC_OK;
fail:
  heic_image_free(&img);
  return st;
}

/* ---- images made by the caller, for encoding ---- */

static heic_status image_new(heic_image **out, heic_allocator *alloc, uint32_t width, uint32_t height,
                             heic_layout layout, heic_chroma chroma, int bit_depth, int has_alpha,
                             int zeroed) {
  if (!out) return HEIC_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!width || !height || bit_depth < 8 || bit_depth > 16 ||
      (layout != HEIC_LAYOUT_RGB && layout != HEIC_LAYOUT_YCBCR) || (int)chroma < 0 || chroma > HEIC_CHROMA_444)
    return HEIC_ERR_INVALID_ARGUMENT;
  heic_allocator *own = NULL;
  if (!alloc) {
    heic_status st = heic_allocator_new(&own, NULL);
    if (st != HEIC_OK) return st;
    alloc = own;
  }
  hc_err err;
  hc_err_clear(&err);
  heic_status st = HEIC_ERR_OUT_OF_MEMORY;
  heic_image *img = hc_allocator_malloc(alloc, sizeof(*img));
  if (!img) goto done;
  memset(img, 0, sizeof(*img));
  img->alloc = hc_allocator_ref(alloc);
  hc_mem_init(&img->mem, alloc, 0);
  img->width = width;
  img->height = height;
  img->layout = layout;
  img->chroma = layout == HEIC_LAYOUT_RGB ? HEIC_CHROMA_444 : chroma;
  img->bit_depth = bit_depth;
  img->has_alpha = has_alpha != 0;
  img->writable = 1;
  img->nclx = (heic_nclx){1, 13, 6, 1}; /* sRGB */
  size_t bps = bit_depth > 8 ? 2 : 1;
  if (layout == HEIC_LAYOUT_RGB) {
    img->components = has_alpha ? 4 : 3;
    st = alloc_plane(img, 0, width, height, bps * (size_t)img->components, &err);
  } else {
    img->components = 1;
    st = alloc_plane(img, 0, width, height, bps, &err);
    if (st == HEIC_OK && chroma != HEIC_CHROMA_400) {
      uint32_t cw, ch;
      hx_chroma_size(chroma, width, height, &cw, &ch);
      st = alloc_plane(img, 1, cw, ch, bps, &err);
      if (st == HEIC_OK) st = alloc_plane(img, 2, cw, ch, bps, &err);
    }
    if (st == HEIC_OK && has_alpha) st = alloc_plane(img, 3, width, height, bps, &err);
  }
  if (st == HEIC_OK) {
    for (int i = 0; zeroed && i < 4; i++)
      if (img->planes[i]) memset(img->planes[i], 0, img->strides[i] * img->ph[i]);
    *out = img;
    img = NULL;
  }
done:
  heic_image_free(&img);
  hc_allocator_unref(own);
  return st;
}

heic_status heic_image_new(heic_image **out, heic_allocator *alloc, uint32_t width, uint32_t height,
                           heic_layout layout, heic_chroma chroma, int bit_depth, int has_alpha) {
  return image_new(out, alloc, width, height, layout, chroma, bit_depth, has_alpha, 1);
}

heic_status heic_image_new_uninit(heic_image **out, heic_allocator *alloc, uint32_t width,
                                  uint32_t height, heic_layout layout, heic_chroma chroma,
                                  int bit_depth, int has_alpha) {
  return image_new(out, alloc, width, height, layout, chroma, bit_depth, has_alpha, 0);
}

uint8_t *heic_image_plane_mut(heic_image *img, heic_plane_id plane, size_t *stride) {
  int i = (int)plane;
  int ok = img && img->writable && i >= 0 && i < 4 && img->planes[i];
  if (stride) *stride = ok ? img->strides[i] : 0;
  return ok ? img->planes[i] : NULL;
}

void heic_image_set_nclx(heic_image *img, const heic_nclx *nclx) {
  if (img && nclx && img->writable) img->nclx = *nclx;
}

void heic_image_set_premultiplied(heic_image *img, int premultiplied) {
  if (img && img->writable) img->premultiplied = premultiplied != 0;
}

void heic_image_set_hdr(heic_image *img, const heic_hdr *hdr) {
  if (!img || !img->writable) return;
  if (hdr)
    img->hdr = *hdr;
  else
    memset(&img->hdr, 0, sizeof(img->hdr));
}

heic_hdr hx_image_hdr(const heic_image *img) {
  heic_hdr none;
  memset(&none, 0, sizeof(none));
  return img ? img->hdr : none;
}

static uint16_t sample_at(const uint8_t *row, size_t index, int wide) {
  return wide ? ((const uint16_t *)(const void *)row)[index] : row[index];
}

heic_status hx_picture_from_image(const heic_image *img, hc_mem *mem, hx_picture *out, hc_err *err) {
  memset(out, 0, sizeof(*out));
  int wide = img->bit_depth > 8;
  heic_status st = hx_picture_alloc(out, mem, img->width, img->height,
                                    img->layout == HEIC_LAYOUT_RGB ? HEIC_CHROMA_444 : img->chroma,
                                    img->bit_depth, err);
  if (st == HEIC_OK && img->has_alpha) {
    st = hx_plane_alloc(&out->planes[HX_A], mem, img->width, img->height, err);
    out->has_alpha = st == HEIC_OK;
  }
  if (st != HEIC_OK) {
    hx_picture_clear(out);
    return st;
  }
  uint16_t maxv = (uint16_t)((1u << img->bit_depth) - 1);
  if (img->layout == HEIC_LAYOUT_RGB) {
    out->is_rgb = 1;
    int nc = img->components;
    for (uint32_t r = 0; r < img->height; r++) {
      const uint8_t *row = img->planes[0] + r * img->strides[0];
      for (int c = 0; c < nc; c++) {
        uint16_t *d = out->planes[c].data + r * out->planes[c].stride;
        for (uint32_t x = 0; x < img->width; x++) {
          uint16_t v = sample_at(row, (size_t)x * nc + c, wide);
          d[x] = v > maxv ? maxv : v;
        }
      }
    }
  } else {
    for (int i = 0; i < 4; i++) {
      if (!img->planes[i] || !out->planes[i].data) continue;
      for (uint32_t r = 0; r < img->ph[i]; r++) {
        const uint8_t *row = img->planes[i] + r * img->strides[i];
        uint16_t *d = out->planes[i].data + r * out->planes[i].stride;
        for (uint32_t x = 0; x < img->pw[i]; x++) {
          uint16_t v = sample_at(row, x, wide);
          d[x] = v > maxv ? maxv : v;
        }
      }
    }
  }
  return HEIC_OK;
}

/* Rows of an interleaved RGB[A] image, clamped as hx_picture_from_image()
 * clamps, so that converting from rows gives what converting the unpacked
 * picture gave. */
void hx_image_rgb_row(const void *src, uint32_t y, uint16_t *r, uint16_t *g, uint16_t *b) {
  const heic_image *img = src;
  const uint8_t *row = img->planes[0] + y * img->strides[0];
  const size_t nc = (size_t)img->components;
  if (img->bit_depth == 8) {
    /* 8-bit samples cannot exceed the maximum: no clamping. */
    for (uint32_t x = 0; x < img->width; x++) {
      const uint8_t *px = row + x * nc;
      r[x] = px[0];
      g[x] = px[1];
      b[x] = px[2];
    }
    return;
  }
  const uint16_t maxv = (uint16_t)((1u << img->bit_depth) - 1);
  const uint16_t *row16 = (const uint16_t *)(const void *)row;
  for (uint32_t x = 0; x < img->width; x++) {
    const uint16_t *px = row16 + x * nc;
    r[x] = px[0] > maxv ? maxv : px[0];
    g[x] = px[1] > maxv ? maxv : px[1];
    b[x] = px[2] > maxv ? maxv : px[2];
  }
}

void hx_image_alpha_row(const heic_image *img, uint32_t y, uint16_t *a) {
  const int wide = img->bit_depth > 8;
  const uint16_t maxv = (uint16_t)((1u << img->bit_depth) - 1);
  if (img->layout == HEIC_LAYOUT_RGB) {
    const uint8_t *row = img->planes[0] + y * img->strides[0];
    const size_t nc = (size_t)img->components;
    for (uint32_t x = 0; x < img->width; x++) {
      uint16_t v = sample_at(row, x * nc + 3, wide);
      a[x] = v > maxv ? maxv : v;
    }
  } else {
    const uint8_t *row = img->planes[3] + y * img->strides[3];
    for (uint32_t x = 0; x < img->width; x++) {
      uint16_t v = sample_at(row, x, wide);
      a[x] = v > maxv ? maxv : v;
    }
  }
}

void hx_image_release_rows(heic_image *img, uint32_t rows) {
#if defined(MADV_DONTNEED)
  /* Whole pages only, inside the rows: the plane's first and last partial
   * pages may be shared with other blocks of the allocator.  MADV_DONTNEED
   * leaves the pages mapped (reading as zeros), so the block stays valid to
   * free; a refusal (locked memory) just keeps them. */
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0 || !img->planes[0] || rows > img->ph[0]) return;
  uintptr_t start = (uintptr_t)img->planes[0];
  uintptr_t end = start + (uintptr_t)rows * img->strides[0];
  start = (start + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
  end &= ~((uintptr_t)page - 1);
  if (end > start) (void)madvise((void *)start, end - start, MADV_DONTNEED);
#else
  (void)img;
  (void)rows;
#endif
}
