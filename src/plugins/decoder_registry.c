/*
 * Built-in decoder plugins.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "decoder_registry.h"

/* Order is preference: hp_find_decoder returns the first match, so a faster
 * decoder added later goes in front of libde265. */
static const heic_decoder_plugin *const k_decoders[] = {
  &hp_decoder_libde265,
};

#define DECODER_COUNT (sizeof(k_decoders) / sizeof(k_decoders[0]))

size_t hp_decoder_count(void) {
  return DECODER_COUNT;
}

const heic_decoder_plugin *hp_decoder_at(size_t index) {
  return index < DECODER_COUNT ? k_decoders[index] : NULL;
}

const heic_decoder_plugin *hp_find_decoder(heic_codec codec) {
  for (size_t i = 0; i < DECODER_COUNT; i++)
    if (k_decoders[i]->codec == codec) return k_decoders[i];
  return NULL;
}

int hp_decoders_hold(void) { return hp_libde265_hold(); }

void hp_decoders_release(void) { hp_libde265_release(); }
