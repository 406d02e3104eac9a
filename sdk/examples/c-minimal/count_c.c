/* count_c: a minimal sinkhub sink written in plain C99.
 * It accepts every batch, counts the items of each delivery and logs the
 * total through the host's log service on the last batch. Build: see
 * CMakeLists.txt.
 *
 * Options in C: the option table of sinkhub/options.hpp is C++, so a C plugin
 * takes the schema-only path. Its descriptor's JSON Schema is its contract
 * with the host, which checks every instance against it before create() and
 * reports errors with the config file's line (types, bounds, required keys,
 * unknown keys with the known ones), and `sinkhub plugins` shows each
 * property's description and default. create() then reads options_json, which
 * holds only what the schema allows, each value of its property's type, with
 * every `default` of the schema filled in for an option the configuration
 * leaves out, with the JSON library of the plugin's choice.
 * This one takes no options: the closed, empty schema below makes the host
 * refuse any. */
#include <sinkhub/sink.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct count_sink {
  const sinkhub_host *host;      /* static host services table */
  sinkhub_host_instance *hi;     /* our handle for host services */
  int32_t items_metric;          /* metric id, or negative when undefined */
} count_sink;

static void say(count_sink *s, int32_t level, const char *msg) {
  size_t n = 0;
  while (msg[n]) ++n;
  s->host->log(s->hi, level, msg, n);
}

static int32_t count_create(const sinkhub_create_args *args, sinkhub_instance **out,
                            sinkhub_result *result) {
  count_sink *s;
  *out = NULL;
  /* The host validated options against our schema (an empty object). */
  s = (count_sink *)calloc(1, sizeof *s);
  if (s == NULL) {
    sinkhub_result_set_message(result, "out of memory");
    return SINKHUB_FATAL;
  }
  s->host = args->host;
  s->hi = args->host_instance;
  s->items_metric = s->host->metric_define(s->hi, SINKHUB_METRIC_COUNTER, "count_c_items_total",
                                           "Items seen by the count_c example sink");
  *out = (sinkhub_instance *)s;
  return SINKHUB_OK;
}

static int32_t count_deliver(sinkhub_instance *inst, const sinkhub_run_context *ctx,
                             const sinkhub_batch *batch, sinkhub_result *result) {
  count_sink *s = (count_sink *)inst;
  char line[512];
  (void)result; /* OK with items_accepted left UNSET means "all items accepted" */
  if (ctx->flags & SINKHUB_CTX_EVENT_ONLY) {
    snprintf(line, sizeof line, "event %s for run %s (no items)", ctx->event_type.ptr,
             ctx->run_id.ptr);
    say(s, SINKHUB_LOG_INFO, line);
    return SINKHUB_OK;
  }
  s->host->metric_record(s->hi, s->items_metric, (double)batch->item_count);
  if (ctx->flags & SINKHUB_CTX_LAST_BATCH) {
    snprintf(line, sizeof line, "run %s: %llu items delivered (%s)", ctx->run_id.ptr,
             (unsigned long long)(ctx->item_offset + batch->item_count), ctx->event_type.ptr);
    say(s, SINKHUB_LOG_INFO, line);
  }
  return SINKHUB_OK;
}

static void count_destroy(sinkhub_instance *inst) { free(inst); }

/* Designated initializers: what is not named is 0 / NULL (no capability,
 * host-default batch sizes, no open, flush or close). */
static const sinkhub_plugin_descriptor descriptor = {
    .struct_size = sizeof(sinkhub_plugin_descriptor),
    .abi_major = SINKHUB_ABI_VERSION_MAJOR,
    .abi_minor = SINKHUB_ABI_VERSION_MINOR,
    .min_host_abi_minor = SINKHUB_ABI_VERSION_MINOR,
    .id = "example.count-c",
    .name = "Item counter (C example)",
    .version = "1.0.0",
    .description = "Counts the items of each delivery and logs the total",
    .options_schema_json = "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}",
    .capabilities = SINKHUB_CAP_IDEMPOTENT,
    .max_concurrency = 1,
    .create = count_create,
    .deliver = count_deliver,
    .destroy = count_destroy,
};

SINKHUB_EXPORT const sinkhub_plugin_descriptor *sinkhub_plugin_entry_v1(uint32_t host_abi_major,
                                                                        uint32_t host_abi_minor) {
  (void)host_abi_minor;
  return host_abi_major == SINKHUB_ABI_VERSION_MAJOR ? &descriptor : NULL;
}
