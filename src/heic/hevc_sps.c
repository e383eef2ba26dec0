/*
 * SPS parsing up to the VUI colour fields (H.265 7.3.2.2, E.2.1).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "hevc_sps.h"

#include <string.h>

/* Bit reader over an RBSP that skips emulation prevention bytes as it goes.
 * Reading past the end sets `bad` and returns zeros. */
typedef struct bits {
  const uint8_t *p;
  size_t size, pos; /* byte position */
  int bit;          /* bits already consumed of p[pos] */
  int zeros;        /* consecutive zero bytes before pos */
  int bad;
} bits;

static int next_byte_is_epb(const bits *b) {
  return b->zeros >= 2 && b->pos < b->size && b->p[b->pos] == 3;
}

static uint32_t get_bit(bits *b) {
  if (b->bit == 0 && next_byte_is_epb(b)) {
    b->pos++;
    b->zeros = 0;
  }
  if (b->pos >= b->size) {
    b->bad = 1;
    return 0;
  }
  uint32_t v = (b->p[b->pos] >> (7 - b->bit)) & 1;
  if (++b->bit == 8) {
    b->zeros = b->p[b->pos] == 0 ? b->zeros + 1 : 0;
    b->bit = 0;
    b->pos++;
  }
  return v;
}

static uint32_t get_bits(bits *b, int n) {
  uint32_t v = 0;
  while (n--) v = v << 1 | get_bit(b);
  return v;
}

static void skip_bits(bits *b, int n) {
  while (n-- > 0 && !b->bad) get_bit(b);
}

static uint32_t get_ue(bits *b) {
  int lz = 0;
  while (!get_bit(b)) {
    if (++lz > 31 || b->bad) {
      b->bad = 1;
      return 0;
    }
  }
  return lz ? ((1u << lz) - 1 + get_bits(b, lz)) : 0;
}

static void skip_profile_tier_level(bits *b, unsigned max_sub_layers_minus1) {
  skip_bits(b, 88); /* general profile space .. reserved bits */
  skip_bits(b, 8);  /* general_level_idc */
  int profile_present[8] = {0}, level_present[8] = {0};
  for (unsigned i = 0; i < max_sub_layers_minus1; i++) {
    profile_present[i] = (int)get_bit(b);
    level_present[i] = (int)get_bit(b);
  }
  if (max_sub_layers_minus1 > 0)
    for (unsigned i = max_sub_layers_minus1; i < 8; i++) skip_bits(b, 2);
  for (unsigned i = 0; i < max_sub_layers_minus1; i++) {
    if (profile_present[i]) skip_bits(b, 88);
    if (level_present[i]) skip_bits(b, 8);
  }
}

static void skip_scaling_list_data(bits *b) {
  for (int size_id = 0; size_id < 4 && !b->bad; size_id++) {
    for (int matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
      if (!get_bit(b)) {
        get_ue(b); /* scaling_list_pred_matrix_id_delta */
      } else {
        int coefs = 1 << (4 + (size_id << 1));
        if (coefs > 64) coefs = 64;
        if (size_id > 1) get_ue(b); /* dc coefficient (se(v): same length as ue) */
        for (int i = 0; i < coefs && !b->bad; i++) get_ue(b);
      }
    }
  }
}

/* Returns 0 on a malformed set; num_delta_pocs[] carries counts forward for
 * inter-RPS prediction. */
static int skip_st_ref_pic_set(bits *b, unsigned idx, unsigned *num_delta_pocs) {
  int inter = idx != 0 ? (int)get_bit(b) : 0;
  if (inter) {
    get_bit(b); /* delta_rps_sign */
    get_ue(b);  /* abs_delta_rps_minus1 */
    unsigned ref = num_delta_pocs[idx - 1], n = 0;
    for (unsigned j = 0; j <= ref && !b->bad; j++) {
      unsigned used = get_bit(b);
      unsigned use_delta = used ? 1 : get_bit(b);
      n += used || use_delta;
    }
    num_delta_pocs[idx] = n;
  } else {
    uint32_t neg = get_ue(b), pos = get_ue(b);
    if (neg > 16 || pos > 16) return 0;
    for (uint32_t i = 0; i < neg + pos && !b->bad; i++) {
      get_ue(b);  /* delta_poc_minus1 */
      get_bit(b); /* used_by_curr_pic flag */
    }
    num_delta_pocs[idx] = neg + pos;
  }
  return !b->bad;
}

int hx_sps_parse(const uint8_t *nal, size_t size, hx_sps_info *out) {
  if (size < 3 || ((nal[0] >> 1) & 0x3f) != 33) return 0;
  bits b = {nal + 2, size - 2, 0, 0, 0, 0};
  skip_bits(&b, 4); /* sps_video_parameter_set_id */
  unsigned max_sub_layers_minus1 = get_bits(&b, 3);
  skip_bits(&b, 1);
  if (max_sub_layers_minus1 > 6) return 0;
  skip_profile_tier_level(&b, max_sub_layers_minus1);
  get_ue(&b); /* sps_seq_parameter_set_id */
  uint32_t chroma = get_ue(&b);
  if (chroma > 3) return 0;
  if (chroma == 3) skip_bits(&b, 1); /* separate_colour_plane_flag */
  uint32_t width = get_ue(&b), height = get_ue(&b);
  uint32_t win[4] = {0, 0, 0, 0}; /* left, right, top, bottom in chroma units */
  if (get_bit(&b))
    for (int i = 0; i < 4; i++) win[i] = get_ue(&b);
  uint32_t sub_w = chroma == 1 || chroma == 2 ? 2 : 1, sub_h = chroma == 1 ? 2 : 1;
  uint64_t crop_w = ((uint64_t)win[0] + win[1]) * sub_w, crop_h = ((uint64_t)win[2] + win[3]) * sub_h;
  if (crop_w >= width || crop_h >= height) return 0;
  get_ue(&b);
  get_ue(&b); /* bit depths */
  uint32_t log2_max_poc_lsb = get_ue(&b) + 4;
  if (log2_max_poc_lsb > 16) return 0;
  unsigned ordering_all = get_bit(&b);
  for (unsigned i = ordering_all ? 0 : max_sub_layers_minus1; i <= max_sub_layers_minus1; i++) {
    get_ue(&b);
    get_ue(&b);
    get_ue(&b);
  }
  for (int i = 0; i < 6; i++) get_ue(&b); /* block sizes and transform depths */
  if (get_bit(&b) && get_bit(&b)) skip_scaling_list_data(&b);
  skip_bits(&b, 2); /* amp, sao */
  if (get_bit(&b)) { /* pcm */
    skip_bits(&b, 8);
    get_ue(&b);
    get_ue(&b);
    skip_bits(&b, 1);
  }
  uint32_t num_rps = get_ue(&b);
  if (num_rps > 64) return 0;
  unsigned num_delta_pocs[64];
  memset(num_delta_pocs, 0, sizeof(num_delta_pocs));
  for (uint32_t i = 0; i < num_rps; i++)
    if (!skip_st_ref_pic_set(&b, i, num_delta_pocs)) return 0;
  if (get_bit(&b)) { /* long-term reference pictures */
    uint32_t n = get_ue(&b);
    if (n > 32) return 0;
    for (uint32_t i = 0; i < n; i++) skip_bits(&b, (int)log2_max_poc_lsb + 1);
  }
  skip_bits(&b, 2); /* temporal mvp, strong intra smoothing */

  /* Values inferred when the VUI or its parts are absent (E.3.1). */
  heic_nclx nclx = {2, 2, 2, 0};
  int signalled = 0;
  if (get_bit(&b)) { /* vui_parameters_present_flag */
    if (get_bit(&b)) { /* aspect_ratio_info_present_flag */
      if (get_bits(&b, 8) == 255) skip_bits(&b, 32);
    }
    if (get_bit(&b)) skip_bits(&b, 1); /* overscan */
    if (get_bit(&b)) {                 /* video_signal_type_present_flag */
      skip_bits(&b, 3);                /* video_format */
      nclx.full_range = (uint8_t)get_bit(&b);
      signalled = 1;
      if (get_bit(&b)) {
        nclx.colour_primaries = (uint16_t)get_bits(&b, 8);
        nclx.transfer_characteristics = (uint16_t)get_bits(&b, 8);
        nclx.matrix_coefficients = (uint16_t)get_bits(&b, 8);
        signalled = 2;
      }
    }
  }
  if (b.bad) return 0;
  out->width = width - (uint32_t)crop_w;
  out->height = height - (uint32_t)crop_h;
  out->chroma_format_idc = (int)chroma;
  out->nclx = nclx;
  out->colour_signalled = signalled;
  return 1;
}
