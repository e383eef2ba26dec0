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

/* hevc_rows_encode() in steps, for input that arrives a band of rows at a
 * time: begin() makes the run's state (e->run; pic NULL: the caller fills
 * the orig ring itself, see hevc_encoder_push()), each run(limit) codes
 * the rows below limit and as much of the tail as they allow - rows
 * [0, limit - 1) finished, limit - 1 deblocked - and end() frees the state
 * (safe when there is none; hevc_encoder_free() calls it).  The output
 * is the same as hevc_rows_encode()'s whatever the limits. */
heic_status hevc_rows_begin(hevc_encoder *e, const hevc_enc_picture *pic, int lanes, hc_err *err);
heic_status hevc_rows_run(hevc_encoder *e, int limit, hc_err *err);
void hevc_rows_end(hevc_encoder *e);

#endif
