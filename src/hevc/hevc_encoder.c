/*
 * HEVC encoder: configuration, buffers and the picture driver.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "hevc_encoder.h"

#include <string.h>

#include "core/buffer.h"
#include "core/thread.h"
#include "encoder_int.h"
#include "md5.h"
#include "params.h"
#include "rows.h"
#include "search.h"

void hevc_enc_config_default(hevc_enc_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->qp = 27;
  cfg->bit_depth = 8;
  cfg->chroma_format = HEVC_CHROMA_420;
  cfg->lossless = 0;
  cfg->ctu_log2 = 6;
  cfg->deblocking = 1;
  cfg->sao = 1;
  cfg->sign_hiding = 1;
  /* Chroma at the luma QP.  A finer chroma QP buys little PSNR-YUV and
   * costs luma: on 7 photos, -3 against 0 gave PSNR-YUV -0.2 .. +2.1 % in
   * BD-rate but PSNR-Y +4.3 .. +5.8 % and SSIM-Y +5.2 .. +5.9 %
   * (docs/benchmarks.md, "Chroma QP offset").  A HEIC viewed as RGB needs
   * finer chroma, and the HEIC encoder sets its own offset. */
  cfg->chroma_qp_offset = 0;
  cfg->qp_jitter = 0;
  cfg->picture_hash = 1;
  cfg->wpp = 1;
  cfg->threads = 0;
  (void)hevc_enc_config_preset(cfg, HEVC_PRESET_MEDIUM);
}

/* The search settings of each preset, in hevc_enc_preset order. */
static const struct preset_search {
  uint8_t rd_candidates, intra_step, mpm_rd, chroma_candidates, nxn, rdoq, rate_estimate,
      tu_depth, tu_candidates, early_exit, transform_skip, cu_min_log2, cu_max_log2;
} k_presets[HEVC_PRESET_COUNT] = {
    /*          rd  step mpm chroma nxn rdoq est tu tucand exit ts cu sizes */
    [HEVC_PRESET_ULTRAFAST] = {1, 8, 0, 1, 0, 1, 1, 0, 1, 3, 0, 3, 5},
    [HEVC_PRESET_FAST] = {1, 4, 0, 1, 0, 1, 1, 0, 1, 2, 0, 3, 6},
    [HEVC_PRESET_MEDIUM] = {1, 4, 1, 2, 1, 1, 1, 0, 1, 2, 0, 3, 6},
    [HEVC_PRESET_SLOW] = {4, 2, 3, 2, 1, 1, 0, 1, 1, 1, 0, 3, 6},
    [HEVC_PRESET_VERYSLOW] = {8, 1, 3, 5, 1, 1, 0, 3, 2, 0, 1, 3, 6},
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
  cfg->cu_min_log2 = k->cu_min_log2;
  cfg->cu_max_log2 = k->cu_max_log2;
  return 0;
}

int hevc_enc_preset_from_name(const char *name) {
  static const char *const names[HEVC_PRESET_COUNT] = {
      [HEVC_PRESET_ULTRAFAST] = "ultrafast", [HEVC_PRESET_FAST] = "fast",
      [HEVC_PRESET_MEDIUM] = "medium", [HEVC_PRESET_SLOW] = "slow",
      [HEVC_PRESET_VERYSLOW] = "veryslow"};
  for (int i = 0; name && i < HEVC_PRESET_COUNT; i++)
    if (!strcmp(name, names[i])) return i;
  return -1;
}

void hevc_enc_output_clear(hevc_enc_output *out) {
  if (!out) return;
  for (int i = 0; i < out->count; i++) heic_buffer_unref(&out->nal[i].buf);
  out->count = 0;
}

/* The rings, the deblocking window and the maps (not the substream ends
 * the slice header still needs, nor a kept reconstruction). */
static void free_work(hevc_encoder *e) {
  for (int c = 0; c < 3; c++) {
    HC_FREEP(e->mem, &e->orig[c]);
    HC_FREEP(e->mem, &e->dbk[c]);
    if (!e->cfg.keep_recon) HC_FREEP(e->mem, &e->recon[c]);
  }
  HC_FREEP(e->mem, &e->units);
  HC_FREEP(e->mem, &e->ctus);
  HC_FREEP(e->mem, &e->bins);
  e->alloc_w = e->alloc_h = 0; /* the next picture allocates afresh */
  e->ring_rows = 0;
}

static void free_buffers(hevc_encoder *e) {
  free_work(e);
  for (int c = 0; c < 3; c++) HC_FREEP(e->mem, &e->recon[c]);
  HC_FREEP(e->mem, &e->substream_size);
  e->have_recon = 0;
}

static void free_searches(hevc_encoder *e) {
  for (int i = 0; i < e->search_count; i++) hevc_search_free(&e->searches[i], e->mem);
  HC_FREEP(e->mem, &e->searches);
  e->search_count = 0;
}

static void free_own_pool(hevc_encoder *e) {
  hc_pool *pool = e->own_pool;
  hc_pool_free(&pool);
  e->own_pool = NULL;
}

void hevc_encoder_free(hevc_encoder **enc) {
  if (!enc || !*enc) return;
  hevc_encoder *e = *enc;
  hevc_rows_end(e);
  free_own_pool(e);
  free_buffers(e);
  free_searches(e);
  hevc_bw_free(&e->slice_bw);
  hevc_bw_free(&e->data_bw);
  hevc_bw_free(&e->tmp_bw);
  hc_free(e->mem, e);
  *enc = NULL;
}

void hevc_encoder_set_parallel(hevc_encoder *e,
                               void (*run)(void *opaque, size_t n,
                                           void (*fn)(void *arg, size_t index), void *arg),
                               void *opaque, int threads) {
  if (!e) return;
  free_own_pool(e);
  e->par.run = run;
  e->par.opaque = run ? opaque : NULL;
  e->par.threads = run ? (threads < 1 ? 1 : threads) : 0;
}

static void run_on_pool(void *opaque, size_t n, void (*fn)(void *arg, size_t index), void *arg) {
  hc_pool_run(opaque, n, fn, arg);
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
      {"early_exit", cfg->early_exit, 0, 3},
      {"cu_min_log2", cfg->cu_min_log2, 3, 6},
      {"cu_max_log2", cfg->cu_max_log2, cfg->cu_min_log2, 6},
      {"qp_jitter", cfg->qp_jitter, 0, 51},
      {"keep_recon", cfg->keep_recon, 0, 1},
      {"picture_hash", cfg->picture_hash, 0, 1},
      {"wpp", cfg->wpp, 0, 1},
      {"threads", cfg->threads, 0, 1024},
      {"lossless", cfg->lossless, 0, 1},
  };
  if (cfg->bit_depth != 8 && cfg->bit_depth != 10 && cfg->bit_depth != 12)
    return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                   "hevc encoder: bit depth %d (8, 10 or 12 supported)", cfg->bit_depth);
  if (cfg->chroma_format < HEVC_CHROMA_400 || cfg->chroma_format > HEVC_CHROMA_444)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT,
                   "hevc encoder: chroma_format %d (0 for 4:0:0, 1 for 4:2:0, 2 for 4:2:2, 3 "
                   "for 4:4:4)",
                   cfg->chroma_format);
  if (cfg->ctu_log2 != 5 && cfg->ctu_log2 != 6)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: CTU size 1 << %d (32 or 64)",
                   cfg->ctu_log2);
  if (cfg->intra_step != 1 && cfg->intra_step != 2 && cfg->intra_step != 4 && cfg->intra_step != 8)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: intra_step %d (1, 2, 4 or 8)",
                   cfg->intra_step);
  for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
    if (ranges[i].value < ranges[i].lo || ranges[i].value > ranges[i].hi)
      return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: %s %d outside %d..%d",
                     ranges[i].name, ranges[i].value, ranges[i].lo, ranges[i].hi);
  hevc_encoder *e = hc_calloc(mem, 1, sizeof(*e));
  if (!e) return hc_fail_oom(err);
  e->mem = mem;
  e->cfg = *cfg;
  if (cfg->lossless) {
    /* Every CU bypasses transform and quantisation: the loop filters would
     * leave its samples alone (so they are not even signalled), no sign is
     * hidden in a bypass block (7.3.8.11), and there is nothing for RDOQ or
     * transform skip to choose.  Rates are counted, not estimated. */
    e->cfg.deblocking = 0;
    e->cfg.sao = 0;
    e->cfg.sign_hiding = 0;
    e->cfg.rdoq = 0;
    e->cfg.rate_estimate = 0;
    e->cfg.transform_skip = 0;
  }
  if (cfg->chroma_format == HEVC_CHROMA_422 || cfg->chroma_format == HEVC_CHROMA_444) {
    /* Outside 4:2:0, QpC = Min(qPi, 51) (8.6.1): an offset that takes
     * qPi = QpY + offset above 51 quantises chroma exactly as one that
     * stops at 51.  libde265 (1.0.11) dequantises at qPi itself there, so
     * the offset is lowered to what the picture's highest QpY leaves: the
     * same picture for the standard and for ffmpeg, and one libde265
     * decodes too (with QP jitter, a testing aid, the CTUs below the
     * highest QP then get finer chroma). */
    int top = cfg->qp + cfg->qp_jitter > 51 ? 51 : cfg->qp + cfg->qp_jitter;
    if (top + e->cfg.chroma_qp_offset > 51) e->cfg.chroma_qp_offset = 51 - top;
  }
  hevc_dsp_init(&e->dsp, cfg->bit_depth);
  hevc_bw_init(&e->slice_bw, mem);
  hevc_bw_init(&e->data_bw, mem);
  hevc_bw_init(&e->tmp_bw, mem);
  *out = e;
  return HEIC_OK;
}

/* Bins the log of each of slots CTU slots (hevc_ctu.bins) holds: 0 when
 * the search does not count the decided CTU (no rate estimates: slow,
 * veryslow, lossless), else enough for nearly every CTU at the picture's
 * QP.  Bins per coded sample (luma and chroma) grow as the QP falls: on a
 * detailed 12 MP photo (4:2:0, ultrafast and medium) the 99th percentile
 * of the CTUs was 1.0 at QP 32, 1.6 at 27, 2.1 at 22, 3.0 at 12 and 4.4
 * at 0; the cap gives 1.1 and 0.1 more per QP step below 32, at most 5.
 * The logs of one encoder stay within 32 MiB, or the 2 bins per luma
 * sample of before where that is more (wide pictures on many threads).  A
 * CTU that needs more is written from its syntax: the same bytes, one
 * more pass over it. */
static uint32_t bin_log_cap(const hevc_encoder *e, size_t slots) {
  if (!e->cfg.rdoq || !e->cfg.rate_estimate || !slots) return 0;
  /* the finest QP of the picture; a finer chroma QP adds chroma bins */
  int q = e->cfg.qp - e->cfg.qp_jitter + (e->cfg.chroma_qp_offset < 0 ? e->cfg.chroma_qp_offset / 2 : 0);
  int tenths = 11 + (q < 32 ? 32 - q : 0);
  if (tenths > 50) tenths = 50;
  /* coded samples per 4 luma samples: 4:0:0 4, 4:2:0 6, 4:2:2 8, 4:4:4 12 */
  uint32_t quarter = e->ncomp == 1 ? 4 : 4 + 8 / ((1 << e->csx) << e->csy);
  uint64_t area = (uint64_t)e->ctu_size * (uint64_t)e->ctu_size;
  uint64_t n = area / 4 * quarter * (uint64_t)tenths / 10;
  uint64_t budget = ((uint64_t)32 << 20) / sizeof(uint16_t) / slots;
  if (budget < area * 2) budget = area * 2;
  return (uint32_t)(n < budget ? n : budget);
}

/* Search scratch (about 0.9 MB) for n lanes, allocated as first needed. */
static heic_status ensure_searches(hevc_encoder *e, int n, hc_err *err) {
  if (n <= e->search_count) return HEIC_OK;
  hevc_search **grown = hc_calloc(e->mem, (size_t)n, sizeof(*grown));
  if (!grown) return hc_fail_oom(err);
  for (int i = 0; i < e->search_count; i++) grown[i] = e->searches[i];
  int had = e->search_count;
  hc_free(e->mem, e->searches);
  e->searches = grown;
  for (int i = had; i < n; i++) {
    if (hevc_search_new(&e->searches[i], e->mem) != HEIC_OK) return hc_fail_oom(err);
    e->search_count = i + 1;
  }
  return HEIC_OK;
}

/* The threads this picture is coded with: lanes, each with its search
 * scratch, and (without a caller's parallel-for) the encoder's own pool. */
static heic_status setup_lanes(hevc_encoder *e, int *lanes, hc_err *err) {
  int threads = e->cfg.threads ? e->cfg.threads : hc_cpu_count();
  if (e->par.run && !e->own_pool && e->par.threads < threads) threads = e->par.threads;
  int n = hevc_rows_lanes(e, threads);
  if (n > 1 && !e->par.run) {
    hc_pool *pool = NULL;
    heic_status st = hc_pool_new(&pool, e->mem, threads - 1, err);
    if (st != HEIC_OK) return st;
    e->own_pool = pool;
    e->par.run = run_on_pool;
    e->par.opaque = pool;
    e->par.threads = threads;
  }
  heic_status st = ensure_searches(e, n, err);
  if (st != HEIC_OK) return st;
  *lanes = n;
  return HEIC_OK;
}

/* Geometry and buffers for pic, coded by *lanes lanes: their rows, the
 * row the tail is finishing and the one between fit in the rings. */
static heic_status setup_picture(hevc_encoder *e, const hevc_enc_picture *pic, int *lanes,
                                 hc_err *err) {
  e->width = (int)pic->width;
  e->height = (int)pic->height;
  e->chroma = e->cfg.chroma_format;
  /* Implicit RDPCM pays in lossless 4:4:4 (3-7% smaller RGB photos); the
   * 4:4:4 profiles allow it, Main, Main 10 and the others may not use it. */
  e->rdpcm = e->cfg.lossless && e->chroma == HEVC_CHROMA_444;
  /* Cross-component prediction (chroma residuals predicted from the luma
   * residual, pps_range_extension) likewise, in lossless 4:4:4 */
  e->ccp = (e->cfg.lossless || e->cfg.ccp) && e->chroma == HEVC_CHROMA_444;
  e->ncomp = e->chroma == HEVC_CHROMA_400 ? 1 : 3;
  e->csx = e->chroma == HEVC_CHROMA_420 || e->chroma == HEVC_CHROMA_422;
  e->csy = e->chroma == HEVC_CHROMA_420;
  /* the conformance window counts chroma samples: 4:2:0 crops to even
   * sizes only (4:2:2 to even widths); 4:4:4 and 4:0:0 crop in luma samples */
  e->out_w = ((e->width + (1 << e->csx) - 1) >> e->csx) << e->csx;
  e->out_h = ((e->height + (1 << e->csy) - 1) >> e->csy) << e->csy;
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
    e->pw[c] = c >= e->ncomp ? 0 : e->coded_w >> hevc_shx(e, c);
    e->ph[c] = c >= e->ncomp ? 0 : e->coded_h >> hevc_shy(e, c);
    e->stride[c] = e->pw[c];
  }
  heic_status st = setup_lanes(e, lanes, err);
  if (st != HEIC_OK) return st;
  int ring_rows = e->cfg.keep_recon ? e->ctu_rows : *lanes + 2;
  if (ring_rows > e->ctu_rows) ring_rows = e->ctu_rows;
  e->dbk_top = 0;
  if (e->alloc_w == e->coded_w && e->alloc_h == e->coded_h && e->alloc_ctu_log2 == e->ctu_log2 &&
      e->ring_rows == ring_rows && e->alloc_ncomp == e->ncomp && e->alloc_chroma == e->chroma)
    return HEIC_OK;
  free_buffers(e);
  /* rings of ring_rows CTU rows (the whole picture when that is smaller),
   * the deblocking window: see struct hevc_encoder */
  int ring_lines = ring_rows << e->ctu_log2;
  if (ring_lines > e->coded_h) ring_lines = e->coded_h;
  e->ring_rows = ring_rows;
  e->orig_ring_lines = ring_lines;
  e->recon_ring_lines = e->cfg.keep_recon ? e->coded_h : ring_lines;
  int two_rows = 2 * e->ctu_size;
  e->dbk_lines = e->coded_h < two_rows + 8 ? e->coded_h : two_rows + 8;
  for (int c = 0; c < e->ncomp; c++) {
    int sh = hevc_shy(e, c);
    e->orig[c] = hc_malloc_array(e->mem, (size_t)e->pw[c] * (size_t)(e->orig_ring_lines >> sh),
                                 sizeof(hevc_pixel));
    e->recon[c] = hc_malloc_array(e->mem, (size_t)e->pw[c] * (size_t)(e->recon_ring_lines >> sh),
                                  sizeof(hevc_pixel));
    e->dbk[c] = hc_malloc_array(e->mem, (size_t)e->pw[c] * (size_t)(e->dbk_lines >> sh),
                                sizeof(hevc_pixel));
    if (!e->orig[c] || !e->recon[c] || !e->dbk[c]) goto oom;
  }
  /* one CTU row more for the unit map: the entropy coder of row k reads
   * the depths of row k - 1 (split_cu_flag contexts) while row
   * k - 1 + ring_rows may already be searched */
  int unit_lines = ring_rows < e->ctu_rows ? (ring_rows + 1) << e->ctu_log2 : e->coded_h;
  if (unit_lines > e->coded_h) unit_lines = e->coded_h;
  e->unit_ring_rows = unit_lines >> 2;
  e->units = hc_calloc(e->mem, (size_t)e->units_w * (size_t)e->unit_ring_rows, sizeof(hevc_unit));
  e->ctus = hc_calloc(e->mem, (size_t)ring_rows * (size_t)e->ctu_cols, sizeof(hevc_ctu));
  e->substream_size = hc_calloc(e->mem, (size_t)e->ctu_rows, sizeof(size_t));
  size_t slots = (size_t)ring_rows * (size_t)e->ctu_cols;
  uint32_t cap = bin_log_cap(e, slots);
  e->bins = cap ? hc_malloc_array(e->mem, slots * cap, sizeof(uint16_t)) : NULL;
  if (!e->units || !e->ctus || !e->substream_size || (cap && !e->bins)) goto oom;
  for (size_t i = 0; i < slots && e->bins; i++) {
    e->ctus[i].bins = e->bins + i * cap;
    e->ctus[i].bins_cap = cap;
  }
  e->alloc_w = e->coded_w;
  e->alloc_h = e->coded_h;
  e->alloc_ctu_log2 = e->ctu_log2;
  e->alloc_ncomp = e->ncomp;
  e->alloc_chroma = e->chroma;
  return HEIC_OK;
oom:
  free_buffers(e);
  return hc_fail(err, HEIC_ERR_OUT_OF_MEMORY, "hevc encoder: out of memory for a %dx%d picture",
                 e->width, e->height);
}

/* Adds a NAL unit whose rbsp is bw's bytes followed by tail's (NULL: none).
 * bw's last byte must not be zero (it ends with a stop or alignment bit),
 * so emulation prevention of the two parts is independent. */
static heic_status add_nal2(hevc_encoder *e, hevc_enc_output *out, int type,
                            const hevc_bitwriter *bw, const hevc_bitwriter *tail, hc_err *err) {
  if (bw->error || (tail && tail->error)) return hc_fail_oom(err);
  size_t size = hevc_nal_size(bw->buf, bw->size);
  size_t tail_size = tail ? hevc_nal_size(tail->buf, tail->size) - 2 : 0;
  uint8_t *dst;
  heic_buffer *b = hc_buffer_new(e->mem, size + tail_size, &dst);
  if (!b) return hc_fail_oom(err);
  hevc_nal_write(dst, type, bw->buf, bw->size);
  if (tail) hevc_nal_escape(dst + size, tail->buf, tail->size);
  out->nal[out->count].type = type;
  out->nal[out->count].buf = b;
  out->count++;
  return HEIC_OK;
}

static heic_status add_nal(hevc_encoder *e, hevc_enc_output *out, int type,
                           const hevc_bitwriter *bw, hc_err *err) {
  return add_nal2(e, out, type, bw, NULL, err);
}

/* Checks the size and sets up a picture of width x height: geometry,
 * buffers, hashes, the slice data writer. */
static heic_status start_picture(hevc_encoder *e, const hevc_enc_picture *pic, int *lanes,
                                 hc_err *err) {
  if (pic->width < 1 || pic->height < 1 || pic->width > 16384 || pic->height > 16384)
    return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                   "hevc encoder: picture size %ux%u outside 1x1..16384x16384", pic->width,
                   pic->height);
  hevc_rows_end(e); /* a streamed picture left unfinished */
  e->streaming = 0;
  heic_status st = setup_picture(e, pic, lanes, err);
  if (st != HEIC_OK) return st;
  e->have_recon = 0;
  for (int c = 0; c < e->ncomp; c++) hevc_md5_init(&e->md5[c]);
  e->slice_qp = e->cfg.qp;
  e->cu_qp_delta = e->cfg.qp_jitter != 0;
  hevc_bw_reset(&e->data_bw);
  return HEIC_OK;
}

/* After every row is coded: the NAL units of the picture into *out. */
static heic_status emit_picture(hevc_encoder *e, hevc_enc_output *out, hc_err *err) {
  hevc_bw_align_zero(&e->data_bw);
  /* The samples and decisions are not needed any more: give them back
   * before the NAL units are made, so that the two never add up (the next
   * picture allocates them again).  The kept reconstruction stays. */
  if (!e->cfg.keep_recon) free_work(e);
  /* the header carries the substreams' entry points, so it is written
   * last; the slice data follows it in the NAL */
  hevc_bw_reset(&e->slice_bw);
  hevc_write_slice_header(&e->slice_bw, e);

  hevc_enc_output o = {0};
  hevc_write_vps(&e->tmp_bw, e);
  heic_status st = add_nal(e, &o, HEVC_NAL_VPS, &e->tmp_bw, err);
  if (st == HEIC_OK) {
    hevc_write_sps(&e->tmp_bw, e);
    st = add_nal(e, &o, HEVC_NAL_SPS, &e->tmp_bw, err);
  }
  if (st == HEIC_OK) {
    hevc_write_pps(&e->tmp_bw, e);
    st = add_nal(e, &o, HEVC_NAL_PPS, &e->tmp_bw, err);
  }
  if (st == HEIC_OK) st = add_nal2(e, &o, HEVC_NAL_IDR_W_RADL, &e->slice_bw, &e->data_bw, err);
  if (st == HEIC_OK && e->cfg.picture_hash) {
    uint8_t md5[3][16];
    for (int c = 0; c < e->ncomp; c++) hevc_md5_final(&e->md5[c], md5[c]);
    hevc_write_md5_sei(&e->tmp_bw, md5, e->ncomp);
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

heic_status hevc_encoder_encode(hevc_encoder *e, const hevc_enc_picture *pic,
                                hevc_enc_output *out, hc_err *err) {
  if (!e || !pic || !out)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: missing argument");
  if (out->count)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: output is not empty");
  int ncomp = e->cfg.chroma_format == HEVC_CHROMA_400 ? 1 : 3;
  uint32_t subw = e->cfg.chroma_format == HEVC_CHROMA_444 ? 1 : 2;
  for (int c = 0; c < ncomp; c++) {
    uint32_t w = c ? (pic->width + subw - 1) / subw : pic->width;
    if (!pic->planes[c] || pic->strides[c] < (ptrdiff_t)w)
      return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: plane %d missing or stride too small", c);
  }
  int lanes = 1;
  heic_status st = start_picture(e, pic, &lanes, err);
  if (st != HEIC_OK) return st;
  st = hevc_rows_encode(e, pic, lanes, err);
  if (st != HEIC_OK) return st;
  return emit_picture(e, out, err);
}

/* ---- streaming input ---------------------------------------------------- */

heic_status hevc_encoder_begin(hevc_encoder *e, uint32_t width, uint32_t height, hc_err *err) {
  if (!e) return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: missing argument");
  hevc_rows_end(e);
  e->streaming = 0;
  hevc_enc_picture geo = {width, height, {NULL, NULL, NULL}, {0, 0, 0}};
  int lanes = 1;
  heic_status st = start_picture(e, &geo, &lanes, err);
  if (st == HEIC_OK) st = hevc_rows_begin(e, NULL, lanes, err);
  if (st != HEIC_OK) return st;
  e->streaming = 1;
  e->lines_in = 0;
  e->rows_run_to = 0;
  e->stream_lanes = lanes;
  return HEIC_OK;
}

/* Chroma subsampling of component c, horizontal and vertical, from
 * chroma_format_idc (1 4:2:0, 2 4:2:2, 3 4:4:4; 0 has no chroma), so that
 * the band input follows every format the encoder codes. */
static int push_sub_x(const hevc_encoder *e, int c) { return c && (e->chroma == 1 || e->chroma == 2); }
static int push_sub_y(const hevc_encoder *e, int c) { return c && e->chroma == 1; }

/* Copies input line y (component c, picture coordinates) into the orig
 * ring, replicating the last column into the padding and clipping
 * out-of-range samples, as load_row() in rows.c does. */
static void put_line(hevc_encoder *e, int c, int y, const uint16_t *src) {
  int max = (1 << e->bit_depth) - 1;
  int sx = push_sub_x(e, c);
  int sw = (e->width + sx) >> sx;
  hevc_pixel *dst = hevc_orig_at(e, c, 0, y);
  for (int x = 0; x < e->pw[c]; x++) {
    int v = src[x < sw ? x : sw - 1];
    dst[x] = (hevc_pixel)(v > max ? max : v);
  }
}

/* The CTU rows whose lines are all in the ring. */
static int rows_complete(const hevc_encoder *e) {
  return e->lines_in >= e->height ? e->ctu_rows : e->lines_in >> e->ctu_log2;
}

heic_status hevc_encoder_push(hevc_encoder *e, const hevc_enc_picture *band, hc_err *err) {
  if (!e || !band)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: missing argument");
  if (!e->streaming || !e->run)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: push without begin");
  int n = (int)band->height;
  if (band->width != (uint32_t)e->width || n < 1 || n > e->height - e->lines_in ||
      (n & 1 && e->lines_in + n != e->height && e->ncomp > 1 && push_sub_y(e, 1)))
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT,
                   "hevc encoder: a band of %ux%u at line %d of a %dx%d picture (bands are the "
                   "picture's width, an even number of lines but for the last)",
                   band->width, band->height, e->lines_in, e->width, e->height);
  for (int c = 0; c < e->ncomp; c++) {
    int sx = push_sub_x(e, c);
    uint32_t w = (band->width + (uint32_t)sx) >> sx;
    if (!band->planes[c] || band->strides[c] < (ptrdiff_t)w)
      return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: plane %d missing or stride too small", c);
  }
  int sy = push_sub_y(e, 1);
  for (int i = 0; i < n; i++) {
    /* Rows are coded `lanes` at a time, as soon as that many are complete:
     * their ring slots are free because the run before left only its last
     * row unfinished (rows.h), and the ring holds lanes + 2 rows. */
    int y = e->lines_in;
    put_line(e, 0, y, band->planes[0] + (ptrdiff_t)i * band->strides[0]);
    if (e->ncomp > 1 && !(y & sy))
      for (int c = 1; c < e->ncomp; c++)
        put_line(e, c, y >> sy, band->planes[c] + (ptrdiff_t)(i >> sy) * band->strides[c]);
    e->lines_in++;
    if (e->lines_in == e->height) {
      /* the bottom padding repeats the last line */
      for (int c = 0; c < e->ncomp; c++) {
        int last = ((e->height + push_sub_y(e, c)) >> push_sub_y(e, c)) - 1;
        for (int yy = last + 1; yy < e->ph[c]; yy++)
          memcpy(hevc_orig_at(e, c, 0, yy), hevc_orig_at(e, c, 0, last),
                 (size_t)e->pw[c] * sizeof(hevc_pixel));
      }
    }
    int done = rows_complete(e);
    if (done >= e->rows_run_to + e->stream_lanes || (done == e->ctu_rows && done > e->rows_run_to)) {
      heic_status st = ensure_searches(e, e->stream_lanes, err);
      if (st == HEIC_OK) st = hevc_rows_run(e, done, err);
      if (st != HEIC_OK) {
        hevc_rows_end(e);
        e->streaming = 0;
        return st;
      }
      e->rows_run_to = done;
    }
  }
  /* The search scratch is needed only while rows are searched: between
   * bands it is given back, so that encoders waiting for their next band
   * (the tiles of a row of a grid, coded side by side) hold none of it and
   * it follows the threads, not the tiles.  Decisions never depend on what
   * the scratch held before (rows go to whichever lane is free). */
  free_searches(e);
  return HEIC_OK;
}

heic_status hevc_encoder_finish(hevc_encoder *e, hevc_enc_output *out, hc_err *err) {
  if (!e || !out) return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: missing argument");
  if (out->count)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: output is not empty");
  if (!e->streaming || !e->run || e->lines_in != e->height || e->rows_run_to != e->ctu_rows)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hevc encoder: finish before every line was pushed");
  hevc_rows_end(e);
  e->streaming = 0;
  return emit_picture(e, out, err);
}

heic_status hevc_encoder_recon(const hevc_encoder *e, hevc_enc_recon *rec) {
  if (!e || !rec || !e->have_recon) return HEIC_ERR_INVALID_ARGUMENT;
  rec->width = (uint32_t)e->out_w;
  rec->height = (uint32_t)e->out_h;
  rec->bit_depth = e->bit_depth;
  rec->chroma_format = e->chroma;
  for (int c = 0; c < 3; c++) {
    int on = c < e->ncomp;
    rec->planes[c] = on ? e->recon[c] : NULL;
    rec->strides[c] = on ? e->stride[c] : 0;
    rec->plane_w[c] = (uint32_t)(!on ? 0 : e->out_w >> hevc_shx(e, c));
    rec->plane_h[c] = (uint32_t)(!on ? 0 : e->out_h >> hevc_shy(e, c));
  }
  return HEIC_OK;
}
