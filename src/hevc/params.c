/*
 * Parameter sets, slice header and SEI.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "params.h"

#include "syntax.h"

int hevc_level_idc(int w, int h) {
  /* MaxLumaPs and the level numbers of Table A.8 (general_level_idc =
   * 30 * level); the maximum dimension is sqrt(8 * MaxLumaPs). */
  static const struct {
    uint32_t max_ps;
    int idc;
  } levels[] = {{36864, 30},    {122880, 60},   {245760, 63},   {552960, 90},
                {983040, 93},   {2228224, 120}, {8912896, 150}, {35651584, 180}};
  uint64_t ps = (uint64_t)w * (uint64_t)h;
  for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
    uint64_t maxdim2 = 8ull * levels[i].max_ps;
    if (ps <= levels[i].max_ps && (uint64_t)w * w <= maxdim2 && (uint64_t)h * h <= maxdim2)
      return levels[i].idc;
  }
  /* Beyond level 6.2 nothing fits; 6.2 is the closest statement. */
  return 186;
}

int hevc_profile_idc(int chroma_format, int bit_depth, uint32_t *rext_flags) {
  *rext_flags = 0;
  if (chroma_format == 1 && bit_depth <= 10) return bit_depth > 8 ? 2 : 1;
  /* Format range extensions (A.3.5): the profile is told by nine constraint
   * flags (Table A.2) - max_12bit, max_10bit, max_8bit, max_422chroma,
   * max_420chroma, max_monochrome, intra, one_picture_only,
   * lower_bit_rate.  Main 12 is 1 0 0 1 1 0 0 0 1; Monochrome, Monochrome
   * 10 and Monochrome 12 are 1 1 1 / 1 1 0 / 1 0 0, then 1 1 1 0 0 1;
   * Main 4:2:2 10 and Main 4:2:2 12 are 1 1 0 / 1 0 0, then 1 0 0 0 0 1
   * (there is no 8-bit 4:2:2 profile: 8 bits are Main 4:2:2 10 streams);
   * Main 4:4:4, Main 4:4:4 10 and Main 4:4:4 12 are 1 1 1 / 1 1 0 /
   * 1 0 0, then 0 0 0 0 0 1. */
  uint32_t f = 1u << 8;                              /* max_12bit */
  if (bit_depth <= 10) f |= 1u << 7;                 /* max_10bit */
  if (bit_depth <= 8 && chroma_format != 2) f |= 1u << 6; /* max_8bit */
  if (chroma_format <= 2) f |= 1u << 5;              /* max_422chroma */
  if (chroma_format <= 1) f |= 1u << 4;              /* max_420chroma */
  if (chroma_format == 0) f |= 1u << 3;              /* max_monochrome */
  f |= 1u;                                           /* lower_bit_rate */
  *rext_flags = f;
  return 4;
}

static void profile_tier_level(hevc_bitwriter *bw, const hevc_encoder *e) {
  uint32_t rext;
  int idc = hevc_profile_idc(e->chroma, e->bit_depth, &rext);
  hevc_bw_put(bw, 0, 2);               /* general_profile_space */
  hevc_bw_put(bw, 0, 1);               /* general_tier_flag: Main tier */
  hevc_bw_put(bw, (uint32_t)idc, 5);   /* general_profile_idc */
  /* general_profile_compatibility_flag[32]: Main streams are also Main 10
   * streams; range extensions streams set their own flag only. */
  uint32_t compat = idc == 1 ? (1u << (31 - 1)) | (1u << (31 - 2)) : 1u << (31 - idc);
  hevc_bw_put(bw, compat, 32);
  hevc_bw_put(bw, 1, 1); /* general_progressive_source_flag */
  hevc_bw_put(bw, 0, 1); /* general_interlaced_source_flag */
  hevc_bw_put(bw, 0, 1); /* general_non_packed_constraint_flag */
  hevc_bw_put(bw, 1, 1); /* general_frame_only_constraint_flag */
  /* the nine range extensions flags (0 for Main and Main 10), then
   * general_reserved_zero_34bits and general_inbld_flag */
  hevc_bw_put(bw, rext, 9);
  hevc_bw_put(bw, 0, 32);
  hevc_bw_put(bw, 0, 2);
  hevc_bw_put(bw, 0, 1); /* general_inbld_flag / reserved */
  hevc_bw_put(bw, (uint32_t)hevc_level_idc(e->coded_w, e->coded_h), 8);
}

void hevc_write_vps(hevc_bitwriter *bw, const hevc_encoder *e) {
  hevc_bw_reset(bw);
  hevc_bw_put(bw, 0, 4);      /* vps_video_parameter_set_id */
  hevc_bw_put(bw, 3, 2);      /* vps_base_layer_internal_flag, _available_flag */
  hevc_bw_put(bw, 0, 6);      /* vps_max_layers_minus1 */
  hevc_bw_put(bw, 0, 3);      /* vps_max_sub_layers_minus1 */
  hevc_bw_put(bw, 1, 1);      /* vps_temporal_id_nesting_flag */
  hevc_bw_put(bw, 0xffff, 16); /* vps_reserved_0xffff_16bits */
  profile_tier_level(bw, e);
  hevc_bw_put(bw, 0, 1); /* vps_sub_layer_ordering_info_present_flag */
  hevc_bw_ue(bw, 0);     /* vps_max_dec_pic_buffering_minus1 */
  hevc_bw_ue(bw, 0);     /* vps_max_num_reorder_pics */
  hevc_bw_ue(bw, 0);     /* vps_max_latency_increase_plus1 */
  hevc_bw_put(bw, 0, 6); /* vps_max_layer_id */
  hevc_bw_ue(bw, 0);     /* vps_num_layer_sets_minus1 */
  hevc_bw_put(bw, 0, 1); /* vps_timing_info_present_flag */
  hevc_bw_put(bw, 0, 1); /* vps_extension_flag */
  hevc_bw_trailing(bw);
}

void hevc_write_sps(hevc_bitwriter *bw, const hevc_encoder *e) {
  hevc_bw_reset(bw);
  hevc_bw_put(bw, 0, 4); /* sps_video_parameter_set_id */
  hevc_bw_put(bw, 0, 3); /* sps_max_sub_layers_minus1 */
  hevc_bw_put(bw, 1, 1); /* sps_temporal_id_nesting_flag */
  profile_tier_level(bw, e);
  hevc_bw_ue(bw, 0); /* sps_seq_parameter_set_id */
  hevc_bw_ue(bw, (uint32_t)e->chroma); /* chroma_format_idc */
  if (e->chroma == HEVC_CHROMA_444) hevc_bw_put(bw, 0, 1); /* separate_colour_plane_flag */
  hevc_bw_ue(bw, (uint32_t)e->coded_w);
  hevc_bw_ue(bw, (uint32_t)e->coded_h);
  /* SubWidthC = 1 << csx, SubHeightC = 1 << csy */
  int crop_r = (e->coded_w - e->out_w) >> e->csx, crop_b = (e->coded_h - e->out_h) >> e->csy;
  hevc_bw_put(bw, crop_r || crop_b, 1); /* conformance_window_flag */
  if (crop_r || crop_b) {
    /* offsets count chroma samples (SubWidthC, SubHeightC), luma ones in 4:0:0 */
    hevc_bw_ue(bw, 0);
    hevc_bw_ue(bw, (uint32_t)crop_r);
    hevc_bw_ue(bw, 0);
    hevc_bw_ue(bw, (uint32_t)crop_b);
  }
  hevc_bw_ue(bw, (uint32_t)(e->bit_depth - 8)); /* bit_depth_luma_minus8 */
  hevc_bw_ue(bw, (uint32_t)(e->bit_depth - 8)); /* bit_depth_chroma_minus8 */
  hevc_bw_ue(bw, 4);     /* log2_max_pic_order_cnt_lsb_minus4 */
  hevc_bw_put(bw, 0, 1); /* sps_sub_layer_ordering_info_present_flag */
  hevc_bw_ue(bw, 0);     /* sps_max_dec_pic_buffering_minus1 */
  hevc_bw_ue(bw, 0);     /* sps_max_num_reorder_pics */
  hevc_bw_ue(bw, 0);     /* sps_max_latency_increase_plus1 */
  hevc_bw_ue(bw, HEVC_MIN_CU_LOG2 - 3);                 /* log2_min_luma_coding_block_size_minus3 */
  hevc_bw_ue(bw, (uint32_t)(e->ctu_log2 - HEVC_MIN_CU_LOG2)); /* log2_diff_max_min_luma_coding_block_size */
  hevc_bw_ue(bw, 0);                                    /* log2_min_luma_transform_block_size_minus2 */
  hevc_bw_ue(bw, HEVC_MAX_TU_LOG2 - 2);                 /* log2_diff_max_min_luma_transform_block_size */
  hevc_bw_ue(bw, 0);                                    /* max_transform_hierarchy_depth_inter */
  hevc_bw_ue(bw, (uint32_t)e->cfg.tu_depth);            /* max_transform_hierarchy_depth_intra */
  hevc_bw_put(bw, 0, 1); /* scaling_list_enabled_flag */
  hevc_bw_put(bw, 0, 1); /* amp_enabled_flag */
  hevc_bw_put(bw, e->cfg.sao ? 1 : 0, 1); /* sample_adaptive_offset_enabled_flag */
  hevc_bw_put(bw, 0, 1); /* pcm_enabled_flag */
  hevc_bw_ue(bw, 0);     /* num_short_term_ref_pic_sets */
  hevc_bw_put(bw, 0, 1); /* long_term_ref_pics_present_flag */
  hevc_bw_put(bw, 0, 1); /* sps_temporal_mvp_enabled_flag */
  hevc_bw_put(bw, 1, 1); /* strong_intra_smoothing_enabled_flag */
  hevc_bw_put(bw, e->cfg.vui_colour ? 1 : 0, 1); /* vui_parameters_present_flag */
  if (e->cfg.vui_colour) {
    /* vui_parameters() with only the colour description (E.2.1). */
    hevc_bw_put(bw, 0, 1); /* aspect_ratio_info_present_flag */
    hevc_bw_put(bw, 0, 1); /* overscan_info_present_flag */
    hevc_bw_put(bw, 1, 1); /* video_signal_type_present_flag */
    hevc_bw_put(bw, 5, 3); /* video_format: unspecified */
    hevc_bw_put(bw, e->cfg.full_range ? 1 : 0, 1); /* video_full_range_flag */
    hevc_bw_put(bw, 1, 1); /* colour_description_present_flag */
    hevc_bw_put(bw, (uint32_t)e->cfg.colour_primaries & 0xff, 8);
    hevc_bw_put(bw, (uint32_t)e->cfg.transfer_characteristics & 0xff, 8);
    hevc_bw_put(bw, (uint32_t)e->cfg.matrix_coefficients & 0xff, 8); /* matrix_coeffs */
    hevc_bw_put(bw, 0, 1); /* chroma_loc_info_present_flag */
    hevc_bw_put(bw, 0, 1); /* neutral_chroma_indication_flag */
    hevc_bw_put(bw, 0, 1); /* field_seq_flag */
    hevc_bw_put(bw, 0, 1); /* frame_field_info_present_flag */
    hevc_bw_put(bw, 0, 1); /* default_display_window_flag */
    hevc_bw_put(bw, 0, 1); /* vui_timing_info_present_flag */
    hevc_bw_put(bw, 0, 1); /* bitstream_restriction_flag */
  }
  hevc_bw_put(bw, e->rdpcm ? 1 : 0, 1); /* sps_extension_present_flag */
  if (e->rdpcm) {
    /* sps_range_extension_flag, then the multilayer, 3D and SCC flags and
     * sps_extension_4bits */
    hevc_bw_put(bw, 0x80, 8);
    /* sps_range_extension(): only implicit_rdpcm_enabled_flag (the third
     * of nine flags) */
    hevc_bw_put(bw, 1u << 6, 9);
  }
  hevc_bw_trailing(bw);
}

void hevc_write_pps(hevc_bitwriter *bw, const hevc_encoder *e) {
  hevc_bw_reset(bw);
  hevc_bw_ue(bw, 0);     /* pps_pic_parameter_set_id */
  hevc_bw_ue(bw, 0);     /* pps_seq_parameter_set_id */
  hevc_bw_put(bw, 0, 1); /* dependent_slice_segments_enabled_flag */
  hevc_bw_put(bw, 0, 1); /* output_flag_present_flag */
  hevc_bw_put(bw, 0, 3); /* num_extra_slice_header_bits */
  hevc_bw_put(bw, e->cfg.sign_hiding ? 1 : 0, 1); /* sign_data_hiding_enabled_flag (0 when lossless) */
  hevc_bw_put(bw, 0, 1); /* cabac_init_present_flag */
  hevc_bw_ue(bw, 0);     /* num_ref_idx_l0_default_active_minus1 */
  hevc_bw_ue(bw, 0);     /* num_ref_idx_l1_default_active_minus1 */
  hevc_bw_se(bw, e->slice_qp - 26); /* init_qp_minus26 */
  hevc_bw_put(bw, 0, 1); /* constrained_intra_pred_flag */
  hevc_bw_put(bw, e->cfg.transform_skip ? 1 : 0, 1); /* transform_skip_enabled_flag */
  hevc_bw_put(bw, e->cu_qp_delta ? 1 : 0, 1); /* cu_qp_delta_enabled_flag */
  if (e->cu_qp_delta) hevc_bw_ue(bw, 0);      /* diff_cu_qp_delta_depth: one QG per CTU */
  hevc_bw_se(bw, e->cfg.chroma_qp_offset); /* pps_cb_qp_offset */
  hevc_bw_se(bw, e->cfg.chroma_qp_offset); /* pps_cr_qp_offset */
  hevc_bw_put(bw, 0, 1); /* pps_slice_chroma_qp_offsets_present_flag */
  hevc_bw_put(bw, 0, 1); /* weighted_pred_flag */
  hevc_bw_put(bw, 0, 1); /* weighted_bipred_flag */
  hevc_bw_put(bw, e->cfg.lossless ? 1 : 0, 1); /* transquant_bypass_enabled_flag */
  hevc_bw_put(bw, 0, 1); /* tiles_enabled_flag */
  hevc_bw_put(bw, e->cfg.wpp ? 1 : 0, 1); /* entropy_coding_sync_enabled_flag */
  hevc_bw_put(bw, 0, 1); /* pps_loop_filter_across_slices_enabled_flag */
  /* deblocking_filter_control_present_flag: only to switch deblocking off */
  int ctrl = !e->cfg.deblocking;
  hevc_bw_put(bw, (uint32_t)ctrl, 1);
  if (ctrl) {
    hevc_bw_put(bw, 0, 1); /* deblocking_filter_override_enabled_flag */
    hevc_bw_put(bw, 1, 1); /* pps_deblocking_filter_disabled_flag */
  }
  hevc_bw_put(bw, 0, 1); /* pps_scaling_list_data_present_flag */
  hevc_bw_put(bw, 0, 1); /* lists_modification_present_flag */
  hevc_bw_ue(bw, 0);     /* log2_parallel_merge_level_minus2 */
  hevc_bw_put(bw, 0, 1); /* slice_segment_header_extension_present_flag */
  hevc_bw_put(bw, e->ccp ? 1 : 0, 1); /* pps_extension_present_flag */
  if (e->ccp) {
    /* pps_range_extension_flag, then the multilayer, 3D and SCC flags and
     * pps_extension_4bits */
    hevc_bw_put(bw, 0x80, 8);
    /* pps_range_extension(): only cross_component_prediction_enabled_flag */
    if (e->cfg.transform_skip) hevc_bw_ue(bw, 0); /* log2_max_transform_skip_block_size_minus2 */
    hevc_bw_put(bw, 1, 1); /* cross_component_prediction_enabled_flag */
    hevc_bw_put(bw, 0, 1); /* chroma_qp_offset_list_enabled_flag */
    hevc_bw_ue(bw, 0);     /* log2_sao_offset_scale_luma */
    hevc_bw_ue(bw, 0);     /* log2_sao_offset_scale_chroma */
  }
  hevc_bw_trailing(bw);
}

void hevc_write_slice_header(hevc_bitwriter *bw, const hevc_encoder *e) {
  hevc_bw_put(bw, 1, 1); /* first_slice_segment_in_pic_flag */
  hevc_bw_put(bw, 0, 1); /* no_output_of_prior_pics_flag (IRAP) */
  hevc_bw_ue(bw, 0);     /* slice_pic_parameter_set_id */
  hevc_bw_ue(bw, 2);     /* slice_type: I */
  if (e->cfg.sao) {
    hevc_bw_put(bw, 1, 1); /* slice_sao_luma_flag */
    if (e->chroma != HEVC_CHROMA_400) hevc_bw_put(bw, 1, 1); /* slice_sao_chroma_flag */
  }
  hevc_bw_se(bw, 0); /* slice_qp_delta: init_qp carries the slice QP */
  if (e->cfg.wpp) {
    /* one entry point per CTU row after the first: the escaped size of
     * each substream but the last (7.4.7.1), counted by the tail */
    int n = e->ctu_rows - 1;
    hevc_bw_ue(bw, (uint32_t)n); /* num_entry_point_offsets */
    if (n > 0) {
      size_t max = 0;
      for (int i = 0; i < n; i++)
        if (e->substream_size[i] - 1 > max) max = e->substream_size[i] - 1;
      int len = 1;
      while (len < 32 && (max >> len)) len++;
      hevc_bw_ue(bw, (uint32_t)(len - 1)); /* offset_len_minus1 */
      for (int i = 0; i < n; i++)
        hevc_bw_put(bw, (uint32_t)(e->substream_size[i] - 1), len); /* entry_point_offset_minus1[i] */
    }
  }
  /* byte_alignment() */
  hevc_bw_put(bw, 1, 1);
  hevc_bw_align_zero(bw);
}

void hevc_write_md5_sei(hevc_bitwriter *bw, const uint8_t md5[3][16], int planes) {
  hevc_bw_reset(bw);
  hevc_bw_put(bw, 132, 8); /* payloadType: decoded_picture_hash */
  hevc_bw_put(bw, (uint32_t)(1 + 16 * planes), 8); /* payloadSize: hash_type + 16 bytes a plane */
  hevc_bw_put(bw, 0, 8);   /* hash_type 0: MD5 */
  for (int c = 0; c < planes; c++)
    for (int i = 0; i < 16; i++) hevc_bw_put(bw, md5[c][i], 8);
  hevc_bw_trailing(bw);
}
