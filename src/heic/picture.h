/*
 * Internal picture: planes of uint16_t samples.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Every stage of the decode pipeline (codec output, grid assembly, colour
 * conversion, transformations) works on hx_picture.  One sample type for
 * every bit depth keeps each stage a single code path; the public
 * heic_image is packed from it at the very end.
 *
 * The one exception is the streaming decode (decode_rows.c), which holds
 * coded 8-bit pictures and strips of tiles with 8-bit storage (`bytes`
 * instead of `data`) - half the memory of the largest things it holds - and
 * widens a row at a time as it reads them (hx_plane_read_row).  Only the
 * functions below that say so accept such planes; a picture goes through
 * hx_picture_widen() before anything else sees it.
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
  uint16_t *data; /* the samples; NULL when `bytes` holds them */
  uint8_t *bytes; /* 8-bit storage of an 8-bit plane (see above), else NULL */
  size_t stride;  /* in samples */
  uint32_t w, h;
} hx_plane;

/* Whether the plane has samples, in either storage. */
static inline int hx_plane_held(const hx_plane *pl) { return pl->data || pl->bytes; }

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
/* hx_picture_alloc() of an 8-bit picture with 8-bit storage (see above). */
heic_status hx_picture_alloc8(hx_picture *p, hc_mem *mem, uint32_t w, uint32_t h,
                              heic_chroma chroma, hc_err *err);
/* Allocates a plane of w x h into pl (data zeroed). */
heic_status hx_plane_alloc(hx_plane *pl, hc_mem *mem, uint32_t w, uint32_t h, hc_err *err);
/* Copies w x h samples of s, from (x0, y0), into d's top-left corner;
 * columns and rows beyond s's edge repeat its last ones (the padding of a
 * partial tile or band, which keeps the coder from an artificial edge). */
void hx_plane_copy_padded(hx_plane *d, const hx_plane *s, uint32_t x0, uint32_t y0, uint32_t w,
                          uint32_t h);
/* hx_plane_alloc(), or with 8-bit storage (pl->bytes; zeroed) when bytes. */
heic_status hx_plane_alloc_as(hx_plane *pl, hc_mem *mem, uint32_t w, uint32_t h, int bytes,
                              hc_err *err);
/* Samples [x0, x0 + n) of row y of pl, in either storage, into dst. */
void hx_plane_read_row(const hx_plane *pl, uint32_t y, uint32_t x0, uint32_t n, uint16_t *dst);
/* Copies the w x h block of s at (sx, sy) to d at (dx, dy), in either
 * storage on either side (8-bit storage takes 16-bit samples of at most
 * 255, which is what an 8-bit picture holds). */
void hx_plane_blit(hx_plane *d, uint32_t dx, uint32_t dy, const hx_plane *s, uint32_t sx,
                   uint32_t sy, uint32_t w, uint32_t h);
/* Gives every plane of p with 8-bit storage 16-bit storage instead.  On
 * failure p is still whole (some planes may be widened already) and
 * hx_picture_clear() releases it as ever. */
heic_status hx_picture_widen(hx_picture *p, hc_err *err);
/* Frees a plane in either storage. */
void hx_plane_free(hc_mem *mem, hx_plane *pl);
void hx_picture_clear(hx_picture *p);
/* Moves src into dst (dst cleared first), leaving src zeroed. */
void hx_picture_move(hx_picture *dst, hx_picture *src);

#endif
