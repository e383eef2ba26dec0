/*
 * libheif-libheic.so: HEVC NAL unit payloads and their RBSP.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A NAL unit's payload is its RBSP with an emulation_prevention_three_byte
 * (0x03) after every two zero bytes that a byte <= 3 would follow
 * (H.265 7.4.2), so that no start code can appear inside it.  The plugin
 * writes one NAL unit of its own (the SEI, sei.h) and rewrites one of
 * libheic's (the SPS, vui.h); these two functions are the only place that
 * knows the rule.
 */
#ifndef LP_NAL_H
#define LP_NAL_H

#include <stddef.h>
#include <stdint.h>

/* rbsp[n] -> out[cap] with emulation prevention.  Returns the bytes
 * written, or 0 when cap is too small. */
size_t lp_nal_escape(const uint8_t *rbsp, size_t n, uint8_t *out, size_t cap);
/* payload[n] -> out (room for n bytes) without the emulation prevention
 * bytes.  Returns the RBSP's size. */
size_t lp_nal_unescape(const uint8_t *payload, size_t n, uint8_t *out);

#endif /* LP_NAL_H */
