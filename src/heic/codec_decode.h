/*
 * Host side of the decoder plugin interface.  SPDX-License-Identifier: BSD-2-Clause
 *
 * hx_decode_hevc() drives one heic_decoder_plugin through one image: open,
 * parameter sets from hvcC, the item's NAL units, decode, close.  It is the
 * only place that calls a decoder plugin, so the ownership rules D1-D5 of
 * heic/heic_plugin.h are kept here once for every caller.
 */
#ifndef HEIC_CODEC_DECODE_H
#define HEIC_CODEC_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/log.h"
#include "core/mem.h"
#include "heic/heic_plugin.h"
#include "heic/picture.h"
#include "heif/heif_file.h"

/* Decodes one HEVC image item.
 *
 * hvcc:  the item's hvcC (its NAL arrays are pushed first, in order).
 * data:  the item's bytes: NAL units each preceded by a big-endian length of
 *        hvcc->length_size bytes.  Borrowed for the duration of the call.
 *        An image item holds one picture: NAL units after the end of the
 *        first access unit are not given to the decoder (a hostile item can
 *        repeat a picture thousands of times), which is logged.
 * max_pixels: a sequence parameter set (in hvcC or data) describing a
 *        larger picture fails with HEIC_ERR_LIMIT_EXCEEDED before decoding.
 * log:   receives the plugin's messages (may be NULL).
 * narrow: an 8-bit picture may come with 8-bit storage (hx_plane.bytes,
 *        see picture.h) when the plugin can write it (API version 5).
 * out:   zeroed by this function on entry.  On success it owns planes from
 *        mem at the decoded size, chroma format and luma bit depth (chroma
 *        samples rescaled to that depth when the stream's differs); the
 *        caller releases them with hx_picture_clear().  On failure it is
 *        left cleared and err names the problem:
 *        HEIC_ERR_INVALID_INPUT for a malformed NAL length structure (with
 *        its byte offset), HEIC_ERR_DECODER for a stream the plugin rejects
 *        (with the plugin's own error text), HEIC_ERR_OUT_OF_MEMORY, ...
 *
 * The plugin is closed before returning on every path, and nothing it
 * allocated through the host outlives the call except *out. */
HEIC_NODISCARD heic_status hx_decode_hevc(const heic_decoder_plugin *plugin, hc_mem *mem,
                                          const hc_log *log, const hf_hvcc *hvcc,
                                          const uint8_t *data, size_t size, uint64_t max_pixels,
                                          int narrow, hx_picture *out, hc_err *err);

#endif
