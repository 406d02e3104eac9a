/* A scriptable sink plugin for the delivery-engine tests (plugin id "delivery-test"; built
 * again with TS_ID/TS_CAPS as "delivery-test-restart" (SINKHUB_CAP_RESTART_ON_RETRY) and
 * "delivery-test-noitems" (SINKHUB_CAP_NO_ITEMS), "delivery-test-partial" (SINKHUB_CAP_PARTIAL),
 * "delivery-test-wide" (max_concurrency 4, TS_CONCURRENCY) and
 * "delivery-test-buffered" (SINKHUB_CAP_BUFFERED, with a flush() that waits for `marker`)).
 *
 * Options (all strings):
 *   mode            ok | reject | fatal | retry_n | fail_until_marker | fatal_until_marker | crash | hang
 *                   crash: deliver() logs the call (rc=-1) and writes through a null pointer (SIGSEGV);
 *                   hang: deliver() logs the call (rc=-1) and blocks, ignoring call_cancelled and its
 *                   deadline, until `marker` exists (forever without one), then behaves as ok
 *   log             file that gets one line per deliver() call (appended, one write each):
 *                   "t=<unix ms> id=<delivery_id> attempt=<n> flags=<bits> offset=<item_offset>
 *                    count=<item_count> batch=<batch_index> cp=<checkpoint or -> rc=<code>
 *                    sink=<instance name>"
 *   marker          path of a marker file (the *_until_marker modes)
 *   n               retry_n: how many calls answer RETRY before the first OK (per instance)
 *   retry_after_ms  RETRY answers carry this retry_after_ms (default: none)
 *   delay_ms        every call takes this long while `marker` is unset or absent (watching
 *                   call_cancelled: a cancelled call returns RETRY with nothing accepted)
 *   message         message of REJECT / FATAL / RETRY answers
 *   batch_items     max_batch_items limit of the instance
 *   max_items       max_items limit of the instance (the sink needs only the first N items)
 *   retry_at        (mode ok) the retry_at-th call of the instance answers RETRY instead,
 *   accept          accepting this many items of its batch first
 *   retry_every     (mode ok) so does every retry_every-th call (calls answered BUSY do not count)
 *   ok_accept       OK answers accept only this many items of the batch (partial acceptance)
 *   dest_status     OK answers report this dest_status (the destination's status; default 0: none)
 *   fail_status     RETRY / REJECT / FATAL answers report this dest_status (default 0: none)
 * open() and close() append "open t=<unix ms>" and "close t=<unix ms>" to `log`.life (when
 * `log` is set), so tests can see when an instance starts and stops serving (a reload).
 *   rewind_at       (ABI 1.2) the rewind_at-th call of the instance asks the host to resume the
 *   rewind_to       delivery at item rewind_to (sinkhub_result.resume_from_item), staging the
 *   rewind_code     checkpoint "rw-<rewind_to>" (nothing for item 0), answering rewind_code
 *   rewind_accept   (ok | retry | reject; default ok) with items_accepted = rewind_accept
 *                   (default: unset)
 *   busy            (ABI 1.3) the first `busy` calls of the instance, whatever the mode, answer
 *                   RETRY flagged SINKHUB_RESULT_BUSY ("busy with another delivery"), nothing
 *                   accepted, with `message` (default "delivery-test waits for another delivery")
 *                   and `retry_after_ms`
 *   one_writer      (ABI 1.3) "1": one delivery at a time holds the instance, from its first
 *                   call until its last batch is answered OK (a one-writer destination such as
 *                   the gsheets sink's tab); the others' calls answer BUSY at once, with
 *                   `message` and `retry_after_ms`, before any delay_ms
 * The log line also has "first=<i>": the "i" field of the batch's first item when it starts
 * with {"i":N (the fake's generated items), else -1; "conc=<n>": deliver() calls running on
 * the instance when this one started (1 = alone); "bz=<0|1>": whether the answer was flagged
 * SINKHUB_RESULT_BUSY.
 * On OK the sink stages a checkpoint "cp-<item_offset + item_count>" so tests can see the
 * checkpoint travel with the progress (across retries and restarts). */
#include <sinkhub/sink.h>
#include "fake_plugin_util.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct tsink {
  const sinkhub_host *host;
  sinkhub_host_instance *hi;
  char name[128];
  char mode[64];
  char log[1024];
  char marker[1024];
  char message[512];
  long n;
  long long retry_after_ms;
  long delay_ms;
  long retry_at;
  long retry_every;
  unsigned long long accept;
  long long ok_accept;
  int32_t dest_status, fail_status;
  long rewind_at;
  long long rewind_to, rewind_accept;
  long busy;
  int one_writer;
  char writer[128]; /* one_writer: the delivery holding the instance ("" = none); guarded by mu */
  char rewind_code[16];
  pthread_mutex_t mu;
  long calls;
  int in_flight; /* deliver() calls running right now on this instance */
  int *nowhere;  /* crash mode writes through it (NULL) */
} tsink;


static long long option_int(const char *json, size_t len, const char *key, long long def) {
  char buf[64];
  option(json, len, key, buf, sizeof buf);
  return buf[0] ? atoll(buf) : def;
}

static int exists(const char *path) { return path[0] && access(path, F_OK) == 0; }


static int32_t ts_create(const sinkhub_create_args *a, sinkhub_instance **out, sinkhub_result *r) {
  tsink *t;
  const char *j = a->options_json.ptr;
  size_t l = a->options_json.len;
  long long batch_items;
  *out = NULL;
  t = (tsink *)calloc(1, sizeof *t);
  if (!t) return SINKHUB_FATAL;
  t->host = a->host;
  t->hi = a->host_instance;
  snprintf(t->name, sizeof t->name, "%.*s", (int)a->instance_name.len, a->instance_name.ptr);
  option(j, l, "mode", t->mode, sizeof t->mode);
  if (!t->mode[0]) strcpy(t->mode, "ok");
  option(j, l, "log", t->log, sizeof t->log);
  option(j, l, "marker", t->marker, sizeof t->marker);
  option(j, l, "message", t->message, sizeof t->message);
  t->n = (long)option_int(j, l, "n", 0);
  t->retry_after_ms = option_int(j, l, "retry_after_ms", -1);
  t->delay_ms = (long)option_int(j, l, "delay_ms", 0);
  t->retry_at = (long)option_int(j, l, "retry_at", 0);
  t->retry_every = (long)option_int(j, l, "retry_every", 0);
  t->accept = (unsigned long long)option_int(j, l, "accept", 0);
  t->ok_accept = option_int(j, l, "ok_accept", -1);
  t->dest_status = (int32_t)option_int(j, l, "dest_status", 0);
  t->fail_status = (int32_t)option_int(j, l, "fail_status", 0);
  t->rewind_at = (long)option_int(j, l, "rewind_at", 0);
  t->rewind_to = option_int(j, l, "rewind_to", 0);
  t->rewind_accept = option_int(j, l, "rewind_accept", -1);
  option(j, l, "rewind_code", t->rewind_code, sizeof t->rewind_code);
  t->busy = (long)option_int(j, l, "busy", 0);
  t->one_writer = option_int(j, l, "one_writer", 0) == 1;
  batch_items = option_int(j, l, "batch_items", 0);
  if (batch_items > 0) a->limits->max_batch_items = (uint64_t)batch_items;
  if (option_int(j, l, "max_items", 0) > 0) a->limits->max_items = (uint64_t)option_int(j, l, "max_items", 0);
  if (strcmp(t->mode, "ok") && strcmp(t->mode, "reject") && strcmp(t->mode, "fatal") && strcmp(t->mode, "retry_n") &&
      strcmp(t->mode, "fail_until_marker") && strcmp(t->mode, "fatal_until_marker") && strcmp(t->mode, "crash") &&
      strcmp(t->mode, "hang")) {
    sinkhub_result_set_message(r, "option 'mode': unknown mode");
    free(t);
    return SINKHUB_REJECT;
  }
  pthread_mutex_init(&t->mu, NULL);
  *out = (sinkhub_instance *)t;
  return SINKHUB_OK;
}

static long long first_index(const sinkhub_batch *b) {
  if (b->item_count == 0 || b->data_len < 6 || strncmp(b->data, "{\"i\":", 5) != 0) return -1;
  return atoll(b->data + 5);
}

static void log_call(tsink *t, const sinkhub_run_context *ctx, const sinkhub_batch *b, const sinkhub_result *r,
                     int32_t rc, int conc) {
  char line[1024];
  int n, fd;
  sinkhub_str actor = {"-", 1}; /* ABI 1.1 actor_name; a build against the 1.0 header logs "-" */
  long long rewind = -1;         /* ABI 1.2 resume_from_item asked for, -1 for none */
  int busy = 0;                  /* ABI 1.3 SINKHUB_RESULT_BUSY set */
  if (!t->log[0]) return;
#ifdef SINKHUB_RESULT_BUSY
  busy = r && SINKHUB_HAS(r, sinkhub_result, flags) && (r->flags & SINKHUB_RESULT_BUSY) ? 1 : 0;
#endif
#if SINKHUB_ABI_VERSION_MINOR >= 2
  if (r && SINKHUB_HAS(r, sinkhub_result, resume_from_item) && r->resume_from_item != SINKHUB_ITEMS_UNSET)
    rewind = (long long)r->resume_from_item;
#else
  (void)r;
#endif
#ifdef SINKHUB_CTX_COUNT_SETTLING
  if (SINKHUB_HAS(ctx, sinkhub_run_context, actor_name) && ctx->actor_name.len) actor = ctx->actor_name;
#endif
  n = snprintf(line, sizeof line,
               "t=%lld id=%.*s attempt=%u flags=%u offset=%llu count=%llu batch=%u cp=%.*s rc=%d sink=%s first=%lld "
               "total=%lld conc=%d an=%.*s rw=%lld bz=%d\n",
               (long long)t->host->now_unix_ms(t->hi), (int)ctx->delivery_id.len, ctx->delivery_id.ptr,
               (unsigned)ctx->attempt, (unsigned)ctx->flags, (unsigned long long)ctx->item_offset,
               (unsigned long long)b->item_count, (unsigned)ctx->batch_index,
               ctx->checkpoint_len ? (int)ctx->checkpoint_len : 1,
               ctx->checkpoint_len ? (const char *)ctx->checkpoint : "-", (int)rc, t->name, first_index(b),
               (long long)ctx->dataset_item_count, conc, (int)actor.len, actor.ptr, rewind, busy);
  if (n <= 0) return;
  if ((size_t)n >= sizeof line) n = (int)sizeof line - 1;
  fd = open(t->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  if (write(fd, line, (size_t)n) < 0) { /* best effort */
  }
  close(fd);
}

static int32_t answer_busy(tsink *t, sinkhub_result *r) {
  r->retry_after_ms = t->retry_after_ms;
  r->items_accepted = 0;
#ifdef SINKHUB_RESULT_BUSY
  if (SINKHUB_HAS(r, sinkhub_result, flags)) r->flags |= SINKHUB_RESULT_BUSY;
#endif
  sinkhub_result_set_message(r, t->message[0] ? t->message : "delivery-test waits for another delivery");
  return SINKHUB_RETRY;
}

/* one_writer: takes the instance for this delivery, or says who holds it (0). */
static int take_turn(tsink *t, const sinkhub_run_context *ctx) {
  char me[128];
  int mine;
  snprintf(me, sizeof me, "%.*s", (int)ctx->delivery_id.len, ctx->delivery_id.ptr);
  pthread_mutex_lock(&t->mu);
  if (!t->writer[0]) snprintf(t->writer, sizeof t->writer, "%s", me);
  mine = !strcmp(t->writer, me);
  pthread_mutex_unlock(&t->mu);
  return mine;
}

static void end_turn(tsink *t, const sinkhub_run_context *ctx, int32_t rc) {
  if (!t->one_writer || rc != SINKHUB_OK || !(ctx->flags & SINKHUB_CTX_LAST_BATCH)) return;
  pthread_mutex_lock(&t->mu);
  t->writer[0] = '\0';
  pthread_mutex_unlock(&t->mu);
}

static int32_t decide(tsink *t, const sinkhub_run_context *ctx, const sinkhub_batch *b, sinkhub_result *r) {
  char cp[64];
  long call;
  if (t->one_writer && !take_turn(t, ctx)) return answer_busy(t, r);
  if (t->delay_ms > 0 && !exists(t->marker)) {
    long waited = 0;
    while (waited < t->delay_ms) {
      if (t->host->call_cancelled(ctx->call)) {
        r->items_accepted = 0;
        sinkhub_result_set_message(r, "cancelled while busy");
        return SINKHUB_RETRY;
      }
      sleep_ms(5);
      waited += 5;
    }
  }
  pthread_mutex_lock(&t->mu);
  call = ++t->calls;
  pthread_mutex_unlock(&t->mu);
  if (call <= t->busy) return answer_busy(t, r);
  if (!strcmp(t->mode, "reject")) {
    sinkhub_result_set_message(r, t->message[0] ? t->message : "delivery-test rejects this delivery");
    return SINKHUB_REJECT;
  }
  if (!strcmp(t->mode, "fatal") || (!strcmp(t->mode, "fatal_until_marker") && !exists(t->marker))) {
    sinkhub_result_set_message(r, t->message[0] ? t->message : "delivery-test is broken");
    return SINKHUB_FATAL;
  }
  if ((!strcmp(t->mode, "retry_n") && call <= t->n) || (!strcmp(t->mode, "fail_until_marker") && !exists(t->marker))) {
    r->retry_after_ms = t->retry_after_ms;
    r->items_accepted = 0;
    sinkhub_result_set_message(r, t->message[0] ? t->message : "delivery-test is busy");
    return SINKHUB_RETRY;
  }
#if SINKHUB_ABI_VERSION_MINOR >= 2
  if (call == t->rewind_at && SINKHUB_HAS(r, sinkhub_result, resume_from_item)) {
    if (t->rewind_to > 0) {
      snprintf(cp, sizeof cp, "rw-%lld", t->rewind_to);
      t->host->checkpoint_save(ctx->call, cp, strlen(cp));
    }
    r->resume_from_item = (uint64_t)t->rewind_to;
    if (t->rewind_accept >= 0) r->items_accepted = (uint64_t)t->rewind_accept;
    sinkhub_result_set_message(r, "delivery-test: start again earlier");
    if (!strcmp(t->rewind_code, "retry")) return SINKHUB_RETRY;
    if (!strcmp(t->rewind_code, "reject")) return SINKHUB_REJECT;
    return SINKHUB_OK;
  }
#endif
  if (!strcmp(t->mode, "ok") && (call == t->retry_at || (t->retry_every > 0 && call % t->retry_every == 0))) {
    r->items_accepted = t->accept < b->item_count ? t->accept : b->item_count;
    r->retry_after_ms = t->retry_after_ms;
    snprintf(cp, sizeof cp, "cp-%llu", (unsigned long long)(ctx->item_offset + r->items_accepted));
    t->host->checkpoint_save(ctx->call, cp, strlen(cp));
    sinkhub_result_set_message(r, "delivery-test: partial batch, retry the rest");
    return SINKHUB_RETRY;
  }
  if (t->ok_accept >= 0 && (unsigned long long)t->ok_accept < b->item_count) r->items_accepted = (uint64_t)t->ok_accept;
  snprintf(cp, sizeof cp, "cp-%llu",
           (unsigned long long)(ctx->item_offset + (r->items_accepted == SINKHUB_ITEMS_UNSET ? b->item_count : r->items_accepted)));
  if (!(ctx->flags & SINKHUB_CTX_EVENT_ONLY)) t->host->checkpoint_save(ctx->call, cp, strlen(cp));
  return SINKHUB_OK;
}

/* A real SIGSEGV also in sanitizer builds (UBSan would report the null store and exit 1). */
#if defined(__GNUC__)
__attribute__((noinline, no_sanitize("address", "undefined")))
#endif
static void crash_now(tsink *t) {
  *(volatile int *)t->nowhere = 1;
}

static int32_t ts_deliver(sinkhub_instance *inst, const sinkhub_run_context *ctx, const sinkhub_batch *b,
                          sinkhub_result *r) {
  tsink *t = (tsink *)inst;
  int32_t rc;
  int conc;
  pthread_mutex_lock(&t->mu);
  conc = ++t->in_flight;
  pthread_mutex_unlock(&t->mu);
  if (!strcmp(t->mode, "crash")) {
    log_call(t, ctx, b, NULL, -1, conc);
    crash_now(t); /* a plugin bug: SIGSEGV, the daemon dies */
  }
  if (!strcmp(t->mode, "hang")) {
    log_call(t, ctx, b, NULL, -1, conc);
    while (!exists(t->marker)) sleep_ms(20); /* deaf to call_cancelled and to its deadline */
  }
  rc = decide(t, ctx, b, r);
  end_turn(t, ctx, rc);
  r->dest_status = rc == SINKHUB_OK ? t->dest_status : t->fail_status;
  pthread_mutex_lock(&t->mu);
  --t->in_flight;
  pthread_mutex_unlock(&t->mu);
  log_call(t, ctx, b, r, rc, conc);
  return rc;
}

static void log_life(tsink *t, const char *what) {
  char path[1100], line[64];
  int fd, n;
  if (!t->log[0]) return;
  snprintf(path, sizeof path, "%s.life", t->log);
  n = snprintf(line, sizeof line, "%s t=%lld\n", what, (long long)t->host->now_unix_ms(t->hi));
  fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  if (write(fd, line, (size_t)n) < 0) { /* best effort */
  }
  close(fd);
}

static int32_t ts_open(sinkhub_instance *inst, int64_t deadline, sinkhub_result *r) {
  (void)deadline;
  (void)r;
  log_life((tsink *)inst, "open");
  return SINKHUB_OK;
}

static int32_t ts_close(sinkhub_instance *inst, int64_t deadline, sinkhub_result *r) {
  (void)deadline;
  (void)r;
  log_life((tsink *)inst, "close");
  return SINKHUB_OK;
}

static void ts_destroy(sinkhub_instance *inst) {
  tsink *t = (tsink *)inst;
  pthread_mutex_destroy(&t->mu);
  free(t);
}

#ifndef TS_ID
#define TS_ID "delivery-test"
#endif
#ifndef TS_CAPS
#define TS_CAPS 0
#endif
#ifndef TS_CONCURRENCY
#define TS_CONCURRENCY 1
#endif

#ifdef TS_FLUSH
/* Built with TS_FLUSH (SINKHUB_CAP_BUFFERED): flush() refuses while `marker` is set and
 * absent, and appends "flush rc=<code>" to `log`.flush. */
static int32_t ts_flush(sinkhub_instance *inst, int64_t deadline, sinkhub_result *r) {
  tsink *t = (tsink *)inst;
  const int32_t rc = (t->marker[0] && !exists(t->marker)) ? SINKHUB_RETRY : SINKHUB_OK;
  (void)deadline;
  if (t->log[0]) {
    char path[1100], line[64];
    int fd, n;
    snprintf(path, sizeof path, "%s.flush", t->log);
    n = snprintf(line, sizeof line, "flush rc=%d\n", (int)rc);
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      if (write(fd, line, (size_t)n) < 0) { /* best effort */
      }
      close(fd);
    }
  }
  if (rc != SINKHUB_OK) sinkhub_result_set_message(r, "flush refused");
  return rc;
}
#endif

static const sinkhub_plugin_descriptor descriptor = {
    sizeof(sinkhub_plugin_descriptor),
    SINKHUB_ABI_VERSION_MAJOR,
    SINKHUB_ABI_VERSION_MINOR,
    SINKHUB_ABI_VERSION_MINOR,
    TS_ID,
    "Delivery test sink",
    "0.0.1",
    "scriptable sink for the delivery engine tests",
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
    "\"mode\":{\"type\":\"string\"},\"log\":{\"type\":\"string\"},\"marker\":{\"type\":\"string\"},"
    "\"n\":{\"type\":\"string\"},\"retry_after_ms\":{\"type\":\"string\"},\"delay_ms\":{\"type\":\"string\"},"
    "\"message\":{\"type\":\"string\"},\"batch_items\":{\"type\":\"string\"},"
    "\"max_items\":{\"type\":\"string\"},\"retry_at\":{\"type\":\"string\"},\"retry_every\":{\"type\":\"string\"},\"accept\":{\"type\":\"string\"},"
    "\"ok_accept\":{\"type\":\"string\"},\"dest_status\":{\"type\":\"string\"},"
    "\"fail_status\":{\"type\":\"string\"},"
    "\"ok_accept\":{\"type\":\"string\"},\"rewind_at\":{\"type\":\"string\"},\"rewind_to\":{\"type\":\"string\"},"
    "\"rewind_code\":{\"type\":\"string\"},\"rewind_accept\":{\"type\":\"string\"},"
    "\"busy\":{\"type\":\"string\"},\"one_writer\":{\"type\":\"string\"}}}",
    TS_CAPS, /* capabilities */
    TS_CONCURRENCY, /* max_concurrency */
    0,
    0, /* max_items */
    0, 0, 0, 0, 0,
    ts_create,
    ts_open,
    ts_deliver,
#ifdef TS_FLUSH
    ts_flush,
#else
    NULL, /* flush */
#endif
    ts_close,
    ts_destroy,
};

SINKHUB_EXPORT const sinkhub_plugin_descriptor *sinkhub_plugin_entry_v1(uint32_t host_abi_major,
                                                                        uint32_t host_abi_minor) {
  (void)host_abi_minor;
  return host_abi_major == 1 ? &descriptor : NULL;
}
