/*
 * Mode decision for one CTU.  SPDX-License-Identifier: BSD-2-Clause
 *
 * For every CU size from the CTU down to 8x8 (and 4x4 luma partitions in
 * 8x8 CUs): luma modes are ranked by SATD plus an estimate of their
 * signalling cost, the best few (plus most probable modes) are coded for
 * real with RDOQ and ranked by D + lambda * R (R counted by the CABAC twin
 * of the syntax writer, or RDOQ's estimate), the chosen mode's transform
 * tree may be split by RD, the chroma mode is chosen likewise among DM and
 * the best others by SATD; a CU is split when its four sub-CUs cost less,
 * with early exits set by the configuration (hevc_enc_config's search
 * fields, see src/hevc/README.md).  The reconstruction left in the picture
 * is the chosen one.
 */
#ifndef HEIC_HEVC_SEARCH_H
#define HEIC_HEVC_SEARCH_H

#include "encoder_int.h"

typedef struct hevc_search hevc_search;

/* Scratch of one search lane (about 1 MB; one per thread coding rows). */
heic_status hevc_search_new(hevc_search **out, hc_mem *mem);
void hevc_search_free(hevc_search **s, hc_mem *mem);

/* Decides and reconstructs the CTU at ctu->x0, ctu->y0 with QP ctu->qp,
 * estimating rates from the context states *ctx (the row's, as the coder
 * will have them at this CTU) and moving them past the CTU.  Reads and
 * writes only this CTU's samples and decisions and reads those of CTUs
 * already coded, so lanes on other rows may run at the same time. */
void hevc_search_ctu(hevc_search *s, hevc_encoder *e, hevc_ctu *ctu, hevc_contexts *ctx);

#endif
