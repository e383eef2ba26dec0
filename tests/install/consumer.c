/*
 * A program built against an installed libheic (tests/install_prefix.sh):
 * it includes <heic/heic.h> from the installed headers, links the installed
 * libheic.so, and uses the API as an application would - encodes a small
 * picture to memory, reads it back, decodes it and compares the pixels,
 * reads a HEIC file, and checks that every byte went back to its allocator.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * usage: consumer [FILE.heic]     exit 0 when every check passed
 */
#include <stdio.h>
#include <stdlib.h>

#include <heic/heic.h>

enum { WIDTH = 64, HEIGHT = 48 };

static int failures;

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "consumer: FAIL: %s\n", what);
    failures++;
  }
}

static int check_status(heic_status st, const heic_context *ctx, const char *what) {
  if (st != HEIC_OK) {
    fprintf(stderr, "consumer: FAIL: %s: %s (%s)\n", what, heic_status_string(st),
            ctx ? heic_context_last_error(ctx) : "");
    failures++;
    return -1;
  }
  return 0;
}

/* A smooth gradient: what an encoder at high quality keeps within a few
 * levels everywhere, so a decode that went wrong cannot pass. */
static uint8_t sample(int x, int y, int c) {
  return (uint8_t)(c == 0 ? 4 * x : c == 1 ? 5 * y : 2 * (x + y));
}

/* Encodes the gradient with the builtin encoder into *out. */
static void encode_to_memory(heic_allocator *alloc, heic_buffer **out) {
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.threads = 1;
  heic_context *ctx = NULL;
  heic_image *img = NULL;
  if (check_status(heic_context_new(&ctx, &cfg), NULL, "heic_context_new (encode)") ||
      check_status(heic_image_new(&img, alloc, WIDTH, HEIGHT, HEIC_LAYOUT_RGB, HEIC_CHROMA_420, 8, 0),
                   ctx, "heic_image_new"))
    goto done;
  size_t stride = 0;
  uint8_t *p = heic_image_plane_mut(img, HEIC_PLANE_INTERLEAVED, &stride);
  check(p != NULL && stride >= 3 * WIDTH, "heic_image_plane_mut");
  if (!p) goto done;
  for (int y = 0; y < HEIGHT; y++)
    for (int x = 0; x < WIDTH; x++)
      for (int c = 0; c < 3; c++) p[(size_t)y * stride + 3 * (size_t)x + (size_t)c] = sample(x, y, c);
  heic_encode_options opts;
  heic_encode_options_init(&opts);
  opts.quality = 90;
  uint32_t item = 0;
  if (check_status(heic_context_encode_image(ctx, img, &opts, &item), ctx, "heic_context_encode_image"))
    goto done;
  check(item != 0, "an item id for the encoded image");
  (void)check_status(heic_context_write_memory(ctx, out), ctx, "heic_context_write_memory");
done:
  heic_image_free(&img);
  heic_context_free(&ctx);
}

/* Reads the file in buf, decodes its primary image and compares it with
 * the gradient. */
static void decode_from_memory(heic_allocator *alloc, const heic_buffer *buf) {
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  heic_context *ctx = NULL;
  heic_image *img = NULL;
  if (check_status(heic_context_new(&ctx, &cfg), NULL, "heic_context_new (decode)") ||
      check_status(heic_context_read_memory(ctx, heic_buffer_data(buf), heic_buffer_size(buf)), ctx,
                   "heic_context_read_memory"))
    goto done;
  char brand[5];
  heic_context_major_brand(ctx, brand);
  check(brand[0] == 'h' && brand[1] == 'e' && brand[2] == 'i' && brand[3] == 'c', "major brand heic");
  if (check_status(heic_context_decode_item(ctx, heic_context_primary_item(ctx), NULL, &img), ctx,
                   "heic_context_decode_item"))
    goto done;
  check(heic_image_width(img) == WIDTH && heic_image_height(img) == HEIGHT, "decoded size 64x48");
  size_t stride = 0;
  uint32_t w = 0, h = 0;
  const uint8_t *p = heic_image_plane(img, HEIC_PLANE_INTERLEAVED, &stride, &w, &h);
  int comps = heic_image_components(img);
  check(p != NULL && heic_image_bit_depth(img) == 8 && comps >= 3, "an 8-bit RGB plane");
  if (!p || heic_image_bit_depth(img) != 8 || comps < 3 || w != WIDTH || h != HEIGHT) goto done;
  long worst = 0;
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) {
        long d = (long)p[(size_t)y * stride + (size_t)comps * x + (size_t)c] - sample((int)x, (int)y, c);
        if (d < 0) d = -d;
        if (d > worst) worst = d;
      }
  printf("consumer: round trip of %dx%d through %zu bytes of HEIC, largest sample error %ld\n", WIDTH,
         HEIGHT, heic_buffer_size(buf), worst);
  check(worst <= 12, "decoded samples within 12 levels of the input at quality 90");
done:
  heic_image_free(&img);
  heic_context_free(&ctx);
}

/* Reads a HEIC file and decodes its primary image. */
static void decode_file(heic_allocator *alloc, const char *path) {
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  heic_context *ctx = NULL;
  heic_image *img = NULL;
  if (check_status(heic_context_new(&ctx, &cfg), NULL, "heic_context_new (file)") ||
      check_status(heic_context_read_file(ctx, path), ctx, path) ||
      check_status(heic_context_decode_item(ctx, heic_context_primary_item(ctx), NULL, &img), ctx,
                   "heic_context_decode_item (file)"))
    goto done;
  check(heic_image_width(img) > 0 && heic_image_height(img) > 0, "a decoded file image has a size");
  printf("consumer: %s: %u items, primary image %ux%u\n", path, heic_context_item_count(ctx),
         heic_image_width(img), heic_image_height(img));
done:
  heic_image_free(&img);
  heic_context_free(&ctx);
}

int main(int argc, char **argv) {
  /* The header this was compiled with and the library it runs with agree. */
  printf("consumer: libheic %s (header %d.%d.%d)\n", heic_version_string(), HEIC_VERSION_MAJOR,
         HEIC_VERSION_MINOR, HEIC_VERSION_PATCH);
  check(heic_version_number() == HEIC_VERSION_NUMBER, "heic_version_number() == HEIC_VERSION_NUMBER");

  heic_allocator *alloc = NULL;
  if (check_status(heic_allocator_new(&alloc, NULL), NULL, "heic_allocator_new")) return 1;
  heic_buffer *file = NULL;
  encode_to_memory(alloc, &file);
  if (file) decode_from_memory(alloc, file);
  heic_buffer_unref(&file);
  if (argc > 1) decode_file(alloc, argv[1]);
  size_t left = heic_allocator_outstanding_bytes(alloc);
  check(left == 0, "every byte back to the allocator");
  if (left) fprintf(stderr, "consumer: %zu bytes outstanding\n", left);
  heic_allocator_free(&alloc);

  if (failures) {
    fprintf(stderr, "consumer: %d check(s) failed\n", failures);
    return 1;
  }
  printf("consumer: ok\n");
  return 0;
}
