/*
 * libheif-libheic.so: driving libheic's encoder (coder.h).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "coder.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "sei.h"

/* One instance of the encoder with the allocator it draws on. */
typedef struct instance {
  const heic_encoder_plugin *encoder;
  heic_allocator *alloc;
  heic_plugin_host host; /* must stay put from open() to close() */
  void *state;
} instance;

static heic_status instance_open(instance *in, const heic_encoder_plugin *encoder,
                                 lp_message *msg) {
  memset(in, 0, sizeof(*in));
  in->encoder = encoder;
  msg->source = encoder->name;
  heic_status st = heic_allocator_new(&in->alloc, &lp_hooks);
  if (st != HEIC_OK) {
    lp_message_set(msg, "out of memory");
    return st;
  }
  in->host.opaque = msg;
  in->host.log = lp_message_log;
  in->host.allocator = in->alloc;
  st = encoder->open(&in->state, &in->host);
  if (st != HEIC_OK) lp_message_set(msg, "the encoder could not be opened: %s", heic_status_string(st));
  return st;
}

/* Closes the instance (after a failed open too) and checks that it gave
 * back every byte; st is the status so far, returned unless that check
 * fails. */
static heic_status instance_close(instance *in, heic_status st, lp_message *msg) {
  if (in->encoder) in->encoder->close(&in->state);
  size_t left = heic_allocator_outstanding_bytes(in->alloc);
  heic_allocator_free(&in->alloc);
  if (left) {
    lp_message_set(msg, "libheic's encoder left %zu bytes allocated after close()", left);
    if (st == HEIC_OK) st = HEIC_ERR_INTERNAL;
  }
  return st;
}

heic_status lp_coder_check(const heic_encoder_plugin *encoder, const char *name,
                           const char *value, lp_message *msg) {
  instance in;
  heic_status st = instance_open(&in, encoder, msg);
  if (st == HEIC_OK) st = encoder->set_param(in.state, name, value);
  return instance_close(&in, st, msg);
}

/* The sink of rule E3: copies each NAL unit into the queue, the SPS with
 * the VUI added, and puts the SEI in front of the first slice. */
typedef struct sink_job {
  lp_packets *out;
  const lp_vui *vui;
  lp_message *msg;
  const uint8_t *sei;
  size_t sei_size;
} sink_job;

#define NUT_SPS 33

static heic_status sink(void *opaque, const uint8_t *nal, size_t size) {
  sink_job *job = opaque;
  if (!size) return HEIC_ERR_INVALID_ARGUMENT;
  int type = (nal[0] >> 1) & 0x3f;
  if (type < 32 && job->sei_size) { /* VCL: the picture's first slice */
    if (lp_packets_append(job->out, job->sei, job->sei_size)) return HEIC_ERR_OUT_OF_MEMORY;
    job->sei_size = 0;
  }
  if (type == NUT_SPS) {
    uint8_t sps[LP_VUI_OUT_MAX];
    size_t n = lp_vui_add(nal, size, job->vui, sps, sizeof(sps));
    if (!n) {
      lp_message_set(job->msg, "cannot add the colour description to libheic's %zu-byte SPS", size);
      return HEIC_ERR_INTERNAL;
    }
    return lp_packets_append(job->out, sps, n) ? HEIC_ERR_OUT_OF_MEMORY : HEIC_OK;
  }
  return lp_packets_append(job->out, nal, size) ? HEIC_ERR_OUT_OF_MEMORY : HEIC_OK;
}

/* The SEI text: libheic's version, then quality and preset always (what
 * one asks first of a file) and every other setting that is not the
 * default - but threads, which never changes the coded picture, so that
 * the file does not either. */
static void sei_text(const lp_params *p, char *text, size_t size) {
  size_t n = (size_t)snprintf(text, size, "libheic %s (libheif plugin)", heic_version_string());
  for (unsigned i = 0; i < p->count && n < size; i++) {
    const char *name = p->info[i]->name;
    if (p->value[i] == p->initial[i] && strcmp(name, "quality") && strcmp(name, "preset")) continue;
    if (!strcmp(name, "threads")) continue;
    char v[64];
    n += (size_t)snprintf(text + n, size - n, " %s=%s", name,
                          lp_params_format(p, (int)i, v, sizeof(v)));
  }
}

heic_status lp_coder_encode(const heic_encoder_plugin *encoder, const lp_params *p,
                            const heic_plugin_picture *pic, const lp_vui *vui, lp_packets *out,
                            lp_message *msg) {
  char text[256];
  uint8_t sei[320];
  sei_text(p, text, sizeof(text));
  sink_job job = {out, vui, msg, sei, lp_sei_write(text, sei, sizeof(sei))};
  instance in;
  heic_status st = instance_open(&in, encoder, msg);
  for (unsigned i = 0; st == HEIC_OK && i < p->count; i++) {
    if (p->value[i] == p->initial[i]) continue;
    /* The picture is in the chroma format asked of libheif (or 4:0:0, for
     * alpha), which the encoder codes as it comes: "when set, the picture
     * must be in it" would refuse the alpha image. */
    if (!strcmp(p->info[i]->name, "chroma")) continue;
    char v[64];
    st = encoder->set_param(in.state, p->info[i]->name, lp_params_format(p, (int)i, v, sizeof(v)));
  }
  if (st == HEIC_OK) st = encoder->encode(in.state, pic, sink, &job);
  if (st == HEIC_ERR_OUT_OF_MEMORY) lp_message_set(msg, "out of memory");
  st = instance_close(&in, st, msg);
  if (st != HEIC_OK) lp_packets_clear(out);
  return st;
}
