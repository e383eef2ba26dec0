/*
 * Internal picture: planes of uint16_t samples.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Every stage of the decode pipeline (codec output, grid assembly, colour
 * conversion, transformations) works on hx_picture.  One sample type for
 * every bit depth keeps each stage a single code path; the public
 * heic_image is packed from it at the very end.
 *
 * Ownership: an hx_picture owns its planes (one allocation per plane, from
 * `mem`) and hx_picture_clear() releases them; it is safe on a zeroed or
 * half-allocated picture.
 */
#ifndef HEIC_PICTURE_H
#define HEIC_PICTURE_H

#include <stdint.h>

#include "core/error.h"
#include "core/mem.h"
#include "heic/heic_image.h"

typedef struct hx_plane {
  uint16_t *data;
  size_t stride; /* in samples */
  uint32_t w, h;
} hx_plane;

enum { HX_Y = 0, HX_CB = 1, HX_CR = 2, HX_A = 3 };
enum { HX_R = 0, HX_G = 1, HX_B = 2 };

typedef struct hx_picture {
  hc_mem *mem;
  uint32_t width, height;
  heic_chroma chroma;      /* of the colour planes; 444 when is_rgb */
  int is_rgb;              /* planes 0..2 are R, G, B instead of Y, Cb, Cr */
  int bit_depth;           /* of planes 0 (and 1, 2: chroma depth is aligned to luma) */
  int has_alpha;           /* plane 3 holds alpha at bit_depth, full size */
  hx_plane planes[4];
} hx_picture;

/* Plane size of chroma plane for a picture of w x h. */
void hx_chroma_size(heic_chroma chroma, uint32_t w, uint32_t h, uint32_t *cw, uint32_t *ch);

/* Allocates colour planes for w x h (no alpha).  p must be zeroed. */
heic_status hx_picture_alloc(hx_picture *p, hc_mem *mem, uint32_t w, uint32_t h,
                             heic_chroma chroma, int bit_depth, hc_err *err);
/* hx_picture_alloc() without zeroing the samples, for a caller that writes
 * every one of them: pages of a large plane are then touched only as it is
 * filled, instead of all at once by the zeroing. */
heic_status hx_picture_alloc_unset(hx_picture *p, hc_mem *mem, uint32_t w, uint32_t h,
                                   heic_chroma chroma, int bit_depth, hc_err *err);
/* Allocates a plane of w x h into pl (data zeroed). */
heic_status hx_plane_alloc(hx_plane *pl, hc_mem *mem, uint32_t w, uint32_t h, hc_err *err);
/* Copies w x h samples of s, from (x0, y0), into d's top-left corner;
 * columns and rows beyond s's edge repeat its last ones (the padding of a
 * partial tile or band, which keeps the coder from an artificial edge). */
void hx_plane_copy_padded(hx_plane *d, const hx_plane *s, uint32_t x0, uint32_t y0, uint32_t w,
                          uint32_t h);
void hx_plane_free(hc_mem *mem, hx_plane *pl);
void hx_picture_clear(hx_picture *p);
/* Moves src into dst (dst cleared first), leaving src zeroed. */
void hx_picture_move(hx_picture *dst, hx_picture *src);

#endif
