/* One C source, compiled into many fake plugins (see CMakeLists.txt): a well-behaved one
 * whose behaviour is chosen by its "mode" option, and broken ones selected by FAKE_* macros. */
#include <sinkhub/sink.h>
#include "fake_plugin_util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FAKE_ID
#define FAKE_ID "fake"
#endif

typedef struct fake {
  const sinkhub_host *host;
  sinkhub_host_instance *hi;
  char mode[64];
  char url[512];
  int32_t http_in_create;
} fake;



static int32_t fake_create(const sinkhub_create_args *a, sinkhub_instance **out, sinkhub_result *r) {
  fake *f;
  *out = NULL;
  f = (fake *)calloc(1, sizeof *f);
  if (!f) return SINKHUB_FATAL;
  f->host = a->host;
  f->hi = a->host_instance;
  option(a->options_json.ptr, a->options_json.len, "mode", f->mode, sizeof f->mode);
  option(a->options_json.ptr, a->options_json.len, "url", f->url, sizeof f->url);
  if (strcmp(f->mode, "reject_create") == 0) {
    sinkhub_result_set_message(r, "option 'mode': reject_create asked for it");
    free(f);
    return SINKHUB_REJECT;
  }
  if (strcmp(f->mode, "http_in_create") == 0) {
    sinkhub_http_request req;
    sinkhub_http_response resp;
    memset(&req, 0, sizeof req);
    memset(&resp, 0, sizeof resp);
    req.struct_size = sizeof req;
    resp.struct_size = sizeof resp;
    req.method.ptr = "GET";
    req.method.len = 3;
    req.url.ptr = "http://127.0.0.1:9/";
    req.url.len = strlen(req.url.ptr);
    f->http_in_create = a->host->http_request(a->host_instance, NULL, &req, &resp);
  }
  /* The second counter lacks the _total suffix that Prometheus names counters with: the host adds it. */
  if (a->host->metric_define(a->host_instance, SINKHUB_METRIC_COUNTER, "fake_items_total", "items seen") != 0 ||
      a->host->metric_define(a->host_instance, SINKHUB_METRIC_COUNTER, "fake_calls", "deliver calls") != 1) {
    free(f);
    sinkhub_result_set_message(r, "metric_define failed");
    return SINKHUB_FATAL;
  }
  *out = (sinkhub_instance *)f;
  return SINKHUB_OK;
}

static int32_t fake_deliver(sinkhub_instance *inst, const sinkhub_run_context *ctx, const sinkhub_batch *b,
                            sinkhub_result *r) {
  fake *f = (fake *)inst;
  char msg[256];
  f->host->metric_record(f->hi, 0, (double)b->item_count);
  f->host->metric_record(f->hi, 1, 1);
  if (strcmp(f->mode, "retry") == 0) {
    r->retry_after_ms = 1500;
    r->items_accepted = 1;
    sinkhub_result_set_message(r, "destination busy");
    return SINKHUB_RETRY;
  }
  if (strcmp(f->mode, "reject") == 0) {
    r->dest_status = 400;
    sinkhub_result_set_message(r, "destination says the data is invalid");
    return SINKHUB_REJECT;
  }
  if (strcmp(f->mode, "fatal") == 0) {
    sinkhub_result_set_message(r, "credentials revoked");
    return SINKHUB_FATAL;
  }
#ifdef SINKHUB_RESULT_BUSY
  /* ABI 1.3: RETRY flagged BUSY, alone (busy), with items accepted or a rewind (plugin bugs),
   * or on a REJECT (meaningless). The host presets flags to 0 in a 1.3-sized result. */
  if (strncmp(f->mode, "busy", 4) == 0) {
    if (!SINKHUB_HAS(r, sinkhub_result, flags) || r->flags != 0 || r->reserved_0 != 0) {
      sinkhub_result_set_message(r, "the host's result has no zeroed flags");
      return SINKHUB_FATAL;
    }
    r->flags = SINKHUB_RESULT_BUSY;
    r->retry_after_ms = 250;
    sinkhub_result_set_message(r, "tab 'Leads' is being written by another delivery");
    if (strcmp(f->mode, "busy_accepting") == 0) r->items_accepted = 1;
    if (strcmp(f->mode, "busy_rewinding") == 0) r->resume_from_item = 0;
    return strcmp(f->mode, "busy_reject") == 0 ? SINKHUB_REJECT : SINKHUB_RETRY;
  }
#endif
  if (strcmp(f->mode, "bogus") == 0) return 42;
  if (strcmp(f->mode, "partial") == 0) {
    r->items_accepted = 1;
    return SINKHUB_OK;
  }
  if (strcmp(f->mode, "overclaim") == 0) {
    r->items_accepted = b->item_count + 100;
    return SINKHUB_OK;
  }
  if (strcmp(f->mode, "long_message") == 0) {
    /* Writes past what the host allows; the host's cap and terminator must hold. */
    size_t i;
    for (i = 0; i + 1 < r->message_cap; ++i) r->message[i] = 'x';
    r->message[r->message_cap - 1] = 'y'; /* not terminated: the host must cope */
    return SINKHUB_REJECT;
  }
  if (strcmp(f->mode, "checkpoint") == 0) {
    snprintf(msg, sizeof msg, "cp-%llu-%.*s", (unsigned long long)(ctx->item_offset + b->item_count),
             (int)ctx->checkpoint_len, ctx->checkpoint ? (const char *)ctx->checkpoint : "");
    if (f->host->checkpoint_save(ctx->call, msg, strlen(msg)) != SINKHUB_E_OK) return SINKHUB_FATAL;
    return SINKHUB_OK;
  }
  if (strcmp(f->mode, "overrun") == 0) {
    while (f->host->monotonic_ms(f->hi) <= ctx->deadline_monotonic_ms + 50) sleep_ms(10);
    return SINKHUB_OK;
  }
  if (strcmp(f->mode, "wait_cancel") == 0) {
    int i;
    for (i = 0; i < 1000 && !f->host->call_cancelled(ctx->call); ++i) sleep_ms(10);
    sinkhub_result_set_message(r, i < 1000 ? "stopped on cancel" : "never cancelled");
    return SINKHUB_RETRY;
  }
  if (strcmp(f->mode, "http") == 0) {
    sinkhub_http_request req;
    sinkhub_http_response resp;
    char body[64];
    int32_t rc;
    memset(&req, 0, sizeof req);
    memset(&resp, 0, sizeof resp);
    req.struct_size = sizeof req;
    resp.struct_size = sizeof resp;
    req.method.ptr = "POST";
    req.method.len = 4;
    req.url.ptr = f->url;
    req.url.len = strlen(f->url);
    req.body = b->data;
    req.body_len = b->data_len;
    resp.body_buf = body;
    resp.body_cap = sizeof body - 1;
    rc = f->host->http_request(f->hi, ctx->call, &req, &resp);
    body[resp.body_len] = '\0';
    snprintf(msg, sizeof msg, "rc=%d status=%d retry_after=%lld body=%s", (int)rc, (int)resp.status,
             (long long)resp.retry_after_ms, body);
    sinkhub_result_set_message(r, msg);
    return rc == SINKHUB_E_OK && resp.status == 200 ? SINKHUB_OK : SINKHUB_RETRY;
  }
  if (strcmp(f->mode, "http_in_create") == 0) {
    snprintf(msg, sizeof msg, "create http rc=%d", (int)f->http_in_create);
    sinkhub_result_set_message(r, msg);
    return SINKHUB_OK;
  }
  snprintf(msg, sizeof msg, "%s got %llu items at %llu attempt %u", ctx->delivery_id.ptr,
           (unsigned long long)b->item_count, (unsigned long long)ctx->item_offset, (unsigned)ctx->attempt);
  sinkhub_result_set_message(r, msg);
  return SINKHUB_OK;
}

static void fake_destroy(sinkhub_instance *inst) { free(inst); }

#ifdef FAKE_NEEDS_GHOST
extern int ghost_function(void);
int call_ghost(void) { return ghost_function(); }
#endif

static const sinkhub_plugin_descriptor descriptor = {
#ifdef FAKE_TOO_SMALL
    16,
#else
    sizeof(sinkhub_plugin_descriptor),
#endif
#ifdef FAKE_MAJOR
    FAKE_MAJOR,
#else
    SINKHUB_ABI_VERSION_MAJOR,
#endif
    SINKHUB_ABI_VERSION_MINOR,
#ifdef FAKE_MIN_HOST_MINOR
    FAKE_MIN_HOST_MINOR,
#else
    SINKHUB_ABI_VERSION_MINOR,
#endif
    FAKE_ID,
    "Fake sink",
    "0.0.1",
    "test double for the plugin host",
#if defined(FAKE_BAD_SCHEMA)
    "[\"not\", \"a schema\"]",
#elif defined(FAKE_PATTERN_SCHEMA) /* a keyword the host does not check */
    "{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\",\"pattern\":\"^https://\"}}}",
#else
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"mode\":{\"type\":\"string\","
    "\"default\":\"ok\",\"description\":\"what the fake does\"},\"url\":{\"type\":\"string\"}},"
    "\"required\":[]}",
#endif
    0, /* capabilities */
    1, /* max_concurrency */
    0,
    0, /* max_items */
    0, 0, 0, 0, 0,
    fake_create,
    NULL, /* open */
#ifdef FAKE_NO_DELIVER
    NULL,
#else
    fake_deliver,
#endif
    NULL, /* flush */
    NULL, /* close */
    fake_destroy,
};

#ifndef FAKE_NO_ENTRY
SINKHUB_EXPORT const sinkhub_plugin_descriptor *sinkhub_plugin_entry_v1(uint32_t host_abi_major,
                                                                        uint32_t host_abi_minor) {
  (void)host_abi_minor;
#ifdef FAKE_DECLINE
  return NULL;
#endif
  return host_abi_major == 1 ? &descriptor : NULL;
}
#else
SINKHUB_EXPORT int not_a_sinkhub_plugin(void) { return descriptor.abi_major == 0; }
#endif
