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

/* What the built-in decoders share between their instances, kept for the
 * length of one decode call: libde265 builds process-wide tables when its
 * first decoder opens and frees them when the last closes, so a grid
 * decoded tile after tile on one thread rebuilt them for every tile (8 %
 * of the time of a 12 MP iPhone grid, most of it for small tiles).  Every
 * hold that returned 1 is paired with one release; both are thread-safe. */
int hp_decoders_hold(void);
void hp_decoders_release(void);
int hp_libde265_hold(void);
void hp_libde265_release(void);

/* The preferred built-in decoder for codec, or NULL when there is none. */
const heic_decoder_plugin *hp_find_decoder(heic_codec codec);

/* Number of built-in decoders, and the index-th of them (NULL past the end),
 * in order of preference. */
size_t hp_decoder_count(void);
const heic_decoder_plugin *hp_decoder_at(size_t index);

#endif
