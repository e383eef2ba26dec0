/*
 * heic-info: describe the structure of HEIF files.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Uses only the public API.  Exit status: 0 all files read, 1 some file
 * could not be read (or described, or holds data that cannot be read), 2
 * usage error, 4 libheic leaked memory (the leak canary the test suite
 * relies on), 124 --timeout passed, 130 interrupted.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <heic/heic.h>

#include "cli.h"
#include "h273.h"

enum {
  EXIT_READ = 1,
  EXIT_USAGE = 2,
  EXIT_LEAK = 4
};

static const char *const usage_text =
    "Usage: heic-info [options] FILE...\n"
    "\n"
    "Describes each HEIF/HEIC file.  By default, a short summary: the brand,\n"
    "then a paragraph per top-level image with\n"
    "  - its size as shown (clean aperture, rotation and mirroring applied),\n"
    "    and the coded size where it differs;\n"
    "  - its coding, bit depth and chroma format; alpha and depth images;\n"
    "  - grid tiles (columns x rows of W x H) or overlay layers;\n"
    "  - its transformations; its thumbnails' sizes;\n"
    "  - metadata (Exif, XMP, others) with their sizes;\n"
    "  - colour: nclx values (with their names) and/or the ICC profile's size;\n"
    "    without either, the colour the coded stream (HEVC VUI) describes;\n"
    "  - why heic-dec cannot decode it, when it cannot.\n"
    "With --verbose, the structure box by box: brands; the primary item;\n"
    "every item (id, type, name, content type, hidden flag, size of its data\n"
    "or why it cannot be read, and for images width x height, bit depth and\n"
    "chroma format, with its properties, essential ones marked, and\n"
    "references); every top-level image with its thumbnails, alpha and depth\n"
    "images, metadata and colour; which item heic-dec decodes by default, or\n"
    "why it cannot.\n"
    "An item whose data cannot be read (past the end of a truncated file)\n"
    "is named on stderr, and the exit status is 1, in either form.  A PNG,\n"
    "JPEG, GIF, WebP, TIFF, Y4M or JPEG XL file is named as not HEIF.\n"
    "\n"
    "Options:\n"
    "  -v, --verbose  describe every item, property and reference\n"
    "  --timeout S    stop after S seconds (decimals allowed) with status 124\n"
    "                 (also --timeout=S)\n"
    "  -h, --help     show this help and exit\n"
    "  -V, --version  show the libheic version and exit\n"
    "  --             end of options (for file names starting with '-')\n"
    "\n"
    "Exit status: 0 every file was read, 1 a file could not be read (or some\n"
    "item's data cannot be), 2 usage error, 4 internal error (libheic leaked\n"
    "memory), 124 the --timeout passed, 130 interrupted (SIGINT, SIGTERM).\n"
    "A stop is checked between items and between files: the description in\n"
    "progress is cut short and the status is 124/130, unless the stop came\n"
    "after the last file was described (then 0).  A second Ctrl-C kills at\n"
    "once.\n";

/* Library messages are printed only when they are warnings: errors reach us
 * through the status and last_error, and printing both would repeat them. */
static void on_log(void *opaque, heic_log_level level, const char *message) {
  if (level == HEIC_LOG_WARNING)
    fprintf(stderr, "heic-info: %s: warning: %s\n", (const char *)opaque, message);
}

static const char *chroma_name(heic_chroma chroma) {
  switch (chroma) {
  case HEIC_CHROMA_400: return "4:0:0";
  case HEIC_CHROMA_420: return "4:2:0";
  case HEIC_CHROMA_422: return "4:2:2";
  case HEIC_CHROMA_444: return "4:4:4";
  }
  return "unknown chroma";
}

/* State for one file; every query result borrowed from ctx stays valid
 * while ctx is alive and reads no other file. */
typedef struct info_run {
  const char *path;
  heic_context *ctx;
  int failed;  /* a query failed after the file was read */
  int stopped; /* CLI_EXIT_* when a signal or the deadline cut the description short */
} info_run;

/* Asked between items: heic-info decodes nothing, so the library has no
 * progress to report, and a file with very many items is where the time
 * goes (reading a huge file has no check: the backstop timer covers it). */
static int should_stop(info_run *run) {
  if (!run->stopped) run->stopped = cli_stop_requested();
  return run->stopped != 0;
}

static void report(info_run *run, const char *what, heic_status st) {
  const char *detail = heic_context_last_error(run->ctx);
  fprintf(stderr, "heic-info: %s: %s: %s%s%s\n", run->path, what, heic_status_string(st),
          detail[0] ? ": " : "", detail);
  run->failed = 1;
}

static void print_item(info_run *run, uint32_t id) {
  heic_item_info info;
  heic_status st = heic_context_item_info(run->ctx, id, &info);
  if (st != HEIC_OK) {
    printf("  item %" PRIu32 ": (cannot be described)\n", id);
    char what[48];
    snprintf(what, sizeof what, "item %" PRIu32, id);
    report(run, what, st);
    return;
  }
  printf("  item %" PRIu32 ": %s", id, info.type);
  if (info.is_primary) printf(", primary");
  if (info.hidden) printf(", hidden");
  if (info.is_image) {
    if (info.width || info.height)
      printf(", %" PRIu32 "x%" PRIu32, info.width, info.height);
    else
      printf(", size unknown (no ispe)");
    /* Derived images (grid, iovl, iden) have no hvcC, so the chroma field
     * carries nothing for them: their inputs, listed under dimg, have it. */
    int derived = strcmp(info.type, "grid") == 0 || strcmp(info.type, "iovl") == 0 ||
                  strcmp(info.type, "iden") == 0;
    if (info.bit_depth)
      printf(", %d-bit", info.bit_depth);
    else
      printf(", bit depth unknown");
    if (!derived) printf(" %s", chroma_name(info.chroma));
  }
  if (info.data_error && info.data_error[0]) {
    /* "0 bytes" would hide that the file is damaged: say why, and let the
     * exit status say the file could not be entirely read. */
    printf(", data cannot be read: %s\n", info.data_error);
    fprintf(stderr, "heic-info: %s: item %" PRIu32 ": data cannot be read: %s\n", run->path, id,
            info.data_error);
    run->failed = 1;
  } else {
    printf(", %" PRIu64 " bytes of data\n", info.data_size);
  }
  if (info.name[0]) printf("    name: \"%s\"\n", info.name);
  if (info.content_type[0]) printf("    content type: %s\n", info.content_type);
  if (info.thumbnail_of) printf("    thumbnail of item %" PRIu32 "\n", info.thumbnail_of);
  if (info.auxiliary_of)
    printf("    auxiliary image of item %" PRIu32 "%s%s%s\n", info.auxiliary_of,
           info.aux_type[0] ? " (" : "", info.aux_type, info.aux_type[0] ? ")" : "");
  /* why_not is only valid until the next item_info call: print it now. */
  if (info.is_image && !info.decodable)
    printf("    not decodable: %s\n", info.why_not[0] ? info.why_not : "(no reason given)");

  uint32_t nprops = heic_context_property_count(run->ctx, id);
  printf("    properties:%s\n", nprops ? "" : " none");
  for (uint32_t i = 0; i < nprops; i++) {
    char type[5] = "";
    int essential = 0;
    char describe[256] = "";
    st = heic_context_property(run->ctx, id, i, type, &essential, describe, sizeof describe);
    if (st != HEIC_OK) {
      printf("      (property %" PRIu32 " cannot be described)\n", i);
      char what[64];
      snprintf(what, sizeof what, "item %" PRIu32 " property %" PRIu32, id, i);
      report(run, what, st);
      continue;
    }
    printf("      %s%s\n", describe[0] ? describe : type, essential ? " (essential)" : "");
  }

  uint32_t nrefs = heic_context_reference_count(run->ctx, id);
  printf("    references:%s\n", nrefs ? "" : " none");
  for (uint32_t i = 0; i < nrefs; i++) {
    char type[5] = "";
    const uint32_t *to = NULL;
    uint32_t count = 0;
    st = heic_context_reference(run->ctx, id, i, type, &to, &count);
    if (st != HEIC_OK) {
      printf("      (reference %" PRIu32 " cannot be described)\n", i);
      char what[64];
      snprintf(what, sizeof what, "item %" PRIu32 " reference %" PRIu32, id, i);
      report(run, what, st);
      continue;
    }
    printf("      %s ->", type);
    for (uint32_t k = 0; k < count; k++) printf("%s %" PRIu32, k ? "," : "", to[k]);
    printf("\n");
  }
}

/* What kind of metadata a cdsc item is, by the conventions of HEIF writers:
 * Exif items have their own type, XMP travels as a 'mime' item. */
static const char *metadata_kind(const heic_item_info *info) {
  if (strcmp(info->type, "Exif") == 0) return "Exif";
  if (strcmp(info->type, "mime") == 0 && strcmp(info->content_type, "application/rdf+xml") == 0)
    return "XMP";
  return NULL;
}

/* "W x H" as shown, with the coded size when the transformations change
 * it: what a viewer shows comes first. */
static void image_size(const heic_item_info *info, char *buf, size_t size) {
  if (!info->width && !info->height) {
    snprintf(buf, size, "size unknown (no ispe)");
  } else if (!info->display_width ||
             (info->display_width == info->width && info->display_height == info->height)) {
    snprintf(buf, size, "%" PRIu32 "x%" PRIu32, info->width, info->height);
  } else {
    snprintf(buf, size, "%" PRIu32 "x%" PRIu32 " (coded %" PRIu32 "x%" PRIu32 ")", info->display_width,
             info->display_height, info->width, info->height);
  }
}

static void print_top_level(info_run *run, uint32_t id) {
  heic_item_info info;
  heic_status st = heic_context_item_info(run->ctx, id, &info);
  if (st != HEIC_OK) {
    printf("  image %" PRIu32 ": (cannot be described)\n", id);
    char what[48];
    snprintf(what, sizeof what, "item %" PRIu32, id);
    report(run, what, st);
    return;
  }
  char shown[64];
  image_size(&info, shown, sizeof shown);
  printf("  image %" PRIu32 "%s: %s\n", id, info.is_primary ? " (primary)" : "", shown);

  /* Everything needed from info is copied out first: the calls below for
   * other items reuse the context's storage behind its strings. */
  const uint32_t nthumbs = info.thumbnail_count;
  const uint32_t alpha = info.alpha_item, depth = info.depth_item;
  const int premultiplied = info.premultiplied;

  if (!nthumbs) printf("    thumbnails: none\n");
  for (uint32_t i = 0; i < nthumbs; i++) {
    uint32_t tid = heic_context_thumbnail_id(run->ctx, id, i);
    heic_item_info t;
    st = heic_context_item_info(run->ctx, tid, &t);
    if (st == HEIC_OK && t.data_error && t.data_error[0]) {
      printf("    thumbnail: item %" PRIu32 ", %" PRIu32 "x%" PRIu32 ", data cannot be read\n", tid,
             t.width, t.height); /* the reason is in the item's own line */
    } else if (st == HEIC_OK) {
      printf("    thumbnail: item %" PRIu32 ", %" PRIu32 "x%" PRIu32 ", %" PRIu64 " bytes\n", tid,
             t.width, t.height, t.data_size);
    } else {
      printf("    thumbnail: item %" PRIu32 " (cannot be described)\n", tid);
      report(run, "thumbnail", st);
    }
  }

  if (alpha)
    printf("    alpha: item %" PRIu32 ", premultiplied: %s\n", alpha, premultiplied ? "yes" : "no");
  else
    printf("    alpha: none\n");
  if (depth)
    printf("    depth: item %" PRIu32 "\n", depth);
  else
    printf("    depth: none\n");

  uint32_t nmeta = heic_context_metadata_count(run->ctx, id);
  if (!nmeta) printf("    metadata: none\n");
  for (uint32_t i = 0; i < nmeta; i++) {
    uint32_t mid = heic_context_metadata_id(run->ctx, id, i);
    heic_item_info m;
    st = heic_context_item_info(run->ctx, mid, &m);
    if (st != HEIC_OK) {
      printf("    metadata: item %" PRIu32 " (cannot be described)\n", mid);
      report(run, "metadata", st);
      continue;
    }
    const char *kind = metadata_kind(&m);
    char size[48];
    if (m.data_error && m.data_error[0])
      snprintf(size, sizeof size, "data cannot be read"); /* why: in the item's own line */
    else
      snprintf(size, sizeof size, "%" PRIu64 " bytes", m.data_size);
    if (kind)
      printf("    metadata: %s, item %" PRIu32 ", %s\n", kind, mid, size);
    else
      printf("    metadata: other (%s%s%s), item %" PRIu32 ", %s\n", m.type,
             m.content_type[0] ? " " : "", m.content_type, mid, size);
  }

  heic_nclx nclx;
  st = heic_context_item_nclx(run->ctx, id, &nclx);
  if (st == HEIC_OK)
    printf("    colour: nclx primaries %u, transfer %u, matrix %u, %s range\n",
           (unsigned)nclx.colour_primaries, (unsigned)nclx.transfer_characteristics,
           (unsigned)nclx.matrix_coefficients, nclx.full_range ? "full" : "limited");
  else if (st == HEIC_ERR_NOT_FOUND)
    printf("    colour: no nclx\n");
  else
    report(run, "nclx", st);
  /* The coded stream's own description (VUI): what a reader without the
   * box uses, and what should agree with the box. */
  st = heic_context_item_stream_nclx(run->ctx, id, &nclx);
  if (st == HEIC_OK)
    printf("    colour: in the coded stream primaries %u, transfer %u, matrix %u, %s range\n",
           (unsigned)nclx.colour_primaries, (unsigned)nclx.transfer_characteristics,
           (unsigned)nclx.matrix_coefficients, nclx.full_range ? "full" : "limited");
  else if (st == HEIC_ERR_NOT_FOUND)
    printf("    colour: none in the coded stream\n");
  else
    report(run, "coded colour", st);

  heic_buffer *icc = NULL;
  st = heic_context_item_icc(run->ctx, id, &icc);
  if (st == HEIC_OK)
    printf("    colour: ICC profile, %zu bytes\n", heic_buffer_size(icc));
  else if (st == HEIC_ERR_NOT_FOUND)
    printf("    colour: no ICC profile\n");
  else
    report(run, "ICC profile", st);
  heic_buffer_unref(&icc);
}

/* ---- the summary (the default) ---- */

/* What an image item's type is called, for people. */
static const char *coding_name(const char *type) {
  static const char *const names[][2] = {
      {"hvc1", "HEVC"}, {"grid", "grid"}, {"iovl", "overlay"}, {"iden", "identity (a transformed copy)"},
      {"av01", "AV1"}, {"jpeg", "JPEG"}, {"unci", "uncompressed"}, {"vvc1", "VVC"},
      {"lhv1", "layered HEVC"}, {"hvt1", "HEVC tile"},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(type, names[i][0]) == 0) return names[i][1];
  return type;
}

/* "1 (BT.709)" or "7" into buf. */
static const char *code_point(unsigned v, const char *name, char *buf, size_t size) {
  if (name[0])
    snprintf(buf, size, "%u (%s)", v, name);
  else
    snprintf(buf, size, "%u", v);
  return buf;
}

/* The first reference of `type` from item id: its targets (borrowed) and
 * their count, or 0. */
static uint32_t references_of(const info_run *run, uint32_t id, const char *type, const uint32_t **to) {
  uint32_t nrefs = heic_context_reference_count(run->ctx, id);
  for (uint32_t i = 0; i < nrefs; i++) {
    char t[5];
    uint32_t count = 0;
    if (heic_context_reference(run->ctx, id, i, t, to, &count) == HEIC_OK && strcmp(t, type) == 0)
      return count;
  }
  *to = NULL;
  return 0;
}

/* A grid's layout: "C columns x R rows of W x H tiles", from its
 * description (ISO/IEC 23008-12 ImageGrid: version, flags, rows - 1,
 * columns - 1, ...) and its first tile. */
static void print_grid(info_run *run, uint32_t id) {
  const uint32_t *tiles = NULL;
  uint32_t ntiles = references_of(run, id, "dimg", &tiles);
  char tile[64] = "";
  heic_item_info t;
  if (ntiles && heic_context_item_info(run->ctx, tiles[0], &t) == HEIC_OK)
    snprintf(tile, sizeof tile, " of %" PRIu32 "x%" PRIu32 " %s", t.width, t.height, coding_name(t.type));
  heic_buffer *desc = NULL;
  if (heic_context_item_data(run->ctx, id, &desc) == HEIC_OK && heic_buffer_size(desc) >= 4) {
    const uint8_t *d = heic_buffer_data(desc);
    printf("  grid: %u column%s x %u row%s%s tiles\n", d[3] + 1u, d[3] ? "s" : "", d[2] + 1u,
           d[2] ? "s" : "", tile);
  } else {
    printf("  grid: %" PRIu32 "%s tiles\n", ntiles, tile);
  }
  heic_buffer_unref(&desc);
}

/* Clean aperture, rotation and mirroring, in the order they apply. */
static void print_transformations(info_run *run, uint32_t id) {
  uint32_t nprops = heic_context_property_count(run->ctx, id);
  int n = 0;
  printf("  transformations:");
  for (uint32_t i = 0; i < nprops; i++) {
    char type[5] = "", describe[256] = "";
    int essential = 0;
    if (heic_context_property(run->ctx, id, i, type, &essential, describe, sizeof describe) != HEIC_OK)
      continue;
    /* The descriptions start with the box type: "irot 90 degrees ...". */
    const char *rest = strlen(describe) > 5 ? describe + 5 : "";
    if (strcmp(type, "irot") == 0 && strncmp(rest, "0 ", 2) != 0) /* 0 degrees: none */
      printf("%s rotation %s", n++ ? "," : "", rest);
    else if (strcmp(type, "imir") == 0)
      printf("%s mirror, %s", n++ ? "," : "", rest);
    else if (strcmp(type, "clap") == 0)
      printf("%s crop (clean aperture %s)", n++ ? "," : "", rest);
  }
  printf("%s\n", n ? "" : " none");
}

static void print_thumbnails(info_run *run, uint32_t id, uint32_t count) {
  printf("  thumbnails:%s", count ? "" : " none");
  for (uint32_t i = 0; i < count; i++) {
    uint32_t tid = heic_context_thumbnail_id(run->ctx, id, i);
    heic_item_info t;
    char size[64];
    if (heic_context_item_info(run->ctx, tid, &t) != HEIC_OK) {
      printf("%s item %" PRIu32 " (cannot be described)", i ? "," : "", tid);
      continue;
    }
    image_size(&t, size, sizeof size);
    printf("%s %s%s", i ? "," : "", size, t.data_error[0] ? " (data cannot be read)" : "");
  }
  printf("\n");
}

static void print_metadata(info_run *run, uint32_t id) {
  uint32_t nmeta = heic_context_metadata_count(run->ctx, id);
  printf("  metadata:%s", nmeta ? "" : " none");
  for (uint32_t i = 0; i < nmeta; i++) {
    uint32_t mid = heic_context_metadata_id(run->ctx, id, i);
    heic_item_info m;
    if (heic_context_item_info(run->ctx, mid, &m) != HEIC_OK) {
      printf("%s item %" PRIu32 " (cannot be described)", i ? "," : "", mid);
      continue;
    }
    const char *kind = metadata_kind(&m);
    if (kind)
      printf("%s %s", i ? "," : "", kind);
    else
      printf("%s %s%s%s", i ? "," : "", m.type, m.content_type[0] ? " " : "", m.content_type);
    if (m.data_error[0])
      printf(" (data cannot be read)");
    else
      printf(" %" PRIu64 " bytes", m.data_size);
  }
  printf("\n");
}

/* " primaries N (name), transfer N (name), matrix N (name), full|limited
 * range", for the summary's colour line. */
static void print_nclx(const heic_nclx *n) {
  char p[48], t[48], m[48];
  printf(" primaries %s, transfer %s, matrix %s, %s range",
         code_point(n->colour_primaries, h273_name(H273_PRIMARIES, n->colour_primaries), p, sizeof p),
         code_point(n->transfer_characteristics, h273_name(H273_TRANSFER, n->transfer_characteristics), t, sizeof t),
         code_point(n->matrix_coefficients, h273_name(H273_MATRIX, n->matrix_coefficients), m, sizeof m),
         n->full_range ? "full" : "limited");
}

/* The clli / mdcv properties, when the image has them, in the units of
 * x265's --max-cll and --master-display (which heic-enc's --clli and --mdcv
 * take too). */
static void print_hdr(info_run *run, uint32_t id) {
  heic_hdr h;
  heic_status st = heic_context_item_hdr(run->ctx, id, &h);
  if (st == HEIC_ERR_NOT_FOUND) return;
  if (st != HEIC_OK) {
    report(run, "HDR metadata", st);
    return;
  }
  printf("  HDR:");
  if (h.has_clli)
    printf(" content light level %u cd/m2 (frame average %u)", h.max_cll, h.max_fall);
  if (h.has_mdcv)
    printf("%s mastering display G(%u,%u)B(%u,%u)R(%u,%u)WP(%u,%u)L(%u,%u)", h.has_clli ? ";" : "",
           h.primaries_x[0], h.primaries_y[0], h.primaries_x[1], h.primaries_y[1], h.primaries_x[2],
           h.primaries_y[2], h.white_x, h.white_y, h.max_luminance, h.min_luminance);
  printf("\n");
}

static void print_colour(info_run *run, uint32_t id) {
  printf("  colour:");
  heic_nclx nclx;
  heic_status st = heic_context_item_nclx(run->ctx, id, &nclx);
  int any = 0;
  if (st == HEIC_OK) {
    printf(" nclx");
    print_nclx(&nclx);
    any = 1;
  } else if (st != HEIC_ERR_NOT_FOUND) {
    report(run, "nclx", st);
  }
  heic_buffer *icc = NULL;
  st = heic_context_item_icc(run->ctx, id, &icc);
  if (st == HEIC_OK) {
    printf("%s ICC profile, %zu bytes", any ? ";" : "", heic_buffer_size(icc));
    any = 1;
  } else if (st != HEIC_ERR_NOT_FOUND) {
    report(run, "ICC profile", st);
  }
  heic_buffer_unref(&icc);
  if (!any) {
    /* Without a colr box, decoders take the coded stream's own VUI (the
     * way heic-enc writes the default colour, which vips warns about as a
     * box). */
    st = heic_context_item_stream_nclx(run->ctx, id, &nclx);
    if (st == HEIC_OK) {
      print_nclx(&nclx);
      printf(" (in the coded stream)");
      any = 1;
    } else if (st != HEIC_ERR_NOT_FOUND) {
      report(run, "coded colour", st);
    }
  }
  printf("%s\n", any ? "" : " not described (decoded as BT.601, limited range: what H.265 infers)");
}

/* The type of the coded item behind an image: itself, or the first input
 * of a grid or identity item (their format is that input's). */
static void coded_type(info_run *run, uint32_t id, char type[5]) {
  for (int depth = 0; depth < 8; depth++) {
    heic_item_info info;
    if (heic_context_item_info(run->ctx, id, &info) != HEIC_OK) break;
    memcpy(type, info.type, 5);
    const uint32_t *to = NULL;
    if ((strcmp(type, "grid") != 0 && strcmp(type, "iden") != 0) ||
        !references_of(run, id, "dimg", &to))
      return;
    id = to[0];
  }
  type[0] = '\0';
}

static void summarize_image(info_run *run, uint32_t id) {
  heic_item_info info;
  heic_status st = heic_context_item_info(run->ctx, id, &info);
  if (st != HEIC_OK) {
    printf("image %" PRIu32 ": (cannot be described)\n", id);
    char what[48];
    snprintf(what, sizeof what, "item %" PRIu32, id);
    report(run, what, st);
    return;
  }
  /* Copied out before the calls for other items reuse the strings'
   * storage. */
  char type[5], why_not[512], size[64];
  memcpy(type, info.type, sizeof type);
  snprintf(why_not, sizeof why_not, "%s", info.decodable ? "" : info.why_not[0] ? info.why_not : "(no reason given)");
  image_size(&info, size, sizeof size);
  const uint32_t nthumbs = info.thumbnail_count, alpha = info.alpha_item, depth = info.depth_item;
  const int premultiplied = info.premultiplied, bit_depth = info.bit_depth;
  const heic_chroma chroma = info.chroma;
  const int grid = strcmp(type, "grid") == 0, overlay = strcmp(type, "iovl") == 0;

  printf("image %" PRIu32 "%s: %s\n", id, info.is_primary ? " (primary)" : "", size);
  printf("  coding: %s", coding_name(type));
  /* The chroma format comes from an hvcC box: other codings have none. */
  char coded[5];
  coded_type(run, id, coded);
  if (overlay)
    printf(", composed in RGB");
  else if (bit_depth && strcmp(coded, "hvc1") == 0)
    printf(", %d-bit %s", bit_depth, chroma_name(chroma));
  else if (bit_depth)
    printf(", %d-bit", bit_depth);
  printf("\n");
  if (grid) print_grid(run, id);
  if (overlay) {
    const uint32_t *layers = NULL;
    printf("  overlay: %" PRIu32 " layers\n", references_of(run, id, "dimg", &layers));
  }
  if (alpha)
    printf("  alpha: item %" PRIu32 "%s\n", alpha, premultiplied ? ", premultiplied" : "");
  else
    printf("  alpha: none\n");
  if (depth) {
    heic_item_info d;
    char dsize[64] = "";
    if (heic_context_item_info(run->ctx, depth, &d) == HEIC_OK) image_size(&d, dsize, sizeof dsize);
    printf("  depth: item %" PRIu32 "%s%s\n", depth, dsize[0] ? ", " : "", dsize);
  }
  print_transformations(run, id);
  print_thumbnails(run, id, nthumbs);
  print_metadata(run, id);
  print_colour(run, id);
  print_hdr(run, id);
  if (why_not[0]) printf("  cannot be decoded: %s\n", why_not);
}

/* The summary's exit status is the verbose form's: every item's data is
 * checked, and the first unreadable one named on stderr (the verbose form
 * names each). */
static void check_item_data(info_run *run) {
  uint32_t nitems = heic_context_item_count(run->ctx), bad = 0, first = 0;
  char why[512] = "";
  for (uint32_t i = 0; i < nitems; i++) {
    if (should_stop(run)) return;
    uint32_t id = heic_context_item_id(run->ctx, i);
    heic_item_info info;
    if (heic_context_item_info(run->ctx, id, &info) != HEIC_OK || !info.data_error[0]) continue;
    if (!bad++) {
      first = id;
      snprintf(why, sizeof why, "%s", info.data_error);
    }
  }
  if (!bad) return;
  fflush(stdout); /* after the description it concerns */
  fprintf(stderr, "heic-info: %s: item %" PRIu32 ": data cannot be read: %s\n", run->path, first, why);
  if (bad > 1)
    fprintf(stderr, "heic-info: %s: the data of %" PRIu32 " items cannot be read in all (--verbose names each)\n",
            run->path, bad);
  run->failed = 1;
}

static void print_summary(info_run *run) {
  char brand[5];
  heic_context_major_brand(run->ctx, brand);
  printf("file: %s\n", run->path);
  printf("brand: %s", brand);
  uint32_t nbrands = heic_context_brand_count(run->ctx);
  for (uint32_t i = 0; i < nbrands; i++) {
    heic_context_brand(run->ctx, i, brand);
    printf("%s%s", i ? ", " : " (compatible: ", brand);
  }
  printf("%s\n", nbrands ? ")" : "");
  uint32_t ntop = heic_context_top_level_count(run->ctx);
  if (!ntop) printf("images: none\n");
  for (uint32_t i = 0; i < ntop; i++) {
    if (should_stop(run)) return;
    printf("\n");
    summarize_image(run, heic_context_top_level_id(run->ctx, i));
  }
  check_item_data(run);
}

/* Mirrors heic-dec's choice: the primary item, nothing else. */
static void print_default_decode(info_run *run) {
  uint32_t primary = heic_context_primary_item(run->ctx);
  if (!primary) {
    printf("default decode: none, the file has no primary item (heic-dec needs --item)\n");
    return;
  }
  heic_item_info info;
  heic_status st = heic_context_item_info(run->ctx, primary, &info);
  if (st != HEIC_OK) {
    printf("default decode: item %" PRIu32 " (cannot be described)\n", primary);
    return;
  }
  if (info.decodable)
    printf("default decode: item %" PRIu32 "\n", primary);
  else
    printf("default decode: item %" PRIu32 " cannot be decoded: %s\n", primary,
           info.why_not[0] ? info.why_not : "(no reason given)");
}

static void print_file(info_run *run) {
  char brand[5];
  heic_context_major_brand(run->ctx, brand);
  printf("file: %s\n", run->path);
  printf("major brand: %s\n", brand);
  printf("minor version: %" PRIu32 "\n", heic_context_minor_version(run->ctx));
  uint32_t nbrands = heic_context_brand_count(run->ctx);
  printf("compatible brands:%s", nbrands ? "" : " none");
  for (uint32_t i = 0; i < nbrands; i++) {
    heic_context_brand(run->ctx, i, brand);
    printf("%s %s", i ? "," : "", brand);
  }
  printf("\n");
  uint32_t primary = heic_context_primary_item(run->ctx);
  if (primary)
    printf("primary item: %" PRIu32 "\n", primary);
  else
    printf("primary item: none\n");

  uint32_t nitems = heic_context_item_count(run->ctx);
  printf("items: %" PRIu32 "\n", nitems);
  for (uint32_t i = 0; i < nitems; i++) {
    if (should_stop(run)) return;
    print_item(run, heic_context_item_id(run->ctx, i));
  }

  uint32_t ntop = heic_context_top_level_count(run->ctx);
  printf("top-level images: %" PRIu32 "\n", ntop);
  for (uint32_t i = 0; i < ntop; i++) {
    if (should_stop(run)) return;
    print_top_level(run, heic_context_top_level_id(run->ctx, i));
  }
  if (should_stop(run)) return;

  print_default_decode(run);
}

/* Describes one file.  Returns the exit status it deserves; *stopped is set
 * to CLI_EXIT_* when a stop cut the description short. */
static int info_file(const char *path, int verbose, int first, int *stopped) {
  heic_allocator *alloc = NULL;
  info_run run = {.path = path};
  int rc = 0;

  heic_status st = heic_allocator_new(&alloc, NULL);
  if (st != HEIC_OK) {
    fprintf(stderr, "heic-info: %s: %s\n", path, heic_status_string(st));
    return EXIT_READ;
  }
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.log = on_log;
  cfg.log_opaque = (void *)(uintptr_t)path; /* only ever read back as const */
  st = heic_context_new(&run.ctx, &cfg);
  if (st != HEIC_OK) {
    fprintf(stderr, "heic-info: %s: %s\n", path, heic_status_string(st));
    rc = EXIT_READ;
    goto done;
  }
  st = heic_context_read_file(run.ctx, path);
  if (st != HEIC_OK) {
    const char *detail = heic_context_last_error(run.ctx);
    fprintf(stderr, "heic-info: %s: %s%s%s\n", path, heic_status_string(st), detail[0] ? ": " : "",
            detail);
    rc = EXIT_READ;
    goto done;
  }
  if (!first) printf("\n");
  if (verbose)
    print_file(&run);
  else
    print_summary(&run);
  if (run.failed) rc = EXIT_READ;
  if (run.stopped) {
    char why[96];
    fflush(stdout); /* so that the note follows what was printed */
    fprintf(stderr, "heic-info: %s: description cut short: %s\n", path,
            cli_stop_reason(run.stopped, why, sizeof why));
    *stopped = run.stopped;
  }

done:
  heic_context_free(&run.ctx);
  /* The leak canary: with the context gone, nothing of libheic's may remain
   * on our allocator (we still hold our reference, so it is still there to
   * be asked). */
  size_t leaked = heic_allocator_outstanding_bytes(alloc);
  if (leaked) {
    fprintf(stderr, "heic-info: %s: internal error: %zu bytes leaked\n", path, leaked);
    rc = EXIT_LEAK;
  }
  heic_allocator_free(&alloc);
  return rc;
}

/* The value of --timeout when argv[*i] is that option (advancing *i past
 * a separate value), NULL otherwise; *missing when the value is absent. */
static const char *timeout_value(int argc, char **argv, int *i, int *missing) {
  return cli_option_value(argc, argv, i, NULL, "--timeout", missing);
}

int main(int argc, char **argv) {
  int nfiles = 0, verbose = 0;
  int options_done = 0;
  double timeout = 0;
  /* First pass: options and argument errors, before any output, so that a
   * typo does not leave half a report behind. */
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!options_done && a[0] == '-' && a[1]) {
      int missing = 0;
      const char *v;
      if (strcmp(a, "--") == 0) {
        options_done = 1;
      } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
        fputs(usage_text, stdout);
        return fflush(stdout) == 0 ? 0 : EXIT_READ;
      } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
        printf("heic-info (libheic) %s\n", heic_version_string());
        return fflush(stdout) == 0 ? 0 : EXIT_READ;
      } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
        verbose = 1;
      } else if ((v = timeout_value(argc, argv, &i, &missing)) != NULL) {
        if (cli_parse_seconds(v, &timeout) != 0)
          return cli_usage_error("heic-info", "--timeout needs a number of seconds greater than 0, not '%s'", v);
      } else if (missing) {
        return cli_usage_error("heic-info", "%s needs a value", a);
      } else {
        return cli_usage_error("heic-info", "unknown option '%s'", a);
      }
    } else {
      nfiles++;
    }
  }
  if (!nfiles) return cli_usage_error("heic-info", "no input file");

  cli_stop_init("heic-info");
  if (timeout > 0 && cli_stop_set_deadline(timeout) != 0) {
    fprintf(stderr, "heic-info: cannot set the --timeout timer: %s\n", strerror(errno));
    return EXIT_READ;
  }

  int rc = 0, stopped = 0, first = 1;
  options_done = 0;
  for (int i = 1; i < argc && !stopped; i++) {
    const char *a = argv[i];
    if (!options_done && a[0] == '-' && a[1]) {
      int missing = 0;
      if (strcmp(a, "--") == 0) options_done = 1;
      (void)timeout_value(argc, argv, &i, &missing); /* skips a separate value */
      continue;
    }
    /* A stop after the last file was described changes nothing; one
     * before a file leaves it undescribed. */
    stopped = cli_stop_requested();
    if (stopped) {
      char why[96];
      fflush(stdout);
      fprintf(stderr, "heic-info: %s: not described: %s\n", a, cli_stop_reason(stopped, why, sizeof why));
      break;
    }
    int file_rc = info_file(a, verbose, first, &stopped);
    first = 0;
    if (file_rc > rc) rc = file_rc; /* the leak canary outranks a read failure */
  }
  /* A leak outranks a stop: it is a bug in libheic. */
  if (stopped && rc != EXIT_LEAK) rc = stopped;
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "heic-info: error writing the output\n");
    if (rc < EXIT_READ) rc = EXIT_READ;
  }
  return rc;
}
