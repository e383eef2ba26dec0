/*
 * heic-dec: decode HEIF/HEIC images to PNG, JPEG or Y4M.
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
#include <sys/stat.h>
#include <unistd.h>

#include <heic/heic.h>

#include "batch.h"
#include "batch_pool.h"
#include "cli.h"

#include "exif.h"
#include "jpeg_write.h"
#include "png_write.h"
#include "y4m_write.h"

enum {
  EXIT_INPUT = 1,
  EXIT_USAGE = 2,
  EXIT_OUTPUT = 3,
  EXIT_LEAK = 4 /* 124 and 130 (a stop): CLI_EXIT_* in cli.h */
};

static const char *const usage_text =
    "Usage: heic-dec [options] FILE OUT.png|OUT.jpg|OUT.y4m|-\n"
    "       heic-dec [options] FILE -o OUT.png|OUT.jpg|OUT.y4m|-\n"
    "       heic-dec [options] [-r] FILE|DIR... [--files-from LIST] -o DIR\n"
    "\n"
    "Decodes an image of the HEIF/HEIC file FILE into OUT.  The output format\n"
    "follows OUT's extension (or -f):\n"
    "  .png  RGB(A) PNG, 8-bit for 8-bit images, else 16-bit (samples scaled\n"
    "        up by bit replication); the image's ICC profile goes into iCCP\n"
    "  .jpg, .jpeg  baseline JPEG (libjpeg-turbo), 8-bit 4:2:0 at -q quality\n"
    "        (default 90), the ICC profile in APP2; alpha is not written\n"
    "  .y4m  one-frame YUV4MPEG2 with the coded YCbCr samples (4:2:0, 4:2:2,\n"
    "        4:4:4 or mono; 16-bit little-endian above 8 bits); alpha is not\n"
    "        written, Y4M has no place for it\n"
    "By default the primary image is decoded, with its alpha channel and its\n"
    "transformations (clean aperture, rotation, mirroring) applied.\n"
    "OUT is never seen partial: it appears (or replaces the old OUT) only when\n"
    "complete and on disk, even if heic-dec is killed.  OUT may not be FILE\n"
    "itself under another name (a link, './FILE'): that is a usage error.\n"
    "\n"
    "-o OUT is the same as OUT when there is one input FILE (not a directory,\n"
    "no -r or --files-from) and OUT names a file: it ends in .png, .jpg,\n"
    ".jpeg or .y4m (any case), is '-', or exists and is not a directory.\n"
    "Otherwise -o names the output directory of a batch (below); a trailing\n"
    "'/' or an existing directory always does.\n"
    "OUT '-' is standard output: the format is -f's (default png), one image\n"
    "(not --all), refused when standard output is a terminal.  The output is\n"
    "held until complete (past 4 MiB in a nameless temporary file in TMPDIR),\n"
    "so a failure writes nothing.\n"
    "OUT is written while FILE is decoded, a band of rows at a time: memory\n"
    "follows the image's width, not its area (JPEG excepted: libjpeg keeps\n"
    "every DCT coefficient for its optimised Huffman tables).  Y4M chroma\n"
    "rows wait in a nameless temporary file in TMPDIR (else /tmp).\n"
    "\n"
    "Options:\n"
    "  -f, --format png|jpg|y4m\n"
    "                 the output format (jpeg is jpg); with OUT, needed only\n"
    "                 when OUT's extension does not say it.  Default png\n"
    "  -q, --quality N  JPEG quality 1..100 (default 90); JPEG output only\n"
    "  --item ID      decode item ID instead of the primary image\n"
    "  --thumb        decode the first thumbnail of the primary image (or of\n"
    "                 the --item image)\n"
    "  --all          decode every top-level image; OUT gets a -1, -2, ...\n"
    "                 suffix before its extension, -1 being the primary image\n"
    "  --no-transform ignore clean aperture, rotation and mirroring\n"
    "  --no-alpha     leave out the alpha channel\n"
    "  --no-metadata  do not copy the image's Exif, XMP and ICC profile into\n"
    "                 the PNG or JPEG (copied by default; their orientation\n"
    "                 is set to 1 when rotation is applied)\n"
    "  --upsampling nearest|bilinear\n"
    "                 how 4:2:0/4:2:2 chroma is brought to full size for PNG\n"
    "                 and JPEG output (default nearest, as libheif does)\n"
    "  --threads N    worker threads for grid images (0 = one per CPU, the\n"
    "                 default; 1 = decode on the calling thread only).  In a\n"
    "                 batch: at most N of the -j budget on one picture\n"
    "  --timeout S    stop after S seconds (decimals allowed) with status 124\n"
    "  --quiet        print nothing on success, and no notes or warnings.\n"
    "                 -q not followed by a number still means --quiet, as it\n"
    "                 did before -q N (so -q 90 is a quality, never --quiet\n"
    "                 and a file called 90)\n"
    "  -h, --help     show this help and exit\n"
    "  -V, --version  show the libheic version and exit\n"
    "  --             end of options (for file names starting with '-')\n"
    "Options taking a value also accept --item=ID, --threads=N,\n"
    "--upsampling=M, --timeout=S, --format=F, --quality=N and -qN.\n"
    "\n"
    "Batch conversion (-o DIR, --files-from, or any of the options below):\n"
    "the primary image (or its --thumb) of each file is written to\n"
    "DIR/<path below the directory given>.<format>, or DIR/<name>.<format>\n"
    "for a file named on the command line, or DIR/<path as listed> for a\n"
    "relative --files-from entry without '..' (DIR is created if missing).\n"
    "A directory gives its .heic, .heif and .hif files (any case), names\n"
    "starting with '.' left out.  Files are decoded in parallel, a progress\n"
    "line is shown on a terminal, a bad file does not stop the others, and\n"
    "every failure is listed at the end with a summary (converted, failed,\n"
    "skipped, bytes in -> out).  Two inputs with one output name are a usage\n"
    "error, found before any work.  --item and --all are single-file only.\n"
    "  -o, --output OUT|DIR  the output file of one input (see above), or\n"
    "                 the output directory\n"
    "  -r, --recursive  read directories' subdirectories too (symbolic links\n"
    "                 to directories are not followed)\n"
    "  --files-from LIST  also convert the files (or directories) listed in\n"
    "                 LIST, one a line ('-': standard input)\n"
    "  -0, --null     LIST entries end with a NUL, not a newline (find -print0)\n"
    "  -j, --jobs N   threads in all (default 0: one per CPU the process may\n"
    "                 use): up to N files decoded at once, the biggest first,\n"
    "                 and threads with no file left helping the files in\n"
    "                 progress; one picture uses at most N threads (or\n"
    "                 --threads)\n"
    "  --skip-existing  leave an output that already exists (outputs only\n"
    "                 appear complete, so an interrupted run resumes)\n"
    "  --keep-mtime   give each output its input's access and modification\n"
    "                 times\n"
    "  --shard K/N    convert only part K of N (0 <= K < N) of the files:\n"
    "                 those whose path below their input root hashes (FNV-1a\n"
    "                 64) to K modulo N, so that N runs (GNU parallel, a\n"
    "                 Kubernetes Indexed Job) share the work, each writing\n"
    "                 only its own outputs\n"
    "  -v, --verbose  in a batch, a line per file\n"
    "\n"
    "heic-info FILE shows the images of a file; heic-info -v FILE its items\n"
    "(the ids --item takes).\n"
    "\n"
    "Exit status: 0 success (in a batch: every file converted, or skipped by\n"
    "--skip-existing), 1 an input could not be read or decoded (in a batch:\n"
    "missing, not a regular file, not HEIF), 2 usage error (nothing\n"
    "converted), 3 an output could not be written, 4 internal error (libheic\n"
    "leaked memory), 124 the --timeout passed, 130 interrupted (SIGINT,\n"
    "SIGTERM).  A stop keeps the outputs already complete, never leaves one\n"
    "in progress, and gives 124/130 when some output was left unwritten (0\n"
    "when it came after the last one was complete).  A second Ctrl-C kills\n"
    "at once.  In a batch the status is the most serious one seen.\n";

typedef enum out_format { FORMAT_NONE, FORMAT_PNG, FORMAT_JPEG, FORMAT_Y4M } out_format;

enum { DEFAULT_JPEG_QUALITY = 90 };

typedef struct dec_args {
  const char *input;
  const char *output;
  out_format format;
  int quality; /* JPEG, 0: not given */
  uint32_t item; /* 0: not given */
  int thumb, all, no_transform, no_alpha, no_metadata, quiet, verbose;
  int threads;
  double timeout; /* seconds, 0: none */
  heic_upsampling upsampling;
  /* Batches (tools/batch.c): */
  const char **inputs; /* every positional argument; malloc'd array */
  size_t ninputs;
  const char *out_dir; /* -o DIR */
  const char *out_file; /* -o OUT.png with one input and batch options */
  int to_stdout;        /* OUT is '-' */
  int batch_mode;
  batch_config batch;
} dec_args;

/* The state of one run, shared with the library's callbacks. */
typedef struct dec_run {
  const dec_args *args;
  const char *input;  /* the file being decoded, for messages */
  batch_voice say;    /* where its messages go (in a batch: through it) */
  double pixels;      /* of the last image decoded */
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

/* The format an extension names, FORMAT_NONE when it names none. */
static out_format format_of_extension(const char *ext) {
  if (ascii_equal_nocase(ext, "png")) return FORMAT_PNG;
  if (ascii_equal_nocase(ext, "jpg") || ascii_equal_nocase(ext, "jpeg")) return FORMAT_JPEG;
  if (ascii_equal_nocase(ext, "y4m")) return FORMAT_Y4M;
  return FORMAT_NONE;
}

/* Whether -o's value names a file rather than a directory: '-', an
 * existing non-directory, or a new name with an image extension and no
 * trailing '/'. */
static int names_a_file(const char *o) {
  if (strcmp(o, "-") == 0) return 1;
  if (o[strlen(o) - 1] == '/') return 0;
  struct stat st;
  if (stat(o, &st) == 0) return !S_ISDIR(st.st_mode);
  return format_of_extension(file_extension(o)) != FORMAT_NONE;
}

/* Whether -o OUT is the output file of one input (heic-dec FILE -o
 * OUT.png, as heic-enc and most converters read -o) rather than a batch's
 * directory: one input that is not a directory, nothing listed, and OUT
 * naming a file. */
static int output_is_one_file(const dec_args *args) {
  if (args->ninputs != 1 || args->batch.files_from || args->batch.recursive) return 0;
  struct stat st;
  if (stat(args->inputs[0], &st) == 0 && S_ISDIR(st.st_mode)) return 0;
  return names_a_file(args->out_dir);
}

/* The format of the output file out: -f, else its extension; both given
 * must agree.  Returns 0 or the usage error's status, after saying why. */
static int choose_file_format(dec_args *args, const char *out) {
  const char *ext = file_extension(out);
  out_format by_ext = format_of_extension(ext);
  if (args->format != FORMAT_NONE && by_ext != FORMAT_NONE && by_ext != args->format)
    return cli_usage_error("heic-dec", "%s: the extension says another format than --format", out);
  if (args->format == FORMAT_NONE) args->format = by_ext;
  if (args->format == FORMAT_NONE) {
    fprintf(stderr, "heic-dec: %s: ", out);
    if (ext[0])
      fprintf(stderr, "unknown output format '.%s' (use .png, .jpg or .y4m, or -f)\n", ext);
    else
      fprintf(stderr, "no file extension to choose the output format (use .png, .jpg or .y4m, or -f)\n");
    fputs("Try 'heic-dec --help'.\n", stderr);
    return EXIT_USAGE;
  }
  return 0;
}

static int all_digits(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s)) return 0;
  return 1;
}

/* Returns 0 to go on, or an exit status (-1 meaning "exit 0 now"). */
static int parse_args(int argc, char **argv, dec_args *args) {
  int options_done = 0, quality_given = 0;
  batch_config_init(&args->batch, "heic-dec");
  /* Every argument is at most one input. */
  args->inputs = calloc((size_t)argc, sizeof *args->inputs);
  if (!args->inputs) {
    fputs("heic-dec: out of memory\n", stderr);
    return EXIT_INPUT;
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (options_done || a[0] != '-' || !a[1]) {
      args->inputs[args->ninputs++] = a;
      continue;
    }
    int missing = 0, rc = 0;
    const char *v;
    unsigned long n;
    if (batch_option(&args->batch, argc, argv, &i, &rc)) {
      if (rc) return rc;
    } else if (strcmp(a, "--") == 0) {
      options_done = 1;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage_text, stdout);
      return -1;
    } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
      printf("heic-dec (libheic) %s\n", heic_version_string());
      return -1;
    } else if (strcmp(a, "-q") == 0 && !(i + 1 < argc && all_digits(argv[i + 1]))) {
      /* Before JPEG output, -q was --quiet; not followed by a number it
       * still is, so existing scripts keep working. */
      args->quiet = 1;
    } else if ((v = cli_option_value(argc, argv, &i, "-q", "--quality", &missing)) != NULL) {
      if (cli_parse_uint(v, 100, &n) != 0 || n < 1)
        return cli_usage_error("heic-dec", "--quality needs a JPEG quality from 1 to 100, not '%s'", v);
      args->quality = (int)n;
      quality_given = 1;
    } else if ((v = cli_option_value(argc, argv, &i, "-f", "--format", &missing)) != NULL) {
      args->format = format_of_extension(v);
      if (args->format == FORMAT_NONE)
        return cli_usage_error("heic-dec", "--format takes png, jpg or y4m, not '%s'", v);
    } else if ((v = cli_option_value(argc, argv, &i, "-o", "--output", &missing)) != NULL) {
      if (!v[0]) return cli_usage_error("heic-dec", "-o needs an output file or directory name");
      args->out_dir = v;
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--item", &missing)) != NULL) {
      if (cli_parse_uint(v, UINT32_MAX, &n) != 0 || n == 0)
        return cli_usage_error("heic-dec", "--item needs an item id (1 .. 4294967295), not '%s'", v);
      args->item = (uint32_t)n;
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--threads", &missing)) != NULL) {
      if (cli_parse_uint(v, 1024, &n) != 0)
        return cli_usage_error("heic-dec", "--threads needs a number from 0 to 1024, not '%s'", v);
      args->threads = (int)n;
      args->batch.threads = (int)n;
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
    } else if (strcmp(a, "--no-metadata") == 0) {
      args->no_metadata = 1;
    } else if (strcmp(a, "--quiet") == 0) {
      args->quiet = 1;
    } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
      args->verbose = 1;
    } else {
      return cli_usage_error("heic-dec", "unknown option '%s'", a);
    }
  }
  if (args->all && args->item) return cli_usage_error("heic-dec", "--all and --item exclude each other");
  if (args->all && args->thumb) return cli_usage_error("heic-dec", "--all and --thumb exclude each other");

  /* -o OUT naming a file, with one input, is that input's output: the
   * single-file form (FILE OUT), or a one-file batch when batch options
   * come with it (--skip-existing).  Otherwise -o names a batch's
   * directory, created if missing. */
  const char *o = args->out_dir;
  if (o && output_is_one_file(args)) {
    args->out_dir = NULL;
    if (!args->batch.any)
      args->inputs[args->ninputs++] = o;
    else if (strcmp(o, "-") == 0)
      return cli_usage_error("heic-dec", "-o -: standard output is not for a batch (-j, --shard, "
                             "--skip-existing, --keep-mtime)");
    else
      args->out_file = o;
  } else if (o && strcmp(o, "-") == 0) {
    return cli_usage_error("heic-dec", "-o -: standard output takes the image of one input file, "
                           "not of several, a directory or a list (those need -o DIR)");
  } else if (o && o[strlen(o) - 1] != '/' && access(o, F_OK) != 0 &&
             format_of_extension(file_extension(o)) != FORMAT_NONE) {
    /* Several inputs and -o out.png is a slip, not a request for a
     * directory called out.png: such a directory needs its '/'. */
    return cli_usage_error("heic-dec", "-o %s: with several inputs, a directory or a list, -o names a "
                           "directory (write %s/ if that is what you want)", o, o);
  }

  /* A batch is asked for by its output directory, a list or a batch
   * option; "FILE OUT" stays the single-file form. */
  args->batch_mode = args->out_dir || args->out_file || args->batch.any || args->batch.files_from;
  if (args->batch_mode) {
    if (!args->out_dir && !args->out_file)
      return cli_usage_error("heic-dec", "converting several files (-r, -j, --files-from, --shard, "
                             "--skip-existing, --keep-mtime) needs an output directory: -o DIR");
    if (args->all || args->item)
      return cli_usage_error("heic-dec", "--all and --item are for one file, not with -o DIR or "
                             "batch options");
    if (!args->ninputs && !args->batch.files_from) return cli_usage_error("heic-dec", "no input file");
    if (args->out_file) {
      int rc = choose_file_format(args, args->out_file);
      if (rc) return rc;
    }
    if (args->format == FORMAT_NONE) args->format = FORMAT_PNG;
    args->batch.quiet = args->quiet;
    args->batch.verbose = args->verbose;
  } else {
    if (args->ninputs > 2) return cli_usage_error("heic-dec", "unexpected argument '%s'", args->inputs[2]);
    if (args->ninputs < 2)
      return cli_usage_error("heic-dec", args->ninputs ? "no output file (give OUT, -o OUT or -o DIR)"
                                                       : "no input file");
    args->input = args->inputs[0];
    args->output = args->inputs[1];
    if (strcmp(args->output, "-") == 0) {
      /* Standard output: the format is -f's (PNG by default), as there is
       * no extension to read it from. */
      args->to_stdout = 1;
      if (args->format == FORMAT_NONE) args->format = FORMAT_PNG;
      if (args->all)
        return cli_usage_error("heic-dec", "--all writes several images: not to standard output ('-')");
      if (isatty(STDOUT_FILENO))
        return cli_usage_error("heic-dec", "refusing to write binary image data to a terminal "
                               "(redirect standard output, or give an output file)");
    } else {
      int rc = choose_file_format(args, args->output);
      if (rc) return rc;
      /* --all numbers its outputs before the extension, so OUT needs one. */
      if (args->all && !file_extension(args->output)[0])
        return cli_usage_error("heic-dec", "--all needs an extension on OUT for the numbers to go before");
    }
  }
  if (quality_given && args->format != FORMAT_JPEG)
    return cli_usage_error("heic-dec", "-q N is a JPEG quality: the output is not JPEG (use --quiet for quiet)");
  return 0;
}

/* Library warnings are shown unless --quiet; errors are not printed here
 * because they come back through the status and last_error, and printing
 * both would repeat every failure. */
static void on_log(void *opaque, heic_log_level level, const char *message) {
  const dec_run *run = opaque;
  if (level == HEIC_LOG_WARNING && !run->args->quiet)
    batch_say_note(&run->say, "%s: warning: %s", run->input, message);
}

/* "heic-dec: FILE: status[: detail][ (context)]" for a failed call on ctx.
 * The status comes right after the file name whatever failed, so that
 * scripts can match on it; the item, when there is one, goes last. */
static void report(const dec_run *run, const char *context, heic_status st) {
  const char *detail = heic_context_last_error(run->ctx);
  batch_say_error(&run->say, "%s: %s%s%s%s%s%s", run->input, heic_status_string(st),
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

/* Whether item id is composed in RGB: an overlay (iovl), or an identity
 * item (iden) showing one.  Such an image has no YCbCr samples for Y4M. */
static int composed_in_rgb(heic_context *ctx, uint32_t id) {
  for (int depth = 0; depth < 16 && id; depth++) {
    heic_item_info info;
    if (heic_context_item_info(ctx, id, &info) != HEIC_OK) return 0;
    if (strcmp(info.type, "iovl") == 0) return 1;
    if (strcmp(info.type, "iden") != 0) return 0;
    uint32_t next = 0, nrefs = heic_context_reference_count(ctx, id);
    for (uint32_t i = 0; i < nrefs; i++) {
      char type[5];
      const uint32_t *to = NULL;
      uint32_t count = 0;
      if (heic_context_reference(ctx, id, i, type, &to, &count) == HEIC_OK &&
          strcmp(type, "dimg") == 0 && count == 1)
        next = to[0];
    }
    id = next;
  }
  return 0;
}

/* Where the bands of one image go: the writer of the output format, opened
 * when the decode knows the image (sink_start), given each band
 * (sink_rows) and finished once the decode is complete (sink_finish). */
typedef struct dec_sink {
  dec_run *run;
  const char *out_path;     /* or imageio_stdout */
  const uint8_t *icc;       /* borrowed from the decode_one's buffer */
  size_t icc_size;
  uint8_t *exif, *xmp;      /* owned copies to write (TIFF stream; packet), or NULL */
  size_t exif_size, xmp_size;
  char icc_note[512];       /* said once the decode is through ("" when none) */
  heic_rows_info info;
  int started;
  imageio_png_writer *png;
  imageio_jpeg_writer *jpeg;
  imageio_y4m_writer *y4m;
  int write_failed;         /* a writer failed: msg says why */
  char msg[512];            /* the writer's reason, or its note once finished */
  double write_ms;          /* spent writing: not decode time */
} dec_sink;

static int sink_start(void *opaque, const heic_rows_info *info) {
  dec_sink *k = opaque;
  const dec_args *args = k->run->args;
  double t0 = 1e3 * cli_now_seconds();
  k->info = *info;
  k->started = 1;
  k->run->pixels = (double)info->width * info->height;
  imageio_rgb_format rgb = {info->width, info->height, info->components, info->bit_depth,
                            info->premultiplied};
  int rc;
  if (args->format == FORMAT_PNG) {
    imageio_png_options png = {.icc = k->icc, .icc_size = k->icc_size, .exif = k->exif,
                               .exif_size = k->exif_size, .xmp = k->xmp, .xmp_size = k->xmp_size,
                               .stop = on_write_row, .stop_opaque = k->run};
    rc = imageio_png_writer_open(&k->png, k->out_path, &rgb, &png, k->msg, sizeof k->msg);
  } else if (args->format == FORMAT_JPEG) {
    imageio_jpeg_options jpg = {.quality = args->quality ? args->quality : DEFAULT_JPEG_QUALITY,
                                .icc = k->icc, .icc_size = k->icc_size, .exif = k->exif,
                                .exif_size = k->exif_size, .xmp = k->xmp, .xmp_size = k->xmp_size,
                                .stop = on_write_row, .stop_opaque = k->run};
    rc = imageio_jpeg_writer_open(&k->jpeg, k->out_path, &rgb, &jpg, k->msg, sizeof k->msg);
  } else {
    imageio_y4m_format y4m = {info->width, info->height, info->chroma, info->bit_depth,
                              info->nclx.full_range};
    rc = imageio_y4m_writer_open(&k->y4m, k->out_path, &y4m, on_write_row, k->run, k->msg,
                                 sizeof k->msg);
  }
  k->write_ms += 1e3 * cli_now_seconds() - t0;
  k->write_failed = rc != 0;
  return rc != 0;
}

static int sink_rows(void *opaque, const heic_rows_band *b) {
  dec_sink *k = opaque;
  double t0 = 1e3 * cli_now_seconds();
  int rc;
  if (k->png) {
    rc = imageio_png_writer_rows(k->png, b->planes[HEIC_PLANE_INTERLEAVED],
                                 b->strides[HEIC_PLANE_INTERLEAVED], b->rows, k->msg, sizeof k->msg);
  } else if (k->jpeg) {
    rc = imageio_jpeg_writer_rows(k->jpeg, b->planes[HEIC_PLANE_INTERLEAVED],
                                  b->strides[HEIC_PLANE_INTERLEAVED], b->rows, k->msg, sizeof k->msg);
  } else {
    imageio_y4m_band y = {.rows = b->rows, .chroma_rows = b->plane_rows[HEIC_PLANE_CB]};
    for (int p = 0; p < 3; p++) {
      y.planes[p] = b->planes[p];
      y.strides[p] = b->strides[p];
      y.widths[p] = b->plane_width[p];
    }
    rc = imageio_y4m_writer_rows(k->y4m, &y, k->msg, sizeof k->msg);
  }
  k->write_ms += 1e3 * cli_now_seconds() - t0;
  k->write_failed = rc != 0;
  return rc != 0;
}

/* Ends the output: 0, or -1 with the reason in k->msg (else its note). */
static int sink_finish(dec_sink *k) {
  if (k->png) return imageio_png_writer_finish(&k->png, k->msg, sizeof k->msg);
  if (k->jpeg) return imageio_jpeg_writer_finish(&k->jpeg, k->msg, sizeof k->msg);
  return imageio_y4m_writer_finish(&k->y4m, k->msg, sizeof k->msg);
}

/* Drops an output not finished: nothing of it remains. */
static void sink_abort(dec_sink *k) {
  imageio_png_writer_abort(&k->png);
  imageio_jpeg_writer_abort(&k->jpeg);
  imageio_y4m_writer_abort(&k->y4m);
}

/* Decodes item id and writes it to out_path.  Returns an exit status. */
/* A malloc'd copy of size bytes of data, or NULL. */
static uint8_t *copy_bytes(const uint8_t *data, size_t size) {
  uint8_t *p = malloc(size ? size : 1);
  if (p && size) memcpy(p, data, size);
  return p;
}

/* The image's Exif (as a TIFF stream) and XMP, for the PNG or JPEG: its
 * first metadata item of each kind.  When the picture is written turned
 * upright (irot/imir applied), their orientation is set to 1, or a viewer
 * would turn it again.  What cannot be carried is said in a note.  0, or
 * an exit status (out of memory). */
static int copy_metadata(dec_run *run, uint32_t id, dec_sink *k) {
  const dec_args *args = run->args;
  uint32_t n = heic_context_metadata_count(run->ctx, id);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t mid = heic_context_metadata_id(run->ctx, id, i);
    heic_item_info mi;
    if (heic_context_item_info(run->ctx, mid, &mi) != HEIC_OK) continue;
    int exif = strcmp(mi.type, "Exif") == 0 && !k->exif;
    int xmp = strcmp(mi.type, "mime") == 0 && strcmp(mi.content_type, "application/rdf+xml") == 0 &&
              !k->xmp;
    if (!exif && !xmp) continue;
    heic_buffer *buf = NULL;
    heic_status st = heic_context_item_data(run->ctx, mid, &buf);
    if (st != HEIC_OK) {
      if (!args->quiet)
        batch_say_note(&run->say, "%s: note: %s of item %" PRIu32 " not copied: %s", run->input,
                       exif ? "Exif" : "XMP", id, heic_status_string(st));
      continue;
    }
    const uint8_t *d = heic_buffer_data(buf);
    size_t size = heic_buffer_size(buf);
    if (exif) {
      /* The item: a 4-byte offset to the TIFF header, then the data (often
       * "Exif\0\0" first, as in JPEG). */
      size_t off = size >= 4 ? 4 + ((size_t)d[0] << 24 | (size_t)d[1] << 16 | (size_t)d[2] << 8 | d[3])
                             : size;
      long tiff = off < size ? imageio_exif_tiff_offset(d + off, size - off) : -1;
      if (tiff < 0) {
        if (!args->quiet)
          batch_say_note(&run->say, "%s: note: Exif of item %" PRIu32 " not copied: no TIFF header",
                         run->input, id);
      } else if (args->format == FORMAT_JPEG && size - off - (size_t)tiff > 65527) {
        if (!args->quiet)
          batch_say_note(&run->say, "%s: note: Exif of item %" PRIu32 " not copied: %zu bytes, more "
                         "than one JPEG marker holds", run->input, id, size - off - (size_t)tiff);
      } else {
        k->exif_size = size - off - (size_t)tiff;
        k->exif = copy_bytes(d + off + tiff, k->exif_size);
        if (k->exif && !args->no_transform) imageio_exif_reset_orientation(k->exif, k->exif_size);
      }
    } else if (args->format == FORMAT_JPEG && size > 65504) {
      if (!args->quiet)
        batch_say_note(&run->say, "%s: note: XMP of item %" PRIu32 " not copied: %zu bytes, more than "
                       "one JPEG marker holds (extended XMP is not written)", run->input, id, size);
    } else {
      k->xmp_size = size;
      k->xmp = copy_bytes(d, size);
      if (k->xmp && !args->no_transform) imageio_xmp_reset_orientation(k->xmp, size);
    }
    heic_buffer_unref(&buf);
    if ((exif && k->exif_size && !k->exif) || (xmp && k->xmp_size && !k->xmp)) {
      batch_say_error(&run->say, "%s: out of memory", run->input);
      return EXIT_INPUT;
    }
  }
  return 0;
}

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
    batch_say_error(&run->say, "%s: item %" PRIu32 " is not an image (type %s)", run->input, id,
                    info.type);
    return EXIT_INPUT;
  }
  /* The library knows from the structure alone that this would fail, and
   * why_not says why better than the decoder's error would. */
  if (!info.decodable) {
    batch_say_error(&run->say, "%s: item %" PRIu32 " cannot be decoded: %s", run->input, id,
                    info.why_not[0] ? info.why_not : "unknown reason");
    return EXIT_INPUT;
  }

  /* Said in the user's terms before any work: the library's refusal
   * speaks of its API (an RGB layout). */
  if (args->format == FORMAT_Y4M && composed_in_rgb(run->ctx, id)) {
    batch_say_error(&run->say,
                    "%s: item %" PRIu32 " is an overlay, composed in RGB, and Y4M holds YCbCr "
                    "samples: write .png or .jpg instead (or -f png, -f jpg)",
                    run->input, id);
    return EXIT_INPUT;
  }

  heic_decode_options opts;
  heic_decode_options_init(&opts);
  opts.layout = args->format == FORMAT_Y4M ? HEIC_LAYOUT_YCBCR : HEIC_LAYOUT_RGB;
  opts.no_transform = args->no_transform;
  opts.no_alpha = args->no_alpha;
  opts.upsampling = args->upsampling;
  opts.progress = on_progress;
  opts.progress_opaque = run;

  /* The ICC profile is fetched before the decode, as the writers put it in
   * the header; a damaged one costs a note, said once the picture is
   * through (as it was when the image was decoded first). */
  heic_buffer *icc = NULL;
  dec_sink sink = {.run = run, .out_path = args->to_stdout ? imageio_stdout : out_path};
  if ((args->format == FORMAT_PNG || args->format == FORMAT_JPEG) && !args->no_metadata) {
    int rc = copy_metadata(run, id, &sink);
    if (rc) {
      free(sink.exif);
      free(sink.xmp);
      return rc;
    }
    st = heic_context_item_icc(run->ctx, id, &icc);
    if (st == HEIC_OK) {
      sink.icc = heic_buffer_data(icc);
      sink.icc_size = heic_buffer_size(icc);
    } else if (st == HEIC_ERR_OUT_OF_MEMORY || st == HEIC_ERR_LIMIT_EXCEEDED ||
               st == HEIC_ERR_INTERNAL) {
      snprintf(what, sizeof what, "ICC profile of item %" PRIu32, id);
      report(run, what, st);
      free(sink.exif);
      free(sink.xmp);
      return EXIT_INPUT;
    } else if (st != HEIC_ERR_NOT_FOUND && !args->quiet) {
      /* A damaged profile should not cost the user the picture. */
      const char *detail = heic_context_last_error(run->ctx);
      snprintf(sink.icc_note, sizeof sink.icc_note,
               "%s: note: ICC profile of item %" PRIu32 " not copied: %s%s%s", run->input, id,
               heic_status_string(st), detail[0] ? ": " : "", detail);
    }
  }

  /* Written band by band as the decode makes them, so that memory follows
   * the picture's width, not its area (heic_stream.h says what bounds it
   * for each kind of image).  No output needs the whole picture at once:
   * PNG and JPEG take rows, Y4M's chroma planes wait in a temporary file
   * (y4m_write.h), and standard output gets the encoded file only once it
   * is complete (imageio_stdout), so a failure leaves the pipe empty. */
  heic_rows_sink rows_sink = {sink_start, sink_rows, &sink};
  double t0 = 1e3 * cli_now_seconds();
  st = heic_context_decode_item_rows(run->ctx, id, &opts, &rows_sink);
  if (st == HEIC_OK && !sink.started) {
    /* (no band at all: the library promises at least one) */
    snprintf(sink.msg, sizeof sink.msg, "no rows were decoded");
    sink.write_failed = 1;
  }
  if (st == HEIC_OK && !sink.write_failed) {
    double t1 = 1e3 * cli_now_seconds();
    sink.write_failed = sink_finish(&sink) != 0;
    sink.write_ms += 1e3 * cli_now_seconds() - t1;
  }
  /* The time the decode took, without the writing it fed. */
  double elapsed = 1e3 * cli_now_seconds() - t0 - sink.write_ms;
  sink_abort(&sink); /* a failure after bands were written leaves nothing */
  heic_buffer_unref(&icc);
  free(sink.exif);
  free(sink.xmp);

  if (run->stopped) return run->stopped; /* main says why, once for every output */
  if (st != HEIC_OK && !sink.write_failed) {
    report(run, what, st);
    return EXIT_INPUT;
  }
  /* The decode went through (or was stopped by a failing write): the
   * notes due before the output is written. */
  const heic_rows_info *out = &sink.info;
  if (sink.icc_note[0]) batch_say_note(&run->say, "%s", sink.icc_note);
  if (args->format == FORMAT_Y4M && out->has_alpha && !args->quiet)
    batch_say_note(&run->say, "%s: note: alpha of item %" PRIu32 " not written (Y4M has no alpha)",
                   run->input, id);
  if (sink.write_failed) {
    batch_say_error(&run->say, "%s: %s", sink.out_path, sink.msg);
    return EXIT_OUTPUT;
  }
  if (sink.msg[0] && !args->quiet)
    batch_say_note(&run->say, "%s: note: %s", sink.out_path, sink.msg);
  /* With the image on standard output, the line goes to stderr. */
  if (!args->quiet && !run->say.batch)
    fprintf(args->to_stdout ? stderr : stdout,
            "%s: item %" PRIu32 ", %" PRIu32 "x%" PRIu32 ", %d-bit, alpha: %s -> %s (%.1f ms decode)\n",
            run->input, id, out->width, out->height, out->bit_depth,
            out->has_alpha ? "yes" : "no", sink.out_path, elapsed);
  return 0;
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
      batch_say_error(&run->say, "%s: the file has no top-level images", run->input);
      return EXIT_INPUT;
    }
    *ids = malloc(sizeof **ids * n);
    if (!*ids) {
      batch_say_error(&run->say, "%s: out of memory", run->input);
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
      batch_say_error(&run->say, "%s: the file has no primary image (choose one with --item)",
                      run->input);
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
      batch_say_error(&run->say, "%s: item %" PRIu32 " has no thumbnail", run->input, id);
      return EXIT_INPUT;
    }
    id = heic_context_thumbnail_id(run->ctx, id, 0);
  }
  *ids = malloc(sizeof **ids);
  if (!*ids) {
    batch_say_error(&run->say, "%s: out of memory", run->input);
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

/* ---- batches (tools/batch.c) ---- */

/* The extensions taken from directories (.hif: Canon's HEIF). */
static const char *const dec_extensions[] = {"heic", "heif", "hif", NULL};

typedef struct dec_batch {
  const dec_args *args;
  heic_allocator **allocs; /* one per worker: each its own leak canary */
  heic_thread_pool *pool;  /* the batch's threads, shared by the files */
} dec_batch;

/* One file of a batch: its primary image (or --thumb) to f->output. */
static int dec_convert(void *opaque, batch_run *br, int worker, const batch_file *f, int threads,
                       double *pixels, char *err, size_t err_size) {
  dec_batch *db = opaque;
  heic_allocator *alloc = db->allocs[worker];
  dec_run run = {.args = db->args, .input = f->input, .say = {"heic-dec", br, err, err_size}};
  uint32_t *ids = NULL, count = 0;
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.log = on_log;
  cfg.log_opaque = &run;
  cfg.threads = threads;
  int rc = EXIT_INPUT;
  heic_status st = heic_context_new(&run.ctx, &cfg);
  if (st == HEIC_OK && db->pool) st = heic_context_set_thread_pool(run.ctx, db->pool, threads);
  if (st != HEIC_OK) {
    batch_say_error(&run.say, "%s: %s", f->input, heic_status_string(st));
  } else if ((st = heic_context_read_file(run.ctx, f->input)) != HEIC_OK) {
    report(&run, NULL, st);
  } else if ((rc = choose_items(&run, &ids, &count)) == 0) {
    rc = decode_one(&run, ids[0], f->output);
    if (run.stopped) rc = run.stopped; /* not converted: batch.c says so */
  }
  free(ids);
  heic_context_free(&run.ctx);
  *pixels = run.pixels;
  size_t leaked = heic_allocator_outstanding_bytes(alloc);
  if (leaked) {
    snprintf(err, err_size, "%s: internal error: %zu bytes leaked", f->input, leaked);
    return EXIT_LEAK;
  }
  return rc;
}

static int run_batch(dec_args *a) {
  batch_config *cfg = &a->batch;
  static const char *const ext_of[] = {[FORMAT_PNG] = "png", [FORMAT_JPEG] = "jpg", [FORMAT_Y4M] = "y4m"};
  cfg->exts = dec_extensions;
  cfg->out_ext = ext_of[a->format];
  cfg->out_dir = a->out_dir;
  cfg->out_file = a->out_file;
  struct stat st;
  if (a->out_dir && stat(a->out_dir, &st) == 0 && !S_ISDIR(st.st_mode))
    return cli_usage_error("heic-dec", "-o %s: not a directory", a->out_dir);
  batch_list list;
  int rc = batch_list_build(cfg, (char *const *)a->inputs, a->ninputs, &list);
  if (!rc) rc = batch_plan(cfg, &list);
  if (!rc && a->out_dir) {
    /* mkdir -p of the output directory, before any work. */
    char *p = strdup(a->out_dir);
    for (char *s = p ? p + 1 : NULL; s && !rc; s++) {
      if (*s && *s != '/') continue;
      char c = *s;
      *s = '\0';
      if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "heic-dec: %s: cannot create directory: %s\n", p, strerror(errno));
        rc = EXIT_OUTPUT;
      }
      *s = c;
      if (!c) break;
    }
    if (!p) {
      fputs("heic-dec: out of memory\n", stderr);
      rc = EXIT_INPUT;
    }
    free(p);
  }
  dec_batch db = {.args = a};
  int workers = batch_workers(cfg, &list);
  if (!rc) {
    db.allocs = calloc((size_t)workers, sizeof *db.allocs);
    if (!db.allocs) rc = EXIT_INPUT;
    for (int w = 0; w < workers && !rc; w++)
      if (heic_allocator_new(&db.allocs[w], NULL) != HEIC_OK) rc = EXIT_INPUT;
    if (rc) fputs("heic-dec: out of memory\n", stderr);
  }
  if (!rc) {
    batch_pool bp;
    const batch_helping *help = batch_pool_open(&bp);
    db.pool = bp.pool;
    rc = batch_run_all(cfg, &list, dec_convert, &db, help);
    batch_pool_close(&bp);
  }
  if (db.allocs)
    for (int w = 0; w < workers; w++) heic_allocator_free(&db.allocs[w]);
  free(db.allocs);
  batch_list_free(&list);
  return rc;
}

/* FILE OUT: the single-file form, as heic-dec always was. */
static int run_single(dec_args *a) {
  dec_args args = *a;
  int rc = 0;
  dec_run run = {.args = &args, .input = args.input, .say = {"heic-dec", NULL, NULL, 0}};
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
    rc = args.to_stdout ? 0 : refuse_same_files(args.input, outs, 1);
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
  return rc;
}

int main(int argc, char **argv) {
  /* Past a file size limit (ulimit -f) the default action kills us in the
   * middle of a write; ignored, the write fails with EFBIG and the output
   * error path reports it. */
  signal(SIGXFSZ, SIG_IGN);
  cli_stop_init("heic-dec");

  dec_args args = {0};
  int rc = parse_args(argc, argv, &args);
  if (rc < 0) {
    rc = fflush(stdout) == 0 ? 0 : EXIT_OUTPUT; /* --help, --version */
  } else if (rc == 0) {
    if (args.timeout > 0 && cli_stop_set_deadline(args.timeout) != 0) {
      fprintf(stderr, "heic-dec: cannot set the --timeout timer: %s\n", strerror(errno));
      rc = EXIT_INPUT;
    } else {
      rc = args.batch_mode ? run_batch(&args) : run_single(&args);
    }
    if (fflush(stdout) != 0 && rc == 0) rc = EXIT_OUTPUT;
  }
  free(args.inputs);
  return rc;
}
