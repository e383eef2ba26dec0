/*
 * heic-dec: decode HEIF/HEIC images to PNG or Y4M.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Uses only the public API.  Exit status: 0 ok, 1 input could not be read or
 * decoded, 2 usage error, 3 output could not be written, 4 libheic leaked
 * memory (the leak canary every test relies on), 124 --timeout passed,
 * 130 interrupted (see cli.h for when a stop changes the status).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <heic/heic.h>

#include "cli.h"

#include "png_write.h"
#include "y4m_write.h"

enum {
  EXIT_INPUT = 1,
  EXIT_USAGE = 2,
  EXIT_OUTPUT = 3,
  EXIT_LEAK = 4 /* 124 and 130 (a stop): CLI_EXIT_* in cli.h */
};

static const char *const usage_text =
    "Usage: heic-dec [options] FILE OUT.png|OUT.y4m\n"
    "\n"
    "Decodes an image of the HEIF/HEIC file FILE into OUT.  The output format\n"
    "follows OUT's extension:\n"
    "  .png  RGB(A) PNG, 8-bit for 8-bit images, else 16-bit (samples scaled\n"
    "        up by bit replication); the image's ICC profile goes into iCCP\n"
    "  .y4m  one-frame YUV4MPEG2 with the coded YCbCr samples (4:2:0, 4:2:2,\n"
    "        4:4:4 or mono; 16-bit little-endian above 8 bits); alpha is not\n"
    "        written, Y4M has no place for it\n"
    "By default the primary image is decoded, with its alpha channel and its\n"
    "transformations (clean aperture, rotation, mirroring) applied.\n"
    "OUT is never seen partial: it appears (or replaces the old OUT) only when\n"
    "complete and on disk, even if heic-dec is killed.  OUT may not be FILE\n"
    "itself under another name (a link, './FILE'): that is a usage error.\n"
    "\n"
    "Options:\n"
    "  --item ID      decode item ID instead of the primary image\n"
    "  --thumb        decode the first thumbnail of the primary image (or of\n"
    "                 the --item image)\n"
    "  --all          decode every top-level image; OUT gets a -1, -2, ...\n"
    "                 suffix before its extension, -1 being the primary image\n"
    "  --no-transform ignore clean aperture, rotation and mirroring\n"
    "  --no-alpha     leave out the alpha channel\n"
    "  --upsampling nearest|bilinear\n"
    "                 how 4:2:0/4:2:2 chroma is brought to full size for PNG\n"
    "                 output (default nearest, as libheif does)\n"
    "  --threads N    worker threads for grid images (0 = one per CPU, the\n"
    "                 default; 1 = decode on the calling thread only)\n"
    "  --timeout S    stop after S seconds (decimals allowed) with status 124\n"
    "  -q, --quiet    print nothing on success, and no notes or warnings\n"
    "  -h, --help     show this help and exit\n"
    "  -V, --version  show the libheic version and exit\n"
    "  --             end of options (for file names starting with '-')\n"
    "Options taking a value also accept --item=ID, --threads=N,\n"
    "--upsampling=M and --timeout=S.\n"
    "\n"
    "Use heic-info FILE to list the items of a file.\n"
    "\n"
    "Exit status: 0 success, 1 the input could not be read or decoded,\n"
    "2 usage error, 3 the output could not be written, 4 internal error\n"
    "(libheic leaked memory), 124 the --timeout passed, 130 interrupted\n"
    "(SIGINT, SIGTERM).  A stop keeps the outputs already complete, never\n"
    "leaves one in progress, and gives 124/130 when some output was left\n"
    "unwritten (0 when it came after the last one was complete).  A second\n"
    "Ctrl-C kills at once.\n";

typedef enum out_format { FORMAT_PNG, FORMAT_Y4M } out_format;

typedef struct dec_args {
  const char *input;
  const char *output;
  out_format format;
  uint32_t item; /* 0: not given */
  int thumb, all, no_transform, no_alpha, quiet;
  int threads;
  double timeout; /* seconds, 0: none */
  heic_upsampling upsampling;
} dec_args;

/* The state of one run, shared with the library's callbacks. */
typedef struct dec_run {
  const dec_args *args;
  heic_context *ctx;
  /* The stop status a callback answered with (CLI_EXIT_*), 0 while none
   * has: it tells a failure the stop caused from any other.  The progress
   * callback runs on worker threads, but never two at once and always
   * before the decode call returns. */
  int stopped;
} dec_run;

/* The extension of path's last component ("" when none), without its dot. */
static const char *file_extension(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  const char *dot = strrchr(base, '.');
  /* ".png" alone is a hidden file named png, not an extension. */
  return dot && dot != base ? dot + 1 : "";
}

static int ascii_equal_nocase(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}

/* Returns 0 to go on, or an exit status (-1 meaning "exit 0 now"). */
static int parse_args(int argc, char **argv, dec_args *args) {
  const char *positional[2];
  int npos = 0, options_done = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (options_done || a[0] != '-' || !a[1]) {
      if (npos == 2) return cli_usage_error("heic-dec", "unexpected argument '%s'", a);
      positional[npos++] = a;
      continue;
    }
    int missing = 0;
    const char *v;
    unsigned long n;
    if (strcmp(a, "--") == 0) {
      options_done = 1;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage_text, stdout);
      return -1;
    } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
      printf("heic-dec (libheic) %s\n", heic_version_string());
      return -1;
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--item", &missing)) != NULL) {
      if (cli_parse_uint(v, UINT32_MAX, &n) != 0 || n == 0)
        return cli_usage_error("heic-dec", "--item needs an item id (1 .. 4294967295), not '%s'", v);
      args->item = (uint32_t)n;
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--threads", &missing)) != NULL) {
      if (cli_parse_uint(v, 1024, &n) != 0)
        return cli_usage_error("heic-dec", "--threads needs a number from 0 to 1024, not '%s'", v);
      args->threads = (int)n;
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--timeout", &missing)) != NULL) {
      if (cli_parse_seconds(v, &args->timeout) != 0)
        return cli_usage_error("heic-dec", "--timeout needs a number of seconds greater than 0, not '%s'", v);
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--upsampling", &missing)) != NULL) {
      if (strcmp(v, "nearest") == 0)
        args->upsampling = HEIC_UPSAMPLING_NEAREST;
      else if (strcmp(v, "bilinear") == 0)
        args->upsampling = HEIC_UPSAMPLING_BILINEAR;
      else
        return cli_usage_error("heic-dec", "--upsampling takes 'nearest' or 'bilinear', not '%s'", v);
    } else if (missing) {
      return cli_usage_error("heic-dec", "%s needs a value", a);
    } else if (strcmp(a, "--thumb") == 0) {
      args->thumb = 1;
    } else if (strcmp(a, "--all") == 0) {
      args->all = 1;
    } else if (strcmp(a, "--no-transform") == 0) {
      args->no_transform = 1;
    } else if (strcmp(a, "--no-alpha") == 0) {
      args->no_alpha = 1;
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      args->quiet = 1;
    } else {
      return cli_usage_error("heic-dec", "unknown option '%s'", a);
    }
  }
  if (npos < 2) return cli_usage_error("heic-dec", npos ? "no output file" : "no input file");
  args->input = positional[0];
  args->output = positional[1];
  if (args->all && args->item) return cli_usage_error("heic-dec", "--all and --item exclude each other");
  if (args->all && args->thumb) return cli_usage_error("heic-dec", "--all and --thumb exclude each other");

  const char *ext = file_extension(args->output);
  if (ascii_equal_nocase(ext, "png")) {
    args->format = FORMAT_PNG;
  } else if (ascii_equal_nocase(ext, "y4m")) {
    args->format = FORMAT_Y4M;
  } else {
    fprintf(stderr, "heic-dec: %s: ", args->output);
    if (ext[0])
      fprintf(stderr, "unknown output format '.%s' (use .png or .y4m)\n", ext);
    else
      fprintf(stderr, "no file extension to choose the output format (use .png or .y4m)\n");
    fputs("Try 'heic-dec --help'.\n", stderr);
    return EXIT_USAGE;
  }
  return 0;
}

/* Library warnings are shown unless --quiet; errors are not printed here
 * because they come back through the status and last_error, and printing
 * both would repeat every failure. */
static void on_log(void *opaque, heic_log_level level, const char *message) {
  const dec_run *run = opaque;
  if (level == HEIC_LOG_WARNING && !run->args->quiet)
    fprintf(stderr, "heic-dec: %s: warning: %s\n", run->args->input, message);
}

/* "heic-dec: FILE: status[: detail][ (context)]" for a failed call on ctx.
 * The status comes right after the file name whatever failed, so that
 * scripts can match on it; the item, when there is one, goes last. */
static void report(const dec_run *run, const char *context, heic_status st) {
  const char *detail = heic_context_last_error(run->ctx);
  fprintf(stderr, "heic-dec: %s: %s%s%s%s%s%s\n", run->args->input, heic_status_string(st),
          detail[0] ? ": " : "", detail, context ? " (" : "", context ? context : "",
          context ? ")" : "");
}

/* Asked by the library once per coded picture and by the writers once per
 * row: whether a signal or the deadline says to stop, remembered in the run
 * so that the failure it causes is told apart from any other. */
static int should_stop(dec_run *run) {
  int st = cli_stop_requested();
  if (st && !run->stopped) run->stopped = st;
  return st != 0;
}

static int on_progress(void *opaque, uint32_t done, uint32_t total) {
  (void)done;
  (void)total;
  return should_stop(opaque);
}

static int on_write_row(void *opaque) { return should_stop(opaque); }

/* OUT with "-<n>" inserted before the extension (malloc'd, NULL on OOM). */
static char *numbered_path(const char *out, uint32_t n) {
  const char *ext = file_extension(out); /* never "" here: the format needs one */
  size_t stem = (size_t)(ext - out) - 1;  /* up to the dot */
  size_t cap = strlen(out) + 16;
  char *p = malloc(cap);
  if (p) snprintf(p, cap, "%.*s-%" PRIu32 ".%s", (int)stem, out, n, ext);
  return p;
}

/* Decodes item id and writes it to out_path.  Returns an exit status. */
static int decode_one(dec_run *run, uint32_t id, const char *out_path) {
  const dec_args *args = run->args;
  char what[48];
  snprintf(what, sizeof what, "item %" PRIu32, id);

  heic_item_info info;
  heic_status st = heic_context_item_info(run->ctx, id, &info);
  if (st != HEIC_OK) {
    report(run, what, st);
    return EXIT_INPUT;
  }
  if (!info.is_image) {
    fprintf(stderr, "heic-dec: %s: item %" PRIu32 " is not an image (type %s)\n", args->input, id,
            info.type);
    return EXIT_INPUT;
  }
  /* The library knows from the structure alone that this would fail, and
   * why_not says why better than the decoder's error would. */
  if (!info.decodable) {
    fprintf(stderr, "heic-dec: %s: item %" PRIu32 " cannot be decoded: %s\n", args->input, id,
            info.why_not[0] ? info.why_not : "unknown reason");
    return EXIT_INPUT;
  }

  heic_decode_options opts;
  heic_decode_options_init(&opts);
  opts.layout = args->format == FORMAT_PNG ? HEIC_LAYOUT_RGB : HEIC_LAYOUT_YCBCR;
  opts.no_transform = args->no_transform;
  opts.no_alpha = args->no_alpha;
  opts.upsampling = args->upsampling;
  opts.progress = on_progress;
  opts.progress_opaque = run;

  heic_image *img = NULL;
  heic_buffer *icc = NULL;
  int rc = EXIT_INPUT;
  double t0 = 1e3 * cli_now_seconds();
  st = heic_context_decode_item(run->ctx, id, &opts, &img);
  double elapsed = 1e3 * cli_now_seconds() - t0;
  if (st != HEIC_OK && run->stopped) {
    rc = run->stopped; /* main says why, once for every output */
    goto done;
  }
  if (st != HEIC_OK) {
    report(run, what, st);
    goto done;
  }

  char msg[512] = "";
  int write_failed;
  if (args->format == FORMAT_PNG) {
    imageio_png_options png = {.stop = on_write_row, .stop_opaque = run};
    st = heic_context_item_icc(run->ctx, id, &icc);
    if (st == HEIC_OK) {
      png.icc = heic_buffer_data(icc);
      png.icc_size = heic_buffer_size(icc);
    } else if (st == HEIC_ERR_OUT_OF_MEMORY || st == HEIC_ERR_LIMIT_EXCEEDED ||
               st == HEIC_ERR_INTERNAL) {
      snprintf(what, sizeof what, "ICC profile of item %" PRIu32, id);
      report(run, what, st);
      goto done;
    } else if (st != HEIC_ERR_NOT_FOUND && !args->quiet) {
      /* A damaged profile should not cost the user the picture. */
      const char *detail = heic_context_last_error(run->ctx);
      fprintf(stderr, "heic-dec: %s: note: ICC profile of item %" PRIu32 " not copied: %s%s%s\n",
              args->input, id, heic_status_string(st), detail[0] ? ": " : "", detail);
    }
    write_failed = imageio_png_write(out_path, img, &png, msg, sizeof msg) != 0;
  } else {
    if (heic_image_has_alpha(img) && !args->quiet)
      fprintf(stderr, "heic-dec: %s: note: alpha of item %" PRIu32 " not written (Y4M has no alpha)\n",
              args->input, id);
    write_failed = imageio_y4m_write(out_path, img, on_write_row, run, msg, sizeof msg) != 0;
  }
  if (write_failed && run->stopped) {
    rc = run->stopped;
    goto done;
  }
  if (write_failed) {
    fprintf(stderr, "heic-dec: %s: %s\n", out_path, msg);
    rc = EXIT_OUTPUT;
    goto done;
  }
  if (msg[0] && !args->quiet) fprintf(stderr, "heic-dec: %s: note: %s\n", out_path, msg);
  if (!args->quiet)
    printf("%s: item %" PRIu32 ", %" PRIu32 "x%" PRIu32 ", %d-bit, alpha: %s -> %s (%.1f ms decode)\n",
           args->input, id, heic_image_width(img), heic_image_height(img), heic_image_bit_depth(img),
           heic_image_has_alpha(img) ? "yes" : "no", out_path, elapsed);
  rc = 0;

done:
  heic_buffer_unref(&icc);
  heic_image_free(&img);
  return rc;
}

/* The items to decode, in output order.  Returns an exit status; on
 * success *ids is malloc'd and holds *count ids. */
static int choose_items(dec_run *run, uint32_t **ids, uint32_t *count) {
  const dec_args *args = run->args;
  *ids = NULL;
  *count = 0;
  if (args->all) {
    uint32_t n = heic_context_top_level_count(run->ctx);
    if (!n) {
      fprintf(stderr, "heic-dec: %s: the file has no top-level images\n", args->input);
      return EXIT_INPUT;
    }
    *ids = malloc(sizeof **ids * n);
    if (!*ids) {
      fprintf(stderr, "heic-dec: out of memory\n");
      return EXIT_INPUT;
    }
    /* The library lists the primary first; we promise "-1 is the primary",
     * so make sure of it rather than depend on that ordering. */
    uint32_t primary = heic_context_primary_item(run->ctx), k = 0;
    for (uint32_t i = 0; i < n; i++)
      if (heic_context_top_level_id(run->ctx, i) == primary) (*ids)[k++] = primary;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t id = heic_context_top_level_id(run->ctx, i);
      if (id != primary) (*ids)[k++] = id;
    }
    *count = k;
    return 0;
  }

  uint32_t id = args->item;
  if (!id) {
    id = heic_context_primary_item(run->ctx);
    if (!id) {
      fprintf(stderr, "heic-dec: %s: the file has no primary image (choose one with --item)\n",
              args->input);
      return EXIT_INPUT;
    }
  }
  if (args->thumb) {
    heic_item_info info;
    heic_status st = heic_context_item_info(run->ctx, id, &info);
    if (st != HEIC_OK) {
      char what[48];
      snprintf(what, sizeof what, "item %" PRIu32, id);
      report(run, what, st);
      return EXIT_INPUT;
    }
    if (!info.thumbnail_count) {
      fprintf(stderr, "heic-dec: %s: item %" PRIu32 " has no thumbnail\n", args->input, id);
      return EXIT_INPUT;
    }
    id = heic_context_thumbnail_id(run->ctx, id, 0);
  }
  *ids = malloc(sizeof **ids);
  if (!*ids) {
    fprintf(stderr, "heic-dec: out of memory\n");
    return EXIT_INPUT;
  }
  (*ids)[0] = id;
  *count = 1;
  return 0;
}

/* Refuses (usage error) outputs that are the input under another name or
 * that are one another: writing them would replace the input, or one
 * image with the next.  Returns 0 or an exit status. */
static int refuse_same_files(const char *input, char *const *outs, uint32_t n) {
  cli_path_id in;
  cli_path_id *ids = calloc(n, sizeof *ids);
  int rc = 0;
  if (!ids || cli_path_id_get(input, &in) != 0) {
    free(ids);
    fprintf(stderr, "heic-dec: out of memory\n");
    return EXIT_INPUT;
  }
  for (uint32_t i = 0; i < n && !rc; i++) {
    if (cli_path_id_get(outs[i], &ids[i]) != 0) {
      fprintf(stderr, "heic-dec: out of memory\n");
      rc = EXIT_INPUT;
    } else if (cli_path_id_same(&ids[i], &in)) {
      rc = cli_usage_error("heic-dec", "the output %s is the input %s (the same file): it would be lost",
                           outs[i], input);
    }
    for (uint32_t j = 0; j < i && !rc; j++)
      if (cli_path_id_same(&ids[i], &ids[j]))
        rc = cli_usage_error("heic-dec", "the outputs %s and %s are the same file", outs[j], outs[i]);
  }
  for (uint32_t i = 0; i < n; i++) cli_path_id_clear(&ids[i]);
  free(ids);
  cli_path_id_clear(&in);
  return rc;
}

/* The output paths for the chosen items (malloc'd array of malloc'd
 * strings, NULL on OOM). */
static char **output_paths(const dec_args *args, uint32_t count) {
  char **outs = calloc(count, sizeof *outs);
  for (uint32_t i = 0; outs && i < count; i++) {
    outs[i] = args->all ? numbered_path(args->output, i + 1) : strdup(args->output);
    if (!outs[i]) {
      for (uint32_t j = 0; j < i; j++) free(outs[j]);
      free(outs);
      return NULL;
    }
  }
  return outs;
}

int main(int argc, char **argv) {
  /* Past a file size limit (ulimit -f) the default action kills us in the
   * middle of a write; ignored, the write fails with EFBIG and the output
   * error path reports it. */
  signal(SIGXFSZ, SIG_IGN);
  cli_stop_init("heic-dec");

  dec_args args = {0};
  int rc = parse_args(argc, argv, &args);
  if (rc < 0) return fflush(stdout) == 0 ? 0 : EXIT_OUTPUT; /* --help, --version */
  if (rc) return rc;
  if (args.timeout > 0 && cli_stop_set_deadline(args.timeout) != 0) {
    fprintf(stderr, "heic-dec: cannot set the --timeout timer: %s\n", strerror(errno));
    return EXIT_INPUT;
  }

  dec_run run = {.args = &args};
  heic_allocator *alloc = NULL;
  uint32_t *ids = NULL, count = 0, written = 0, nouts = 0;
  char **outs = NULL;

  /* Before any work; the numbered outputs of --all are checked as soon as
   * the file says how many there are. */
  if (!args.all) {
    outs = output_paths(&args, 1);
    if (!outs) {
      fprintf(stderr, "heic-dec: out of memory\n");
      return EXIT_INPUT;
    }
    nouts = 1;
    rc = refuse_same_files(args.input, outs, 1);
    if (rc) goto done;
  }

  heic_status st = heic_allocator_new(&alloc, NULL);
  if (st != HEIC_OK) {
    fprintf(stderr, "heic-dec: %s\n", heic_status_string(st));
    rc = EXIT_INPUT;
    goto done;
  }
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.log = on_log;
  cfg.log_opaque = &run;
  cfg.threads = args.threads;
  st = heic_context_new(&run.ctx, &cfg);
  if (st != HEIC_OK) {
    fprintf(stderr, "heic-dec: %s: %s\n", args.input, heic_status_string(st));
    rc = EXIT_INPUT;
    goto done;
  }
  st = heic_context_read_file(run.ctx, args.input);
  if (st != HEIC_OK) {
    report(&run, NULL, st);
    rc = EXIT_INPUT;
    goto done;
  }
  rc = choose_items(&run, &ids, &count);
  if (rc) goto done;
  if (args.all) {
    outs = output_paths(&args, count);
    if (!outs) {
      fprintf(stderr, "heic-dec: out of memory\n");
      rc = EXIT_INPUT;
      goto done;
    }
    nouts = count;
    rc = refuse_same_files(args.input, outs, count);
    if (rc) goto done;
  }

  for (; written < count; written++) {
    if (should_stop(&run)) break;
    /* With --all a failure of one image does not stop the others; the
     * exit status is the worst one seen (output errors outrank input). */
    int one = decode_one(&run, ids[written], outs[written]);
    if (run.stopped) break;
    if (one > rc) rc = one;
  }
  /* A stop that came after the last output was complete changes nothing;
   * one that left an output unwritten says so, in the status too. */
  if (run.stopped && written < count) {
    char why[96];
    fprintf(stderr, "heic-dec: %s: not written: %s\n", outs[written],
            cli_stop_reason(run.stopped, why, sizeof why));
    if (count - written > 1)
      fprintf(stderr, "heic-dec: nor the %" PRIu32 " output(s) after it\n", count - written - 1);
    rc = run.stopped;
  }

done:
  if (outs)
    for (uint32_t i = 0; i < nouts; i++) free(outs[i]);
  free(outs);
  free(ids);
  heic_context_free(&run.ctx);
  /* The leak canary: every context and image is gone, so nothing may be
   * left on our allocator (our own reference keeps it there to ask). */
  size_t leaked = heic_allocator_outstanding_bytes(alloc);
  if (leaked) {
    fprintf(stderr, "heic-dec: %s: internal error: %zu bytes leaked\n", args.input, leaked);
    rc = EXIT_LEAK;
  }
  heic_allocator_free(&alloc);
  if (fflush(stdout) != 0 && rc == 0) rc = EXIT_OUTPUT;
  return rc;
}
