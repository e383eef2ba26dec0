/*
 * Internal state of the HEVC encoder shared by its stages.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Picture pipeline (rows.c):
 *   lanes:  search + reconstruct the CTUs of a row (search.c), each CTU
 *           once the row above has finished the CTU above-right of it
 *           (wavefront), or the whole row above (cfg.wpp == 0)
 *   tail:   deblock row k once it is searched (deblock.c), then decide
 *           and apply SAO for row k - 1 and entropy-code it (sao.c,
 *           syntax.c) - in row order, by whichever thread is free
 * Sample and decision buffers are rings of a few CTU rows, so memory
 * grows with the width and the number of lanes, not with the picture.
 */
#ifndef HEIC_HEVC_ENCODER_INT_H
#define HEIC_HEVC_ENCODER_INT_H

#include <stdint.h>

#include "bitstream.h"
#include "cabac.h"
#include "dsp/dsp.h"
#include "hevc_encoder.h"
#include "md5.h"
#include "tables.h"

typedef struct hevc_search hevc_search;
typedef struct hevc_rows_state hevc_rows_state;

#define HEVC_MAX_CTU_LOG2 6
#define HEVC_UNITS 16 /* 4x4 units per CTU side (stride of the CTU maps) */
#define HEVC_MIN_CU_LOG2 3
#define HEVC_MAX_TU_LOG2 5

/* Per 4x4 luma unit, whole picture: what later CTUs and the loop filters
 * need to know about a coded area. */
typedef struct hevc_unit {
  uint8_t depth;     /* CtDepth of the CU */
  uint8_t luma_mode; /* IntraPredModeY */
  uint8_t edges;     /* HEVC_EDGE_*: a transform/prediction block edge lies on this side */
  int8_t qp;         /* QpY of the CU */
} hevc_unit;

enum { HEVC_EDGE_LEFT = 1, HEVC_EDGE_TOP = 2 };

typedef struct hevc_sao {
  uint8_t merge_left, merge_up;
  uint8_t type[3];     /* 0 off, 1 band, 2 edge; type[2] == type[1] */
  uint8_t eo_class[3]; /* eo_class[2] == eo_class[1] */
  uint8_t band_pos[3];
  int8_t offset[3][4]; /* SaoOffsetVal[1..4] (log2_sao_offset_scale is 0 at every depth) */
} hevc_sao;

/* Decisions and coefficients of one CTU.  Maps are per 4x4 unit, stride
 * HEVC_UNITS, values valid at every unit the item covers. */
typedef struct hevc_ctu {
  int x0, y0, addr;   /* luma position, raster address */
  int qp;             /* QP the residual was quantised with */
  int qp_pred;        /* qPY_PRED of the CTU's quantisation group */
  uint8_t cu_log2[HEVC_UNITS * HEVC_UNITS];
  uint8_t nxn[HEVC_UNITS * HEVC_UNITS];
  uint8_t luma_mode[HEVC_UNITS * HEVC_UNITS];
  uint8_t chroma_sel[HEVC_UNITS * HEVC_UNITS];  /* intra_chroma_pred_mode 0..4 */
  uint8_t chroma_mode[HEVC_UNITS * HEVC_UNITS]; /* IntraPredModeC */
  uint8_t tu_log2[HEVC_UNITS * HEVC_UNITS];     /* luma TU size */
  /* bit 0: cbf_luma of the luma TU; bits 1, 2: cbf_cb, cbf_cr of the chroma
   * TU whose top-left unit this is (for 4x4 luma TUs, the 8x8 parent's). */
  uint8_t cbf[HEVC_UNITS * HEVC_UNITS];
  /* bit c: transform_skip_flag of component c's 4x4 block whose first unit
   * this is (chroma: the 8x8 luma area's) */
  uint8_t tskip[HEVC_UNITS * HEVC_UNITS];
  /* cross-component prediction of the chroma TU whose top-left unit this
   * is (4:4:4): Cb in bits 0-3, Cr in bits 4-7, each
   * log2_res_scale_abs_plus1 | res_scale_sign_flag << 3 (0: none) */
  uint8_t ccp[HEVC_UNITS * HEVC_UNITS];
  int16_t coef_y[64 * 64];     /* levels, stride 64 (hevc_ctu_coef) */
  int16_t coef_c[2][64 * 64];  /* Cb, Cr levels, stride 64 (4:2:0 uses the
                                * top-left 32x32) */
  hevc_sao sao;
  /* The bins of the CTU's coding_quadtree(), logged when the search counts
   * the decided CTU (rate estimates on): the entropy coder replays them
   * instead of deriving the syntax a second time.  bins_n 0: not logged,
   * the syntax is written.  bins is the slot's part of hevc_encoder.bins
   * (NULL without rate estimates), bins_cap bins long (bin_log_cap() in
   * hevc_encoder.c: it follows the QP). */
  uint16_t *bins;
  uint32_t bins_n, bins_cap;
} hevc_ctu;

/* The threads an encoder may use: a parallel-for (same contract as
 * hc_pool_run: fn(arg, i) for every i in [0, n), returns when all have
 * returned; may run them all on the caller) and how many threads it runs
 * at once. */
typedef struct hevc_parallel {
  void (*run)(void *opaque, size_t n, void (*fn)(void *arg, size_t index), void *arg);
  void *opaque;
  int threads;
} hevc_parallel;

/* State of the cu_qp_delta syntax while writing a CTU. */
typedef struct hevc_qp_state {
  int pred;         /* qPY_PRED of the current quantisation group */
  int target;       /* QP used for the residual of this CTU */
  int delta_coded;  /* IsCuQpDeltaCoded */
} hevc_qp_state;

struct hevc_encoder {
  hc_mem *mem;
  hevc_enc_config cfg;
  hevc_dsp dsp;

  /* geometry of the current picture */
  int width, height;        /* input */
  int out_w, out_h;         /* cropped output: even */
  int coded_w, coded_h;     /* multiples of 8 */
  int ctu_log2, ctu_size, ctu_cols, ctu_rows;
  int bit_depth;
  int chroma;               /* chroma_format_idc: HEVC_CHROMA_* */
  int ncomp;                /* colour components coded: 3, or 1 for 4:0:0 */
  int rdpcm;                /* implicit_rdpcm_enabled_flag: lossless 4:4:4 */
  int ccp;                  /* cross_component_prediction_enabled_flag: 4:4:4, lossless or cfg.ccp */
  int csx, csy;             /* log2 of SubWidthC, SubHeightC: 1, 1 in 4:2:0,
                             * 0, 0 in 4:4:4 (and in 4:0:0, which has no chroma) */
  int units_w, units_h;
  int alloc_w, alloc_h;     /* coded size the buffers were allocated for */
  int alloc_ctu_log2;
  int alloc_ncomp;          /* planes the buffers were allocated for */
  int alloc_chroma;         /* and their chroma format */

  /* Sample planes.  orig (the padded source) and recon (unfiltered until
   * SAO of its row writes the final samples into it) are rings of
   * ring_rows CTU rows: luma line y lives at line y % ring_lines, chroma
   * line y at y % (ring_lines / 2); ring_rows is the whole picture when
   * cfg.keep_recon (recon) or when the picture is that small.  Lines of
   * one CTU row are contiguous, lines of two rows may not be: code that
   * reaches across a CTU row boundary asks for each line.  dbk (deblocked,
   * read by SAO) belongs to the tail: a window of CTU rows k - 1 and k plus
   * the last lines of k - 2, starting at luma line dbk_top, slid down as
   * the tail advances.  Address samples with hevc_orig_at(),
   * hevc_recon_at(), hevc_dbk_at() using picture coordinates. */
  hevc_pixel *orig[3], *recon[3], *dbk[3];
  int ring_rows, orig_ring_lines, recon_ring_lines;
  int dbk_top, dbk_lines;
  ptrdiff_t stride[3];
  int pw[3], ph[3];         /* coded plane sizes */
  hevc_unit *units;         /* a ring of ring_rows + 1 CTU rows: unit row y / 4 at
                             * y / 4 % unit_ring_rows */
  int unit_ring_rows;
  hevc_ctu *ctus;           /* ring_rows CTU rows: row k uses slot k % ring_rows */
  uint16_t *bins;           /* the CTU slots' bin logs (NULL: none, see hevc_ctu.bins) */
  int have_recon;
  hevc_parallel par;        /* threads for the lanes; run NULL: one lane */
  void *own_pool;           /* hc_pool the encoder made for par, or NULL */
  hevc_search **searches;   /* search scratch, one per lane */
  int search_count;
  hevc_md5 md5[3];          /* decoded picture hash, fed as rows become final */

  int slice_qp;
  int cu_qp_delta;          /* pps cu_qp_delta_enabled_flag */

  hevc_bitwriter slice_bw;  /* slice header, then the whole slice data */
  hevc_bitwriter data_bw;   /* slice data, written by the tail */
  size_t *substream_size;   /* ctu_rows: bytes of each row's substream with emulation
                             * prevention, all rows but the last (WPP entry points) */
  hevc_bitwriter tmp_bw;
  hevc_cabac cabac;

  /* Streaming input (hevc_encoder_begin/push/finish): the run in progress
   * (rows.c), luma lines received, rows complete in the orig ring and rows
   * handed to the run; lines are coded `lanes` CTU rows at a time. */
  hevc_rows_state *run;
  int streaming;
  int lines_in;
  int rows_run_to;
  int stream_lanes;
};

/* ---- shared helpers ---------------------------------------------------- */

static inline int hevc_clip3(int lo, int hi, int v) { return v < lo ? lo : v > hi ? hi : v; }

/* Sample (x, y) of component c (picture coordinates; line y must be in
 * the plane's ring or window, see struct hevc_encoder). */
/* Horizontal and vertical subsampling shift of component c. */
static inline int hevc_shx(const hevc_encoder *e, int c) { return c ? e->csx : 0; }
static inline int hevc_shy(const hevc_encoder *e, int c) { return c ? e->csy : 0; }

static inline hevc_pixel *hevc_orig_at(const hevc_encoder *e, int c, int x, int y) {
  int sh = hevc_shy(e, c);
  return e->orig[c] + (ptrdiff_t)(y % (e->orig_ring_lines >> sh)) * e->stride[c] + x;
}
static inline hevc_pixel *hevc_recon_at(const hevc_encoder *e, int c, int x, int y) {
  int sh = hevc_shy(e, c);
  return e->recon[c] + (ptrdiff_t)(y % (e->recon_ring_lines >> sh)) * e->stride[c] + x;
}
static inline hevc_pixel *hevc_dbk_at(const hevc_encoder *e, int c, int x, int y) {
  return e->dbk[c] + (ptrdiff_t)(y - (e->dbk_top >> hevc_shy(e, c))) * e->stride[c] + x;
}

/* The slot of CTU row `row` in the rings. */
static inline hevc_ctu *hevc_ctu_row(const hevc_encoder *e, int row) {
  return e->ctus + (size_t)(row % e->ring_rows) * (size_t)e->ctu_cols;
}

/* Decoding-order key of the 4x4 unit holding luma sample (x, y): CTU raster
 * address, then z-order inside the CTU (single slice, single tile). */
static inline uint32_t hevc_zkey(const hevc_encoder *e, int x, int y) {
  /* bits b0..b3 of v moved to b0, b2, b4, b6 */
  static const uint8_t spread[16] = {0,  1,  4,  5,  16, 17, 20, 21,
                                     64, 65, 68, 69, 80, 81, 84, 85};
  uint32_t addr = (uint32_t)((y >> e->ctu_log2) * e->ctu_cols + (x >> e->ctu_log2));
  return addr << 8 | spread[(x >> 2) & (HEVC_UNITS - 1)] |
         (uint32_t)spread[(y >> 2) & (HEVC_UNITS - 1)] << 1;
}

/* Luma intra mode and CU depth at luma (x, y), which must be coded already
 * (inside ctu when it belongs to the CTU being decided). */
static inline const hevc_unit *hevc_unit_at(const hevc_encoder *e, int x, int y) {
  return &e->units[(size_t)((y >> 2) % e->unit_ring_rows) * (size_t)e->units_w + (size_t)(x >> 2)];
}

static inline int hevc_in_ctu(const hevc_ctu *ctu, int ctu_size, int x, int y) {
  return x >= ctu->x0 && y >= ctu->y0 && x < ctu->x0 + ctu_size && y < ctu->y0 + ctu_size;
}

static inline int hevc_uidx(const hevc_ctu *ctu, int x, int y) {
  return ((y - ctu->y0) >> 2) * HEVC_UNITS + ((x - ctu->x0) >> 2);
}

/* Levels of component c at component position (xc, yc) inside the CTU:
 * hevc_ctu.coef has stride 64 for every component. */
static inline ptrdiff_t hevc_level_stride(int c) { (void)c; return 64; }
static inline int16_t *hevc_ctu_coef(hevc_ctu *ctu, int c) {
  return c ? ctu->coef_c[c - 1] : ctu->coef_y;
}
static inline const int16_t *hevc_ctu_coef_c(const hevc_ctu *ctu, int c) {
  return c ? ctu->coef_c[c - 1] : ctu->coef_y;
}
static inline int16_t *hevc_ctu_levels(const hevc_encoder *e, hevc_ctu *ctu, int c, int xc,
                                       int yc) {
  return &hevc_ctu_coef(ctu, c)[(yc - (ctu->y0 >> hevc_shy(e, c))) * hevc_level_stride(c) + xc -
                                (ctu->x0 >> hevc_shx(e, c))];
}

/* The three most probable modes for the PU at (x, y) (8.4.2). */
void hevc_mpm(const hevc_encoder *e, const hevc_ctu *ctu, int x, int y, int cand[3]);

/* IntraPredModeC for intra_chroma_pred_mode sel and the luma mode (4:2:0,
 * 4:4:4). */
static inline int hevc_chroma_mode(int sel, int luma_mode) {
  static const uint8_t base[4] = {0, 26, 10, 1};
  if (sel == 4) return luma_mode;
  return base[sel] == luma_mode ? 34 : base[sel];
}

/* The same in chroma format `chroma`: 4:2:2 maps the mode through Table
 * 8-3 (its angles halved horizontally).  Editions of the table differ at
 * modes 11 and 14 (11 -> 11 or 12, 14 -> 16 or 17; FFmpeg and HM use the
 * first): the encoder never produces them (hevc_chroma_dm_ok), so that
 * every decoder agrees. */
static inline int hevc_chroma_mode_fmt(int chroma, int sel, int luma_mode) {
  static const uint8_t map422[35] = {0,  1,  2,  2,  2,  2,  3,  5,  7,  8,  10, 11,
                                     13, 15, 16, 18, 19, 20, 21, 22, 23, 23, 24, 24,
                                     25, 25, 26, 27, 27, 28, 28, 29, 29, 30, 31};
  int m = hevc_chroma_mode(sel, luma_mode);
  return chroma == 2 ? map422[m] : m;
}

/* 0 when DM (intra_chroma_pred_mode 4) must not be chosen: 4:2:2 with a
 * luma mode whose mapping the editions of Table 8-3 disagree on. */
static inline int hevc_chroma_dm_ok(int chroma, int luma_mode) {
  return chroma != 2 || (luma_mode != 11 && luma_mode != 14);
}

/* scanIdx for a block of size log2 in component c coded with intra mode
 * (7.4.9.11: mode-dependent for 4x4 blocks, and for 8x8 luma blocks and,
 * in 4:4:4, 8x8 chroma blocks). */
static inline int hevc_scan_idx(const hevc_encoder *e, int log2, int c, int mode) {
  if (log2 == 2 || (log2 == 3 && (c == 0 || e->chroma == HEVC_CHROMA_444))) {
    if (mode >= 6 && mode <= 14) return 2;
    if (mode >= 22 && mode <= 30) return 1;
  }
  return 0;
}

/* QpC for qPi: Table 8-10 in 4:2:0, Min(qPi, 51) in the other formats
 * (8.6.1). */
static inline int hevc_qpc(const hevc_encoder *e, int qpi) {
  if (e->chroma == HEVC_CHROMA_420) return hevc_chroma_qp_map(qpi);
  return qpi < 51 ? qpi : 51;
}

/* QpY -> Qp' for component c (the PPS chroma offset is the same for Cb
 * and Cr; there are no slice or CU chroma offsets). */
static inline int hevc_qp_prime(const hevc_encoder *e, int c, int qp_y) {
  int off = 6 * (e->bit_depth - 8);
  if (c == 0) return qp_y + off;
  return hevc_qpc(e, hevc_clip3(-off, 57, qp_y + e->cfg.chroma_qp_offset)) + off;
}

/* Weight of chroma SSE against luma SSE in RD costs, Q8: 2^((Qp'Y - Qp'C) / 3),
 * the ratio of the squared quantiser steps, so that a finer chroma step
 * (chroma QP mapping, negative offset) is matched by dearer chroma
 * distortion. */
static inline int64_t hevc_chroma_weight_q8(const hevc_encoder *e, int qp_y) {
  static const uint16_t third[3] = {256, 323, 406}; /* 2^(k/3), Q8 */
  int d = hevc_qp_prime(e, 0, qp_y) - hevc_qp_prime(e, 1, qp_y);
  int q = d >= 0 ? d / 3 : -((-d + 2) / 3), r = d - 3 * q;
  return q >= 0 ? (int64_t)third[r] << q : (int64_t)(third[r] >> -q);
}

#endif
