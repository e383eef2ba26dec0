/*
 * Streaming decode: heic_context_decode_item_rows() (heic/heic_stream.h).
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The whole-image decode (decode.c) assembles the pre-transformation
 * picture of an item (its "canvas"), converts it to RGB, transforms it and
 * packs it.  Here the same picture is a *source* that is read a span of a
 * row at a time, and each band of output rows is made directly from it:
 *
 *  - The transformations (clap, irot, imir, in ipma order) are simulated
 *    on the geometry only, giving for each plane an affine map from output
 *    coordinates to canvas coordinates (a signed permutation plus an
 *    offset: crops, quarter turns and mirrors compose into one).  A band's
 *    rows are the image of a rectangle of the canvas: rows of it when the
 *    output is not turned a quarter, columns when it is.
 *  - For RGB output each canvas row of that rectangle is converted with the
 *    span conversion hx_ycbcr_to_rgb() itself uses (colour.h), reading the
 *    chroma rows and columns of the whole canvas it names - across tile
 *    seams, so bilinear upsampling is what the whole picture gives - and
 *    the converted pixels are scattered to their output positions.  YCbCr
 *    output scatters each plane's samples the same way, through that
 *    plane's own map (chroma planes are transformed at their own
 *    resolution, as hx_crop/hx_rotate/hx_mirror do).
 *  - A grid source holds only the strips of tiles (rows of tiles, or
 *    columns when the output is turned a quarter) that the current band
 *    reads; it decodes a strip's tiles when a band first needs them and
 *    frees the strip when the bands have moved past it.  The bands move
 *    monotonically over the canvas, so a strip is decoded once.
 *  - Any other source is one picture, decoded whole by hx_decode_node()
 *    exactly as the whole-image decode does.  A coded picture's alpha image
 *    is then a source of its own beside it (as a grid's is), not attached.
 *  - 8-bit tiles, strips and coded pictures are held in 8-bit storage
 *    (picture.h), straight from the decoder plugin: no 16-bit copy of them
 *    is made, only of the spans being converted.
 *
 * When the transformations would re-site chroma (YCbCr output with a clap
 * at an odd offset or a quarter turn of 4:2:2) the item is decoded and
 * transformed whole through decode.c's own functions and only banded
 * here; likewise a grid whose subsampled tiles have an odd size is
 * assembled whole, because its tiles' chroma overlaps and the placement
 * order decides the overlap.
 */
#include <string.h>

#include "decode.h"
#include "heic/heic_stream.h"
#include "transform.h"

#define T_GRID HF_4CC('g', 'r', 'i', 'd')
#define T_HVC1 HF_4CC('h', 'v', 'c', '1')
#define T_PREM HF_4CC('p', 'r', 'e', 'm')

/* Output rows per band: even (4:2:0 bands then start on even rows), and
 * small beside a strip of 512-row tiles. */
#define BAND_ROWS 64u

/* ------------------------------------------------------------------ */
/* Geometry: affine maps from output to canvas coordinates             */
/* ------------------------------------------------------------------ */

/* (x, y) -> (x0 + xx * x + xy * y, y0 + yx * x + yy * y), the 2x2 part a
 * signed permutation (so its inverse is its transpose). */
typedef struct amap {
  int64_t x0, y0;
  int64_t xx, xy, yx, yy;
} amap;

/* A plane as the transformations leave it: its size, and where each of its
 * samples comes from on the canvas plane. */
typedef struct pstate {
  amap m;
  uint32_t w, h;
} pstate;

static void ps_init(pstate *p, uint32_t w, uint32_t h) {
  memset(p, 0, sizeof(*p));
  p->m.xx = p->m.yy = 1;
  p->w = w;
  p->h = h;
}

/* p->m followed by t on the output side: new = m(t(x, y)). */
static void ps_then(pstate *p, const amap *t) {
  amap m = p->m, r;
  r.x0 = m.x0 + m.xx * t->x0 + m.xy * t->y0;
  r.y0 = m.y0 + m.yx * t->x0 + m.yy * t->y0;
  r.xx = m.xx * t->xx + m.xy * t->yx;
  r.xy = m.xx * t->xy + m.xy * t->yy;
  r.yx = m.yx * t->xx + m.yy * t->yx;
  r.yy = m.yx * t->xy + m.yy * t->yy;
  p->m = r;
}

static void ps_crop(pstate *p, uint32_t x, uint32_t y, uint32_t w, uint32_t h) {
  amap t = {x, y, 1, 0, 0, 1};
  ps_then(p, &t);
  p->w = w;
  p->h = h;
}

/* As hx_rotate(): anticlockwise quarter turns; the sample at (c, r) of the
 * source goes to (r, w-1-c) for one turn. */
static void ps_rotate(pstate *p, unsigned q) {
  int64_t w = p->w, h = p->h;
  amap t;
  switch (q & 3) {
    case 1: t = (amap){w - 1, 0, 0, -1, 1, 0}; break;
    case 2: t = (amap){w - 1, h - 1, -1, 0, 0, -1}; break;
    case 3: t = (amap){0, h - 1, 0, 1, -1, 0}; break;
    default: return;
  }
  ps_then(p, &t);
  if (q & 1) {
    p->w = (uint32_t)h;
    p->h = (uint32_t)w;
  }
}

/* As hx_mirror(): axis 1 exchanges left and right, any other value top and
 * bottom. */
static void ps_mirror(pstate *p, unsigned axis) {
  amap t = axis == 1 ? (amap){(int64_t)p->w - 1, 0, -1, 0, 0, 1}
                     : (amap){0, (int64_t)p->h - 1, 1, 0, 0, -1};
  ps_then(p, &t);
}

/* The canvas rectangle [*a, *b) x [*c, *d) that output rectangle
 * [0, w) x [r0, r1) of the plane comes from (w, r1 > r0). */
static void ps_rect(const pstate *p, uint32_t w, uint32_t r0, uint32_t r1, int64_t *a, int64_t *b,
                    int64_t *c, int64_t *d) {
  const amap *m = &p->m;
  int64_t xs[2] = {0, (int64_t)w - 1}, ys[2] = {r0, (int64_t)r1 - 1};
  int64_t x_lo = INT64_MAX, x_hi = INT64_MIN, y_lo = INT64_MAX, y_hi = INT64_MIN;
  for (int i = 0; i < 2; i++)
    for (int k = 0; k < 2; k++) {
      int64_t x = m->x0 + m->xx * xs[i] + m->xy * ys[k];
      int64_t y = m->y0 + m->yx * xs[i] + m->yy * ys[k];
      if (x < x_lo) x_lo = x;
      if (x > x_hi) x_hi = x;
      if (y < y_lo) y_lo = y;
      if (y > y_hi) y_hi = y;
    }
  *a = x_lo;
  *b = x_hi + 1;
  *c = y_lo;
  *d = y_hi + 1;
}

/* Subsampling of plane i of a picture of this chroma format. */
static void plane_scale(heic_chroma chroma, int is_rgb, int i, uint32_t *sx, uint32_t *sy) {
  *sx = *sy = 1;
  if ((i == HX_CB || i == HX_CR) && !is_rgb) {
    if (chroma == HEIC_CHROMA_420) *sx = *sy = 2;
    if (chroma == HEIC_CHROMA_422) *sx = 2;
  }
}

/* ------------------------------------------------------------------ */
/* Sources: the canvas, held a strip at a time                         */
/* ------------------------------------------------------------------ */

typedef struct strip {
  int live;              /* pic holds it */
  int freed;             /* it was made and freed: never needed again */
  uint32_t x0, y0, w, h; /* its luma rectangle on the canvas */
  hx_picture pic;
} strip;

typedef struct source {
  hx_decoder *d;
  uint32_t item;
  int depth;              /* of the item in the graph of the image */
  uint32_t width, height; /* the canvas */
  heic_chroma chroma;
  int bit_depth, is_rgb;
  int has_alpha;          /* strips carry plane 3 */
  /* A grid; otherwise one strip, the whole picture. */
  int grid;
  const uint32_t *tiles;
  uint32_t rows, cols, tw, th;
  int tile_alpha;         /* tiles are decoded with their alpha, as decode_grid does */
  int narrow;             /* strips keep colour in 8-bit storage (the first tile did) */
  int luma_only;          /* keep plane 0 only (an alpha image) */
  int whole_canvas;       /* one strip of every tile, placed in tile order */
  int walk_cols;          /* strips are columns of tiles */
  uint32_t cross0, cross1; /* tiles needed across a strip */
  uint32_t nstrips;
  strip *strips;
  uint32_t *live;         /* indices of the live strips */
  uint32_t live_count;
  hx_picture tile0;       /* the first tile, decoded first for the tile size */
  int tile0_held;
  uint32_t batch;         /* tiles decoded at once */
  hx_picture *pics;
  hc_err *errs;
} source;

static void source_clear(source *s) {
  hc_mem *mem = &s->d->ctx->mem;
  if (s->strips)
    for (uint32_t k = 0; k < s->nstrips; k++) hx_picture_clear(&s->strips[k].pic);
  if (s->pics)
    for (uint32_t i = 0; i < s->batch; i++) hx_picture_clear(&s->pics[i]);
  hx_picture_clear(&s->tile0);
  hc_free(mem, s->strips);
  hc_free(mem, s->live);
  hc_free(mem, s->pics);
  hc_free(mem, s->errs);
  hx_decoder *d = s->d;
  memset(s, 0, sizeof(*s));
  s->d = d;
}

static heic_status source_alloc_strips(source *s, uint32_t n, hc_err *err) {
  hc_mem *mem = &s->d->ctx->mem;
  s->nstrips = n;
  s->strips = hc_calloc(mem, n, sizeof(*s->strips));
  s->live = hc_calloc(mem, n, sizeof(*s->live));
  return s->strips && s->live ? HEIC_OK : hc_fail_oom(err);
}

/* A source that is one picture (taken over from *pic, which is left
 * zeroed). */
static heic_status source_from_picture(source *s, hx_picture *pic, hc_err *err) {
  heic_status st = source_alloc_strips(s, 1, err);
  if (st != HEIC_OK) return st;
  s->grid = 0;
  s->width = pic->width;
  s->height = pic->height;
  s->chroma = pic->chroma;
  s->bit_depth = pic->bit_depth;
  s->is_rgb = pic->is_rgb;
  s->has_alpha = pic->has_alpha && hx_plane_held(&pic->planes[HX_A]);
  strip *k = &s->strips[0];
  k->w = pic->width;
  k->h = pic->height;
  hx_picture_move(&k->pic, pic);
  k->live = 1;
  s->live[0] = 0;
  s->live_count = 1;
  return HEIC_OK;
}

/* A grid source: the description, and its first tile decoded (its size and
 * format are the grid's, as in decode_grid). */
static heic_status source_init_grid(source *s, const hf_item *it, int depth, int luma_only,
                                    int keep_alpha, hc_err *err) {
  hx_decoder *d = s->d;
  heic_context *ctx = d->ctx;
  hx_grid g;
  heic_status st = hx_grid_describe(ctx, it, &g, &s->tiles, err);
  if (st == HEIC_OK) st = hx_decoder_pool(ctx, err);
  if (st == HEIC_OK) st = hx_decoder_check_cancelled(d, err);
  if (st != HEIC_OK) return st;
  s->grid = 1;
  s->item = it->id;
  s->depth = depth;
  s->rows = g.rows;
  s->cols = g.cols;
  s->width = g.width;
  s->height = g.height;
  s->tile_alpha = !d->opts->no_alpha;
  s->luma_only = luma_only;
  st = hx_decode_node_narrow(d, s->tiles[0], s->tile_alpha, depth + 1, &s->tile0, err);
  if (st != HEIC_OK) return st;
  s->tile0_held = 1;
  const hx_picture *t = &s->tile0;
  s->narrow = t->planes[0].bytes != NULL;
  s->tw = t->width;
  s->th = t->height;
  s->chroma = t->chroma;
  s->bit_depth = t->bit_depth;
  s->is_rgb = t->is_rgb;
  s->has_alpha = !luma_only && keep_alpha && t->has_alpha;
  if ((uint64_t)s->tw * g.cols < g.width || (uint64_t)s->th * g.rows < g.height)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT, "grid item %u: %ux%u tiles of %ux%u cannot cover %ux%u",
                   it->id, g.cols, g.rows, s->tw, s->th, g.width, g.height);
  if (t->is_rgb)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT,
                   "grid tile %u has a different chroma format or bit depth from the first tile",
                   s->tiles[0]);
  /* Tiles of odd size share chroma samples with their neighbours, and the
   * last tile placed wins: only assembling every tile in order gives that. */
  s->whole_canvas = !luma_only && ((s->chroma == HEIC_CHROMA_420 && ((s->tw | s->th) & 1)) ||
                                   (s->chroma == HEIC_CHROMA_422 && (s->tw & 1)));
  s->batch = (uint32_t)hx_parallel_width(ctx);
  s->pics = hc_calloc(&ctx->mem, s->batch, sizeof(*s->pics));
  s->errs = hc_calloc(&ctx->mem, s->batch, sizeof(*s->errs));
  return s->pics && s->errs ? HEIC_OK : hc_fail_oom(err);
}

/* Chooses the strips of a grid source: along walk_cols or rows, and across
 * only the tiles that luma rectangle [a, b) x [c, d) (everything any band
 * reads) touches. */
static heic_status source_plan(source *s, int walk_cols, int64_t a, int64_t b, int64_t c, int64_t d,
                               hc_err *err) {
  if (!s->grid) return HEIC_OK;
  s->walk_cols = walk_cols;
  uint32_t n;
  if (s->whole_canvas) {
    n = 1;
  } else if (walk_cols) {
    n = s->cols;
    s->cross0 = (uint32_t)(c / s->th);
    s->cross1 = (uint32_t)((d - 1) / s->th) + 1;
  } else {
    n = s->rows;
    s->cross0 = (uint32_t)(a / s->tw);
    s->cross1 = (uint32_t)((b - 1) / s->tw) + 1;
  }
  heic_status st = source_alloc_strips(s, n, err);
  if (st != HEIC_OK) return st;
  /* The first tile is kept only when some strip will place it. */
  if (!s->whole_canvas) {
    int64_t lo = walk_cols ? a : c, hi = walk_cols ? b : d;
    if (s->cross0 != 0 || lo >= (int64_t)(walk_cols ? s->tw : s->th) || hi <= 0) {
      hx_picture_clear(&s->tile0);
      s->tile0_held = 0;
    }
  }
  return HEIC_OK;
}

typedef struct tile_job {
  source *s;
  const uint32_t *list; /* tile indices of this batch */
} tile_job;

static void tile_task(void *arg, size_t i) {
  tile_job *job = arg;
  source *s = job->s;
  hc_err_clear(&s->errs[i]);
  (void)hx_decode_node_narrow(s->d, s->tiles[job->list[i]], s->tile_alpha, s->depth + 1,
                              &s->pics[i], &s->errs[i]);
}

/* Makes strip k: decodes its needed tiles a batch at a time on the pool and
 * places them in tile order (as decode_grid does, so overlaps resolve the
 * same way), each freed as soon as it is placed. */
static heic_status source_make_strip(source *s, uint32_t k, hc_err *err) {
  hx_decoder *d = s->d;
  hc_mem *mem = &d->ctx->mem;
  strip *sp = &s->strips[k];
  uint32_t r0, r1, c0, c1; /* tiles of the strip */
  if (s->whole_canvas) {
    r0 = 0, r1 = s->rows, c0 = 0, c1 = s->cols;
  } else if (s->walk_cols) {
    r0 = s->cross0, r1 = s->cross1, c0 = k, c1 = k + 1;
  } else {
    r0 = k, r1 = k + 1, c0 = s->cross0, c1 = s->cross1;
  }
  uint64_t x0 = (uint64_t)c0 * s->tw, y0 = (uint64_t)r0 * s->th;
  uint64_t x1 = (uint64_t)c1 * s->tw, y1 = (uint64_t)r1 * s->th;
  if (x1 > s->width) x1 = s->width;
  if (y1 > s->height) y1 = s->height;
  if (x0 >= x1 || y0 >= y1)
    return hc_fail(err, HEIC_ERR_INTERNAL, "grid item %u: empty strip %u", s->item, k);
  sp->x0 = (uint32_t)x0;
  sp->y0 = (uint32_t)y0;
  sp->w = (uint32_t)(x1 - x0);
  sp->h = (uint32_t)(y1 - y0);
  hx_picture *pic = &sp->pic;
  heic_status st;
  if (s->luma_only) {
    pic->mem = mem;
    pic->width = sp->w;
    pic->height = sp->h;
    pic->chroma = s->chroma; /* for hx_place_tile's check; planes 1, 2 are absent */
    pic->bit_depth = s->bit_depth;
    st = hx_plane_alloc_as(&pic->planes[0], mem, sp->w, sp->h, s->narrow, err);
  } else {
    st = s->narrow ? hx_picture_alloc8(pic, mem, sp->w, sp->h, s->chroma, err)
                   : hx_picture_alloc(pic, mem, sp->w, sp->h, s->chroma, s->bit_depth, err);
    if (st == HEIC_OK && s->has_alpha) {
      /* Zeroed: a tile without alpha leaves zeros, as in decode_grid. */
      st = hx_plane_alloc(&pic->planes[HX_A], mem, sp->w, sp->h, err);
      pic->has_alpha = st == HEIC_OK;
    }
  }
  if (st != HEIC_OK) {
    hx_picture_clear(pic);
    return st;
  }
  sp->live = 1;
  s->live[s->live_count++] = k;

  uint32_t list[64]; /* one batch of tile indices */
  uint32_t batch = s->batch < 64 ? s->batch : 64;
  uint32_t n = (r1 - r0) * (c1 - c0);
  for (uint32_t first = 0; first < n && st == HEIC_OK; first += batch) {
    st = hx_decoder_check_cancelled(d, err);
    if (st != HEIC_OK) break;
    uint32_t count = n - first < batch ? n - first : batch;
    uint32_t todo[64], ntodo = 0, slot[64];
    for (uint32_t i = 0; i < count; i++) {
      uint32_t j = first + i;
      uint32_t r = r0 + j / (c1 - c0), c = c0 + j % (c1 - c0);
      list[i] = r * s->cols + c;
      slot[i] = UINT32_MAX;
      if (list[i] == 0 && s->tile0_held) continue; /* decoded already */
      slot[i] = ntodo;
      todo[ntodo++] = list[i];
    }
    tile_job job = {s, todo};
    if (ntodo) hc_pool_run(d->ctx->pool, ntodo, tile_task, &job);
    for (uint32_t i = 0; i < count && st == HEIC_OK; i++) {
      const hx_picture *t;
      if (slot[i] == UINT32_MAX) {
        t = &s->tile0;
      } else if (s->errs[slot[i]].code != HEIC_OK) {
        hc_err_merge(err, &s->errs[slot[i]]);
        st = s->errs[slot[i]].code;
        break;
      } else {
        t = &s->pics[slot[i]];
      }
      uint32_t ti = list[i];
      if (t->width != s->tw || t->height != s->th) {
        st = hc_fail(err, HEIC_ERR_INVALID_INPUT, "grid item %u: tile %u is %ux%u, tile 1 is %ux%u",
                     s->item, s->tiles[ti], t->width, t->height, s->tw, s->th);
        break;
      }
      st = hx_place_tile(pic, t, (ti % s->cols) * s->tw - sp->x0, (ti / s->cols) * s->th - sp->y0,
                         s->tiles[ti], err);
    }
    for (uint32_t i = 0; i < ntodo; i++) hx_picture_clear(&s->pics[i]);
    for (uint32_t i = 0; i < count; i++)
      if (slot[i] == UINT32_MAX) {
        hx_picture_clear(&s->tile0);
        s->tile0_held = 0;
      }
  }
  return st;
}

static void source_drop_strip(source *s, uint32_t pos) {
  strip *sp = &s->strips[s->live[pos]];
  hx_picture_clear(&sp->pic);
  sp->live = 0;
  sp->freed = 1;
  s->live[pos] = s->live[--s->live_count];
}

/* Cuts a live strip down to the part of it inside canvas interval
 * [n0, n1) along the walk axis, widened to even bounds so that subsampled
 * chroma planes are cut at whole samples: a band at the seam of two strips
 * reads a row or two of the old one (bilinear chroma), and without this the
 * old strip would be held whole while the next is decoded - twice the
 * memory of a strip at each seam. */
static heic_status strip_trim(source *s, strip *sp, int64_t n0, int64_t n1, hc_err *err) {
  hc_mem *mem = &s->d->ctx->mem;
  int64_t start = s->walk_cols ? sp->x0 : sp->y0;
  int64_t len = s->walk_cols ? sp->w : sp->h;
  int64_t lo = n0 > start ? (n0 - start) & ~(int64_t)1 : 0;
  int64_t hi = n1 < start + len ? ((n1 - start + 1) & ~(int64_t)1) : len;
  if (hi > len) hi = len;
  if (lo >= hi || (lo == 0 && hi == len)) return HEIC_OK;
  if (hi - lo > len / 2) return HEIC_OK; /* not worth a copy */
  hx_picture cut = sp->pic;
  for (int i = 0; i < 4; i++) {
    const hx_plane *pl = &sp->pic.planes[i];
    memset(&cut.planes[i], 0, sizeof(cut.planes[i]));
    if (!hx_plane_held(pl)) continue;
    uint32_t sx, sy;
    plane_scale(s->chroma, s->is_rgb, i, &sx, &sy);
    uint32_t scale = s->walk_cols ? sx : sy;
    uint32_t a = (uint32_t)(lo / scale), b = (uint32_t)((hi + scale - 1) / scale);
    uint32_t extent = s->walk_cols ? pl->w : pl->h;
    if (b > extent) b = extent;
    uint32_t w = s->walk_cols ? b - a : pl->w, h = s->walk_cols ? pl->h : b - a;
    heic_status st = hx_plane_alloc_as(&cut.planes[i], mem, w, h, pl->bytes != NULL, err);
    if (st != HEIC_OK) {
      for (int k = 0; k < i; k++) hx_plane_free(mem, &cut.planes[k]);
      return st;
    }
    hx_plane_blit(&cut.planes[i], 0, 0, pl, s->walk_cols ? a : 0, s->walk_cols ? 0 : a, w, h);
  }
  if (s->walk_cols) {
    sp->x0 += (uint32_t)lo;
    sp->w = (uint32_t)(hi - lo);
    cut.width = sp->w;
  } else {
    sp->y0 += (uint32_t)lo;
    sp->h = (uint32_t)(hi - lo);
    cut.height = sp->h;
  }
  hx_picture_clear(&sp->pic);
  sp->pic = cut;
  return HEIC_OK;
}

/* Makes sure the strips holding canvas interval [n0, n1) along the walk
 * axis are there, freeing those the bands have left behind and cutting
 * down those they have mostly left before another is decoded. */
static heic_status source_need(source *s, int64_t n0, int64_t n1, hc_err *err) {
  if (!s->grid) return HEIC_OK;
  uint32_t k0 = 0, k1 = 0;
  if (!s->whole_canvas) {
    uint32_t size = s->walk_cols ? s->tw : s->th;
    k0 = (uint32_t)(n0 / size);
    k1 = (uint32_t)((n1 - 1) / size);
  }
  int making = 0;
  for (uint32_t pos = 0; pos < s->live_count;) {
    uint32_t k = s->live[pos];
    if (k < k0 || k > k1) source_drop_strip(s, pos);
    else pos++;
  }
  for (uint32_t k = k0; k <= k1; k++) making |= !s->strips[k].live;
  if (making && !s->whole_canvas)
    for (uint32_t pos = 0; pos < s->live_count; pos++) {
      heic_status st = strip_trim(s, &s->strips[s->live[pos]], n0, n1, err);
      if (st != HEIC_OK) return st;
    }
  for (uint32_t k = k0; k <= k1; k++) {
    if (s->strips[k].live) continue;
    if (s->strips[k].freed)
      return hc_fail(err, HEIC_ERR_INTERNAL, "grid item %u: strip %u needed again", s->item, k);
    heic_status st = source_make_strip(s, k, err);
    if (st != HEIC_OK) return st;
  }
  return HEIC_OK;
}

/* Samples [x0, x1) of row y of plane i (in that plane's own resolution)
 * into dst, from whichever strips hold them. */
static heic_status source_row(const source *s, int i, uint32_t y, uint32_t x0, uint32_t x1,
                              uint16_t *dst, hc_err *err) {
  uint32_t sx, sy, got = 0;
  plane_scale(s->chroma, s->is_rgb, i, &sx, &sy);
  for (uint32_t pos = 0; pos < s->live_count; pos++) {
    const strip *sp = &s->strips[s->live[pos]];
    const hx_plane *pl = &sp->pic.planes[i];
    if (!hx_plane_held(pl)) continue;
    uint32_t px = sp->x0 / sx, py = sp->y0 / sy;
    if (y < py || y - py >= pl->h) continue;
    uint32_t a = x0 > px ? x0 : px, b = x1 < px + pl->w ? x1 : px + pl->w;
    if (a >= b) continue;
    hx_plane_read_row(pl, y - py, a - px, b - a, dst + (a - x0));
    got += b - a;
  }
  if (got != x1 - x0)
    return hc_fail(err, HEIC_ERR_INTERNAL, "item %u: plane %d row %u [%u, %u) is not held", s->item,
                   i, y, x0, x1);
  return HEIC_OK;
}

/* ------------------------------------------------------------------ */
/* The streaming decode                                                */
/* ------------------------------------------------------------------ */

typedef struct rows_dec {
  hx_decoder d;
  heic_context *ctx;
  const heic_decode_options *opts;
  const heic_rows_sink *sink;
  hc_err *err;
  heic_rows_info info;
  source col;        /* the canvas: colour, and alpha unless `alpha` */
  source alpha;      /* a grid's own alpha image */
  int alpha_sep;
  int rgb_out;       /* RGB output (the canvas is converted unless already RGB) */
  int walk_cols;
  pstate luma, chroma; /* output planes -> canvas planes */
  uint32_t csx, csy;   /* subsampling of the canvas chroma */
  uint32_t ccw, cch;   /* canvas chroma plane size */
  hx_rgb_conv conv;
  /* band planes */
  uint8_t *band[4];
  size_t band_stride[4];
  /* scratch rows */
  uint16_t *yrow, *cbn, *cbf, *crn, *crf, *arow, *araw, *r, *g, *b;
  int32_t *ctmp;
} rows_dec;

/* Canvas luma rectangle of one plane's part of output rows [r0, r1). */
typedef struct rect {
  int64_t a, b, c, d;
} rect;

static void rect_union(rect *u, const rect *r) {
  if (r->a < u->a) u->a = r->a;
  if (r->b > u->b) u->b = r->b;
  if (r->c < u->c) u->c = r->c;
  if (r->d > u->d) u->d = r->d;
}

/* Chroma rows of the output's chroma planes carrying luma rows [r0, r1). */
static void chroma_rows(const rows_dec *j, uint32_t r0, uint32_t r1, uint32_t *c0, uint32_t *c1) {
  uint32_t sy = j->info.chroma == HEIC_CHROMA_420 ? 2 : 1;
  *c0 = r0 / sy;
  *c1 = r1 == j->info.height ? j->chroma.h : r1 / sy;
}

/* What output rows [r0, r1) read of the canvas, in canvas luma
 * coordinates: *lum the luma rectangle (alpha's too), *all everything with
 * chroma (and bilinear neighbours) included. */
static void band_needs(const rows_dec *j, uint32_t r0, uint32_t r1, rect *lum, rect *all) {
  ps_rect(&j->luma, j->info.width, r0, r1, &lum->a, &lum->b, &lum->c, &lum->d);
  *all = *lum;
  const source *s = &j->col;
  if (s->is_rgb || s->chroma == HEIC_CHROMA_400) return;
  rect cr; /* in canvas chroma coordinates */
  if (j->rgb_out) {
    uint32_t lo, hi, c0, c1;
    if (s->chroma == HEIC_CHROMA_420 && j->conv.up == HX_UPSAMPLE_BILINEAR) {
      lo = (uint32_t)(lum->c >> 1);
      lo = lo ? lo - 1 : 0;
      hi = (uint32_t)((lum->d - 1) >> 1) + 1;
      if (hi >= j->cch) hi = j->cch - 1;
    } else {
      lo = (uint32_t)(lum->c / j->csy);
      hi = (uint32_t)((lum->d - 1) / j->csy);
    }
    hx_rgb_conv_cols(&j->conv, (uint32_t)lum->a, (uint32_t)lum->b, j->ccw, &c0, &c1);
    cr = (rect){c0, c1, lo, (int64_t)hi + 1};
  } else {
    uint32_t c0, c1;
    chroma_rows(j, r0, r1, &c0, &c1);
    if (c0 >= c1) return;
    ps_rect(&j->chroma, j->chroma.w, c0, c1, &cr.a, &cr.b, &cr.c, &cr.d);
  }
  rect l = {cr.a * j->csx, cr.b * j->csx, cr.c * j->csy, cr.d * j->csy};
  if (l.b > s->width) l.b = s->width;
  if (l.d > s->height) l.d = s->height;
  rect_union(all, &l);
}

/* The alpha image's rectangle for canvas luma rectangle r (nearest
 * neighbour scaling, as hx_attach_alpha does). */
static rect alpha_rect(const rows_dec *j, const rect *r) {
  const source *a = &j->alpha;
  uint64_t W = j->col.width, H = j->col.height;
  rect o = {(int64_t)((uint64_t)r->a * a->width / W), (int64_t)((uint64_t)(r->b - 1) * a->width / W) + 1,
            (int64_t)((uint64_t)r->c * a->height / H), (int64_t)((uint64_t)(r->d - 1) * a->height / H) + 1};
  return o;
}

/* Gets the strips output rows [r0, r1) read. */
static heic_status need_band(rows_dec *j, uint32_t r0, uint32_t r1) {
  rect lum, all;
  band_needs(j, r0, r1, &lum, &all);
  heic_status st = j->walk_cols ? source_need(&j->col, all.a, all.b, j->err)
                                : source_need(&j->col, all.c, all.d, j->err);
  if (st == HEIC_OK && j->alpha_sep) {
    rect ar = alpha_rect(j, &lum);
    st = j->walk_cols ? source_need(&j->alpha, ar.a, ar.b, j->err)
                      : source_need(&j->alpha, ar.c, ar.d, j->err);
  }
  return st;
}

/* Alpha of canvas row y, columns [x0, x1), at the canvas bit depth, into
 * j->arow. */
static heic_status alpha_span(rows_dec *j, uint32_t y, uint32_t x0, uint32_t x1) {
  if (!j->alpha_sep) return source_row(&j->col, HX_A, y, x0, x1, j->arow, j->err);
  const source *a = &j->alpha;
  uint64_t W = j->col.width, H = j->col.height;
  uint32_t ay = (uint32_t)((uint64_t)y * a->height / H);
  uint32_t ax0 = (uint32_t)((uint64_t)x0 * a->width / W);
  uint32_t ax1 = (uint32_t)((uint64_t)(x1 - 1) * a->width / W) + 1;
  heic_status st = source_row(a, 0, ay, ax0, ax1, j->araw, j->err);
  if (st != HEIC_OK) return st;
  /* hx_attach_alpha's bit depth change, sample for sample. */
  int depth = j->col.bit_depth, adepth = a->bit_depth, shift = depth - adepth;
  for (uint32_t x = x0; x < x1; x++) {
    uint32_t v = j->araw[(uint64_t)x * a->width / W - ax0];
    if (shift > 0) v = v << shift | v >> (adepth - shift > 0 ? adepth - shift : 0);
    else if (shift < 0) v >>= -shift;
    j->arow[x - x0] = (uint16_t)v;
  }
  return HEIC_OK;
}

/* Writes n samples from src to the band plane at output (ox, oy) and on by
 * (dx, dy) per sample, `comps` apart, component `comp`. */
static void scatter(const rows_dec *j, int plane, uint32_t r0, int64_t ox, int64_t oy, int64_t dx,
                    int64_t dy, int comps, int comp, const uint16_t *src, uint32_t n) {
  int wide = j->info.bit_depth > 8;
  size_t bps = wide ? 2 : 1;
  uint8_t *base = j->band[plane];
  size_t stride = j->band_stride[plane];
  /* Byte offset of each sample: the map is a bijection of the band's
   * canvas rectangle onto the band, so every offset lies inside it. */
  int64_t step = dx * (int64_t)(bps * (size_t)comps) + dy * (int64_t)stride;
  int64_t off = (oy - (int64_t)r0) * (int64_t)stride + (ox * comps + comp) * (int64_t)bps;
  if (wide) {
    for (uint32_t i = 0; i < n; i++, off += step) memcpy(base + off, &src[i], 2);
  } else {
    for (uint32_t i = 0; i < n; i++, off += step) base[off] = (uint8_t)src[i];
  }
}

/* Output position of canvas sample (x, y) under plane map m. */
static void ps_inverse(const amap *m, int64_t x, int64_t y, int64_t *ox, int64_t *oy) {
  int64_t u = x - m->x0, v = y - m->y0;
  *ox = m->xx * u + m->yx * v;
  *oy = m->xy * u + m->yy * v;
}

/* One band of RGB output: each canvas row of its rectangle converted, then
 * scattered. */
static heic_status render_rgb(rows_dec *j, uint32_t r0, uint32_t r1) {
  const source *s = &j->col;
  rect l;
  ps_rect(&j->luma, j->info.width, r0, r1, &l.a, &l.b, &l.c, &l.d);
  uint32_t a = (uint32_t)l.a, b = (uint32_t)l.b, n = b - a;
  int comps = j->info.components;
  heic_status st = HEIC_OK;
  for (uint32_t y = (uint32_t)l.c; y < (uint32_t)l.d && st == HEIC_OK; y++) {
    if (s->is_rgb) {
      st = source_row(s, HX_R, y, a, b, j->r, j->err);
      if (st == HEIC_OK) st = source_row(s, HX_G, y, a, b, j->g, j->err);
      if (st == HEIC_OK) st = source_row(s, HX_B, y, a, b, j->b, j->err);
    } else {
      st = source_row(s, HX_Y, y, a, b, j->yrow, j->err);
      if (st == HEIC_OK && s->chroma != HEIC_CHROMA_400) {
        uint32_t near, far, c0, c1;
        hx_rgb_conv_rows(&j->conv, y, j->cch, &near, &far);
        hx_rgb_conv_cols(&j->conv, a, b, j->ccw, &c0, &c1);
        st = source_row(s, HX_CB, near, c0, c1, j->cbn, j->err);
        if (st == HEIC_OK) st = source_row(s, HX_CB, far, c0, c1, j->cbf, j->err);
        if (st == HEIC_OK) st = source_row(s, HX_CR, near, c0, c1, j->crn, j->err);
        if (st == HEIC_OK) st = source_row(s, HX_CR, far, c0, c1, j->crf, j->err);
      }
      if (st == HEIC_OK)
        hx_rgb_conv_span(&j->conv, j->yrow, j->cbn, j->cbf, j->crn, j->crf, j->ccw, a, b, j->ctmp,
                         j->r, j->g, j->b);
    }
    if (st == HEIC_OK && j->info.has_alpha) st = alpha_span(j, y, a, b);
    if (st != HEIC_OK) break;
    int64_t ox, oy;
    ps_inverse(&j->luma.m, a, y, &ox, &oy);
    const amap *m = &j->luma.m;
    scatter(j, 0, r0, ox, oy, m->xx, m->xy, comps, 0, j->r, n);
    scatter(j, 0, r0, ox, oy, m->xx, m->xy, comps, 1, j->g, n);
    scatter(j, 0, r0, ox, oy, m->xx, m->xy, comps, 2, j->b, n);
    if (j->info.has_alpha) scatter(j, 0, r0, ox, oy, m->xx, m->xy, comps, 3, j->arow, n);
  }
  return st;
}

/* One band of YCbCr output: each plane's samples scattered through its own
 * map. */
static heic_status render_ycbcr(rows_dec *j, uint32_t r0, uint32_t r1) {
  heic_status st = HEIC_OK;
  for (int i = 0; i < 4 && st == HEIC_OK; i++) {
    if (!j->band[i]) continue;
    const pstate *ps = i == HX_CB || i == HX_CR ? &j->chroma : &j->luma;
    uint32_t p0 = r0, p1 = r1;
    if (ps == &j->chroma) chroma_rows(j, r0, r1, &p0, &p1);
    if (p0 >= p1) continue;
    rect l;
    ps_rect(ps, ps->w, p0, p1, &l.a, &l.b, &l.c, &l.d);
    uint32_t a = (uint32_t)l.a, b = (uint32_t)l.b;
    for (uint32_t y = (uint32_t)l.c; y < (uint32_t)l.d && st == HEIC_OK; y++) {
      const uint16_t *src = j->yrow;
      if (i == HX_A) {
        st = alpha_span(j, y, a, b);
        src = j->arow;
      } else {
        st = source_row(&j->col, i, y, a, b, j->yrow, j->err);
      }
      if (st != HEIC_OK) break;
      int64_t ox, oy;
      ps_inverse(&ps->m, a, y, &ox, &oy);
      scatter(j, i, p0, ox, oy, ps->m.xx, ps->m.xy, 1, 0, src, b - a);
    }
  }
  return st;
}

/* Simulates hx_apply_transforms() on the geometry: the plane maps, or
 * *whole = 1 when a step would re-site chroma (hx_upsample_444). */
static heic_status plan_transforms(rows_dec *j, const hf_item *it, int *whole) {
  const hf_file *f = &j->ctx->file;
  const source *s = &j->col;
  /* What the picture looks like at each step: RGB output is converted
   * before its transformations. */
  hx_picture shape;
  memset(&shape, 0, sizeof(shape));
  shape.width = s->width;
  shape.height = s->height;
  shape.chroma = j->rgb_out ? HEIC_CHROMA_444 : s->chroma;
  shape.is_rgb = j->rgb_out || s->is_rgb;
  uint32_t sx, sy;
  plane_scale(shape.chroma, shape.is_rgb, HX_CB, &sx, &sy);
  *whole = 0;
  for (uint32_t i = 0; i < it->assoc_count && !j->opts->no_transform; i++) {
    const hf_property *p = &f->props[it->assocs[i].index];
    if (!p->parsed) continue;
    switch (p->type) {
      case HF_4CC('c', 'l', 'a', 'p'): {
        uint32_t x, y, w, h;
        heic_status st = hx_clap_rect(&p->u.clap, shape.width, shape.height, &x, &y, &w, &h, j->err);
        if (st != HEIC_OK) return st;
        if (!hx_crop_keeps_chroma(&shape, x, y)) {
          *whole = 1;
          return HEIC_OK;
        }
        ps_crop(&j->luma, x, y, w, h);
        /* hx_crop's chroma rectangle. */
        uint32_t px = x / sx, py = y / sy;
        uint32_t pw = (x + w + sx - 1) / sx - px, ph = (y + h + sy - 1) / sy - py;
        if (pw > j->chroma.w - px) pw = j->chroma.w - px;
        if (ph > j->chroma.h - py) ph = j->chroma.h - py;
        ps_crop(&j->chroma, px, py, pw, ph);
        shape.width = w;
        shape.height = h;
        break;
      }
      case HF_4CC('i', 'r', 'o', 't'): {
        if (!hx_rotate_keeps_chroma(&shape, p->u.irot.angle)) {
          *whole = 1;
          return HEIC_OK;
        }
        unsigned q = p->u.irot.angle & 3u;
        ps_rotate(&j->luma, q);
        ps_rotate(&j->chroma, q);
        if (q & 1) {
          uint32_t t = shape.width;
          shape.width = shape.height;
          shape.height = t;
        }
        break;
      }
      case HF_4CC('i', 'm', 'i', 'r'):
        ps_mirror(&j->luma, p->u.imir.axis);
        ps_mirror(&j->chroma, p->u.imir.axis);
        break;
      default:
        break;
    }
  }
  return HEIC_OK;
}

/* Identity maps over the colour source as it is. */
static heic_status init_maps(rows_dec *j) {
  const source *s = &j->col;
  ps_init(&j->luma, s->width, s->height);
  plane_scale(s->chroma, s->is_rgb, HX_CB, &j->csx, &j->csy);
  j->ccw = j->cch = 0;
  if (!s->is_rgb && s->chroma != HEIC_CHROMA_400) {
    hx_chroma_size(s->chroma, s->width, s->height, &j->ccw, &j->cch);
    if (!s->grid) {
      /* A whole picture's chroma planes as they are (what packing a YCbCr
       * image copies); RGB output needs them the size the format says, as
       * hx_ycbcr_to_rgb() does. */
      const hx_plane *cb = &s->strips[0].pic.planes[HX_CB], *cr = &s->strips[0].pic.planes[HX_CR];
      int fit = hx_plane_held(cb) && hx_plane_held(cr) && cb->w == j->ccw && cb->h == j->cch &&
                cr->w == j->ccw && cr->h == j->cch;
      if (j->rgb_out && !fit)
        return hc_fail(j->err, HEIC_ERR_INVALID_ARGUMENT,
                       "colour conversion: chroma planes are not %ux%u", j->ccw, j->cch);
      if (!fit && (!hx_plane_held(cb) || !hx_plane_held(cr) || cb->w != cr->w || cb->h != cr->h))
        return hc_fail(j->err, HEIC_ERR_INTERNAL, "item %u: chroma planes of different sizes", s->item);
      j->ccw = cb->w;
      j->cch = cb->h;
    }
  }
  ps_init(&j->chroma, j->ccw ? j->ccw : s->width, j->cch ? j->cch : s->height);
  return HEIC_OK;
}

/* Turns a grid colour source into the whole pre-transformation picture of
 * the item, as hx_decode_node() would give it: every tile assembled in
 * order, then the grid's alpha image attached. */
static heic_status grid_to_picture(rows_dec *j, uint32_t alpha_id) {
  source *s = &j->col;
  s->whole_canvas = 1;
  heic_status st = source_plan(s, 0, 0, s->width, 0, s->height, j->err);
  if (st == HEIC_OK) st = source_need(s, 0, s->height, j->err);
  if (st != HEIC_OK) return st;
  hx_picture pic;
  memset(&pic, 0, sizeof(pic));
  hx_picture_move(&pic, &s->strips[0].pic);
  source_clear(s);
  if (alpha_id) st = hx_attach_alpha(&j->d, alpha_id, 1, &pic, j->err);
  if (st == HEIC_OK) st = source_from_picture(s, &pic, j->err);
  hx_picture_clear(&pic);
  return st;
}

static heic_status alloc_buffers(rows_dec *j) {
  hc_mem *mem = &j->ctx->mem;
  heic_rows_info *in = &j->info;
  size_t bps = in->bit_depth > 8 ? 2 : 1;
  uint32_t rows = in->max_band_rows;
  for (int i = 0; i < 4; i++) {
    uint32_t w = 0, h = 0;
    size_t comps = 1;
    if (i == 0) {
      w = in->width;
      h = rows;
      if (j->rgb_out) comps = (size_t)in->components;
    } else if (!j->rgb_out && (i == HX_CB || i == HX_CR) && in->chroma != HEIC_CHROMA_400) {
      w = j->chroma.w;
      h = rows; /* enough for any chroma format */
    } else if (!j->rgb_out && i == HX_A && in->has_alpha) {
      w = in->width;
      h = rows;
    }
    if (!w) continue;
    size_t stride;
    if (hc_mul_size((size_t)w * comps, bps, &stride))
      return hc_fail(j->err, HEIC_ERR_LIMIT_EXCEEDED, "a band of %u rows of %u is too large", rows, w);
    j->band_stride[i] = stride;
    j->band[i] = hc_malloc_array(mem, stride, h);
    if (!j->band[i]) return hc_fail_oom(j->err);
  }
  /* Scratch rows: spans are at most the longer side of the canvas (or of
   * the alpha image). */
  size_t n = j->col.width > j->col.height ? j->col.width : j->col.height;
  size_t an = j->alpha.width > j->alpha.height ? j->alpha.width : j->alpha.height;
  uint16_t **rowsv[] = {&j->yrow, &j->cbn, &j->cbf, &j->crn, &j->crf, &j->arow, &j->r, &j->g, &j->b};
  for (size_t k = 0; k < sizeof(rowsv) / sizeof(rowsv[0]); k++) {
    *rowsv[k] = hc_malloc_array(mem, n, sizeof(uint16_t));
    if (!*rowsv[k]) return hc_fail_oom(j->err);
  }
  j->araw = hc_malloc_array(mem, an ? an : 1, sizeof(uint16_t));
  j->ctmp = hc_malloc_array(mem, 3 * n, sizeof(int32_t));
  return j->araw && j->ctmp ? HEIC_OK : hc_fail_oom(j->err);
}

static void free_buffers(rows_dec *j) {
  hc_mem *mem = &j->ctx->mem;
  for (int i = 0; i < 4; i++) HC_FREEP(mem, &j->band[i]);
  uint16_t **rowsv[] = {&j->yrow, &j->cbn, &j->cbf, &j->crn, &j->crf, &j->arow, &j->araw, &j->r, &j->g, &j->b};
  for (size_t k = 0; k < sizeof(rowsv) / sizeof(rowsv[0]); k++) HC_FREEP(mem, rowsv[k]);
  HC_FREEP(mem, &j->ctmp);
}

/* Delivers every band. */
static heic_status run_bands(rows_dec *j) {
  heic_rows_info *in = &j->info;
  heic_status st = HEIC_OK;
  for (uint32_t r0 = 0; r0 < in->height && st == HEIC_OK; r0 += in->max_band_rows) {
    uint32_t r1 = in->height - r0 < in->max_band_rows ? in->height : r0 + in->max_band_rows;
    st = hx_decoder_check_cancelled(&j->d, j->err);
    if (st == HEIC_OK) st = need_band(j, r0, r1);
    if (st == HEIC_OK) st = j->rgb_out ? render_rgb(j, r0, r1) : render_ycbcr(j, r0, r1);
    if (st != HEIC_OK) break;
    heic_rows_band band;
    memset(&band, 0, sizeof(band));
    band.info = in;
    band.first_row = r0;
    band.rows = r1 - r0;
    for (int i = 0; i < 4; i++) {
      if (!j->band[i]) continue;
      uint32_t p0 = r0, p1 = r1;
      if (!j->rgb_out && (i == HX_CB || i == HX_CR)) chroma_rows(j, r0, r1, &p0, &p1);
      band.planes[i] = j->band[i];
      band.strides[i] = j->band_stride[i];
      band.plane_width[i] = !j->rgb_out && (i == HX_CB || i == HX_CR) ? j->chroma.w : in->width;
      band.plane_first_row[i] = p0;
      band.plane_rows[i] = p1 - p0;
    }
    if (j->sink->rows(j->sink->opaque, &band))
      st = hc_fail(j->err, HEIC_ERR_CANCELLED, "decoding cancelled by the row sink");
  }
  return st;
}

static heic_status decode_rows(rows_dec *j, uint32_t item) {
  heic_context *ctx = j->ctx;
  const hf_file *f = &ctx->file;
  const heic_decode_options *opts = j->opts;
  hc_err *err = j->err;
  heic_status st = hx_plan_image(ctx, item, opts->no_alpha, &j->d.plan, err);
  if (st != HEIC_OK) return st;
  hx_decoder_progress(&j->d, 0);
  const hf_item *it;
  st = hx_decode_check_item(&j->d, item, 0, &it, err);
  if (st != HEIC_OK) return st;
  j->rgb_out = opts->layout == HEIC_LAYOUT_RGB;
  uint32_t alpha_id = 0;
  if (it->type == T_GRID) {
    alpha_id = opts->no_alpha ? 0 : hx_find_aux(f, item, hx_is_alpha_urn);
    /* The grid's own alpha image replaces what its tiles carry. */
    st = source_init_grid(&j->col, it, 0, 0, !alpha_id, err);
  } else if (it->type == T_HVC1) {
    /* A coded picture in 8-bit storage when it is 8-bit; its alpha image
     * is then read beside it, as a grid's is, instead of attached. */
    alpha_id = opts->no_alpha ? 0 : hx_find_aux(f, item, hx_is_alpha_urn);
    hx_picture pic;
    memset(&pic, 0, sizeof(pic));
    st = hx_decode_node_narrow(&j->d, item, 0, 0, &pic, err);
    if (st == HEIC_OK) st = source_from_picture(&j->col, &pic, err);
    hx_picture_clear(&pic);
  } else {
    hx_picture pic;
    memset(&pic, 0, sizeof(pic));
    st = hx_decode_node(&j->d, item, !opts->no_alpha, 0, &pic, err);
    if (st == HEIC_OK) st = source_from_picture(&j->col, &pic, err);
    hx_picture_clear(&pic);
  }
  if (st != HEIC_OK) return st;
  if (!j->rgb_out && j->col.is_rgb)
    return hc_fail(err, HEIC_ERR_UNSUPPORTED, "item %u is composed in RGB (overlay); ask for RGB output", item);

  st = init_maps(j);
  int whole = 0;
  if (st == HEIC_OK) st = plan_transforms(j, it, &whole);
  /* The exceptions: the item's picture whole, as hx_decode_node() makes it
   * (the maps found above hold for it: same canvas); transformed whole too
   * when the transformations re-site chroma. */
  if (st == HEIC_OK && j->col.grid && (whole || j->col.whole_canvas)) {
    st = grid_to_picture(j, alpha_id);
    alpha_id = 0;
  }
  if (st == HEIC_OK && whole) {
    hx_picture pic;
    memset(&pic, 0, sizeof(pic));
    hx_picture_move(&pic, &j->col.strips[0].pic);
    source_clear(&j->col);
    /* The transformations take 16-bit samples, and the alpha image then
     * turns with the picture. */
    st = hx_picture_widen(&pic, err);
    if (st == HEIC_OK && alpha_id) st = hx_attach_alpha(&j->d, alpha_id, 1, &pic, err);
    alpha_id = 0;
    if (st == HEIC_OK) st = hx_apply_transforms(&j->d, it, &pic, err);
    if (st == HEIC_OK) st = source_from_picture(&j->col, &pic, err);
    hx_picture_clear(&pic);
    if (st == HEIC_OK) st = init_maps(j);
  }
  if (st != HEIC_OK) return st;
  if (alpha_id) {
    const hf_item *ait;
    st = hx_decode_check_item(&j->d, alpha_id, 1, &ait, err);
    if (st == HEIC_OK && ait->type == T_GRID) {
      st = source_init_grid(&j->alpha, ait, 1, 1, 0, err);
    } else if (st == HEIC_OK) {
      hx_picture pic;
      memset(&pic, 0, sizeof(pic));
      st = hx_decode_node_narrow(&j->d, alpha_id, 0, 1, &pic, err);
      /* Only its luma is read. */
      if (st == HEIC_OK && !pic.is_rgb)
        for (int i = 1; i < 4; i++) hx_plane_free(pic.mem, &pic.planes[i]);
      if (st == HEIC_OK) st = source_from_picture(&j->alpha, &pic, err);
      hx_picture_clear(&pic);
    }
    if (st != HEIC_OK) return st;
    j->alpha_sep = 1;
  }

  heic_rows_info *in = &j->info;
  in->width = j->luma.w;
  in->height = j->luma.h;
  in->layout = opts->layout;
  in->chroma = j->rgb_out ? HEIC_CHROMA_444 : j->col.chroma;
  in->bit_depth = j->col.bit_depth;
  in->has_alpha = j->col.has_alpha || j->alpha_sep;
  in->premultiplied = in->has_alpha && hf_find_ref(f, item, T_PREM) != NULL;
  in->components = j->rgb_out ? (in->has_alpha ? 4 : 3) : 1;
  in->nclx = hx_decoder_nclx(&j->d, item);
  in->max_band_rows = in->height < BAND_ROWS ? in->height : BAND_ROWS;
  in->streamed = j->col.grid;
  hx_rgb_conv_init(&j->conv, &in->nclx, j->col.bit_depth, j->col.chroma, j->d.upsampling);

  /* Rows of the output are rows of the canvas unless turned a quarter. */
  j->walk_cols = j->luma.m.xy != 0;
  rect lum, all;
  band_needs(j, 0, in->height, &lum, &all);
  st = source_plan(&j->col, j->walk_cols, all.a, all.b, all.c, all.d, err);
  if (st == HEIC_OK && j->alpha_sep) {
    rect ar = alpha_rect(j, &lum);
    st = source_plan(&j->alpha, j->walk_cols, ar.a, ar.b, ar.c, ar.d, err);
  }
  if (st == HEIC_OK) st = alloc_buffers(j);
  if (st == HEIC_OK) st = hx_decoder_check_cancelled(&j->d, err);
  if (st == HEIC_OK && j->sink->start && j->sink->start(j->sink->opaque, in))
    st = hc_fail(err, HEIC_ERR_CANCELLED, "decoding cancelled by the row sink");
  if (st == HEIC_OK) st = run_bands(j);
  if (st == HEIC_OK) {
    uint64_t done = atomic_load(&j->d.pictures_done);
    hx_decoder_progress(&j->d, done > j->d.plan.pictures ? done : j->d.plan.pictures);
  }
  return st;
}

heic_status heic_context_decode_item_rows(heic_context *ctx, uint32_t item,
                                          const heic_decode_options *opts,
                                          const heic_rows_sink *sink) {
  if (!ctx) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  if (!sink || !sink->rows)
    return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_INVALID_ARGUMENT, "no row sink"));
  heic_decode_options defaults;
  if (!opts) {
    heic_decode_options_init(&defaults);
    opts = &defaults;
  }
  if (opts->layout != HEIC_LAYOUT_RGB && opts->layout != HEIC_LAYOUT_YCBCR)
    return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_INVALID_ARGUMENT, "unknown output layout %d",
                                      (int)opts->layout));
  rows_dec *j = hc_calloc(&ctx->mem, 1, sizeof(*j));
  if (!j) return hx_ctx_result(ctx, hc_fail_oom(&ctx->err));
  hx_decoder_init(&j->d, ctx, opts);
  j->ctx = ctx;
  j->opts = opts;
  j->sink = sink;
  j->err = &ctx->err;
  j->col.d = j->alpha.d = &j->d;
  heic_status st = decode_rows(j, item);
  /* A cancellation by the progress callback wins over whatever a tile
   * failed with meanwhile, as in heic_context_decode_item(). */
  if (atomic_load(&j->d.cancelled)) {
    hc_err_clear(&ctx->err);
    st = hc_fail(&ctx->err, HEIC_ERR_CANCELLED, "decoding cancelled by the progress callback");
  }
  free_buffers(j);
  source_clear(&j->col);
  source_clear(&j->alpha);
  hx_decoder_destroy(&j->d);
  hc_free(&ctx->mem, j);
  return hx_ctx_result(ctx, st);
}
