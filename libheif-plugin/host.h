/*
 * libheif-libheic.so: the libheif functions the plugin calls, found in the
 * libheif that loaded it.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Why not ordinary undefined symbols: libheic never links libheif (LGPL),
 * and an undefined symbol is resolved only from the global scope, which
 * does not hold libheif when an application opened it with RTLD_LOCAL -
 * ImageMagick's coder modules are loaded that way - so the first call would
 * end the process with "symbol lookup error".  Instead lp_host_bind(),
 * run once while the plugin is being loaded (before libheif reads
 * plugin_info), takes the already loaded libheif with
 * dlopen("libheif.so.1", RTLD_NOLOAD) - which loads nothing - or the
 * global scope, and looks the functions up.  After that the table is only
 * read.
 *
 * When libheif is not in the process yet, the plugin was loaded before it:
 * by LD_PRELOAD, the way to reach applications that never call
 * heif_init() - the only place libheif 1.15 loads plugins; vips 8.14 and
 * ImageMagick 6 are such applications.  lp_host_bind() then loads
 * libheif.so.1 itself (the application's later load of it finds this one:
 * a library is loaded once per process) and keeps it, and the plugin
 * registers its encoder with heif_register_encoder_plugin() (plugin.c).
 */
#ifndef LP_HOST_H
#define LP_HOST_H

#include <stdint.h>

#include <libheif/heif.h>
#include <libheif/heif_plugin.h>

/* How the plugin came to be loaded (see above). */
typedef enum lp_host_origin {
  LP_HOST_MISSING = 0, /* no libheif found: encoders are refused */
  LP_HOST_BY_LIBHEIF,  /* libheif was in the process already */
  LP_HOST_PRELOADED    /* loaded before libheif, which lp_host_bind() loaded */
} lp_host_origin;

typedef struct lp_host {
  lp_host_origin origin;
  /* heif_get_version_number() of the libheif in the process (0: unknown). */
  uint32_t version;
  /* 1 when every function below was found; encoders are refused otherwise. */
  int complete;
  int (*image_get_width)(const struct heif_image *, enum heif_channel);
  int (*image_get_height)(const struct heif_image *, enum heif_channel);
  enum heif_colorspace (*image_get_colorspace)(const struct heif_image *);
  enum heif_chroma (*image_get_chroma_format)(const struct heif_image *);
  int (*image_get_bits_per_pixel_range)(const struct heif_image *, enum heif_channel);
  int (*image_has_channel)(const struct heif_image *, enum heif_channel);
  const uint8_t *(*image_get_plane_readonly)(const struct heif_image *, enum heif_channel,
                                             int *out_stride);
  struct heif_error (*image_get_nclx_color_profile)(const struct heif_image *,
                                                    struct heif_color_profile_nclx **out);
  void (*nclx_color_profile_free)(struct heif_color_profile_nclx *);
  struct heif_error (*register_encoder_plugin)(const struct heif_encoder_plugin *);
} lp_host;

/* Fills the table (see above).  Called once, from the load-time constructor. */
void lp_host_bind(void);
/* The table; read-only after lp_host_bind(). */
const lp_host *lp_host_api(void);

#endif /* LP_HOST_H */
