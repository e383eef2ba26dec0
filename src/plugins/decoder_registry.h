/*
 * Built-in decoder plugins.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The registry is a constant table compiled into the library: there is no
 * registration call and no mutable global, so two contexts on two threads
 * can look plugins up without any locking (DESIGN.md rule 7).  Per-decode
 * state lives in whatever open() returns, never in the table.
 *
 * Every pointer returned here is to static storage: valid for the lifetime
 * of the process, never freed by anyone.
 */
#ifndef HEIC_PLUGINS_DECODER_REGISTRY_H
#define HEIC_PLUGINS_DECODER_REGISTRY_H

#include <stddef.h>

#include "heic/heic_plugin.h"

/* The libde265 HEVC decoder (decoder_libde265.c). */
extern const heic_decoder_plugin hp_decoder_libde265;

/* The preferred built-in decoder for codec, or NULL when there is none. */
const heic_decoder_plugin *hp_find_decoder(heic_codec codec);

/* Number of built-in decoders, and the index-th of them (NULL past the end),
 * in order of preference. */
size_t hp_decoder_count(void);
const heic_decoder_plugin *hp_decoder_at(size_t index);

#endif
