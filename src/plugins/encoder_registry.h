/*
 * Built-in encoder plugins.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Like the decoder registry, this is a constant table compiled into the
 * library: no registration call, no mutable global, so contexts on several
 * threads look encoders up without locking (DESIGN.md rule 7).  Per-encode
 * state lives in whatever open() returns, never in the table.
 *
 * Every pointer returned here is to static storage: valid for the lifetime
 * of the process, never freed by anyone.
 *
 * The helpers at the end are shared by the plugins so that every encoder
 * spells and checks parameters and pictures the same way (rule E4: a bad
 * value is HEIC_ERR_INVALID_ARGUMENT with a logged reason, an unknown name
 * HEIC_ERR_NOT_FOUND).
 */
#ifndef HEIC_PLUGINS_ENCODER_REGISTRY_H
#define HEIC_PLUGINS_ENCODER_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "heic/heic_plugin.h"

/* libheic's own HEVC encoder (encoder_builtin.c); always present. */
extern const heic_encoder_plugin hp_encoder_builtin;
#ifdef HEIC_HAVE_X265
/* libx265 (encoder_x265.c); only in builds configured with HEIC_WITH_X265,
 * which makes the library GPL. */
extern const heic_encoder_plugin hp_encoder_x265;
#endif

/* The encoder called name, or the default ("builtin") when name is NULL;
 * NULL when there is no such encoder. */
const heic_encoder_plugin *hp_find_encoder(const char *name);

/* Number of built-in encoders, and the index-th of them (NULL past the end),
 * in order of preference. */
size_t hp_encoder_count(void);
const heic_encoder_plugin *hp_encoder_at(size_t index);

/* libheic-internal companion of hp_encoder_builtin.open(): the same, except
 * that every byte the encoder allocates (its state included) is charged to
 * alloc instead of to a private allocator.  The state takes its own
 * reference to alloc, so the caller may drop its reference at any time.
 * The host uses this so that the context's accounting, limits and fault
 * injection cover the builtin encoder; the public plugin interface has no
 * allocator hook.  Close the state with hp_encoder_builtin.close(). */
HEIC_NODISCARD heic_status hp_builtin_open_with_allocator(void **state,
                                                          const heic_plugin_host *host,
                                                          heic_allocator *alloc);

/* The builtin encoder's quality -> QP mapping (quality 0..100, clamped),
 * exposed for tests and documentation.  Monotonically non-increasing. */
int hp_builtin_quality_to_qp(int quality);

/* ---- helpers shared by the encoder plugins ---- */

/* Logs through host (which may be NULL, or have no log callback). */
void hp_plugin_logf(const heic_plugin_host *host, heic_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The descriptor called name among param_info(0), param_info(1), ... (up to
 * the first NULL), or NULL. */
const heic_param_info *hp_param_lookup(const heic_param_info *(*param_info)(uint32_t),
                                       const char *name);

/* Parses value against info (type, range, choices).  On success returns
 * HEIC_OK and sets *out: the integer for HEIC_PARAM_INT, 0/1 for
 * HEIC_PARAM_BOOL, the index into info->choices for HEIC_PARAM_CHOICE.
 * Otherwise logs why under the plugin's name and returns
 * HEIC_ERR_INVALID_ARGUMENT. */
HEIC_NODISCARD heic_status hp_param_parse(const heic_plugin_host *host, const char *plugin,
                                          const heic_param_info *info, const char *value,
                                          int *out);

/* Checks the geometry of pic against the interface's promises: size >= 1x1,
 * luma and chroma bit depth 1..16, a plane for each component sized for
 * pic->chroma ((w + 1) / 2 etc. for subsampled chroma), strides >= plane
 * widths, and every sample below 1 << bit depth.  Plugins check which
 * formats they support first, then call this; it logs what is wrong under
 * the plugin's name and returns HEIC_ERR_INVALID_ARGUMENT (a host bug). */
HEIC_NODISCARD heic_status hp_check_picture(const heic_plugin_host *host, const char *plugin,
                                            const heic_plugin_picture *pic);

/* "4:2:0" etc. (static). */
const char *hp_chroma_name(heic_chroma chroma);

#endif
