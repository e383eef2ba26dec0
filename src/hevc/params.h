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
/* Suffix SEI with the MD5 decoded picture hash of the planes (3, or 1 for
 * 4:0:0: one per colour component, D.3.19). */
void hevc_write_md5_sei(hevc_bitwriter *bw, const uint8_t md5[3][16], int planes);

/* general_profile_idc for a chroma_format_idc and bit depth (1 Main, 2 Main
 * 10, 4 format range extensions), and for profile 4 the nine constraint
 * flags of Table A.2 as the low 9 bits of *rext_flags, max_12bit first. */
int hevc_profile_idc(int chroma_format, int bit_depth, uint32_t *rext_flags);

/* general_level_idc for the coded picture size. */
int hevc_level_idc(int coded_w, int coded_h);

#endif
