/*
 * The picture pipeline: CTU rows on lanes (wavefront), and the tail that
 * deblocks, SAO-filters, entropy-codes and hashes them in row order.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Lanes.  Each lane claims the next CTU row and searches it CTU by CTU.
 * With wavefront parallel processing (cfg.wpp, entropy_coding_sync in the
 * PPS) a CTU waits only until the row above has finished the CTU above
 * and to its right: intra prediction reads those samples, the MPMs their
 * modes, and the row's starting CABAC states are those after the second
 * CTU of the row above (9.3.1), for the coded stream and for the search's
 * rate estimates alike.  Without WPP a row waits for the whole row above
 * and carries its states and qPY_PREV on, so the lanes take turns.
 *
 * Tail.  Deblocking row k needs row k searched and row k - 1 deblocked;
 * SAO of row k - 1 needs row k deblocked (its last lines change and its
 * first line is SAO's lower neighbour); the entropy coder writes rows in
 * order.  So the tail is one sequence: deblock 0, deblock 1, finish 0,
 * deblock 2, finish 1, ... finish last.  No thread owns it: a lane that
 * completes a row, or that has to wait, runs the steps that are ready
 * while no other thread is running them (tail_busy), so no thread idles
 * while the tail has work and it never needs a thread of its own.
 *
 * Determinism.  Every decision depends only on data whose order is fixed
 * by the dependencies above, never on which lane or thread ran what, so the
 * stream is the same for any number of threads (tests/hevc_threads.sh).
 *
 * Memory.  A lane starts row r only when the tail has finished row
 * r - ring_rows, so rows [finished, r] fit in the rings.  Of the row
 * above the one being finished the tail still reads the SAO parameters
 * (merge-up), kept apart, and the CU depths (split_cu_flag contexts), for
 * which the unit map holds one row more.  With ring_rows = lanes + 2 a lane that completes the
 * lowest row in flight, m, may start row m + lanes at once: the tail can
 * finish row m - 1 as soon as row m is deblocked.  That wait
 * cannot deadlock: the lowest row in flight needs only rows below it
 * finished, which the tail can do as all rows before it are searched, and
 * a waiting lane runs the tail itself when nobody else is.
 */
#include "rows.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/thread.h"
#include "deblock.h"
#include "sao.h"
#include "search.h"
#include "syntax.h"

struct hevc_rows_state {
  hevc_encoder *e;
  const hevc_enc_picture *pic; /* NULL: the orig ring is filled by the caller (streaming) */
  int lanes;
  int limit;                /* rows the current run may claim: [next_row, limit) */
  hc_mutex lock;
  hc_cond cond;
  int next_row;             /* next row a lane claims */
  int *searched;            /* ctu_rows: CTUs searched in each row */
  int deblocked, finished;  /* rows the tail has deblocked / finished */
  int tail_busy;            /* a thread is running tail steps */
  int failed;               /* the tail ran out of memory */
  /* search states handed from row to row, by ring slot: WPP - after the
   * second CTU of the row; otherwise after the last, with qPY_PREV */
  hevc_contexts *row_ctx;
  int *row_qp;
  hevc_contexts tail_sync;  /* entropy coder states after CTU 1 of the last row finished */
  size_t substream_start;   /* where the next row's substream starts in data_bw */
  hevc_sao *sao_above;      /* ctu_cols: SAO parameters of the last row finished */
  /* Testing aid (HEIC_TEST_SCHEDULE_JITTER=1 in the environment): random
   * pauses before every CTU and tail step shuffle the order threads reach
   * things in, so that tests/hevc_threads.sh sees schedules a quiet
   * machine rarely produces.  Never changes the output. */
  int jitter;
  unsigned seed;            /* guarded by lock */
  int lock_made;            /* lock and cond are initialised */
};
typedef struct hevc_rows_state rows_run;

/* A pause of 0..255 microseconds when jitter is on. */
static void jitter(rows_run *rr) {
  if (!rr->jitter) return;
  hc_mutex_lock(&rr->lock);
  rr->seed = rr->seed * 1103515245u + 12345u;
  unsigned us = (rr->seed >> 16) & 255u;
  hc_mutex_unlock(&rr->lock);
  struct timespec ts = {0, (long)us * 1000};
  nanosleep(&ts, NULL);
}

/* ---- lane stages --------------------------------------------------------- */

/* Lines [*y0, *y1) of component c that CTU row `row` covers. */
static void row_lines(const hevc_encoder *e, int c, int row, int *y0, int *y1) {
  int sh = hevc_shy(e, c);
  *y0 = (row << e->ctu_log2) >> sh;
  *y1 = *y0 + (e->ctu_size >> sh);
  if (*y1 > e->ph[c]) *y1 = e->ph[c];
}

/* Copies CTU row `row` of the input into the orig ring, replicating the
 * last column and row into the padding and clipping out-of-range samples. */
static void load_row(hevc_encoder *e, const hevc_enc_picture *pic, int row) {
  int max = (1 << e->bit_depth) - 1;
  for (int c = 0; c < e->ncomp; c++) {
    int sx = hevc_shx(e, c), sy = hevc_shy(e, c);
    int sw = (e->width + (1 << sx) - 1) >> sx;
    int sh = (e->height + (1 << sy) - 1) >> sy;
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
 * cu_qp_delta is actually coded), and the picture-wide unit map.
 * *qp_prev follows qPY_PREV along the row. */
static void finalize_cu(hevc_encoder *e, hevc_ctu *ctu, int *delta_coded, int *qp_prev, int x0,
                        int y0, int log2) {
  int n = 1 << log2;
  if (x0 >= e->coded_w || y0 >= e->coded_h) return;
  int u0 = hevc_uidx(ctu, x0, y0);
  if (!(x0 + n <= e->coded_w && y0 + n <= e->coded_h) || ctu->cu_log2[u0] < log2) {
    int h = n >> 1;
    for (int i = 0; i < 4; i++)
      finalize_cu(e, ctu, delta_coded, qp_prev, x0 + (i & 1) * h, y0 + (i >> 1) * h, log2 - 1);
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
      hevc_unit *pu = (hevc_unit *)hevc_unit_at(e, x, y);
      int ts = 1 << ctu->tu_log2[u];
      pu->depth = (uint8_t)(e->ctu_log2 - log2);
      pu->luma_mode = ctu->luma_mode[u];
      pu->qp = (int8_t)qp;
      pu->edges = (uint8_t)(((x & (ts - 1)) == 0 ? HEVC_EDGE_LEFT : 0) |
                            ((y & (ts - 1)) == 0 ? HEVC_EDGE_TOP : 0));
    }
  *qp_prev = qp;
}

/* ---- tail stages --------------------------------------------------------- */

/* Copies the reconstruction of CTU row `row` into the deblocking window
 * (slid down first so that it holds rows row - 1 and row and the last
 * lines of row - 2, the upper neighbours SAO of row - 1 reads). */
static void deblock_step(hevc_encoder *e, int row) {
  int prev = row > 0 ? (row - 1) << e->ctu_log2 : 0;
  int top = prev >= 8 ? prev - 8 : 0;
  if (top > e->dbk_top) {
    for (int c = 0; c < e->ncomp; c++) {
      int sh = hevc_shy(e, c);
      int d = (top - e->dbk_top) >> sh, keep = (e->dbk_lines >> sh) - d;
      if (keep > 0)
        memmove(e->dbk[c], e->dbk[c] + (ptrdiff_t)d * e->stride[c],
                (size_t)keep * (size_t)e->stride[c] * sizeof(hevc_pixel));
    }
    e->dbk_top = top;
  }
  for (int c = 0; c < e->ncomp; c++) {
    int y0, y1;
    row_lines(e, c, row, &y0, &y1);
    memcpy(hevc_dbk_at(e, c, 0, y0), hevc_recon_at(e, c, 0, y0),
           (size_t)(y1 - y0) * (size_t)e->stride[c] * sizeof(hevc_pixel));
  }
  if (e->cfg.deblocking) hevc_deblock_row(e, row);
}

/* Feeds the final samples of CTU row `row` into the picture hash: each
 * plane is hashed on its own, in raster order. */
static void md5_row(hevc_encoder *e, int row) {
  for (int c = 0; c < e->ncomp; c++) {
    hevc_md5 *m = &e->md5[c];
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

/* SAO and entropy coding of CTU row `row` (its deblocking is complete, and
 * that of the row below).  With WPP each row is a substream: it starts a
 * new arithmetic coder from the states after CTU 1 of the row above (or
 * fresh ones in a one-CTU-wide picture) and ends with end_of_subset_one_bit
 * and byte alignment. */
static int finish_step(rows_run *rr, int row) {
  hevc_encoder *e = rr->e;
  hevc_ctu *slot = hevc_ctu_row(e, row);
  int q = hevc_clip3(0, 57, e->cfg.qp);
  int64_t lambda = (int64_t)hevc_lambda_q8[q] << (2 * (e->bit_depth - 8));
  int last_row = row == e->ctu_rows - 1;
  if (row == 0 || e->cfg.wpp) {
    if (row > 0 && e->ctu_cols >= 2)
      e->cabac.ctx = rr->tail_sync;
    else
      hevc_contexts_init(&e->cabac.ctx, e->slice_qp);
    hevc_cabac_start(&e->cabac, &e->data_bw);
  }
  for (int cx = 0; cx < e->ctu_cols; cx++) {
    hevc_ctu *ctu = &slot[cx];
    hevc_sao_ctu(e, ctu, cx > 0 ? &slot[cx - 1].sao : NULL, row > 0 ? &rr->sao_above[cx] : NULL,
                 lambda, hevc_chroma_weight_q8(e, e->cfg.qp));
    rr->sao_above[cx] = ctu->sao; /* the row above's is not read again */
    if (e->cfg.sao) hevc_write_sao(&e->cabac, e, &ctu->sao, cx, row);
    if (ctu->bins_n) {
      hevc_cabac_replay(&e->cabac, ctu->bins, ctu->bins_n);
    } else {
      hevc_qp_state qs = {ctu->qp_pred, ctu->qp, 0};
      hevc_write_quadtree(&e->cabac, e, ctu, &qs, ctu->x0, ctu->y0, e->ctu_log2, 0);
    }
    if (e->cfg.wpp && cx == 1) rr->tail_sync = e->cabac.ctx;
    hevc_cabac_terminate(&e->cabac, last_row && cx == e->ctu_cols - 1);
  }
  if (e->cfg.wpp && !last_row) {
    hevc_cabac_terminate(&e->cabac, 1); /* end_of_subset_one_bit */
    hevc_bw_align_zero(&e->data_bw);     /* byte_alignment() after the stop bit */
  }
  if (e->cfg.wpp && !last_row) {
    /* the entry point counts the bytes the NAL will hold: with emulation
     * prevention (each substream ends in a non-zero byte, so it is
     * escaped on its own) */
    size_t start = rr->substream_start;
    e->substream_size[row] = hevc_nal_size(e->data_bw.buf + start, e->data_bw.size - start) - 2;
    rr->substream_start = e->data_bw.size;
  }
  if (e->cfg.picture_hash) md5_row(e, row);
  return e->data_bw.error ? -1 : 0;
}

/* ---- scheduling ---------------------------------------------------------- */

enum { STEP_NONE, STEP_DEBLOCK, STEP_FINISH };

/* The tail's next step, if it can run now (lock held). */
static int tail_step(const rows_run *rr, int *row) {
  const hevc_encoder *e = rr->e;
  if (rr->finished < rr->deblocked - 1 ||
      (rr->deblocked == e->ctu_rows && rr->finished < e->ctu_rows)) {
    *row = rr->finished;
    return STEP_FINISH;
  }
  if (rr->deblocked < e->ctu_rows && rr->searched[rr->deblocked] == e->ctu_cols) {
    *row = rr->deblocked;
    return STEP_DEBLOCK;
  }
  return STEP_NONE;
}

/* Runs the tail's ready steps unless another thread is running them
 * (lock held on entry and on return; released while a step runs). */
static void run_tail(rows_run *rr) {
  if (rr->tail_busy) return;
  rr->tail_busy = 1;
  int row, step;
  while ((step = tail_step(rr, &row)) != STEP_NONE) {
    hc_mutex_unlock(&rr->lock);
    jitter(rr);
    int bad = 0;
    if (step == STEP_DEBLOCK)
      deblock_step(rr->e, row);
    else
      bad = finish_step(rr, row);
    hc_mutex_lock(&rr->lock);
    if (step == STEP_DEBLOCK)
      rr->deblocked++;
    else
      rr->finished++;
    if (bad) rr->failed = 1;
    hc_cond_broadcast(&rr->cond);
  }
  rr->tail_busy = 0;
  hc_cond_broadcast(&rr->cond);
}

/* Waits (lock held) until *counter (a row's searched CTUs, or the rows
 * finished) reaches need, running tail steps meanwhile when nobody else
 * is. */
static void wait_for(rows_run *rr, const int *counter, int need) {
  while (*counter < need) {
    int r;
    if (!rr->tail_busy && tail_step(rr, &r) != STEP_NONE)
      run_tail(rr);
    else
      hc_cond_wait(&rr->cond, &rr->lock);
  }
}

/* Searches CTU row `row` with the lane's scratch. */
static void search_row(rows_run *rr, hevc_search *s, int row) {
  hevc_encoder *e = rr->e;
  int cols = e->ctu_cols, slot = row % e->ring_rows;
  int prev_slot = (row + e->ring_rows - 1) % e->ring_rows;
  hevc_contexts ctx;
  int qp_prev = e->slice_qp;
  if (rr->pic) load_row(e, rr->pic, row);
  hevc_ctu *ctus = hevc_ctu_row(e, row);
  for (int cx = 0; cx < cols; cx++) {
    /* WPP: up to the CTU above-right; otherwise the whole row above */
    if (row > 0 && (cx == 0 || e->cfg.wpp)) {
      hc_mutex_lock(&rr->lock);
      wait_for(rr, &rr->searched[row - 1], e->cfg.wpp && cx + 2 < cols ? cx + 2 : cols);
      hc_mutex_unlock(&rr->lock);
    }
    if (cx == 0) {
      /* WPP: qPY_PREV restarts at SliceQpY in every row (8.6.1); the
       * states come from CTU 1 of the row above, or are fresh when it has
       * none */
      if (row == 0 || (e->cfg.wpp && cols < 2)) {
        hevc_contexts_init(&ctx, e->slice_qp);
      } else {
        ctx = rr->row_ctx[prev_slot];
        if (!e->cfg.wpp) qp_prev = rr->row_qp[prev_slot];
      }
    }
    jitter(rr);
    hevc_ctu *ctu = &ctus[cx];
    ctu->x0 = cx << e->ctu_log2;
    ctu->y0 = row << e->ctu_log2;
    ctu->addr = row * cols + cx;
    ctu->qp = ctu_qp(e, ctu->addr);
    ctu->qp_pred = qp_prev;
    hevc_search_ctu(s, e, ctu, &ctx);
    int delta_coded = 0;
    finalize_cu(e, ctu, &delta_coded, &qp_prev, ctu->x0, ctu->y0, e->ctu_log2);
    if (e->cfg.wpp ? cx == 1 : cx == cols - 1) {
      rr->row_ctx[slot] = ctx;
      rr->row_qp[slot] = qp_prev;
    }
    hc_mutex_lock(&rr->lock);
    rr->searched[row] = cx + 1;
    hc_cond_broadcast(&rr->cond);
    if (cx == cols - 1) run_tail(rr);
    hc_mutex_unlock(&rr->lock);
  }
}

static void lane_main(void *arg, size_t index) {
  rows_run *rr = arg;
  hevc_encoder *e = rr->e;
  hevc_search *s = e->searches[index];
  hc_mutex_lock(&rr->lock);
  while (rr->next_row < rr->limit) {
    int row = rr->next_row++;
    /* the ring slots of row - ring_rows and before must be free (rings
     * that hold the whole picture never wrap; others hold at least 3
     * rows: lanes + 2) */
    if (e->ring_rows < e->ctu_rows) wait_for(rr, &rr->finished, row - e->ring_rows + 1);
    hc_mutex_unlock(&rr->lock);
    search_row(rr, s, row);
    hc_mutex_lock(&rr->lock);
  }
  hc_mutex_unlock(&rr->lock);
}

int hevc_rows_lanes(const hevc_encoder *e, int threads) {
  /* a wavefront keeps at most one row busy per two CTUs of width; without
   * WPP only the tail overlaps the search */
  int useful = e->cfg.wpp ? (e->ctu_cols + 1) / 2 : 2;
  int lanes = threads < useful ? threads : useful;
  if (lanes > e->ctu_rows) lanes = e->ctu_rows;
  return lanes < 1 ? 1 : lanes;
}

void hevc_rows_end(hevc_encoder *e) {
  rows_run *rr = e->run;
  if (!rr) return;
  if (rr->lock_made) {
    hc_cond_destroy(&rr->cond);
    hc_mutex_destroy(&rr->lock);
  }
  hc_free(e->mem, rr->searched);
  hc_free(e->mem, rr->row_ctx);
  hc_free(e->mem, rr->row_qp);
  hc_free(e->mem, rr->sao_above);
  hc_free(e->mem, rr);
  e->run = NULL;
}

heic_status hevc_rows_begin(hevc_encoder *e, const hevc_enc_picture *pic, int lanes, hc_err *err) {
  hevc_rows_end(e);
  rows_run *rr = hc_calloc(e->mem, 1, sizeof(*rr));
  if (!rr) return hc_fail(err, HEIC_ERR_OUT_OF_MEMORY, "hevc encoder: out of memory for the row state");
  e->run = rr;
  rr->e = e;
  rr->pic = pic;
  rr->lanes = lanes;
  rr->searched = hc_calloc(e->mem, (size_t)e->ctu_rows, sizeof(int));
  rr->row_ctx = hc_malloc_array(e->mem, (size_t)e->ring_rows, sizeof(hevc_contexts));
  rr->row_qp = hc_calloc(e->mem, (size_t)e->ring_rows, sizeof(int));
  rr->sao_above = hc_calloc(e->mem, (size_t)e->ctu_cols, sizeof(hevc_sao));
  if (!rr->searched || !rr->row_ctx || !rr->row_qp || !rr->sao_above) {
    hevc_rows_end(e);
    return hc_fail(err, HEIC_ERR_OUT_OF_MEMORY, "hevc encoder: out of memory for the row state");
  }
  hc_mutex_init(&rr->lock);
  hc_cond_init(&rr->cond);
  rr->lock_made = 1;
  const char *j = getenv("HEIC_TEST_SCHEDULE_JITTER");
  rr->jitter = j && *j && strcmp(j, "0");
  rr->seed = (unsigned)time(NULL);
  return HEIC_OK;
}

heic_status hevc_rows_run(hevc_encoder *e, int limit, hc_err *err) {
  rows_run *rr = e->run;
  if (limit > e->ctu_rows) limit = e->ctu_rows;
  rr->limit = limit;
  int lanes = rr->lanes;
  if (lanes > limit - rr->next_row) lanes = limit - rr->next_row;
  if (lanes > 1 && e->par.run)
    e->par.run(e->par.opaque, (size_t)lanes, lane_main, rr);
  else if (lanes > 0)
    lane_main(rr, 0);
  /* every row below limit is searched; whatever tail can run, runs here */
  hc_mutex_lock(&rr->lock);
  run_tail(rr);
  int failed = rr->failed || (limit == e->ctu_rows && rr->finished != e->ctu_rows);
  hc_mutex_unlock(&rr->lock);
  if (failed) return hc_fail(err, HEIC_ERR_OUT_OF_MEMORY, "hevc encoder: out of memory for slice data");
  return HEIC_OK;
}

heic_status hevc_rows_encode(hevc_encoder *e, const hevc_enc_picture *pic, int lanes,
                             hc_err *err) {
  heic_status st = hevc_rows_begin(e, pic, lanes, err);
  if (st == HEIC_OK) st = hevc_rows_run(e, e->ctu_rows, err);
  hevc_rows_end(e);
  return st;
}
