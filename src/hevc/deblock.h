/*
 * Deblocking filter (8.7.2) on the picture reconstruction.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_HEVC_DEBLOCK_H
#define HEIC_HEVC_DEBLOCK_H

#include "encoder_int.h"

/* Filters e->dbk in place for CTU row `row`, which must be reconstructed:
 * all vertical edges of the row, then the horizontal edges from the row's
 * top boundary (whose upper side, the previous row, is already vertically
 * filtered) down to the last one inside the row.  Called for rows in order,
 * this performs exactly the picture-level order of the standard (every
 * vertical edge before any horizontal edge whose samples it touches). */
void hevc_deblock_row(hevc_encoder *e, int row);

#endif
