/*
 * dec_whole: the reference for tests/dec_stream.sh - the primary image of
 * FILE decoded whole (heic_context_decode_item) and written whole with
 * imageio's whole-image writers, as heic-dec did before it wrote band by
 * band.  Same options as heic-dec's defaults: nearest chroma upsampling,
 * transformations and alpha applied, the ICC profile copied (a damaged
 * one left out), JPEG at quality 90.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * usage: dec_whole FILE OUT png|jpg|y4m [no-metadata]
 * (no-metadata: no ICC profile either, as heic-dec --no-metadata.)
 * Exit status: 0 written, 1 not decoded, 2 usage, 3 not written.
 */
#include <stdio.h>
#include <string.h>

#include <heic/heic.h>

#include "jpeg_write.h"
#include "png_write.h"
#include "y4m_write.h"

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5 || (strcmp(argv[3], "png") && strcmp(argv[3], "jpg") && strcmp(argv[3], "y4m")) ||
      (argc == 5 && strcmp(argv[4], "no-metadata"))) {
    fputs("usage: dec_whole FILE OUT png|jpg|y4m [no-metadata]\n", stderr);
    return 2;
  }
  int no_metadata = argc == 5;
  const char *in = argv[1], *out = argv[2], *format = argv[3];
  heic_context *ctx = NULL;
  heic_image *img = NULL;
  heic_buffer *icc = NULL;
  int rc = 1;
  heic_status st = heic_context_new(&ctx, NULL);
  if (st == HEIC_OK) st = heic_context_read_file(ctx, in);
  uint32_t id = st == HEIC_OK ? heic_context_primary_item(ctx) : 0;
  if (st == HEIC_OK) {
    heic_decode_options opts;
    heic_decode_options_init(&opts);
    opts.layout = strcmp(format, "y4m") == 0 ? HEIC_LAYOUT_YCBCR : HEIC_LAYOUT_RGB;
    st = heic_context_decode_item(ctx, id, &opts, &img);
  }
  if (st != HEIC_OK) {
    fprintf(stderr, "dec_whole: %s: %s\n", in, heic_status_string(st));
    goto done;
  }
  const uint8_t *icc_data = NULL;
  size_t icc_size = 0;
  if (!no_metadata && heic_context_item_icc(ctx, id, &icc) == HEIC_OK) {
    icc_data = heic_buffer_data(icc);
    icc_size = heic_buffer_size(icc);
  }
  char msg[512] = "";
  int failed;
  if (strcmp(format, "png") == 0) {
    imageio_png_options png = {.icc = icc_data, .icc_size = icc_size};
    failed = imageio_png_write(out, img, &png, msg, sizeof msg);
  } else if (strcmp(format, "jpg") == 0) {
    imageio_jpeg_options jpg = {.quality = 90, .icc = icc_data, .icc_size = icc_size};
    failed = imageio_jpeg_write(out, img, &jpg, msg, sizeof msg);
  } else {
    failed = imageio_y4m_write(out, img, NULL, NULL, msg, sizeof msg);
  }
  if (failed) fprintf(stderr, "dec_whole: %s: %s\n", out, msg);
  rc = failed ? 3 : 0;

done:
  heic_buffer_unref(&icc);
  heic_image_free(&img);
  heic_context_free(&ctx);
  return rc;
}
