/*
 * libheif-libheic.so: libheic's encoder, one instance per call.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Both functions open an instance of libheic's encoder plugin table under
 * rules E1-E4 of include/heic/heic_plugin.h and close it before returning,
 * on every path: nothing of libheic's encoder outlives the call.  Its
 * memory comes from a heic_allocator made for the call with lp_hooks (so
 * it is the plugin's, counted and failable, mem.h); after close() that
 * allocator must be back at zero bytes - if libheic left anything, the
 * call fails with HEIC_ERR_INTERNAL instead of leaking quietly.
 */
#ifndef LP_CODER_H
#define LP_CODER_H

#include <heic/heic_plugin.h>

#include "message.h"
#include "packets.h"
#include "params.h"
#include "vui.h"

/* Whether encoder accepts name = value: the encoder itself judges, so the
 * plugin's answers are exactly libheic's.  HEIC_OK, or its status with msg
 * saying why. */
heic_status lp_coder_check(const heic_encoder_plugin *encoder, const char *name,
                           const char *value, lp_message *msg);

/* Codes pic with the parameters of p and appends its NAL units to out:
 * the SPS with vui added (vui.h), and the identifying SEI (sei.h) just
 * before the slice.  On failure out is emptied and msg says why. */
heic_status lp_coder_encode(const heic_encoder_plugin *encoder, const lp_params *p,
                            const heic_plugin_picture *pic, const lp_vui *vui, lp_packets *out,
                            lp_message *msg);

#endif /* LP_CODER_H */
