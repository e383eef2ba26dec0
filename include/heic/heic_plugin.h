/*
 * libheic - HEIF/HEIC images in C.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The codec plugin interface.
 *
 * A plugin is a constant function table.  Tables are versioned and
 * append-only: a plugin sets api_version to the HEIC_PLUGIN_API_VERSION it
 * was built against, and the host reads only the members that version has.
 *
 * OWNERSHIP - the whole contract, with no exceptions:
 *  D1. open() creates the plugin's state; close() destroys it.  The host calls
 *      close() exactly once for every successful open(), on success and on
 *      every error path, and never after a failed open().  close() accepts
 *      *state == NULL and sets *state to NULL.  A failed open() has released
 *      everything it allocated.
 *  D2. Coded data enters by push_nal(): the bytes are borrowed for the duration
 *      of that call only.  The plugin copies what it keeps.
 *  D3. Decoded samples leave by decode() into a picture the host owns: the
 *      plugin asks the host for planes with host->alloc_planes() and writes
 *      into them.  The host frees those planes whatever decode() returns, so
 *      the plugin never frees them and never keeps a pointer to them after
 *      decode() returns.  No memory crosses the boundary in any other way.
 *  D4. Strings in the table (name, description) are static.
 *  D5. Memory the plugin allocates for itself (including inside a third-party
 *      codec library) is the plugin's, and must all be released by close().
 *
 * Encoder plugins (heic_encoder_plugin) follow the same rules, with:
 *  E1. open()/close() as D1; one encoder instance per image item (the host
 *      never reuses an instance for a second picture, e.g. colour then alpha).
 *  E2. The input picture is borrowed for the duration of encode() only.
 *  E3. Coded data leaves the plugin in exactly one way: during encode(), the
 *      plugin calls sink(sink_opaque, nal, size) once per NAL unit (no start
 *      code, no length prefix).  The host copies the bytes before sink
 *      returns; the plugin keeps ownership of its buffer and may reuse or
 *      free it as soon as sink returns.  No pointer to coded data is ever
 *      valid after the call that produced it, so nothing can be forgotten.
 *      If sink returns an error, encode() stops and returns that error.
 *  E4. Parameters are set by name with set_param() between open() and
 *      encode(); the value string is borrowed for that call.  param_info()
 *      lists them (static descriptors, rule D4).
 */
#ifndef HEIC_PLUGIN_H
#define HEIC_PLUGIN_H

#include "heic_common.h"
#include "heic_image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 2: heic_plugin_host gained parallel, parallel_opaque and threads.
 * 3: heic_encoder_plugin gained set_colour.
 * 4: heic_encoder_plugin gained encode_begin, encode_rows, encode_end.
 * 5: heic_plugin_picture gained planes8 (8-bit planes from alloc_planes). */
#define HEIC_PLUGIN_API_VERSION 5

typedef enum heic_codec {
  HEIC_CODEC_HEVC = 1
} heic_codec;

/* A decoded picture being filled.  Samples are uint16_t for every bit depth;
 * strides are in samples.  The host owns planes[] (rule D3). */
typedef struct heic_plugin_picture {
  uint32_t width, height;   /* coded picture size after conformance cropping */
  heic_chroma chroma;
  int bit_depth_luma, bit_depth_chroma;
  uint16_t *planes[3];      /* Y, Cb, Cr; Cb/Cr NULL for 4:0:0 */
  size_t strides[3];
  uint32_t plane_w[3], plane_h[3];
  /* API version 5, decoders only: for a picture of 8 bits in luma and
   * chroma, alloc_planes() may give planes of one byte a sample here
   * instead (planes[] then NULL; strides still in samples), and the
   * plugin writes there - the host's 16-bit copy of a large picture is
   * then not made at all.  The host does so only for a plugin whose
   * api_version is 5 or more.  They are the host's, exactly as planes[]
   * (rule D3).  Encoders always get planes[] (NULL here). */
  uint8_t *planes8[3];
} heic_plugin_picture;

/* Services the host gives a plugin.  Borrowed from the host; valid from open()
 * until close() returns. */
typedef struct heic_plugin_host {
  void *opaque;
  /* Allocates the planes of pic for the given format (fills every field of
   * pic).  Called at most once per decode(). */
  heic_status (*alloc_planes)(void *opaque, heic_plugin_picture *pic, uint32_t width,
                              uint32_t height, heic_chroma chroma, int bit_depth_luma,
                              int bit_depth_chroma);
  void (*log)(void *opaque, heic_log_level level, const char *message);
  /* The allocator the host charges work to (may be NULL).  A plugin may
   * draw its own memory from it; it holds no reference beyond close(). */
  heic_allocator *allocator;
  /* The host's threads (API version 2), so that a plugin's threads and the
   * host's (grid tiles coded at once) share one pool instead of each
   * making its own.  parallel(parallel_opaque, n, fn, arg) calls fn(arg, i)
   * once for every i in [0, n) on the host's threads and the calling one,
   * and returns when all calls have returned; fn may call parallel again
   * (nested use never deadlocks) and several threads may call it at once.
   * NULL: no shared pool.  threads: how many threads a plugin should use
   * at once - with parallel, at most that many run; without it, 1 means
   * "the calling thread only" and 0 "the plugin decides" (a zeroed host
   * struct asks nothing). */
  void (*parallel)(void *parallel_opaque, size_t n, void (*fn)(void *arg, size_t index),
                   void *arg);
  void *parallel_opaque;
  int threads;
} heic_plugin_host;

typedef struct heic_decoder_plugin {
  uint32_t api_version;     /* HEIC_PLUGIN_API_VERSION the plugin was built with */
  const char *name;         /* short id, e.g. "libde265" (static) */
  const char *description;  /* one line, may name the codec library version */
  heic_codec codec;

  /* D1.  *state is NULL on entry; on failure it is left NULL. */
  heic_status (*open)(void **state, const heic_plugin_host *host);
  /* D2.  One NAL unit without start code or length prefix.  Parameter sets
   * come first, then the slice data of one picture. */
  heic_status (*push_nal)(void *state, const uint8_t *nal, size_t size);
  /* D3.  Decodes the pushed picture into *pic (planes from host->alloc_planes).
   * Returns HEIC_ERR_DECODER with a logged message when the stream is bad. */
  heic_status (*decode)(void *state, heic_plugin_picture *pic);
  /* D1. */
  void (*close)(void **state);
} heic_decoder_plugin;

/* ---- encoders ---- */

typedef enum heic_param_type {
  HEIC_PARAM_INT = 0,    /* decimal integer in [min, max] */
  HEIC_PARAM_BOOL = 1,   /* "0"/"1"/"true"/"false" */
  HEIC_PARAM_CHOICE = 2  /* one of choices[] */
} heic_param_type;

/* Static description of a parameter (rule D4). */
typedef struct heic_param_info {
  const char *name;          /* "quality", "lossless", "preset", "chroma", or plugin-specific */
  heic_param_type type;
  int min, max;              /* HEIC_PARAM_INT */
  const char *default_value; /* as a string */
  const char *const *choices; /* HEIC_PARAM_CHOICE: NULL-terminated list */
  const char *help;          /* one line */
} heic_param_info;

/* Receives one NAL unit (rule E3); the bytes are borrowed for the call. */
typedef heic_status (*heic_nal_sink)(void *opaque, const uint8_t *nal, size_t size);

typedef struct heic_encoder_plugin {
  uint32_t api_version;     /* HEIC_PLUGIN_API_VERSION the plugin was built with */
  const char *name;         /* short id, e.g. "builtin", "x265" (static) */
  const char *description;  /* one line (static) */
  heic_codec codec;
  int supports_lossless;

  /* E4.  Parameter descriptors, index 0 .. count-1; NULL past the end. */
  const heic_param_info *(*param_info)(uint32_t index);
  /* E1.  *state is NULL on entry; on failure it is left NULL. */
  heic_status (*open)(void **state, const heic_plugin_host *host);
  /* E4.  HEIC_ERR_NOT_FOUND for an unknown name, HEIC_ERR_INVALID_ARGUMENT
   * for a bad value (both logged with the reason). */
  heic_status (*set_param)(void *state, const char *name, const char *value);
  /* E2, E3.  Encodes one picture (planes of uint16_t samples; for 8-bit
   * input the values are 0..255) as one coded image: parameter sets first,
   * then the slice data.  Called at most once per open(). */
  heic_status (*encode)(void *state, const heic_plugin_picture *pic, heic_nal_sink sink,
                        void *sink_opaque);
  /* E1. */
  void (*close)(void **state);
  /* API version 3; may be NULL.  Between open() and encode(): the colour
   * description of the picture's samples, for the encoder to state in the
   * stream (the SPS VUI: colour primaries, transfer, matrix, full range),
   * so that readers that look only at the coded image, or at a container
   * without a colour box, know it.  *nclx is borrowed for the call.  Not
   * called: the stream says nothing about colour. */
  heic_status (*set_colour)(void *state, const heic_nclx *nclx);
  /* API version 4; all three NULL or all three set.  The picture of
   * encode() given a band of rows at a time, so that neither side holds
   * it whole - instead of encode(), never beside it (rule E1: one picture
   * per instance).
   *  - encode_begin(): *pic gives the geometry and format (width, height,
   *    chroma, depths); its planes, strides and plane sizes are not read.
   *  - encode_rows(): the next band, top to bottom: *band is a picture of
   *    the same width and format whose height is the band's rows (even,
   *    but for the last band of a picture of odd height in 4:2:0) and
   *    whose planes start at the band's first row.  The band is borrowed
   *    for the call only (rule E2): the plugin copies what it keeps.
   *  - encode_end(): after the last row; the coded picture leaves through
   *    sink (rule E3), as from encode().
   * After an error from any of them the instance only closes. */
  heic_status (*encode_begin)(void *state, const heic_plugin_picture *pic);
  heic_status (*encode_rows)(void *state, const heic_plugin_picture *band);
  heic_status (*encode_end)(void *state, heic_nal_sink sink, void *sink_opaque);
} heic_encoder_plugin;

/* The encoder plugin of libheic called `name` ("builtin", or "x265" in a
 * build with it; NULL: the default, "builtin"), or NULL when there is none.
 * For a host that builds its own container from the coded NAL units - the
 * libheif plugin libheif-libheic.so does - and drives the encoder through
 * the table under the rules above.  The table is static (rule D4): never
 * freed, valid for the life of the process. */
HEIC_API const heic_encoder_plugin *heic_encoder_plugin_find(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* HEIC_PLUGIN_H */
