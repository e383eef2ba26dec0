/*
 * libheif-libheic.so: libheic's HEVC encoder as a libheif encoder plugin.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libheif dlopen()s every *.so of its plugin directory (or of
 * LIBHEIF_PLUGIN_PATH) and reads the exported struct heif_plugin_info
 * plugin_info.  Ours names an encoder table with id_name "libheic" and a
 * priority above x265's and kvazaar's (100), so that installing the plugin
 * makes libheic the default HEVC encoder of every libheif application.
 * The plugin uses libheic's public API only (heic_encoder_plugin_find:
 * the builtin encoder's table, driven under rules E1-E4 of
 * include/heic/heic_plugin.h) and libheif's headers only: libheif's
 * functions are found at load time in the libheif that loaded us
 * (host.h), never linked.
 *
 * API VERSION.  libheif 1.13 to 1.20 accept encoder plugins of API version
 * 3 and refuse higher ones; libheif 1.21 and later refuse anything below 4.
 * One file serves both: a constructor, run by dlopen() before libheif
 * reads plugin_info, asks the libheif in the process for its version and
 * writes 3 or 4 into the table (which is constant from then on).  Version
 * 4 adds image sequences; libheic's encoder codes still images, so the
 * sequence entry points refuse cleanly with an error instead of being NULL
 * (libheif 1.21 would call through a NULL pointer).  If the version cannot
 * be found, 3 is announced: libheif 1.21+ then refuses the plugin with its
 * own "needs to be at least version 4" instead of misusing it.
 *
 * PRELOADING.  libheif 1.15 loads plugins only in heif_init(), which vips
 * 8.14 and ImageMagick 6 never call.  Loaded with LD_PRELOAD, the plugin
 * loads libheif itself and registers its table (host.h), so that those
 * applications find it too.
 *
 * OWNERSHIP across libheif's boundary - the whole contract:
 *  - new_encoder() allocates one block, the encoder state (parameters,
 *    their descriptors, the error text, the packet queue, all empty).  On
 *    failure *encoder is NULL and nothing is held.
 *  - encode_image() first drops whatever an earlier picture left unread,
 *    then codes the image with a fresh instance of libheic's encoder (one
 *    per picture, rule E1: colour and alpha through one libheif encoder
 *    are two instances) that is closed before it returns, and keeps the
 *    coded NAL units in the state's queue (packets.h).  Nothing else
 *    survives the call: the picture's copy of the samples, libheic's
 *    encoder and its allocator are gone.  On failure the queue is empty.
 *  - get_compressed_data() lends one NAL unit per call.  The bytes belong
 *    to the encoder state; the pointer stays valid until the next call of
 *    get_compressed_data(), encode_image() or free_encoder() on the same
 *    encoder, and libheif copies them before that (it appends them to its
 *    file).  The call that returns NULL (the end of the picture) releases
 *    the queue's memory, so a host that reads every packet holds nothing
 *    of ours between pictures but the state block.  The host never frees a
 *    packet.
 *  - free_encoder() frees the state block and whatever the queue still
 *    holds: nothing after a picture read to the end or a failed one, the
 *    unread NAL units when an encoder is freed in the middle of a picture,
 *    nothing when it was never used.  No other memory exists between calls.
 *  - list_parameters() returns descriptors in the state (params.h), valid
 *    until free_encoder(); every string in them is static.
 *  - A heif_error's message is static, or the state's text (message.h),
 *    valid until the next call on that encoder or free_encoder().
 *  - Strings handed to us (names, values) are borrowed for the call.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <heic/heic_plugin.h>
#include <libheif/heif.h>
#include <libheif/heif_plugin.h>

#include "coder.h"
#include "host.h"
#include "mem.h"
#include "message.h"
#include "packets.h"
#include "params.h"
#include "picture.h"
#include "plugin_test.h"

#define LP_ID_NAME "libheic"
/* Above x265's and kvazaar's 100: libheif's default HEVC encoder is the one
 * of highest priority.  libheif keeps its encoders in a set ordered by
 * priority alone, so a priority another encoder has would hide one of the
 * two: no plugin of libheif up to 1.23 uses 110. */
#define LP_PRIORITY 110
#define LP_STR(x) #x
#define LP_XSTR(x) LP_STR(x)
#define LP_VERSION \
  LP_XSTR(HEIC_VERSION_MAJOR) "." LP_XSTR(HEIC_VERSION_MINOR) "." LP_XSTR(HEIC_VERSION_PATCH)

#ifndef LIBHEIF_MAKE_VERSION
#define LIBHEIF_MAKE_VERSION(h, m, l) ((h) << 24 | (m) << 16 | (l) << 8)
#endif
#define LP_FIRST_V4_LIBHEIF LIBHEIF_MAKE_VERSION(1, 21, 0)

/* ---- the encoder state ---- */

typedef struct lp_encoder {
  const heic_encoder_plugin *encoder; /* libheic's builtin table (static) */
  lp_params params;
  lp_packets packets;
  lp_message message;
  int logging_level;
  heic_chroma chroma; /* parameter chroma: what colour images are asked in */
} lp_encoder;

static const struct heif_error k_ok = {heif_error_Ok, heif_suberror_Unspecified, "Success"};

/* Which entry point failed: a parameter's status means something else than
 * an encode's to libheif's callers (vips, for one, goes on past an
 * unsupported parameter and stops at a bad value). */
typedef enum lp_call { LP_PARAM, LP_ENCODE } lp_call;

static struct heif_error lp_error(lp_encoder *s, heic_status st, lp_call call) {
  if (st == HEIC_OK) return k_ok;
  struct heif_error e = {heif_error_Encoder_plugin_error, heif_suberror_Unspecified, NULL};
  switch (st) {
    case HEIC_ERR_OUT_OF_MEMORY: e.code = heif_error_Memory_allocation_error; break;
    case HEIC_ERR_NOT_FOUND:
      if (call == LP_PARAM) {
        e.code = heif_error_Usage_error;
        e.subcode = heif_suberror_Unsupported_parameter;
      }
      break;
    case HEIC_ERR_INVALID_ARGUMENT:
    case HEIC_ERR_UNSUPPORTED:
      if (call == LP_PARAM) {
        e.code = heif_error_Usage_error;
        e.subcode = heif_suberror_Invalid_parameter_value;
      } else {
        e.code = st == HEIC_ERR_UNSUPPORTED ? heif_error_Unsupported_feature : heif_error_Usage_error;
        e.subcode = st == HEIC_ERR_UNSUPPORTED ? heif_suberror_Unsupported_image_type
                                               : heif_suberror_Unspecified;
      }
      break;
    case HEIC_ERR_LIMIT_EXCEEDED: e.subcode = heif_suberror_Invalid_image_size; break;
    default: break;
  }
  lp_message_set(&s->message, "%s", heic_status_string(st));
  e.message = s->message.text;
  return e;
}

static struct heif_error lp_usage(const char *message) {
  struct heif_error e = {heif_error_Usage_error, heif_suberror_Null_pointer_argument, message};
  return e;
}

/* ---- plugin ---- */

static const char *lp_plugin_name(void) {
  return "libheic HEVC encoder " LP_VERSION " (libheif-libheic.so, BSD-2-Clause)";
}

static struct heif_error lp_new_encoder(void **encoder) {
  if (!encoder) return lp_usage("libheic: new_encoder without a place for the encoder");
  *encoder = NULL;
  if (!lp_host_api()->complete) {
    struct heif_error e = {heif_error_Plugin_loading_error, heif_suberror_Plugin_loading_error,
                           "libheic: the plugin did not find libheif's functions in the process "
                           "(libheif.so.1 not loaded?)"};
    return e;
  }
  lp_encoder *s = lp_malloc(sizeof(*s));
  if (!s) {
    struct heif_error e = {heif_error_Memory_allocation_error, heif_suberror_Unspecified,
                           "libheic: out of memory for a new encoder"};
    return e;
  }
  memset(s, 0, sizeof(*s));
  s->chroma = HEIC_CHROMA_420;
  s->encoder = heic_encoder_plugin_find("builtin");
  if (!s->encoder || lp_params_init(&s->params, s->encoder)) {
    lp_free(s);
    struct heif_error e = {heif_error_Encoder_plugin_error, heif_suberror_Unspecified,
                           "libheic: this build's encoder table cannot be described to libheif"};
    return e;
  }
  *encoder = s;
  return k_ok;
}

static void lp_free_encoder(void *encoder) {
  lp_encoder *s = encoder;
  if (!s) return;
  lp_packets_clear(&s->packets);
  lp_free(s);
}

/* ---- parameters ---- */

typedef enum lp_kind { LP_ANY, LP_INTEGER, LP_BOOLEAN } lp_kind;

/* Names users of other HEVC plugins set that mean nothing here, and why. */
static const char *not_here(const char *name) {
  static const char *const notes[][2] = {
    {"tile-size", "libheif makes the grids of large images itself"},
    {"speed", "choose preset=ultrafast, fast, medium, slow or veryslow"},
  };
  for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
    if (!strcmp(name, notes[i][0])) return notes[i][1];
  return NULL;
}

/* Index of the parameter name of the given kind, or -1 with the error set. */
static int lp_lookup(lp_encoder *s, const char *name, lp_kind kind) {
  int i = lp_params_find(&s->params, name);
  const heic_param_info *info = i >= 0 ? s->params.info[i] : NULL;
  if (!info) {
    const char *why = not_here(name);
    if (why)
      lp_message_set(&s->message, "parameter '%s' is not supported: %s", name, why);
    else
      lp_message_set(&s->message, "unknown parameter '%s' (heif-enc -e " LP_ID_NAME " -P lists them)",
                     name);
    return -1;
  }
  if ((kind == LP_INTEGER && info->type != HEIC_PARAM_INT) ||
      (kind == LP_BOOLEAN && info->type != HEIC_PARAM_BOOL)) {
    lp_message_set(&s->message, "parameter '%s' is not %s", name,
                   kind == LP_INTEGER ? "an integer" : "a boolean");
    return -1;
  }
  return i;
}

static struct heif_error lp_set(void *encoder, const char *name, const char *value, lp_kind kind) {
  lp_encoder *s = encoder;
  if (!s || !name || !value) return lp_usage("libheic: a parameter without encoder, name or value");
  lp_message_clear(&s->message);
  int i = lp_lookup(s, name, kind);
  if (i < 0) return lp_error(s, HEIC_ERR_NOT_FOUND, LP_PARAM);
  /* chroma is the format libheif is asked to convert colour images to
   * (lp_query_colorspace2); monochrome images come as they are, so 4:0:0
   * is not a choice here. */
  int is_chroma = !strcmp(name, "chroma");
  if (is_chroma && strcmp(value, "420") && strcmp(value, "422") && strcmp(value, "444")) {
    lp_message_set(&s->message, "chroma=%s: through libheif colour images are YCbCr 420, 422 or "
                   "444 (and monochrome ones are coded as they are)", value);
    return lp_error(s, HEIC_ERR_INVALID_ARGUMENT, LP_PARAM);
  }
  heic_status st = lp_coder_check(s->encoder, name, value, &s->message);
  if (st == HEIC_OK && lp_params_store(&s->params, i, value)) {
    /* The encoder took it, but it could not be given back to the encoder
     * (or to a get_parameter call) as it was meant: refuse it. */
    lp_message_set(&s->message, "%s=%s: write the value as a plain number", name, value);
    st = HEIC_ERR_INVALID_ARGUMENT;
  }
  if (st == HEIC_OK && is_chroma)
    s->chroma = !strcmp(value, "444") ? HEIC_CHROMA_444 : !strcmp(value, "422") ? HEIC_CHROMA_422
                                                                               : HEIC_CHROMA_420;
  return lp_error(s, st, LP_PARAM);
}

static struct heif_error lp_set_int(void *encoder, const char *name, int value, lp_kind kind) {
  char v[16];
  snprintf(v, sizeof(v), "%d", value);
  return lp_set(encoder, name, v, kind);
}

static struct heif_error lp_get_int(void *encoder, const char *name, int *value, lp_kind kind) {
  lp_encoder *s = encoder;
  if (!s || !name || !value) return lp_usage("libheic: a parameter without encoder, name or value");
  lp_message_clear(&s->message);
  int i = lp_lookup(s, name, kind);
  if (i < 0) return lp_error(s, HEIC_ERR_NOT_FOUND, LP_PARAM);
  *value = s->params.value[i];
  return k_ok;
}

static struct heif_error lp_set_quality(void *e, int q) { return lp_set_int(e, "quality", q, LP_INTEGER); }
static struct heif_error lp_get_quality(void *e, int *q) { return lp_get_int(e, "quality", q, LP_INTEGER); }
static struct heif_error lp_set_lossless(void *e, int l) { return lp_set(e, "lossless", l ? "1" : "0", LP_BOOLEAN); }
static struct heif_error lp_get_lossless(void *e, int *l) { return lp_get_int(e, "lossless", l, LP_BOOLEAN); }

static struct heif_error lp_set_logging(void *encoder, int level) {
  lp_encoder *s = encoder;
  if (!s) return lp_usage("libheic: no encoder");
  /* libheif's levels count up from 0 (nothing); libheic's from 0 (errors). */
  s->logging_level = level;
  s->message.verbosity = level;
  return k_ok;
}

static struct heif_error lp_get_logging(void *encoder, int *level) {
  lp_encoder *s = encoder;
  if (!s || !level) return lp_usage("libheic: no encoder or no place for the level");
  *level = s->logging_level;
  return k_ok;
}

static const struct heif_encoder_parameter **lp_list_parameters(void *encoder) {
  lp_encoder *s = encoder;
  return s->params.list;
}

static struct heif_error lp_set_integer(void *e, const char *n, int v) { return lp_set_int(e, n, v, LP_INTEGER); }
static struct heif_error lp_get_integer(void *e, const char *n, int *v) { return lp_get_int(e, n, v, LP_INTEGER); }
static struct heif_error lp_set_boolean(void *e, const char *n, int v) { return lp_set_int(e, n, v ? 1 : 0, LP_BOOLEAN); }
static struct heif_error lp_get_boolean(void *e, const char *n, int *v) { return lp_get_int(e, n, v, LP_BOOLEAN); }

/* The string form takes every parameter (libheic's encoders parse strings):
 * libheif's heif_encoder_set_parameter() sends names it does not know to
 * it. */
static struct heif_error lp_set_string(void *e, const char *n, const char *v) { return lp_set(e, n, v, LP_ANY); }

static struct heif_error lp_get_string(void *encoder, const char *name, char *value, int size) {
  lp_encoder *s = encoder;
  if (!s || !name || !value || size <= 0)
    return lp_usage("libheic: a parameter without encoder, name or room for the value");
  lp_message_clear(&s->message);
  int i = lp_lookup(s, name, LP_ANY);
  if (i < 0) return lp_error(s, HEIC_ERR_NOT_FOUND, LP_PARAM);
  lp_params_format(&s->params, i, value, (size_t)size);
  return k_ok;
}

/* ---- pictures ---- */

/* The chroma format an encoder (NULL: a default one) codes colour in. */
static heic_chroma lp_chroma(const void *encoder) {
  const lp_encoder *s = encoder;
  return s ? s->chroma : HEIC_CHROMA_420;
}

/* What we take: monochrome as it is (grey images, alpha and depth planes:
 * coded as 4:0:0, picture.c), everything else as YCbCr in the encoder's
 * chroma format (4:2:0 unless set), which libheif converts to before
 * encode_image(). */
static void lp_query_colorspace(heic_chroma want, enum heif_colorspace *colorspace,
                                enum heif_chroma *chroma) {
  if (*colorspace == heif_colorspace_monochrome) {
    *chroma = heif_chroma_monochrome;
    return;
  }
  *colorspace = heif_colorspace_YCbCr;
  *chroma = want == HEIC_CHROMA_444   ? heif_chroma_444
            : want == HEIC_CHROMA_422 ? heif_chroma_422
                                      : heif_chroma_420;
}

/* (API version 1's form, without the encoder: the default, 4:2:0.) */
static void lp_query_colorspace1(enum heif_colorspace *colorspace, enum heif_chroma *chroma) {
  lp_query_colorspace(HEIC_CHROMA_420, colorspace, chroma);
}

static void lp_query_colorspace2(void *encoder, enum heif_colorspace *colorspace,
                                 enum heif_chroma *chroma) {
  lp_query_colorspace(lp_chroma(encoder), colorspace, chroma);
}

/* 4:2:0 cannot crop an odd column or row, 4:2:2 an odd column: odd sizes
 * are coded one larger (libheif crops with clap), and 4:0:0 images of the
 * same encoder the same way, since libheif asks before it says which the
 * picture is. */
static void lp_query_encoded_size(void *encoder, uint32_t w, uint32_t h, uint32_t *ew,
                                  uint32_t *eh) {
  lp_encoded_size(lp_chroma(encoder), w, h, ew, eh);
}

static struct heif_error lp_encode_image(void *encoder, const struct heif_image *image,
                                         enum heif_image_input_class input_class) {
  lp_encoder *s = encoder;
  if (!s) return lp_usage("libheic: encode_image without an encoder");
  lp_message_clear(&s->message);
  lp_packets_clear(&s->packets); /* an earlier picture's unread NAL units */
  lp_picture pic;
  heic_status st = lp_picture_from_heif(lp_host_api(), image, s->chroma, &pic, &s->message);
  /* Alpha and depth are coded like the main image, at its quality, as
   * heic-enc codes alpha; their VUI says only the range (an alpha plane has
   * no colours to describe), as libheif's x265 plugin does. */
  if (input_class != heif_image_input_class_normal && input_class != heif_image_input_class_thumbnail)
    pic.colour.described = 0;
  if (st == HEIC_OK)
    st = lp_coder_encode(s->encoder, &s->params, &pic.pic, &pic.colour, &s->packets, &s->message);
  lp_picture_clear(&pic);
  return lp_error(s, st, LP_ENCODE);
}

static struct heif_error lp_get_compressed_data(void *encoder, uint8_t **data, int *size,
                                                enum heif_encoded_data_type *type) {
  lp_encoder *s = encoder;
  if (!s || !data || !size) return lp_usage("libheic: get_compressed_data without a place for the data");
  size_t n = 0;
  uint8_t *nal = lp_packets_next(&s->packets, &n);
  *data = nal;
  *size = (int)n; /* lp_packets_append took nothing above INT32_MAX */
  if (type) {
    int nut = nal ? (nal[0] >> 1) & 0x3f : 0;
    *type = nut >= 32 && nut <= 34 ? heif_encoded_data_type_HEVC_header : heif_encoded_data_type_HEVC_image;
  }
  return k_ok;
}

/* ---- API version 4 (libheif 1.21+): image sequences, refused ---- */

struct heif_sequence_encoding_options; /* only passed through, never read */

static struct heif_error lp_no_sequences(void) {
  struct heif_error e = {heif_error_Unsupported_feature, heif_suberror_Unspecified,
                         "libheic: image sequences are not supported (libheic's encoder codes "
                         "still images); choose another encoder for sequences"};
  return e;
}

static struct heif_error lp_start_sequence(void *encoder, const struct heif_image *image,
                                           enum heif_image_input_class input_class,
                                           uint32_t framerate_num, uint32_t framerate_denom,
                                           const struct heif_sequence_encoding_options *options) {
  (void)encoder, (void)image, (void)input_class, (void)framerate_num, (void)framerate_denom,
      (void)options;
  return lp_no_sequences();
}

static struct heif_error lp_sequence_frame(void *encoder, const struct heif_image *image,
                                           uintptr_t frame_nr) {
  (void)encoder, (void)image, (void)frame_nr;
  return lp_no_sequences();
}

static struct heif_error lp_end_sequence(void *encoder) {
  (void)encoder;
  return k_ok; /* no sequence was started */
}

static struct heif_error lp_get_compressed_data2(void *encoder, uint8_t **data, int *size,
                                                 uintptr_t *frame_nr, int *is_keyframe,
                                                 int *more_frame_packets) {
  (void)encoder;
  if (data) *data = NULL;
  if (size) *size = 0;
  if (frame_nr) *frame_nr = 0;
  if (is_keyframe) *is_keyframe = 0;
  if (more_frame_packets) *more_frame_packets = 0;
  return k_ok;
}

/* ---- the table ---- */

#if defined(LIBHEIF_NUMERIC_VERSION) && LIBHEIF_NUMERIC_VERSION >= LP_FIRST_V4_LIBHEIF
/* Headers of libheif 1.21 or later declare the version 4 members. */
#define LP_NATIVE_V4 1
typedef struct lp_table {
  struct heif_encoder_plugin base;
} lp_table;
#define LP_V4(t) ((t)->base)
#else
/* Older headers stop at version 3; libheif 1.21 reads version 4's members
 * right after query_encoded_size, laid out as below (libheif's
 * heif_plugin.h of 1.21). */
typedef struct lp_encoder_v4 {
  uint32_t minimum_required_libheif_version;
  struct heif_error (*start_sequence_encoding)(void *, const struct heif_image *,
                                               enum heif_image_input_class, uint32_t, uint32_t,
                                               const struct heif_sequence_encoding_options *);
  struct heif_error (*encode_sequence_frame)(void *, const struct heif_image *, uintptr_t);
  struct heif_error (*end_sequence_encoding)(void *);
  struct heif_error (*get_compressed_data2)(void *, uint8_t **, int *, uintptr_t *, int *, int *);
  int does_indicate_keyframes;
} lp_encoder_v4;
typedef struct lp_table {
  struct heif_encoder_plugin base;
  lp_encoder_v4 v4;
} lp_table;
#define LP_V4(t) ((t)->v4)
/* The version 3 table ends with a function pointer, so version 4 starts
 * right after it, where libheif 1.21 looks for it. */
_Static_assert(offsetof(lp_table, v4) == offsetof(struct heif_encoder_plugin, query_encoded_size) +
                                              sizeof(((struct heif_encoder_plugin *)0)->query_encoded_size),
               "libheif's version 4 members must follow query_encoded_size");
#endif

/* Written once by lp_load() while the plugin is being loaded, before
 * libheif reads it; constant afterwards. */
static lp_table g_table = {
  .base = {
    .plugin_api_version = 3,
    .compression_format = heif_compression_HEVC,
    .id_name = LP_ID_NAME,
    .priority = LP_PRIORITY,
    .supports_lossy_compression = 1,
    .supports_lossless_compression = 1,
    .get_plugin_name = lp_plugin_name,
    .init_plugin = NULL, /* no global state to set up or tear down */
    .cleanup_plugin = NULL,
    .new_encoder = lp_new_encoder,
    .free_encoder = lp_free_encoder,
    .set_parameter_quality = lp_set_quality,
    .get_parameter_quality = lp_get_quality,
    .set_parameter_lossless = lp_set_lossless,
    .get_parameter_lossless = lp_get_lossless,
    .set_parameter_logging_level = lp_set_logging,
    .get_parameter_logging_level = lp_get_logging,
    .list_parameters = lp_list_parameters,
    .set_parameter_integer = lp_set_integer,
    .get_parameter_integer = lp_get_integer,
    .set_parameter_boolean = lp_set_boolean,
    .get_parameter_boolean = lp_get_boolean,
    .set_parameter_string = lp_set_string,
    .get_parameter_string = lp_get_string,
    .query_input_colorspace = lp_query_colorspace1,
    .encode_image = lp_encode_image,
    .get_compressed_data = lp_get_compressed_data,
    .query_input_colorspace2 = lp_query_colorspace2,
    .query_encoded_size = lp_query_encoded_size,
  },
};

LP_EXPORT struct heif_plugin_info plugin_info = {1, heif_plugin_type_encoder, &g_table.base, NULL};

__attribute__((constructor)) static void lp_load(void) {
  lp_host_bind();
  /* Lossless codes exactly the samples libheif hands over, in any of the
   * chroma formats (with chroma=444 and libheif's RGB matrix 0 that is the
   * RGB picture, as far as libheif's own conversion is exact). */
  g_table.base.supports_lossless_compression = 1;
  g_table.base.plugin_api_version = lp_host_api()->version >= LP_FIRST_V4_LIBHEIF ? 4 : 3;
  LP_V4(&g_table).minimum_required_libheif_version = LP_FIRST_V4_LIBHEIF;
  LP_V4(&g_table).start_sequence_encoding = lp_start_sequence;
  LP_V4(&g_table).encode_sequence_frame = lp_sequence_frame;
  LP_V4(&g_table).end_sequence_encoding = lp_end_sequence;
  LP_V4(&g_table).get_compressed_data2 = lp_get_compressed_data2;
  LP_V4(&g_table).does_indicate_keyframes = 0;
  /* Preloaded: libheif has not seen us, and may never look for plugins
   * (host.h); a later load of this file from its plugin directory
   * registers the same table again, which libheif's set of encoders (keyed
   * by priority) ignores. */
  const lp_host *host = lp_host_api();
  if (host->origin == LP_HOST_PRELOADED && host->complete)
    (void)host->register_encoder_plugin(&g_table.base);
}
