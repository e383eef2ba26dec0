/*
 * The picture pipeline of the HEVC encoder: CTU rows on lanes, and the
 * tail that filters and entropy-codes them (rows.c says how).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_HEVC_ROWS_H
#define HEIC_HEVC_ROWS_H

#include "encoder_int.h"

/* How many lanes (rows coded at once) are useful for the current picture
 * with `threads` threads: at least 1. */
int hevc_rows_lanes(const hevc_encoder *e, int threads);

/* Codes the picture set up in e: every CTU row searched, reconstructed,
 * deblocked, SAO-filtered, entropy-coded into e->data_bw (one substream
 * per row with WPP, their escaped sizes in e->substream_size) and hashed into e->md5.
 * Runs `lanes` lanes through e->par (at most e->search_count). */
heic_status hevc_rows_encode(hevc_encoder *e, const hevc_enc_picture *pic, int lanes,
                             hc_err *err);

#endif
