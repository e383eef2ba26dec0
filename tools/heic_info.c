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

enum {
  EXIT_READ = 1,
  EXIT_USAGE = 2,
  EXIT_LEAK = 4
};

static const char *const usage_text =
    "Usage: heic-info [options] FILE...\n"
    "\n"
    "Describes the structure of each HEIF/HEIC file:\n"
    "  - the major brand, minor version and compatible brands;\n"
    "  - the primary item;\n"
    "  - every item: id, type, name, content type, hidden flag, size of its\n"
    "    data (or why it cannot be read), and for images width x height, bit\n"
    "    depth and chroma format, with its properties (essential ones marked)\n"
    "    and references;\n"
    "  - every top-level image with its thumbnails, alpha and depth images,\n"
    "    metadata (Exif, XMP, others) and colour (nclx and/or ICC profile);\n"
    "  - which item heic-dec decodes by default, or why it cannot.\n"
    "\n"
    "Options:\n"
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
  printf("  image %" PRIu32 "%s: %" PRIu32 "x%" PRIu32 "\n", id, info.is_primary ? " (primary)" : "",
         info.width, info.height);

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
static int info_file(const char *path, int first, int *stopped) {
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
  print_file(&run);
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
  int nfiles = 0;
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
    int file_rc = info_file(a, first, &stopped);
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
