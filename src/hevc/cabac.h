/*
 * CABAC encoder (9.3) with a bit-counting twin for rate estimation.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * One engine serves both the real slice data and the RD search: in counting
 * mode the arithmetic coder is skipped and each bin adds its estimated cost
 * (from the context state, in 1/32768 bit) to `frac_bits`, while the context
 * states adapt exactly as they would when writing.  The syntax writer is thus
 * the only place that knows the syntax, and rate estimates can never drift
 * from what is actually written.
 */
#ifndef HEIC_HEVC_CABAC_H
#define HEIC_HEVC_CABAC_H

#include <stdint.h>

#include "bitstream.h"

/* Context index offsets (initType 0 only: this encoder writes I slices). */
enum {
  HEVC_CTX_SAO_MERGE = 0,
  HEVC_CTX_SAO_TYPE = HEVC_CTX_SAO_MERGE + 1,
  HEVC_CTX_SPLIT_CU = HEVC_CTX_SAO_TYPE + 1,
  HEVC_CTX_PART_MODE = HEVC_CTX_SPLIT_CU + 3,
  HEVC_CTX_PREV_INTRA = HEVC_CTX_PART_MODE + 1,
  HEVC_CTX_CHROMA_MODE = HEVC_CTX_PREV_INTRA + 1,
  HEVC_CTX_SPLIT_TF = HEVC_CTX_CHROMA_MODE + 1,
  HEVC_CTX_CBF_LUMA = HEVC_CTX_SPLIT_TF + 3,
  HEVC_CTX_CBF_CHROMA = HEVC_CTX_CBF_LUMA + 2,
  HEVC_CTX_QP_DELTA = HEVC_CTX_CBF_CHROMA + 4,
  HEVC_CTX_LAST_X = HEVC_CTX_QP_DELTA + 2,
  HEVC_CTX_LAST_Y = HEVC_CTX_LAST_X + 18,
  HEVC_CTX_CSBF = HEVC_CTX_LAST_Y + 18,
  HEVC_CTX_SIG = HEVC_CTX_CSBF + 4,
  HEVC_CTX_GT1 = HEVC_CTX_SIG + 42,
  HEVC_CTX_GT2 = HEVC_CTX_GT1 + 24,
  HEVC_CTX_TSKIP = HEVC_CTX_GT2 + 6, /* transform_skip_flag: luma, chroma */
  HEVC_CTX_TQ_BYPASS = HEVC_CTX_TSKIP + 2, /* cu_transquant_bypass_flag */
  /* cross_comp_pred(): log2_res_scale_abs_plus1 (4 * c + binIdx),
   * res_scale_sign_flag (c) */
  HEVC_CTX_CCP_ABS = HEVC_CTX_TQ_BYPASS + 1,
  HEVC_CTX_CCP_SIGN = HEVC_CTX_CCP_ABS + 8,
  HEVC_NUM_CTX = HEVC_CTX_CCP_SIGN + 2
};

/* A context state is (pStateIdx << 1) | valMps. */
typedef struct hevc_contexts {
  uint8_t s[HEVC_NUM_CTX];
} hevc_contexts;

typedef struct hevc_cabac {
  hevc_contexts ctx;
  int counting;           /* 1: estimate only, nothing is written */
  uint64_t frac_bits;     /* counting mode: accumulated cost, 1/32768 bit */
  /* Arithmetic coder state (9.3.4.x, encoder side), kept so that output
   * leaves a byte at a time instead of a bit at a time: low is the spec's
   * 10-bit register with the bits not yet output above it, bits_left counts
   * the free bits above those, and a byte is taken off the top once fewer
   * than 12 are free.  A carry out of low can still reach bytes taken
   * already: the last of them (held) and the run of 0xff bytes before it
   * (n_held in all) wait until a byte that cannot pass a carry on. */
  uint32_t low, range;
  int bits_left;
  uint32_t n_held;
  uint32_t held;
  hevc_bitwriter *bw;     /* borrowed; NULL in counting mode */
  /* Counting mode, when log is not NULL: every bin is also recorded (see
   * hevc_cabac_replay) in log[0 .. log_cap); log_n counts them all, so
   * log_n > log_cap says the log was too short. */
  uint16_t *log;
  uint32_t log_n, log_cap;
} hevc_cabac;

/* A logged bin: a context-coded one is (ctxIdx << 1) | bin, up to 8
 * bypass bins are HEVC_BIN_BYPASS | (count << 8) | value. */
#define HEVC_BIN_BYPASS 0x8000u

static inline void hevc_cabac_log_(hevc_cabac *cb, uint32_t v) {
  if (cb->log_n < cb->log_cap) cb->log[cb->log_n] = (uint16_t)v;
  cb->log_n++;
}

extern const uint8_t hevc_cabac_lps_range[64][4];
extern const uint8_t hevc_cabac_next_lps[64];
/* Cost of coding the MPS ([s][0]) or the LPS ([s][1]) in state s, 1/32768 bit. */
extern const uint32_t hevc_cabac_entropy[64][2];

/* Cost of a 0 and of a 1 (1/32768 bit) in every context of a state set:
 * a table for estimators that price many bins against fixed states. */
typedef struct hevc_bin_rates {
  int32_t b[HEVC_NUM_CTX][2];
} hevc_bin_rates;

void hevc_bin_rates_init(hevc_bin_rates *r, const hevc_contexts *ctx);
/* The same for r built from the states *from: only the contexts whose state
 * differs in ctx are recomputed (the states change a few at a time), and
 * *from becomes ctx. */
void hevc_bin_rates_update(hevc_bin_rates *r, hevc_contexts *from, const hevc_contexts *ctx);

/* Context initialisation for an I slice at slice QP qp (9.3.2.2). */
void hevc_contexts_init(hevc_contexts *c, int qp);

/* Starts the arithmetic coder writing into bw. */
void hevc_cabac_start(hevc_cabac *cb, hevc_bitwriter *bw);
/* Starts a counting coder with the given context states. */
void hevc_cabac_start_count(hevc_cabac *cb, const hevc_contexts *ctx);

/* Takes the top byte off low (see hevc_cabac). */
void hevc_cabac_out_byte_(hevc_cabac *cb);

static inline void hevc_cabac_out_(hevc_cabac *cb) {
  if (cb->bits_left < 12) hevc_cabac_out_byte_(cb);
}

/* One step of RenormE: range and low doubled. */
static inline void hevc_cabac_double_(hevc_cabac *cb) {
  cb->low <<= 1;
  cb->range <<= 1;
  cb->bits_left--;
  hevc_cabac_out_(cb);
}

static inline void hevc_cabac_bin(hevc_cabac *cb, int ctx_idx, int bin) {
  uint8_t *st = &cb->ctx.s[ctx_idx];
  int state = *st >> 1, mps = *st & 1;
  if (cb->counting) {
    cb->frac_bits += hevc_cabac_entropy[state][bin != mps];
    if (cb->log) hevc_cabac_log_(cb, ((uint32_t)ctx_idx << 1) | (bin != 0));
  } else {
    uint32_t lps = hevc_cabac_lps_range[state][(cb->range >> 6) & 3];
    cb->range -= lps;
    if (bin != mps) {
      /* RenormE in one step: lps (6..240) shifted up to 256..511 */
      int sh = __builtin_clz(lps) - 23;
      cb->low = (cb->low + cb->range) << sh;
      cb->range = lps << sh;
      cb->bits_left -= sh;
      hevc_cabac_out_(cb);
    } else if (cb->range < 256) {
      /* the MPS part of a range >= 256 is >= 128: one doubling */
      hevc_cabac_double_(cb);
    }
  }
  if (bin != mps) {
    if (state == 0) mps = 1 - mps;
    state = hevc_cabac_next_lps[state];
  } else if (state < 62) {
    state++;
  }
  *st = (uint8_t)((state << 1) | mps);
}

static inline void hevc_cabac_bypass(hevc_cabac *cb, int bin) {
  if (cb->counting) {
    cb->frac_bits += 32768;
    if (cb->log) hevc_cabac_log_(cb, HEVC_BIN_BYPASS | (1u << 8) | (bin != 0));
    return;
  }
  cb->low <<= 1;
  if (bin) cb->low += cb->range;
  cb->bits_left--;
  hevc_cabac_out_(cb);
}

/* n (0..32) bypass bins holding the low bits of v, most significant first. */
static inline void hevc_cabac_bypass_bits(hevc_cabac *cb, uint32_t v, int n) {
  if (cb->counting) {
    cb->frac_bits += (uint64_t)32768 * (uint64_t)n;
    if (cb->log)
      for (int k = n; k > 0; k -= 8) {
        int m = k < 8 ? k : 8;
        hevc_cabac_log_(cb, HEVC_BIN_BYPASS | ((uint32_t)m << 8) | ((v >> (k - m)) & 255));
      }
    return;
  }
  /* up to 8 bins at once: low gains the bins' value times range */
  while (n > 8) {
    n -= 8;
    cb->low = (cb->low << 8) + cb->range * ((v >> n) & 255);
    cb->bits_left -= 8;
    hevc_cabac_out_(cb);
  }
  cb->low = (cb->low << n) + cb->range * (v & ((1u << n) - 1));
  cb->bits_left -= n;
  hevc_cabac_out_(cb);
}

/* Writes the n bins of a log made in counting mode, in order, through the
 * writing coder cb: the same bits as writing the syntax they came from,
 * from the same context states (the log holds bins, not states). */
void hevc_cabac_replay(hevc_cabac *cb, const uint16_t *log, uint32_t n);

/* end_of_slice_segment_flag and friends; a 1 also flushes the coder
 * (which writes the rbsp stop bit). */
void hevc_cabac_terminate(hevc_cabac *cb, int bin);

#endif
