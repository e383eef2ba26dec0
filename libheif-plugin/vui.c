/*
 * libheif-libheic.so: adding a VUI to an SPS (vui.h).
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The SPS is parsed (H.265 7.3.2.2) only as far as
 * vui_parameters_present_flag; what follows the flag (the extension flags
 * and data) is copied bit for bit after the new vui_parameters().
 */
#include "vui.h"

#include <string.h>

#include "nal.h"

typedef struct bits {
  const uint8_t *p;
  size_t n_bits, pos;
  int bad; /* read past the end */
} bits;

static uint32_t get(bits *b, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; i++) {
    if (b->pos >= b->n_bits) {
      b->bad = 1;
      return 0;
    }
    v = v << 1 | ((b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1);
    b->pos++;
  }
  return v;
}

static uint32_t get_ue(bits *b) {
  int zeros = 0;
  while (!get(b, 1) && !b->bad)
    if (++zeros > 31) {
      b->bad = 1;
      return 0;
    }
  return zeros ? ((1u << zeros) - 1) + get(b, zeros) : 0;
}

typedef struct writer {
  uint8_t *p;
  size_t cap_bits, pos;
  int full;
} writer;

static void put(writer *w, uint32_t v, int n) {
  for (int i = n - 1; i >= 0; i--) {
    if (w->pos >= w->cap_bits) {
      w->full = 1;
      return;
    }
    uint8_t *byte = &w->p[w->pos >> 3];
    int shift = 7 - (int)(w->pos & 7);
    *byte = (uint8_t)((*byte & ~(1u << shift)) | ((v >> i) & 1) << shift);
    w->pos++;
  }
}

static void copy_bits(writer *w, const bits *b, size_t from, size_t to) {
  bits r = *b;
  r.pos = from;
  for (size_t i = from; i < to; i++) put(w, get(&r, 1), 1);
}

/* Reads up to and including vui_parameters_present_flag; returns the
 * position of that flag, or (size_t)-1 for syntax not handled here. */
static size_t find_vui_flag(bits *b, int *has_vui) {
  get(b, 4);                           /* sps_video_parameter_set_id */
  if (get(b, 3) != 0) return (size_t)-1; /* sps_max_sub_layers_minus1 */
  get(b, 1);                           /* sps_temporal_id_nesting_flag */
  get(b, 96);                          /* profile_tier_level(1, 0): general part */
  get_ue(b);                           /* sps_seq_parameter_set_id */
  if (get_ue(b) == 3) get(b, 1);       /* chroma_format_idc, separate_colour_plane_flag */
  get_ue(b);                           /* pic_width_in_luma_samples */
  get_ue(b);                           /* pic_height_in_luma_samples */
  if (get(b, 1))                       /* conformance_window_flag */
    for (int i = 0; i < 4; i++) get_ue(b);
  get_ue(b);                           /* bit_depth_luma_minus8 */
  get_ue(b);                           /* bit_depth_chroma_minus8 */
  get_ue(b);                           /* log2_max_pic_order_cnt_lsb_minus4 */
  get(b, 1);                           /* sps_sub_layer_ordering_info_present_flag */
  for (int i = 0; i < 3; i++) get_ue(b); /* one layer: dec_pic_buffering, reorder, latency */
  for (int i = 0; i < 6; i++) get_ue(b); /* block sizes, transform depths */
  if (get(b, 1) && get(b, 1)) return (size_t)-1; /* scaling_list_enabled, _data_present */
  get(b, 2);                           /* amp_enabled_flag, sample_adaptive_offset_enabled_flag */
  if (get(b, 1)) {                     /* pcm_enabled_flag */
    get(b, 8);                         /* pcm sample bit depths */
    get_ue(b);
    get_ue(b);
    get(b, 1);                         /* pcm_loop_filter_disabled_flag */
  }
  if (get_ue(b) != 0) return (size_t)-1; /* num_short_term_ref_pic_sets */
  if (get(b, 1)) return (size_t)-1;    /* long_term_ref_pics_present_flag */
  get(b, 2);                           /* sps_temporal_mvp, strong_intra_smoothing */
  size_t at = b->pos;
  *has_vui = (int)get(b, 1);
  return b->bad ? (size_t)-1 : at;
}

static void put_vui(writer *w, const lp_vui *v) {
  put(w, 0, 1);                  /* aspect_ratio_info_present_flag */
  put(w, 0, 1);                  /* overscan_info_present_flag */
  put(w, 1, 1);                  /* video_signal_type_present_flag */
  put(w, 5, 3);                  /* video_format: unspecified */
  put(w, v->full_range ? 1 : 0, 1);
  put(w, v->described ? 1 : 0, 1);
  if (v->described) {
    put(w, v->primaries, 8);
    put(w, v->transfer, 8);
    put(w, v->matrix, 8);
  }
  put(w, 0, 1);                  /* chroma_loc_info_present_flag */
  put(w, 0, 3);                  /* neutral_chroma, field_seq, frame_field_info_present */
  put(w, 0, 1);                  /* default_display_window_flag */
  put(w, 0, 1);                  /* vui_timing_info_present_flag */
  put(w, 0, 1);                  /* bitstream_restriction_flag */
}

size_t lp_vui_add(const uint8_t *sps, size_t n, const lp_vui *vui, uint8_t *out, size_t cap) {
  uint8_t rbsp[LP_VUI_SPS_MAX], rewritten[LP_VUI_SPS_MAX + 16];
  if (n < 3 || n > LP_VUI_SPS_MAX || cap < LP_VUI_OUT_MAX) return 0;
  size_t rn = lp_nal_unescape(sps + 2, n - 2, rbsp);
  bits b = {rbsp, rn * 8, 0, 0};
  int has_vui = 0;
  size_t flag = find_vui_flag(&b, &has_vui);
  if (flag == (size_t)-1) return 0;
  if (has_vui) {
    memcpy(out, sps, n);
    return n;
  }
  /* The rbsp_stop_one_bit is the last 1 of the RBSP. */
  size_t stop = rn * 8;
  while (stop > b.pos && !((rbsp[(stop - 1) >> 3] >> (7 - ((stop - 1) & 7))) & 1)) stop--;
  if (stop <= b.pos) return 0;
  stop--;
  memset(rewritten, 0, sizeof(rewritten));
  writer w = {rewritten, sizeof(rewritten) * 8, 0, 0};
  copy_bits(&w, &b, 0, flag);
  put(&w, 1, 1); /* vui_parameters_present_flag */
  put_vui(&w, vui);
  copy_bits(&w, &b, flag + 1, stop); /* sps_extension_present_flag and on */
  put(&w, 1, 1);                     /* rbsp_stop_one_bit, then zeros to the byte */
  if (w.full) return 0;
  out[0] = sps[0];
  out[1] = sps[1];
  size_t escaped = lp_nal_escape(rewritten, (w.pos + 7) / 8, out + 2, cap - 2);
  return escaped ? escaped + 2 : 0;
}
