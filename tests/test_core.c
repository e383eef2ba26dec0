/*
 * Unit tests of the core services (src/core).  SPDX-License-Identifier: BSD-2-Clause
 *
 * Allocator accounting, fault injection and limits, the overflow-checked
 * wrappers, refcounted buffers, error reporting, logging and the thread pool.
 * Links the internal static library so that hc_* entry points are reachable.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/thread.h"
#include "heic/heic.h"

static int g_failures;
static int g_checks;

#define CHECK(cond)                                                        \
  do {                                                                     \
    g_checks++;                                                            \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      g_failures++;                                                        \
    }                                                                      \
  } while (0)

/* Hooks that count their calls and the bytes they hand out, so the tests can
 * see that the allocator really routes everything through them. */
typedef struct hook_stats {
  int mallocs;
  int frees;
  size_t live_blocks;
  int refuse; /* 1: malloc_fn returns NULL */
} hook_stats;

static void *counting_malloc(void *opaque, size_t size) {
  hook_stats *s = opaque;
  if (s->refuse) return NULL;
  void *p = malloc(size);
  if (p) {
    s->mallocs++;
    s->live_blocks++;
  }
  return p;
}

static void counting_free(void *opaque, void *ptr) {
  hook_stats *s = opaque;
  if (!ptr) return;
  s->frees++;
  s->live_blocks--;
  free(ptr);
}

static heic_allocator *new_counting_allocator(hook_stats *stats) {
  memset(stats, 0, sizeof(*stats));
  heic_alloc_hooks hooks = {counting_malloc, counting_free, stats};
  heic_allocator *a = NULL;
  heic_status st = heic_allocator_new(&a, &hooks);
  CHECK(st == HEIC_OK);
  CHECK(a != NULL);
  return a;
}

/* ---- allocator ------------------------------------------------------- */

static void test_allocator_accounting(void) {
  hook_stats hs;
  heic_allocator *a = new_counting_allocator(&hs);
  if (!a) return;
  CHECK(hs.mallocs == 1); /* the allocator object itself */
  CHECK(heic_allocator_outstanding_bytes(a) == 0);
  CHECK(heic_allocator_peak_bytes(a) == 0);
  CHECK(heic_allocator_allocation_count(a) == 0);

  hc_mem mem;
  hc_mem_init(&mem, a, 0);
  void *p1 = hc_malloc(&mem, 100);
  void *p2 = hc_malloc(&mem, 300);
  CHECK(p1 && p2);
  CHECK(hs.mallocs == 3);
  CHECK(heic_allocator_outstanding_bytes(a) == 400);
  CHECK(hc_mem_outstanding(&mem) == 400);
  CHECK(heic_allocator_peak_bytes(a) == 400);
  CHECK(heic_allocator_allocation_count(a) == 2);
  /* Payloads are aligned for any object (16 bytes promised by mem.h). */
  CHECK(((uintptr_t)p1 & 15u) == 0);
  CHECK(((uintptr_t)p2 & 15u) == 0);
  memset(p1, 0xAB, 100);
  memset(p2, 0xCD, 300);

  hc_free(&mem, p2);
  CHECK(heic_allocator_outstanding_bytes(a) == 100);
  CHECK(heic_allocator_peak_bytes(a) == 400); /* peak is a high-water mark */
  void *p3 = hc_malloc(&mem, 50);
  CHECK(p3 != NULL);
  CHECK(heic_allocator_peak_bytes(a) == 400);
  CHECK(heic_allocator_outstanding_bytes(a) == 150);
  hc_free(&mem, p1);
  hc_free(&mem, p3);
  hc_free(&mem, NULL); /* accepted */
  CHECK(heic_allocator_outstanding_bytes(a) == 0);
  CHECK(hc_mem_outstanding(&mem) == 0);
  CHECK(heic_allocator_allocation_count(a) == 3);

  /* size 0 still yields a distinct, freeable block */
  void *z = hc_malloc(&mem, 0);
  CHECK(z != NULL);
  CHECK(heic_allocator_outstanding_bytes(a) == 1);
  HC_FREEP(&mem, &z);
  CHECK(z == NULL);
  CHECK(heic_allocator_outstanding_bytes(a) == 0);

  /* calloc zeroes */
  unsigned char *c = hc_calloc(&mem, 10, 7);
  CHECK(c != NULL);
  if (c) {
    int zero = 1;
    for (int i = 0; i < 70; i++) zero &= c[i] == 0;
    CHECK(zero);
  }
  CHECK(heic_allocator_outstanding_bytes(a) == 70);
  hc_free(&mem, c);

  char *s = hc_strndup(&mem, "abcdef", 3);
  CHECK(s && strcmp(s, "abc") == 0);
  hc_free(&mem, s);
  s = hc_strndup(&mem, "ab", 10);
  CHECK(s && strcmp(s, "ab") == 0);
  hc_free(&mem, s);
  CHECK(heic_allocator_outstanding_bytes(a) == 0);

  heic_allocator_free(&a);
  CHECK(a == NULL);
  heic_allocator_free(&a); /* NULL accepted */
  heic_allocator_free(NULL);
  CHECK(hs.live_blocks == 0);
  CHECK(hs.mallocs == hs.frees);
}

static void test_allocator_fail_at(void) {
  hook_stats hs;
  heic_allocator *a = new_counting_allocator(&hs);
  if (!a) return;
  hc_mem mem;
  hc_mem_init(&mem, a, 0);

  /* Burn a few attempts first: fail_at counts from the moment it is set. */
  void *warm[3];
  for (int i = 0; i < 3; i++) warm[i] = hc_malloc(&mem, 8);
  for (int i = 0; i < 3; i++) hc_free(&mem, warm[i]);

  heic_allocator_fail_at(a, 3);
  void *p[6];
  for (int i = 0; i < 6; i++) p[i] = hc_malloc(&mem, 16);
  for (int i = 0; i < 6; i++) {
    if (i == 2)
      CHECK(p[i] == NULL);
    else
      CHECK(p[i] != NULL);
  }
  /* failed attempts are counted, and cost no bytes */
  CHECK(heic_allocator_allocation_count(a) == 9);
  CHECK(heic_allocator_outstanding_bytes(a) == 5 * 16);
  CHECK(hc_mem_outstanding(&mem) == 5 * 16);
  for (int i = 0; i < 6; i++) hc_free(&mem, p[i]);

  /* n == 1: the very next one */
  heic_allocator_fail_at(a, 1);
  void *q = hc_malloc(&mem, 4);
  CHECK(q == NULL);
  q = hc_malloc(&mem, 4);
  CHECK(q != NULL);
  hc_free(&mem, q);

  /* n == 0 turns it off */
  heic_allocator_fail_at(a, 2);
  heic_allocator_fail_at(a, 0);
  int all_ok = 1;
  for (int i = 0; i < 5; i++) {
    void *r = hc_malloc(&mem, 4);
    all_ok &= r != NULL;
    hc_free(&mem, r);
  }
  CHECK(all_ok);

  /* The wrappers built on hc_malloc fail the same way and leave ptr valid. */
  unsigned char *buf = hc_malloc_array(&mem, 4, 4);
  CHECK(buf != NULL);
  if (buf) {
    for (int i = 0; i < 16; i++) buf[i] = (unsigned char)i;
    heic_allocator_fail_at(a, 1);
    unsigned char *grown = hc_realloc_array(&mem, buf, 8, 4);
    CHECK(grown == NULL);
    CHECK(buf[15] == 15);
    CHECK(heic_allocator_outstanding_bytes(a) == 16);
    hc_free(&mem, buf);
  }
  CHECK(heic_allocator_outstanding_bytes(a) == 0);

  heic_allocator_free(&a);
  CHECK(hs.live_blocks == 0);
}

static void test_allocator_limit(void) {
  hook_stats hs;
  heic_allocator *a = new_counting_allocator(&hs);
  if (!a) return;
  hc_mem mem;
  hc_mem_init(&mem, a, 0);

  heic_allocator_set_limit(a, 1000);
  void *p1 = hc_malloc(&mem, 600);
  CHECK(p1 != NULL);
  void *p2 = hc_malloc(&mem, 500); /* would reach 1100 */
  CHECK(p2 == NULL);
  CHECK(heic_allocator_outstanding_bytes(a) == 600);
  void *p3 = hc_malloc(&mem, 400); /* exactly at the limit is allowed */
  CHECK(p3 != NULL);
  CHECK(heic_allocator_outstanding_bytes(a) == 1000);
  void *p4 = hc_malloc(&mem, 1);
  CHECK(p4 == NULL);
  CHECK(heic_allocator_peak_bytes(a) == 1000); /* a refused request is no peak */
  hc_free(&mem, p3);
  p4 = hc_malloc(&mem, 1);
  CHECK(p4 != NULL);
  hc_free(&mem, p4);

  heic_allocator_set_limit(a, 0); /* none */
  void *big = hc_malloc(&mem, 1 << 20);
  CHECK(big != NULL);
  hc_free(&mem, big);
  hc_free(&mem, p1);
  CHECK(heic_allocator_outstanding_bytes(a) == 0);
  CHECK(hc_mem_outstanding(&mem) == 0);

  /* hook failure is a clean NULL that costs nothing */
  hs.refuse = 1;
  void *r = hc_malloc(&mem, 32);
  CHECK(r == NULL);
  CHECK(heic_allocator_outstanding_bytes(a) == 0);
  CHECK(hc_mem_outstanding(&mem) == 0);
  hs.refuse = 0;

  heic_allocator_free(&a);
  CHECK(hs.live_blocks == 0);
}

static void test_mem_limit(void) {
  hook_stats hs;
  heic_allocator *a = new_counting_allocator(&hs);
  if (!a) return;
  hc_mem m1, m2;
  hc_mem_init(&m1, a, 256);
  hc_mem_init(&m2, a, 0);

  void *p1 = hc_malloc(&m1, 200);
  CHECK(p1 != NULL);
  uint64_t attempts = heic_allocator_allocation_count(a);
  void *p2 = hc_malloc(&m1, 100); /* over the account's own limit */
  CHECK(p2 == NULL);
  CHECK(hc_mem_outstanding(&m1) == 200);
  CHECK(heic_allocator_outstanding_bytes(a) == 200);
  /* refused by the account before reaching the allocator */
  CHECK(heic_allocator_allocation_count(a) == attempts);
  void *p3 = hc_malloc(&m1, 56);
  CHECK(p3 != NULL);

  /* another account on the same allocator is not affected by m1's limit */
  void *p4 = hc_malloc(&m2, 1000);
  CHECK(p4 != NULL);
  CHECK(hc_mem_outstanding(&m2) == 1000);
  CHECK(heic_allocator_outstanding_bytes(a) == 1256);

  /* the allocator's limit applies to the sum of all accounts */
  heic_allocator_set_limit(a, 1300);
  void *p5 = hc_malloc(&m2, 100);
  CHECK(p5 == NULL);
  CHECK(hc_mem_outstanding(&m2) == 1000);
  heic_allocator_set_limit(a, 0);

  hc_free(&m1, p1);
  hc_free(&m1, p3);
  hc_free(&m2, p4);
  CHECK(hc_mem_outstanding(&m1) == 0);
  CHECK(hc_mem_outstanding(&m2) == 0);
  CHECK(heic_allocator_outstanding_bytes(a) == 0);
  heic_allocator_free(&a);
  CHECK(hs.live_blocks == 0);
}

static void test_overflow_wrappers(void) {
  hook_stats hs;
  heic_allocator *a = new_counting_allocator(&hs);
  if (!a) return;
  hc_mem mem;
  hc_mem_init(&mem, a, 0);

  size_t out = 0;
  CHECK(hc_mul_size(SIZE_MAX / 2 + 1, 2, &out) == -1);
  CHECK(hc_mul_size(0, SIZE_MAX, &out) == 0 && out == 0);
  CHECK(hc_mul_size(SIZE_MAX, 1, &out) == 0 && out == SIZE_MAX);
  CHECK(hc_mul_size(1u << 16, 1u << 15, &out) == 0 && out == (size_t)1 << 31);

  CHECK(hc_malloc_array(&mem, SIZE_MAX / 2 + 1, 2) == NULL);
  CHECK(hc_malloc_array(&mem, 2, SIZE_MAX / 2 + 1) == NULL);
  CHECK(hc_malloc_array(&mem, SIZE_MAX, SIZE_MAX) == NULL);
  CHECK(hc_calloc(&mem, SIZE_MAX / 8, 16) == NULL);
  /* sizes near SIZE_MAX must not wrap inside the header arithmetic */
  CHECK(hc_malloc(&mem, SIZE_MAX) == NULL);
  CHECK(hc_malloc(&mem, SIZE_MAX - 8) == NULL);
  CHECK(heic_allocator_outstanding_bytes(a) == 0);
  CHECK(hc_mem_outstanding(&mem) == 0);

  uint32_t *arr = hc_malloc_array(&mem, 10, sizeof(uint32_t));
  CHECK(arr != NULL);
  CHECK(heic_allocator_outstanding_bytes(a) == 40);
  if (arr) {
    for (uint32_t i = 0; i < 10; i++) arr[i] = i * 7u;
    /* grow: contents kept */
    uint32_t *g = hc_realloc_array(&mem, arr, 1000, sizeof(uint32_t));
    CHECK(g != NULL);
    if (g) {
      arr = g;
      int same = 1;
      for (uint32_t i = 0; i < 10; i++) same &= arr[i] == i * 7u;
      CHECK(same);
      arr[999] = 1;
    }
    CHECK(heic_allocator_outstanding_bytes(a) == 4000);
    /* overflow: NULL, and the old block stays valid and accounted */
    uint32_t *o = hc_realloc_array(&mem, arr, SIZE_MAX / 2, sizeof(uint32_t));
    CHECK(o == NULL);
    CHECK(heic_allocator_outstanding_bytes(a) == 4000);
    CHECK(arr[9] == 63u);
    /* shrink: prefix kept */
    uint32_t *s = hc_realloc_array(&mem, arr, 3, sizeof(uint32_t));
    CHECK(s != NULL);
    if (s) {
      arr = s;
      CHECK(arr[0] == 0 && arr[1] == 7u && arr[2] == 14u);
    }
    CHECK(heic_allocator_outstanding_bytes(a) == 12);
    hc_free(&mem, arr);
  }
  /* realloc of NULL allocates */
  void *n = hc_realloc_array(&mem, NULL, 5, 5);
  CHECK(n != NULL);
  CHECK(heic_allocator_outstanding_bytes(a) == 25);
  hc_free(&mem, n);
  CHECK(heic_allocator_outstanding_bytes(a) == 0);
  CHECK(hc_mem_outstanding(&mem) == 0);
  heic_allocator_free(&a);
  CHECK(hs.live_blocks == 0);
}

static void test_allocator_hooks(void) {
  /* incomplete hooks are refused without touching *out's old value slot */
  heic_alloc_hooks bad = {counting_malloc, NULL, NULL};
  heic_allocator *a = (heic_allocator *)&bad; /* any non-NULL value */
  CHECK(heic_allocator_new(&a, &bad) == HEIC_ERR_INVALID_ARGUMENT);
  CHECK(a == NULL);
  heic_alloc_hooks bad2 = {NULL, counting_free, NULL};
  CHECK(heic_allocator_new(&a, &bad2) == HEIC_ERR_INVALID_ARGUMENT);
  CHECK(a == NULL);
  CHECK(heic_allocator_new(NULL, NULL) == HEIC_ERR_INVALID_ARGUMENT);

  /* the hooks' own failure when creating the allocator */
  hook_stats hs;
  memset(&hs, 0, sizeof(hs));
  hs.refuse = 1;
  heic_alloc_hooks h = {counting_malloc, counting_free, &hs};
  CHECK(heic_allocator_new(&a, &h) == HEIC_ERR_OUT_OF_MEMORY);
  CHECK(a == NULL);

  /* default hooks (malloc/free) */
  CHECK(heic_allocator_new(&a, NULL) == HEIC_OK);
  CHECK(a != NULL);
  if (a) {
    hc_mem mem;
    hc_mem_init(&mem, a, 0);
    void *p = hc_malloc(&mem, 123);
    CHECK(p != NULL);
    CHECK(heic_allocator_outstanding_bytes(a) == 123);
    hc_free(&mem, p);
    CHECK(heic_allocator_outstanding_bytes(a) == 0);
    heic_allocator_free(&a);
  }

  /* Every block goes through the caller's hooks with the caller's opaque. */
  a = new_counting_allocator(&hs);
  if (!a) return;
  hc_mem mem;
  hc_mem_init(&mem, a, 0);
  void *blocks[20];
  for (int i = 0; i < 20; i++) blocks[i] = hc_malloc(&mem, (size_t)(i + 1) * 10);
  CHECK(hs.mallocs == 21);
  CHECK(hs.live_blocks == 21);
  for (int i = 0; i < 20; i++) hc_free(&mem, blocks[i]);
  CHECK(hs.frees == 20);
  CHECK(heic_allocator_outstanding_bytes(a) == 0);
  heic_allocator_free(&a);
  CHECK(hs.frees == 21);
  CHECK(hs.live_blocks == 0);

  /* NULL allocator queries are harmless */
  CHECK(heic_allocator_outstanding_bytes(NULL) == 0);
  CHECK(heic_allocator_peak_bytes(NULL) == 0);
  CHECK(heic_allocator_allocation_count(NULL) == 0);
  heic_allocator_fail_at(NULL, 1);
  heic_allocator_set_limit(NULL, 1);
}

/* ---- buffers ---------------------------------------------------------- */

static void test_buffers(void) {
  hook_stats hs;
  heic_allocator *a = new_counting_allocator(&hs);
  if (!a) return;
  hc_mem mem;
  hc_mem_init(&mem, a, 0);

  static const char text[] = "hello, buffer";
  heic_buffer *b = hc_buffer_copy(&mem, text, sizeof(text));
  CHECK(b != NULL);
  if (!b) {
    heic_allocator_free(&a);
    return;
  }
  size_t with_buffer = heic_allocator_outstanding_bytes(a);
  CHECK(with_buffer >= sizeof(text));
  CHECK(heic_buffer_size(b) == sizeof(text));
  CHECK(memcmp(heic_buffer_data(b), text, sizeof(text)) == 0);

  heic_buffer *b2 = heic_buffer_ref(b);
  CHECK(b2 == b);
  heic_buffer_unref(&b2);
  CHECK(b2 == NULL);
  /* one reference left: still readable and still accounted */
  CHECK(memcmp(heic_buffer_data(b), text, sizeof(text)) == 0);
  CHECK(heic_allocator_outstanding_bytes(a) == with_buffer);
  heic_buffer_unref(&b);
  CHECK(b == NULL);
  CHECK(heic_allocator_outstanding_bytes(a) == 0);
  heic_buffer_unref(&b); /* *b == NULL accepted */
  heic_buffer_unref(NULL);
  CHECK(heic_buffer_data(NULL) == NULL);
  CHECK(heic_buffer_size(NULL) == 0);
  CHECK(heic_buffer_ref(NULL) == NULL);

  /* empty buffer, writable data pointer */
  uint8_t *w = NULL;
  heic_buffer *e = hc_buffer_new(&mem, 0, &w);
  CHECK(e != NULL && w != NULL);
  CHECK(heic_buffer_size(e) == 0);
  heic_buffer_unref(&e);
  heic_buffer *f = hc_buffer_new(&mem, 64, &w);
  CHECK(f != NULL);
  if (f) {
    memset(w, 0x5A, 64);
    CHECK(heic_buffer_data(f)[63] == 0x5A);
    heic_buffer_unref(&f);
  }
  CHECK(heic_allocator_outstanding_bytes(a) == 0);

  /* out of memory is a clean NULL */
  heic_allocator_fail_at(a, 1);
  CHECK(hc_buffer_copy(&mem, text, sizeof(text)) == NULL);
  CHECK(hc_buffer_new(&mem, SIZE_MAX - 4, &w) == NULL);
  CHECK(heic_allocator_outstanding_bytes(a) == 0);

  /* A buffer keeps its allocator alive after the caller released it, and
   * returns its bytes (and the allocator itself) when the last ref goes. */
  heic_buffer *keep = hc_buffer_copy(&mem, text, 5);
  CHECK(keep != NULL);
  heic_buffer *keep2 = heic_buffer_ref(keep);
  heic_allocator_free(&a);
  CHECK(a == NULL);
  CHECK(hs.live_blocks == 2); /* allocator object + buffer */
  if (keep) CHECK(memcmp(heic_buffer_data(keep), text, 5) == 0);
  heic_buffer_unref(&keep);
  CHECK(hs.live_blocks == 2);
  heic_buffer_unref(&keep2);
  CHECK(hs.live_blocks == 0);
  CHECK(hs.mallocs == hs.frees);
}

/* ---- errors and logging ------------------------------------------------ */

static void test_errors(void) {
  hc_err e;
  hc_err_clear(&e);
  CHECK(e.code == HEIC_OK && e.message[0] == 0);

  heic_status st = hc_fail(&e, HEIC_ERR_INVALID_INPUT, "box '%s' too short (%d bytes)", "ispe", 3);
  CHECK(st == HEIC_ERR_INVALID_INPUT);
  CHECK(e.code == HEIC_ERR_INVALID_INPUT);
  CHECK(strcmp(e.message, "box 'ispe' too short (3 bytes)") == 0);

  /* first error wins: code and message stay, but the return value is the new code */
  st = hc_fail(&e, HEIC_ERR_DECODER, "less specific");
  CHECK(st == HEIC_ERR_DECODER);
  CHECK(e.code == HEIC_ERR_INVALID_INPUT);
  CHECK(strcmp(e.message, "box 'ispe' too short (3 bytes)") == 0);

  /* oom shorthand */
  hc_err o;
  hc_err_clear(&o);
  CHECK(hc_fail_oom(&o) == HEIC_ERR_OUT_OF_MEMORY);
  CHECK(o.code == HEIC_ERR_OUT_OF_MEMORY);
  CHECK(strstr(o.message, "memory") != NULL);

  /* NULL err is allowed */
  CHECK(hc_fail(NULL, HEIC_ERR_IO, "nobody listens") == HEIC_ERR_IO);

  /* long messages are truncated, NUL-terminated */
  hc_err l;
  hc_err_clear(&l);
  char longtext[1000];
  memset(longtext, 'x', sizeof(longtext) - 1);
  longtext[sizeof(longtext) - 1] = 0;
  hc_fail(&l, HEIC_ERR_INTERNAL, "%s", longtext);
  CHECK(strlen(l.message) == sizeof(l.message) - 1);

  /* merge copies only into a clean error */
  hc_err d;
  hc_err_clear(&d);
  hc_err_merge(&d, &o);
  CHECK(d.code == HEIC_ERR_OUT_OF_MEMORY);
  hc_err_merge(&d, &e);
  CHECK(d.code == HEIC_ERR_OUT_OF_MEMORY);
  hc_err clean;
  hc_err_clear(&clean);
  hc_err d2;
  hc_err_clear(&d2);
  hc_err_merge(&d2, &clean);
  CHECK(d2.code == HEIC_OK);
}

static void test_status_strings(void) {
  static const heic_status all[] = {
      HEIC_OK,           HEIC_ERR_INVALID_ARGUMENT, HEIC_ERR_OUT_OF_MEMORY, HEIC_ERR_IO,
      HEIC_ERR_INVALID_INPUT, HEIC_ERR_UNSUPPORTED, HEIC_ERR_LIMIT_EXCEEDED, HEIC_ERR_NOT_FOUND,
      HEIC_ERR_DECODER,  HEIC_ERR_CANCELLED,        HEIC_ERR_INTERNAL,
  };
  const size_t n = sizeof(all) / sizeof(all[0]);
  const char *unknown = heic_status_string((heic_status)12345);
  CHECK(unknown != NULL);
  for (size_t i = 0; i < n; i++) {
    const char *s = heic_status_string(all[i]);
    CHECK(s != NULL);
    if (!s) continue;
    CHECK(s[0] != 0);
    CHECK(strcmp(s, unknown) != 0);
    for (size_t j = 0; j < i; j++) {
      const char *t = heic_status_string(all[j]);
      CHECK(t && strcmp(s, t) != 0); /* each code has its own text */
    }
  }
  CHECK(heic_status_string((heic_status)-1) != NULL);
  CHECK(strstr(heic_status_string(HEIC_ERR_OUT_OF_MEMORY), "memory") != NULL);

  CHECK(heic_version_number() == HEIC_VERSION_NUMBER);
  const char *v = heic_version_string();
  CHECK(v != NULL && v[0] != 0);
}

typedef struct log_capture {
  int calls;
  heic_log_level level;
  char text[600];
} log_capture;

static void capture_log(void *opaque, heic_log_level level, const char *message) {
  log_capture *c = opaque;
  c->calls++;
  c->level = level;
  snprintf(c->text, sizeof(c->text), "%s", message);
}

static void test_log(void) {
  hc_log none = {NULL, NULL};
  hc_logf(&none, HEIC_LOG_ERROR, "dropped %d", 1);
  hc_logf(NULL, HEIC_LOG_ERROR, "dropped %d", 2);
  log_capture cap;
  memset(&cap, 0, sizeof(cap));
  hc_log lg = {capture_log, &cap};
  hc_logf(&lg, HEIC_LOG_WARNING, "item %u: %s", 7u, "odd");
  CHECK(cap.calls == 1);
  CHECK(cap.level == HEIC_LOG_WARNING);
  CHECK(strcmp(cap.text, "item 7: odd") == 0);
  char longtext[2000];
  memset(longtext, 'y', sizeof(longtext) - 1);
  longtext[sizeof(longtext) - 1] = 0;
  hc_logf(&lg, HEIC_LOG_DEBUG, "%s", longtext);
  CHECK(cap.calls == 2);
  CHECK(strlen(cap.text) > 0 && strlen(cap.text) < sizeof(longtext) - 1);
}

/* ---- thread pool ------------------------------------------------------ */

#define MAX_INDICES 5000

typedef struct pool_job {
  atomic_int hits[MAX_INDICES];
  atomic_int calls;
} pool_job;

static void count_index(void *arg, size_t index) {
  pool_job *job = arg;
  atomic_fetch_add(&job->hits[index], 1);
  atomic_fetch_add(&job->calls, 1);
}

static int run_and_check(hc_pool *pool, pool_job *job, size_t n) {
  for (size_t i = 0; i < MAX_INDICES; i++) atomic_store(&job->hits[i], 0);
  atomic_store(&job->calls, 0);
  hc_pool_run(pool, n, count_index, job);
  int ok = atomic_load(&job->calls) == (int)n;
  for (size_t i = 0; i < MAX_INDICES; i++) {
    int want = i < n ? 1 : 0;
    if (atomic_load(&job->hits[i]) != want) ok = 0;
  }
  return ok;
}

static void test_thread_pool(void) {
  hook_stats hs;
  heic_allocator *a = new_counting_allocator(&hs);
  if (!a) return;
  hc_mem mem;
  hc_mem_init(&mem, a, 0);
  pool_job *job = calloc(1, sizeof(*job));
  CHECK(job != NULL);
  if (!job) {
    heic_allocator_free(&a);
    return;
  }
  static const int worker_counts[] = {0, 1, 3};
  static const size_t sizes[] = {0, 1, 2, 3, 4, 7, 64, 1000, MAX_INDICES};
  for (size_t w = 0; w < sizeof(worker_counts) / sizeof(worker_counts[0]); w++) {
    hc_err err;
    hc_err_clear(&err);
    hc_pool *pool = NULL;
    heic_status st = hc_pool_new(&pool, &mem, worker_counts[w], &err);
    CHECK(st == HEIC_OK);
    CHECK(pool != NULL);
    if (!pool) continue;
    CHECK(hc_pool_workers(pool) == worker_counts[w]);
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
      int ok = run_and_check(pool, job, sizes[s]);
      if (!ok) fprintf(stderr, "pool with %d workers, n=%zu\n", worker_counts[w], sizes[s]);
      CHECK(ok);
    }
    /* many jobs back to back on the same workers */
    int repeated_ok = 1;
    for (int rep = 0; rep < 300; rep++) repeated_ok &= run_and_check(pool, job, (size_t)(rep % 17) + 1);
    CHECK(repeated_ok);
    hc_pool_free(&pool);
    CHECK(pool == NULL);
    hc_pool_free(&pool); /* NULL accepted */
    CHECK(hc_mem_outstanding(&mem) == 0);
  }

  /* free while the workers are idle and have never run a job */
  for (int rep = 0; rep < 20; rep++) {
    hc_err err;
    hc_err_clear(&err);
    hc_pool *pool = NULL;
    CHECK(hc_pool_new(&pool, &mem, 3, &err) == HEIC_OK);
    hc_pool_free(&pool);
  }
  /* negative worker counts mean "none" */
  {
    hc_err err;
    hc_err_clear(&err);
    hc_pool *pool = NULL;
    CHECK(hc_pool_new(&pool, &mem, -4, &err) == HEIC_OK);
    CHECK(hc_pool_workers(pool) == 0);
    CHECK(run_and_check(pool, job, 10));
    hc_pool_free(&pool);
  }
  /* a NULL pool runs inline */
  CHECK(run_and_check(NULL, job, 25));
  CHECK(hc_pool_workers(NULL) == 0);

  /* allocation failure while creating a pool: each failure point is clean */
  for (uint64_t n = 1; n <= 4; n++) {
    hc_err err;
    hc_err_clear(&err);
    hc_pool *pool = NULL;
    heic_allocator_fail_at(a, n);
    heic_status st = hc_pool_new(&pool, &mem, 2, &err);
    if (st != HEIC_OK) {
      CHECK(pool == NULL);
      CHECK(err.code == st);
      CHECK(err.message[0] != 0);
    }
    hc_pool_free(&pool);
    heic_allocator_fail_at(a, 0);
    CHECK(hc_mem_outstanding(&mem) == 0);
  }

  int cpus = hc_cpu_count();
  CHECK(cpus >= 1 && cpus <= 64);

  free(job);
  CHECK(heic_allocator_outstanding_bytes(a) == 0);
  heic_allocator_free(&a);
  CHECK(hs.live_blocks == 0);
}

/* Nested runs: every index of an outer run starts an inner run on the same
 * pool (as a grid whose tiles are grids does), three levels deep.  The old
 * single-job pool gave wrong counts with 1 worker and hung with 3: a worker
 * waited for the busy count to reach zero while counting itself. */
enum { NEST_OUTER = 6, NEST_MIDDLE = 5, NEST_INNER = 7 };

typedef struct nest_job {
  hc_pool *pool;
  atomic_int leaf_hits[NEST_OUTER][NEST_MIDDLE][NEST_INNER];
} nest_job;

typedef struct nest_frame {
  nest_job *job;
  size_t outer, middle;
} nest_frame;

static void nest_leaf(void *arg, size_t i) {
  nest_frame *f = arg;
  atomic_fetch_add(&f->job->leaf_hits[f->outer][f->middle][i], 1);
}

static void nest_middle(void *arg, size_t i) {
  nest_frame *outer = arg;
  nest_frame f = {outer->job, outer->outer, i};
  hc_pool_run(f.job->pool, NEST_INNER, nest_leaf, &f);
}

static void nest_outer(void *arg, size_t i) {
  nest_frame f = {arg, i, 0};
  hc_pool_run(f.job->pool, NEST_MIDDLE, nest_middle, &f);
}

static void test_thread_pool_nested(void) {
  hc_mem mem;
  heic_allocator *a = NULL;
  CHECK(heic_allocator_new(&a, NULL) == HEIC_OK);
  if (!a) return;
  hc_mem_init(&mem, a, 0);
  nest_job *job = calloc(1, sizeof(*job));
  CHECK(job != NULL);
  for (int workers = 0; job && workers <= 7; workers++) {
    hc_err err;
    hc_err_clear(&err);
    CHECK(hc_pool_new(&job->pool, &mem, workers, &err) == HEIC_OK);
    int ok = 1;
    for (int rep = 0; rep < 50; rep++) {
      memset(job->leaf_hits, 0, sizeof(job->leaf_hits));
      hc_pool_run(job->pool, NEST_OUTER, nest_outer, job);
      for (int o = 0; o < NEST_OUTER; o++)
        for (int m = 0; m < NEST_MIDDLE; m++)
          for (int l = 0; l < NEST_INNER; l++) ok &= atomic_load(&job->leaf_hits[o][m][l]) == 1;
    }
    if (!ok) fprintf(stderr, "nested pool runs with %d workers miscounted\n", workers);
    CHECK(ok);
    hc_pool_free(&job->pool);
  }
  free(job);
  CHECK(hc_mem_outstanding(&mem) == 0);
  heic_allocator_free(&a);
}

int main(void) {
  test_allocator_accounting();
  test_allocator_fail_at();
  test_allocator_limit();
  test_mem_limit();
  test_overflow_wrappers();
  test_allocator_hooks();
  test_buffers();
  test_errors();
  test_status_strings();
  test_log();
  test_thread_pool();
  test_thread_pool_nested();
  printf("test_core: %d checks, %d failed\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
