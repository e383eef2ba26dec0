/*
 * Intra reference samples (8.4.4.2.2 - 8.4.4.2.3).  SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_HEVC_INTRA_H
#define HEIC_HEVC_INTRA_H

#include "encoder_int.h"

/* Reference arrays of a block: top[0] = left[0] = p[-1][-1],
 * top[1 + i] = p[i][-1], left[1 + i] = p[-1][i] for i < 2N. */
typedef struct hevc_refs {
  hevc_pixel top[2 * 32 + 1];
  hevc_pixel left[2 * 32 + 1];
} hevc_refs;

/* Gathers the reference samples of the N x N block (N = 1 << log2) at
 * component position (xc, yc) of plane c from the pre-deblocking
 * reconstruction, substituting unavailable ones.  cur_x, cur_y: the luma
 * position whose decoding order decides availability (the block itself, or
 * for the chroma of an NxN CU, the CU). */
void hevc_intra_refs(const hevc_encoder *e, int c, int xc, int yc, int log2, int cur_x,
                     int cur_y, hevc_refs *r);

/* 1 when luma prediction of mode at size log2 uses filtered references. */
int hevc_intra_filter_flag(int mode, int log2);

/* [1 2 1] or strong (bi-linear, 32x32) smoothing of r into f. */
void hevc_intra_filter(const hevc_refs *r, int log2, int strong_enabled, int bit_depth,
                       hevc_refs *f);

/* Predicts an N x N block of component c with mode from refs (already
 * filtered if the mode asks for it). */
void hevc_intra_predict(const hevc_dsp *dsp, const hevc_refs *r, int c, int log2, int mode,
                        int bit_depth, hevc_pixel *dst, ptrdiff_t stride);
/* The same; no_boundary: disableIntraBoundaryFilter (8.4.4.2.6: implicit
 * RDPCM in a transquant bypass CU), no edge filter after modes 10 and 26. */
void hevc_intra_predict_ex(const hevc_dsp *dsp, const hevc_refs *r, int c, int log2, int mode,
                           int bit_depth, int no_boundary, hevc_pixel *dst, ptrdiff_t stride);

#endif
