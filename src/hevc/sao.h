/*
 * Sample adaptive offset (8.7.3): decision and application.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_HEVC_SAO_H
#define HEIC_HEVC_SAO_H

#include "encoder_int.h"

/* Chooses the SAO parameters of the CTU (from the deblocked samples in
 * e->dbk against the source), stores them in ctu->sao, and writes the
 * filtered CTU into e->recon (the final picture).  left / up: the parameters
 * of the neighbouring CTUs for merging, or NULL when there is none.
 * lambda: Q8 per 1/32768 bit; cw_q8: weight of chroma SSE (Q8). */
void hevc_sao_ctu(hevc_encoder *e, hevc_ctu *ctu, const hevc_sao *left, const hevc_sao *up,
                  int64_t lambda, int64_t cw_q8);

#endif
