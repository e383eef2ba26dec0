/*
 * Parameter sets, slice header and SEI (7.3.2, 7.3.6, D.2).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_HEVC_PARAMS_H
#define HEIC_HEVC_PARAMS_H

#include "encoder_int.h"

/* Each writes the RBSP (with trailing bits) into bw, which is reset first. */
void hevc_write_vps(hevc_bitwriter *bw, const hevc_encoder *e);
void hevc_write_sps(hevc_bitwriter *bw, const hevc_encoder *e);
void hevc_write_pps(hevc_bitwriter *bw, const hevc_encoder *e);
/* Slice segment header of the single IDR I slice, up to byte alignment
 * (the slice data follows in the same writer). */
void hevc_write_slice_header(hevc_bitwriter *bw, const hevc_encoder *e);
/* Suffix SEI with the MD5 decoded picture hash of the three planes. */
void hevc_write_md5_sei(hevc_bitwriter *bw, const uint8_t md5[3][16]);

/* general_level_idc for the coded picture size. */
int hevc_level_idc(int coded_w, int coded_h);

#endif
