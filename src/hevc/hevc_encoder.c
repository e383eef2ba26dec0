/*
 * HEVC encoder: configuration, buffers and the picture driver.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "hevc_encoder.h"

#include <string.h>

#include "core/buffer.h"
#include "deblock.h"
#include "encoder_int.h"
#include "md5.h"
#include "params.h"
#include "sao.h"
#include "search.h"
#include "syntax.h"

/* The search scratch is kept beside the encoder rather than inside it so
 * that the public struct stays small to copy around in tests. */
typedef struct hevc_encoder_priv {
  struct hevc_encoder pub;
  hevc_search *search;
  hevc_md5 md5[3]; /* decoded picture hash, fed as rows become final */
} hevc_encoder_priv;

void hevc_enc_config_default(hevc_enc_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->qp = 27;
  cfg->bit_depth = 8;
  cfg->ctu_log2 = 6;
  cfg->deblocking = 1;
  cfg->sao = 1;
  cfg->sign_hiding = 1;
  /* Chroma 3 QP steps finer than luma: chroma costs few bits in photos, and
   * PSNR-YUV (6Y + Cb + Cr) / 8 per bit improves by ~1% (measured against
   * offsets 0, -2, -4 and -6 with the matching chroma weight). */
  cfg->chroma_qp_offset = -3;
  cfg->qp_jitter = 0;
  cfg->picture_hash = 1;
  (void)hevc_enc_config_preset(cfg, HEVC_PRESET_MEDIUM);
}

/* The search settings of each preset, in hevc_enc_preset order. */
static const struct preset_search {
  uint8_t rd_candidates, intra_step, mpm_rd, chroma_candidates, nxn, rdoq, rate_estimate,
      tu_depth, tu_candidates, early_exit, transform_skip;
} k_presets[HEVC_PRESET_COUNT] = {
    /*          rd  step mpm chroma nxn rdoq est tu tucand exit ts */
    [HEVC_PRESET_FAST] = {1, 4, 0, 1, 0, 1, 1, 0, 1, 2, 0},
    [HEVC_PRESET_MEDIUM] = {2, 4, 1, 2, 1, 1, 1, 0, 1, 2, 0},
    [HEVC_PRESET_SLOW] = {8, 1, 3, 5, 1, 1, 0, 3, 2, 0, 1},
};

int hevc_enc_config_preset(hevc_enc_config *cfg, hevc_enc_preset p) {
  if ((unsigned)p >= HEVC_PRESET_COUNT) return -1;
  const struct preset_search *k = &k_presets[p];
  cfg->rd_candidates = k->rd_candidates;
  cfg->intra_step = k->intra_step;
  cfg->mpm_rd = k->mpm_rd;
  cfg->chroma_candidates = k->chroma_candidates;
  cfg->nxn = k->nxn;
  cfg->rdoq = k->rdoq;
  cfg->rate_estimate = k->rate_estimate;
  cfg->tu_depth = k->tu_depth;
  cfg->tu_candidates = k->tu_candidates;
  cfg->early_exit = k->early_exit;
  cfg->transform_skip = k->transform_skip;
  return 0;
}

int hevc_enc_preset_from_name(const char *name) {
  static const char *const names[HEVC_PRESET_COUNT] = {
      [HEVC_PRESET_FAST] = "fast", [HEVC_PRESET_MEDIUM] = "medium", [HEVC_PRESET_SLOW] = "slow"};
  for (int i = 0; name && i < HEVC_PRESET_COUNT; i++)
    if (!strcmp(name, names[i])) return i;
  return -1;
}

void hevc_enc_output_clear(hevc_enc_output *out) {
  if (!out) return;
  for (int i = 0; i < out->count; i++) heic_buffer_unref(&out->nal[i].buf);
  out->count = 0;
}

static void free_buffers(hevc_encoder *e) {
  for (int c = 0; c < 3; c++) {
    HC_FREEP(e->mem, &e->orig[c]);
    HC_FREEP(e->mem, &e->recon[c]);
    HC_FREEP(e->mem, &e->dbk[c]);
  }
  HC_FREEP(e->mem, &e->units);
  HC_FREEP(e->mem, &e->ctus);
  e->alloc_w = e->alloc_h = 0;
  e->have_recon = 0;
}

void hevc_encoder_free(hevc_encoder **enc) {
  if (!enc || !*enc) return;
  hevc_encoder_priv *p = (hevc_encoder_priv *)*enc;
  hevc_encoder *e = &p->pub;
  free_buffers(e);
  hevc_bw_free(&e->slice_bw);
  hevc_bw_free(&e->tmp_bw);
  hevc_search_free(&p->search, e->mem);
  hc_free(e->mem, p);
  *enc = NULL;
}

heic_status hevc_encoder_new(hevc_encoder **out, hc_mem *mem, const hevc_enc_config *cfg,
                             hc_err *err) {
  if (!out) return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: no output pointer");
  *out = NULL;
  if (!mem || !cfg) return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: missing argument");
  /* The settings that are plain ranges; the others are checked below. */
  const struct {
    const char *name;
    int value, lo, hi;
  } ranges[] = {
      {"QP", cfg->qp, 0, 51},
      {"rd_candidates", cfg->rd_candidates, 1, 35},
      {"chroma_qp_offset", cfg->chroma_qp_offset, -12, 12},
      {"mpm_rd", cfg->mpm_rd, 0, 3},
      {"chroma_candidates", cfg->chroma_candidates, 1, 5},
      {"rate_estimate", cfg->rate_estimate, 0, 1},
      {"tu_depth", cfg->tu_depth, 0, cfg->ctu_log2 - 2},
      {"transform_skip", cfg->transform_skip, 0, 1},
      {"tu_candidates", cfg->tu_candidates, 1, 35},
      {"early_exit", cfg->early_exit, 0, 2},
      {"qp_jitter", cfg->qp_jitter, 0, 51},
      {"keep_recon", cfg->keep_recon, 0, 1},
      {"picture_hash", cfg->picture_hash, 0, 1},
  };
  if (cfg->bit_depth != 8 && cfg->bit_depth != 10)
    return hc_fail(err, HEIC_ERR_UNSUPPORTED, "hevc encoder: bit depth %d (8 or 10 supported)",
                   cfg->bit_depth);
  if (cfg->ctu_log2 != 5 && cfg->ctu_log2 != 6)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: CTU size 1 << %d (32 or 64)",
                   cfg->ctu_log2);
  if (cfg->intra_step != 1 && cfg->intra_step != 2 && cfg->intra_step != 4)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: intra_step %d (1, 2 or 4)",
                   cfg->intra_step);
  for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
    if (ranges[i].value < ranges[i].lo || ranges[i].value > ranges[i].hi)
      return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: %s %d outside %d..%d",
                     ranges[i].name, ranges[i].value, ranges[i].lo, ranges[i].hi);
  hevc_encoder_priv *p = hc_calloc(mem, 1, sizeof(*p));
  if (!p) return hc_fail_oom(err);
  hevc_encoder *e = &p->pub;
  e->mem = mem;
  e->cfg = *cfg;
  hevc_dsp_init(&e->dsp);
  hevc_bw_init(&e->slice_bw, mem);
  hevc_bw_init(&e->tmp_bw, mem);
  if (hevc_search_new(&p->search, mem) != HEIC_OK) {
    hevc_encoder *tmp = e;
    hevc_encoder_free(&tmp);
    return hc_fail_oom(err);
  }
  *out = e;
  return HEIC_OK;
}

static heic_status setup_picture(hevc_encoder *e, const hevc_enc_picture *pic, hc_err *err) {
  e->width = (int)pic->width;
  e->height = (int)pic->height;
  e->out_w = (e->width + 1) & ~1;
  e->out_h = (e->height + 1) & ~1;
  e->coded_w = (e->width + 7) & ~7;
  e->coded_h = (e->height + 7) & ~7;
  e->bit_depth = e->cfg.bit_depth;
  e->ctu_log2 = e->cfg.ctu_log2;
  e->ctu_size = 1 << e->ctu_log2;
  e->ctu_cols = (e->coded_w + e->ctu_size - 1) >> e->ctu_log2;
  e->ctu_rows = (e->coded_h + e->ctu_size - 1) >> e->ctu_log2;
  e->units_w = e->coded_w >> 2;
  e->units_h = e->coded_h >> 2;
  for (int c = 0; c < 3; c++) {
    e->pw[c] = c ? e->coded_w >> 1 : e->coded_w;
    e->ph[c] = c ? e->coded_h >> 1 : e->coded_h;
    e->stride[c] = e->pw[c];
  }
  e->orig_top = e->recon_top = e->dbk_top = 0;
  if (e->alloc_w == e->coded_w && e->alloc_h == e->coded_h && e->alloc_ctu_log2 == e->ctu_log2)
    return HEIC_OK;
  free_buffers(e);
  /* window heights (luma lines, multiples of 8), see struct hevc_encoder */
  int two_rows = 2 * e->ctu_size;
  e->orig_lines = e->coded_h < two_rows ? e->coded_h : two_rows;
  e->recon_lines = e->cfg.keep_recon ? e->coded_h : e->orig_lines;
  e->dbk_lines = e->coded_h < two_rows + 8 ? e->coded_h : two_rows + 8;
  for (int c = 0; c < 3; c++) {
    int sh = c ? 1 : 0;
    e->orig[c] = hc_malloc_array(e->mem, (size_t)e->pw[c] * (size_t)(e->orig_lines >> sh),
                                 sizeof(hevc_pixel));
    e->recon[c] = hc_malloc_array(e->mem, (size_t)e->pw[c] * (size_t)(e->recon_lines >> sh),
                                  sizeof(hevc_pixel));
    e->dbk[c] = hc_malloc_array(e->mem, (size_t)e->pw[c] * (size_t)(e->dbk_lines >> sh),
                                sizeof(hevc_pixel));
    if (!e->orig[c] || !e->recon[c] || !e->dbk[c]) goto oom;
  }
  e->units = hc_calloc(e->mem, (size_t)e->units_w * (size_t)e->units_h, sizeof(hevc_unit));
  e->ctus = hc_calloc(e->mem, 2 * (size_t)e->ctu_cols, sizeof(hevc_ctu));
  if (!e->units || !e->ctus) goto oom;
  e->alloc_w = e->coded_w;
  e->alloc_h = e->coded_h;
  e->alloc_ctu_log2 = e->ctu_log2;
  return HEIC_OK;
oom:
  free_buffers(e);
  return hc_fail(err, HEIC_ERR_OUT_OF_MEMORY, "hevc encoder: out of memory for a %dx%d picture",
                 e->width, e->height);
}

/* Moves a window of three planes (lines luma lines from luma line *top)
 * down the picture to start at luma line top, keeping the lines that both
 * the old and the new position hold. */
static void slide(const hevc_encoder *e, hevc_pixel *const planes[3], int *top, int lines,
                  int new_top) {
  if (new_top <= *top) return;
  for (int c = 0; c < 3; c++) {
    int sh = c ? 1 : 0;
    int d = (new_top - *top) >> sh, keep = (lines >> sh) - d;
    if (keep > 0)
      memmove(planes[c], planes[c] + (ptrdiff_t)d * e->stride[c],
              (size_t)keep * (size_t)e->stride[c] * sizeof(hevc_pixel));
  }
  *top = new_top;
}

/* Lines [*y0, *y1) of component c that CTU row `row` covers. */
static void row_lines(const hevc_encoder *e, int c, int row, int *y0, int *y1) {
  int sh = c ? 1 : 0;
  *y0 = (row << e->ctu_log2) >> sh;
  *y1 = *y0 + (e->ctu_size >> sh);
  if (*y1 > e->ph[c]) *y1 = e->ph[c];
}

/* Copies CTU row `row` of the input into the orig window, replicating the
 * last column and row into the padding, and clipping out-of-range samples. */
static void load_row(hevc_encoder *e, const hevc_enc_picture *pic, int row) {
  int max = (1 << e->bit_depth) - 1;
  for (int c = 0; c < 3; c++) {
    int sw = c ? (e->width + 1) / 2 : e->width;
    int sh = c ? (e->height + 1) / 2 : e->height;
    int y0, y1;
    row_lines(e, c, row, &y0, &y1);
    for (int y = y0; y < y1; y++) {
      const uint16_t *src = pic->planes[c] + (y < sh ? y : sh - 1) * pic->strides[c];
      hevc_pixel *dst = hevc_orig_at(e, c, 0, y);
      for (int x = 0; x < e->pw[c]; x++) {
        int v = src[x < sw ? x : sw - 1];
        dst[x] = (hevc_pixel)(v > max ? max : v);
      }
    }
  }
}

static int ctu_qp(const hevc_encoder *e, int addr) {
  int j = e->cfg.qp_jitter;
  if (!j) return e->cfg.qp;
  /* a fixed pseudo-random walk: deterministic and covering +-j */
  uint32_t h = (uint32_t)addr * 2654435761u;
  int q = e->cfg.qp + (int)((h >> 16) % (uint32_t)(2 * j + 1)) - j;
  return hevc_clip3(0, 51, q);
}

/* After the search of a CTU: QpY of every CU (which depends on where
 * cu_qp_delta is actually coded), and the picture-wide unit map. */
static void finalize_cu(hevc_encoder *e, hevc_ctu *ctu, int *delta_coded, int x0, int y0,
                        int log2) {
  int n = 1 << log2;
  if (x0 >= e->coded_w || y0 >= e->coded_h) return;
  int u0 = hevc_uidx(ctu, x0, y0);
  if (!(x0 + n <= e->coded_w && y0 + n <= e->coded_h) || ctu->cu_log2[u0] < log2) {
    int h = n >> 1;
    for (int i = 0; i < 4; i++)
      finalize_cu(e, ctu, delta_coded, x0 + (i & 1) * h, y0 + (i >> 1) * h, log2 - 1);
    return;
  }
  int nu = n >> 2, any = 0;
  for (int j = 0; j < nu; j++)
    for (int i = 0; i < nu; i++) any |= ctu->cbf[u0 + j * HEVC_UNITS + i];
  int qp;
  if (!e->cu_qp_delta) {
    qp = e->slice_qp;
  } else {
    if (any) *delta_coded = 1;
    qp = *delta_coded ? ctu->qp : ctu->qp_pred;
  }
  for (int j = 0; j < nu; j++)
    for (int i = 0; i < nu; i++) {
      int u = u0 + j * HEVC_UNITS + i;
      int x = x0 + 4 * i, y = y0 + 4 * j;
      hevc_unit *pu = &e->units[(y >> 2) * e->units_w + (x >> 2)];
      int ts = 1 << ctu->tu_log2[u];
      pu->depth = (uint8_t)(e->ctu_log2 - log2);
      pu->luma_mode = ctu->luma_mode[u];
      pu->qp = (int8_t)qp;
      pu->edges = (uint8_t)(((x & (ts - 1)) == 0 ? HEVC_EDGE_LEFT : 0) |
                            ((y & (ts - 1)) == 0 ? HEVC_EDGE_TOP : 0));
    }
  e->qp_prev = qp;
}

/* Copies the reconstruction of CTU row `row` into the deblocking window. */
static void copy_to_dbk(hevc_encoder *e, int row) {
  for (int c = 0; c < 3; c++) {
    int y0, y1;
    row_lines(e, c, row, &y0, &y1);
    memcpy(hevc_dbk_at(e, c, 0, y0), hevc_recon_at(e, c, 0, y0),
           (size_t)(y1 - y0) * (size_t)e->stride[c] * sizeof(hevc_pixel));
  }
}

/* SAO and entropy coding of CTU row `row` (deblocking of it is complete). */
static heic_status finish_row(hevc_encoder *e, int row, hc_err *err) {
  hevc_ctu *slot = e->ctus + (size_t)(row & 1) * (size_t)e->ctu_cols;
  hevc_ctu *above = e->ctus + (size_t)((row + 1) & 1) * (size_t)e->ctu_cols;
  int q = hevc_clip3(0, 57, e->cfg.qp);
  int64_t lambda = (int64_t)hevc_lambda_q8[q] << (2 * (e->bit_depth - 8));
  for (int cx = 0; cx < e->ctu_cols; cx++) {
    hevc_ctu *ctu = &slot[cx];
    hevc_sao_ctu(e, ctu, cx > 0 ? &slot[cx - 1].sao : NULL, row > 0 ? &above[cx].sao : NULL,
                 lambda, hevc_chroma_weight_q8(e, e->cfg.qp));
    if (e->cfg.sao) hevc_write_sao(&e->cabac, e, &ctu->sao, cx, row);
    hevc_qp_state qs = {ctu->qp_pred, ctu->qp, 0};
    hevc_write_quadtree(&e->cabac, e, ctu, &qs, ctu->x0, ctu->y0, e->ctu_log2, 0);
    int last = row == e->ctu_rows - 1 && cx == e->ctu_cols - 1;
    hevc_cabac_terminate(&e->cabac, last);
    if (e->slice_bw.error)
      return hc_fail(err, HEIC_ERR_OUT_OF_MEMORY, "hevc encoder: out of memory for slice data");
  }
  return HEIC_OK;
}

static heic_status add_nal(hevc_encoder *e, hevc_enc_output *out, int type,
                           const hevc_bitwriter *bw, hc_err *err) {
  if (bw->error) return hc_fail_oom(err);
  size_t size = hevc_nal_size(bw->buf, bw->size);
  uint8_t *dst;
  heic_buffer *b = hc_buffer_new(e->mem, size, &dst);
  if (!b) return hc_fail_oom(err);
  hevc_nal_write(dst, type, bw->buf, bw->size);
  out->nal[out->count].type = type;
  out->nal[out->count].buf = b;
  out->count++;
  return HEIC_OK;
}

/* Feeds the final samples of CTU row `row` into the picture hash: each
 * plane is hashed on its own, in raster order, so the rows of one plane
 * arrive in order. */
static void md5_row(hevc_encoder_priv *pv, int row) {
  const hevc_encoder *e = &pv->pub;
  for (int c = 0; c < 3; c++) {
    hevc_md5 *m = &pv->md5[c];
    uint8_t line[2 * 8192];
    int y0, y1;
    row_lines(e, c, row, &y0, &y1);
    for (int y = y0; y < y1; y++) {
      const hevc_pixel *p = hevc_recon_at(e, c, 0, y);
      /* chunks so that the line buffer stays bounded for any width */
      for (int x0 = 0; x0 < e->pw[c]; x0 += 8192) {
        int w = e->pw[c] - x0 < 8192 ? e->pw[c] - x0 : 8192;
        size_t n = 0;
        for (int x = 0; x < w; x++) {
          line[n++] = (uint8_t)p[x0 + x];
          if (e->bit_depth > 8) line[n++] = (uint8_t)(p[x0 + x] >> 8);
        }
        hevc_md5_update(m, line, n);
      }
    }
  }
}

heic_status hevc_encoder_encode(hevc_encoder *e, const hevc_enc_picture *pic,
                                hevc_enc_output *out, hc_err *err) {
  if (!e || !pic || !out)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: missing argument");
  if (out->count)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: output is not empty");
  if (pic->width < 1 || pic->height < 1 || pic->width > 16384 || pic->height > 16384)
    return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                   "hevc encoder: picture size %ux%u outside 1x1..16384x16384", pic->width,
                   pic->height);
  for (int c = 0; c < 3; c++) {
    uint32_t w = c ? (pic->width + 1) / 2 : pic->width;
    if (!pic->planes[c] || pic->strides[c] < (ptrdiff_t)w)
      return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: plane %d missing or stride too small", c);
  }
  hevc_encoder_priv *p = (hevc_encoder_priv *)e;
  heic_status st = setup_picture(e, pic, err);
  if (st != HEIC_OK) return st;
  e->have_recon = 0;
  for (int c = 0; c < 3; c++) hevc_md5_init(&p->md5[c]);
  e->slice_qp = e->cfg.qp;
  e->cu_qp_delta = e->cfg.qp_jitter != 0;
  e->qp_prev = e->slice_qp;

  hevc_bw_reset(&e->slice_bw);
  hevc_write_slice_header(&e->slice_bw, e);
  hevc_contexts_init(&e->cabac.ctx, e->slice_qp);
  hevc_cabac_start(&e->cabac, &e->slice_bw);
  hevc_contexts_init(&e->search_ctx, e->slice_qp);

  for (int row = 0; row < e->ctu_rows; row++) {
    hevc_ctu *slot = e->ctus + (size_t)(row & 1) * (size_t)e->ctu_cols;
    /* windows: orig and recon rows row - 1 and row, dbk also the last
     * lines of row - 2 (the upper neighbours SAO of row - 1 reads) */
    int prev = row > 0 ? (row - 1) << e->ctu_log2 : 0;
    slide(e, e->orig, &e->orig_top, e->orig_lines, prev);
    load_row(e, pic, row);
    if (!e->cfg.keep_recon) slide(e, e->recon, &e->recon_top, e->recon_lines, prev);
    slide(e, e->dbk, &e->dbk_top, e->dbk_lines, prev >= 8 ? prev - 8 : 0);
    for (int cx = 0; cx < e->ctu_cols; cx++) {
      hevc_ctu *ctu = &slot[cx];
      ctu->x0 = cx << e->ctu_log2;
      ctu->y0 = row << e->ctu_log2;
      ctu->addr = row * e->ctu_cols + cx;
      ctu->qp = ctu_qp(e, ctu->addr);
      ctu->qp_pred = e->qp_prev;
      hevc_search_ctu(p->search, e, ctu);
      int delta_coded = 0;
      finalize_cu(e, ctu, &delta_coded, ctu->x0, ctu->y0, e->ctu_log2);
    }
    copy_to_dbk(e, row);
    if (e->cfg.deblocking) hevc_deblock_row(e, row);
    if (row > 0) {
      st = finish_row(e, row - 1, err);
      if (st != HEIC_OK) return st;
      if (e->cfg.picture_hash) md5_row(p, row - 1);
    }
  }
  st = finish_row(e, e->ctu_rows - 1, err);
  if (st != HEIC_OK) return st;
  if (e->cfg.picture_hash) md5_row(p, e->ctu_rows - 1);
  hevc_bw_align_zero(&e->slice_bw);

  hevc_enc_output o = {0};
  hevc_write_vps(&e->tmp_bw, e);
  st = add_nal(e, &o, HEVC_NAL_VPS, &e->tmp_bw, err);
  if (st == HEIC_OK) {
    hevc_write_sps(&e->tmp_bw, e);
    st = add_nal(e, &o, HEVC_NAL_SPS, &e->tmp_bw, err);
  }
  if (st == HEIC_OK) {
    hevc_write_pps(&e->tmp_bw, e);
    st = add_nal(e, &o, HEVC_NAL_PPS, &e->tmp_bw, err);
  }
  if (st == HEIC_OK) st = add_nal(e, &o, HEVC_NAL_IDR_W_RADL, &e->slice_bw, err);
  if (st == HEIC_OK && e->cfg.picture_hash) {
    uint8_t md5[3][16];
    for (int c = 0; c < 3; c++) hevc_md5_final(&p->md5[c], md5[c]);
    hevc_write_md5_sei(&e->tmp_bw, md5);
    st = add_nal(e, &o, HEVC_NAL_SUFFIX_SEI, &e->tmp_bw, err);
  }
  if (st != HEIC_OK) {
    hevc_enc_output_clear(&o);
    return st;
  }
  *out = o;
  e->have_recon = e->cfg.keep_recon;
  return HEIC_OK;
}

heic_status hevc_encoder_recon(const hevc_encoder *e, hevc_enc_recon *rec) {
  if (!e || !rec || !e->have_recon) return HEIC_ERR_INVALID_ARGUMENT;
  rec->width = (uint32_t)e->out_w;
  rec->height = (uint32_t)e->out_h;
  rec->bit_depth = e->bit_depth;
  for (int c = 0; c < 3; c++) {
    rec->planes[c] = e->recon[c];
    rec->strides[c] = e->stride[c];
    rec->plane_w[c] = (uint32_t)(c ? e->out_w / 2 : e->out_w);
    rec->plane_h[c] = (uint32_t)(c ? e->out_h / 2 : e->out_h);
  }
  return HEIC_OK;
}
