/*
 * sinkhub/sink.h -- the sinkhub sink plugin ABI, version 1.
 *
 * This one header IS the ABI between the sinkhub daemon ("the host") and a sink
 * plugin (a shared library, "the plugin"). It is plain C99, depends only on
 * <stdint.h> and <stddef.h>, and is meant to be compiled by any C or C++
 * compiler. See sdk/docs/ABI.md for the compatibility promise and a tutorial.
 *
 * Conventions used on every declaration below:
 *   Owner:   who allocates and frees the memory (host or plugin). Memory is
 *            never freed by the other side: there is no "free" across the ABI.
 *   Life:    how long a pointer stays valid.
 *   Threads: [control]  called by the host's control thread (or one worker at a
 *                       time), never concurrently with any other call on the
 *                       same instance;
 *            [deliver]  on a host worker thread, concurrently on one instance
 *                       at most `max_concurrency` times;
 *            [any]      thread-safe, callable from any thread, including
 *                       threads the plugin started itself.
 *
 * Structural rules (frozen forever for major version 1):
 *   - Every struct that may grow starts with `uint32_t struct_size`, set by the
 *     side that allocates the struct to sizeof() as that side compiled it.
 *     Structs only ever grow at the end; nothing is reordered, removed, or
 *     changes meaning. A retired field becomes `reserved_N` and must be zero.
 *   - Fields are fixed-width integers, size_t and pointers only: no enum, bool,
 *     long, bitfields or packing pragmas. Enumerations are integer constants.
 *   - A struct received from the other side may be smaller than yours (an
 *     older peer): before reading a field added after 1.0, test it with
 *     SINKHUB_HAS(ptr, type, field). A struct you fill for the other side
 *     (sinkhub_result, sinkhub_instance_limits, the host-written fields of
 *     sinkhub_http_response) is only written within the struct_size its
 *     owner set.
 *   - Strings passed by the host are `sinkhub_str` {ptr, len}: UTF-8, not
 *     necessarily NUL-free, but the host ALWAYS places a NUL at ptr[len] so they
 *     can also be used as C strings. An absent value is {"" , 0}, never NULL.
 *   - No varargs, no C++ exceptions or longjmp crossing the boundary, no
 *     ownership transfer of memory.
 */
#ifndef SINKHUB_SINK_H
#define SINKHUB_SINK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ========================================================================= */
/* Versions                                                                  */
/* ========================================================================= */

/* The ABI major is part of the entry symbol name and is never reused. A major
 * bump would add a new symbol `sinkhub_plugin_entry_v2`. */
#define SINKHUB_ABI_VERSION_MAJOR 1
/* Bumped by every additive change (a field appended to a struct, a new
 * constant, a new host service). Additions are marked "since 1.N". */
#define SINKHUB_ABI_VERSION_MINOR 3

/* The one exported symbol, as a string, for dlsym(). */
#define SINKHUB_PLUGIN_ENTRY_SYMBOL "sinkhub_plugin_entry_v1"

/* End offset of a field: a struct whose struct_size is at least this value
 * contains the field. Portable (uses offsetof), so it works on every target. */
#ifdef __cplusplus
#define SINKHUB_FIELD_SIZE_(type, field) sizeof(static_cast<type *>(nullptr)->field)
#define SINKHUB_SIZE_T_(x) static_cast<size_t>(x)
#else
#define SINKHUB_FIELD_SIZE_(type, field) sizeof(((type *)0)->field)
#define SINKHUB_SIZE_T_(x) ((size_t)(x))
#endif
#define SINKHUB_END_OF(type, field) (offsetof(type, field) + SINKHUB_FIELD_SIZE_(type, field))

/* True when the struct pointed to by `ptr` (of type `type`) is large enough to
 * contain `field`. Use it before reading any field newer than 1.0 from a
 * struct allocated by the other side (e.g. SINKHUB_HAS(host, sinkhub_host, x)). */
#define SINKHUB_HAS(ptr, type, field) \
  (SINKHUB_SIZE_T_((ptr)->struct_size) >= SINKHUB_END_OF(type, field))

/* As SINKHUB_HAS, and the (function) pointer field is non-NULL. */
#define SINKHUB_HAS_FN(ptr, type, field) \
  (SINKHUB_HAS(ptr, type, field) && !!((ptr)->field))

/* ========================================================================= */
/* Result codes (returned by every plugin callback except destroy)           */
/* ========================================================================= */

/* Success. For deliver: the accepted items are durably at the destination
 * (or, for a SINKHUB_CAP_BUFFERED sink, provisionally until flush succeeds). */
#define SINKHUB_OK 0
/* Transient failure: the host tries again later (same delivery_id, attempt+1),
 * after sinkhub_result.retry_after_ms if set, else with exponential backoff and
 * jitter, until its retry budget is spent (then: dead letter). Since 1.3 a
 * RETRY flagged SINKHUB_RESULT_BUSY (waiting for another delivery, not a
 * failure) is retried without spending an attempt (sinkhub_result.flags). */
#define SINKHUB_RETRY 1
/* Permanent failure of THIS delivery (bad data, 4xx other than 408/429, ...):
 * the host stops retrying it and moves it to the dead-letter state with the
 * message. Other deliveries to the same instance continue. */
#define SINKHUB_REJECT 2
/* The instance itself is broken (revoked credentials, destination gone, a bug):
 * the host stops calling deliver on it, keeps its deliveries queued (they are
 * not dead-lettered), logs an alert, and may later close and destroy it and
 * create a fresh instance after a long backoff. */
#define SINKHUB_FATAL 3
/* Any other value is a plugin bug; the host treats it as SINKHUB_RETRY and
 * logs that the plugin misbehaves. */

/* sinkhub_result.items_accepted preset by the host: "the plugin did not say".
 * Interpreted as item_count for SINKHUB_OK and as 0 for every other code. */
#define SINKHUB_ITEMS_UNSET UINT64_MAX

/* sinkhub_result.flags bits (since 1.3). Unknown bits are ignored by the host. */
/* RETRY only: "busy with another delivery of this host, not failing" (e.g. a
 * per-destination writer lock held by another delivery). The host waits for
 * the sink's turn without spending an attempt; see sinkhub_result.flags. */
#define SINKHUB_RESULT_BUSY (1u << 0)

/* ========================================================================= */
/* Status codes returned by host services (negative = error)                 */
/* ========================================================================= */

#define SINKHUB_E_OK 0
#define SINKHUB_E_INVALID (-1)      /* bad argument (NULL, bad name, ...) */
#define SINKHUB_E_TOO_LARGE (-2)    /* above a documented limit */
#define SINKHUB_E_STATE (-3)        /* called outside the allowed window */
#define SINKHUB_E_UNSUPPORTED (-4)  /* the host does not implement it */
/* HTTP transport errors (sinkhub_host.http_request); no response was used. */
#define SINKHUB_E_HTTP_RESOLVE (-101)   /* DNS failure */
#define SINKHUB_E_HTTP_CONNECT (-102)   /* TCP connect failed or refused */
#define SINKHUB_E_HTTP_TLS (-103)       /* TLS handshake / certificate failure */
#define SINKHUB_E_HTTP_TIMEOUT (-104)   /* connect or total timeout elapsed */
#define SINKHUB_E_HTTP_CANCELLED (-105) /* host shutdown or call deadline */
#define SINKHUB_E_HTTP_ABORTED (-106)   /* a plugin callback asked to stop */
#define SINKHUB_E_HTTP_IO (-107)        /* connection reset, short read, ... */
#define SINKHUB_E_HTTP_PROTOCOL (-108)  /* malformed HTTP, bad URL scheme */
#define SINKHUB_E_HTTP_TOO_LARGE (-109) /* response above max_response_bytes */

/* ========================================================================= */
/* Other constants                                                           */
/* ========================================================================= */

/* Log levels (sinkhub_host.log). The host maps them onto its logger. */
#define SINKHUB_LOG_TRACE 0
#define SINKHUB_LOG_DEBUG 1
#define SINKHUB_LOG_INFO 2
#define SINKHUB_LOG_WARN 3
#define SINKHUB_LOG_ERROR 4

/* Metric kinds (sinkhub_host.metric_define). */
#define SINKHUB_METRIC_COUNTER 1   /* record() adds a value >= 0 */
#define SINKHUB_METRIC_GAUGE 2     /* record() sets the value */
#define SINKHUB_METRIC_HISTOGRAM 3 /* record() observes one sample */

/* sinkhub_plugin_descriptor.capabilities bit flags. Unknown bits are ignored
 * by the host (a newer plugin on an older host). */
/* deliver's OK is provisional: the host marks items delivered only after a
 * later flush() returns OK. flush is then required. This host calls flush
 * right after each deliver() that returned OK with at least one item
 * accepted, so nothing is held across batches or deliveries, and it gives a
 * BUFFERED instance one deliver() at a time whatever max_concurrency says
 * (see sinkhub_flush_fn). */
#define SINKHUB_CAP_BUFFERED (UINT64_C(1) << 0)
/* The sink may answer OK with items_accepted < item_count; the host then
 * starts the next call at the first item not accepted. */
#define SINKHUB_CAP_PARTIAL (UINT64_C(1) << 1)
/* Redelivering an already accepted batch (same delivery_id and item_offset)
 * has no further effect at the destination (effect-once). Informational. */
#define SINKHUB_CAP_IDEMPOTENT (UINT64_C(1) << 2)
/* The sink cannot resume a delivery in the middle: after any failed call or
 * host restart the host restarts the whole delivery at item 0 with an empty
 * checkpoint (and SINKHUB_CTX_FIRST_BATCH set). Without this flag the host
 * resumes at the persisted items-accepted count with the persisted checkpoint. */
#define SINKHUB_CAP_RESTART_ON_RETRY (UINT64_C(1) << 3)
/* The sink never needs dataset items: the host never fetches the dataset for
 * it and every call is event-only (SINKHUB_CTX_EVENT_ONLY). */
#define SINKHUB_CAP_NO_ITEMS (UINT64_C(1) << 4)
/* Since 1.1. The sink uses sinkhub_run_context.actor_name: the host resolves
 * the actor's name (one cached Apify API lookup per actor) for its deliveries.
 * Without this bit actor_name is always empty and no lookup is made. */
#define SINKHUB_CAP_ACTOR_NAME (UINT64_C(1) << 5)

/* sinkhub_run_context.flags */
/* First call of this delivery: item_offset == 0, checkpoint empty. Set again
 * when the host restarts a delivery from the beginning. */
#define SINKHUB_CTX_FIRST_BATCH (1u << 0)
/* Last call of this delivery: no more items follow (the dataset is exhausted
 * or max_items has been reached). Finalise here (commit, rename, complete). */
#define SINKHUB_CTX_LAST_BATCH (1u << 1)
/* No dataset is attached to this delivery (e.g. ACTOR.RUN.FAILED, TEST,
 * ACTOR.BUILD.*, or a SINKHUB_CAP_NO_ITEMS sink): exactly one call, with
 * FIRST_BATCH|LAST_BATCH|EVENT_ONLY set and an empty batch. Distinct from a
 * dataset that happens to be empty (FIRST|LAST, item_count 0, no EVENT_ONLY). */
#define SINKHUB_CTX_EVENT_ONLY (1u << 2)
/* An operator replayed this delivery from the dead-letter state. */
#define SINKHUB_CTX_REPLAY (1u << 3)
/* Since 1.1. Only on a LAST batch whose dataset_item_count >= 0 came from the
 * dataset's reported total (the read stopped at max_items, so the host did not
 * count to the end) while the run finished less than about 10 s before the
 * call: Apify's total lags item pushes by up to 5-10 s, so the real count may
 * still be higher (e.g. write "~1,234 items (count still settling)"). Never
 * set when the host read the whole dataset (the count is then exact). */
#define SINKHUB_CTX_COUNT_SETTLING (1u << 4)

/* sinkhub_create_args.flags */
/* create() is called by `sinkhub check-config` / `sinkhub plugins`: the
 * instance will be destroyed right after, without open(). */
#define SINKHUB_CREATE_CHECK_ONLY (1u << 0)

/* sinkhub_batch.format */
/* Newline-delimited JSON exactly as Apify's `format=jsonl` returned it. */
#define SINKHUB_FORMAT_NDJSON 1

/* sinkhub_http_request.flags */
#define SINKHUB_HTTP_FOLLOW_REDIRECTS (1u << 0) /* up to 5, same scheme or http->https */
/* sinkhub_http_response.flags (written by the host) */
#define SINKHUB_HTTP_RESP_TRUNCATED (1u << 0) /* body_buf was too small */

/* The host guarantees at least these capacities. */
#define SINKHUB_MIN_MESSAGE_CAP 1024        /* sinkhub_result.message_cap */
#define SINKHUB_MIN_CHECKPOINT_BYTES 1048576 /* sinkhub_host.checkpoint_max_bytes */

/* ========================================================================= */
/* Opaque handles                                                            */
/* ========================================================================= */

/* A plugin instance. Owner: plugin (created by create, freed by destroy). */
typedef struct sinkhub_instance sinkhub_instance;
/* The host's view of an instance; passed to host services so the host knows
 * who calls (log tagging, metric labels, HTTP policy). Owner: host.
 * Life: from create's call until destroy returns. */
typedef struct sinkhub_host_instance sinkhub_host_instance;
/* One in-progress deliver() call; identifies it to checkpoint_save,
 * call_cancelled and http_request. Owner: host. Life: until that deliver()
 * returns. Never store it beyond the call. */
typedef struct sinkhub_call sinkhub_call;

/* ========================================================================= */
/* Plain value types (frozen, they never grow)                               */
/* ========================================================================= */

/* A borrowed UTF-8 string. ptr is never NULL when the host passes it, and
 * ptr[len] == '\0'. Owner and life: those of the struct that contains it. */
typedef struct sinkhub_str {
  const char *ptr; /* first byte */
  size_t len;      /* bytes, excluding the terminating NUL */
} sinkhub_str;

/* One HTTP header, request or response. Owner: whoever built the array. */
typedef struct sinkhub_http_header {
  sinkhub_str name;  /* header name, case-insensitive, no ':' */
  sinkhub_str value; /* header value, no CR/LF */
} sinkhub_http_header;

/* ========================================================================= */
/* Results                                                                   */
/* ========================================================================= */

/* Details of a callback's outcome; the code itself is the callback's return
 * value. Owner: host (allocated per call, zeroed then preset as below).
 * Life: the call. Threads: written only by the thread running the callback.
 * Write a field only if it lies within struct_size (always true in 1.0). */
typedef struct sinkhub_result {
  /* Host: sizeof(sinkhub_result) as compiled into the host. */
  uint32_t struct_size;
  /* Plugin (optional): the destination's status for diagnostics, e.g. the
   * HTTP status that caused a RETRY/REJECT. Host preset: 0 (none). */
  int32_t dest_status;
  /* Plugin (optional, RETRY only): wait at least this many ms before the next
   * attempt (e.g. from a Retry-After header). Host preset: -1 (no hint). The
   * host never retries sooner, whatever its own backoff; the delivery's retry
   * budget (attempts and age) still applies. */
  int64_t retry_after_ms;
  /* Plugin (deliver only): how many items, counted from the start of this
   * batch, are durably accepted. Host preset: SINKHUB_ITEMS_UNSET.
   *   OK:                    UNSET = all; a smaller value k means items
   *                          [k, item_count) come again at the start of the
   *                          next call (declare SINKHUB_CAP_PARTIAL; without
   *                          it the host still honours k but logs a warning).
   *   RETRY/REJECT/FATAL:    UNSET = 0; k means items [0,k) are accepted and
   *                          a retry resumes at item_offset + k.
   * Values above item_count are a plugin bug and are clamped. */
  uint64_t items_accepted;
  /* Host-owned buffer for a human-readable message (why RETRY/REJECT/FATAL,
   * or a note on OK). Plugin writes NUL-terminated UTF-8 of at most
   * message_cap-1 bytes, truncating if needed. Host preset: message[0]=0.
   * Life: the call. Never store the pointer. Must not contain secrets. */
  char *message;
  /* Capacity of message in bytes, NUL included; >= SINKHUB_MIN_MESSAGE_CAP. */
  size_t message_cap;
  /* Since 1.2 (write it only if SINKHUB_HAS(result, sinkhub_result,
   * resume_from_item); an older host passes a smaller struct and cannot
   * rewind: answer as a 1.1 plugin would, e.g. REJECT). deliver only.
   * Host preset: SINKHUB_ITEMS_UNSET (no rewind).
   * Plugin: N means "the destination-side state this delivery needs only
   * covers items [0, N)": the sink lost what it needed to go on from
   * ctx->item_offset (e.g. a spool file on another host's disk) and can
   * rebuild it from item N. N <= ctx->item_offset. The host then moves the
   * delivery's progress back to N, stores the checkpoint staged during this
   * call together with it (none staged: the delivery has no checkpoint), and
   * sends items from N on (with SINKHUB_CTX_FIRST_BATCH when N is 0 and no
   * checkpoint was staged). None of this batch's items are accepted:
   * items_accepted must be UNSET or 0. The code still says what follows:
   *   OK:            resume at item N at once, in a new attempt (it counts
   *                  against the retry budget like a retry, without backoff);
   *   RETRY:         resume at item N after the usual backoff;
   *   REJECT/FATAL:  as usual (dead letter, suspension), progress already at N.
   * Only this delivery moves back: other sinks' deliveries of the same event
   * keep their own progress. N > item_offset, or items_accepted > 0 with a
   * rewind, is a plugin bug: the host refuses the rewind (progress and
   * checkpoint stay as they were) and treats the call as RETRY with a
   * message saying why. Threads: written by the thread running deliver. */
  uint64_t resume_from_item;
  /* Since 1.3 (write it only if SINKHUB_HAS(result, sinkhub_result, flags);
   * an older host passes a smaller struct: answer a plain RETRY there, which
   * counts as an attempt). deliver only. Host preset: 0.
   * Plugin: SINKHUB_RESULT_* bits. SINKHUB_RESULT_BUSY, with RETRY only: the
   * sink is busy with another delivery of this host (e.g. a per-destination
   * writer lock), not failing. The host asks again when another delivery of
   * the instance ends (the longest waiter first; a delivery that had its
   * turn and retries goes before them when due), else on a timer no sooner
   * than retry_after_ms (or its initial backoff) that thins out as the wait
   * grows (ABI.md section 12), without counting an attempt and
   * without an attempt-history row; the delivery's last_error shows the
   * message while it waits; the delivery's max_age still applies (a delivery
   * that never gets its turn is dead-lettered). items_accepted must be 0 or
   * UNSET and resume_from_item UNSET: a BUSY that accepts items or rewinds is
   * a plugin bug, and the host treats it as a plain RETRY (logged). Ignored
   * with other codes. Threads: written by the thread running deliver. */
  uint32_t flags;
  /* Must be zero. Padding made explicit: the next field added starts past
   * the struct_size a 1.3 host reports, so SINKHUB_HAS stays truthful. */
  uint32_t reserved_0;
} sinkhub_result;

/* Writes msg (NUL-terminated) into result->message, truncated, always
 * NUL-terminated. Convenience only, not part of the binary interface. */
static inline void sinkhub_result_set_message(sinkhub_result *result, const char *msg) {
  size_t i = 0;
  if (!result || !result->message || result->message_cap == 0) return;
  if (msg)
    for (; i + 1 < result->message_cap && msg[i] != '\0'; ++i) result->message[i] = msg[i];
  result->message[i] = '\0';
}

/* ========================================================================= */
/* Batches and run context (host -> plugin, deliver)                         */
/* ========================================================================= */

/* The items of one deliver() call. Owner: host; read-only for the plugin.
 * Life: the deliver() call only; copy anything you need later.
 * Threads: readable from any thread while the call lasts. Never NULL. */
typedef struct sinkhub_batch {
  /* Host: sizeof(sinkhub_batch) as compiled into the host. */
  uint32_t struct_size;
  /* SINKHUB_FORMAT_NDJSON (the only format of ABI 1.0). */
  uint32_t format;
  /* Number of items; 0 for event-only calls and for an empty dataset. */
  uint64_t item_count;
  /* The items exactly as Apify's `format=jsonl` returned them: for every item,
   * its JSON text followed by one '\n' (the host adds a missing final '\n').
   * Writing [data, data+data_len) reproduces the items byte for byte.
   * data[data_len] == '\0'. Never NULL (empty string when item_count == 0). */
  const char *data;
  /* Length of data in bytes. */
  size_t data_len;
  /* item_offsets[i]: byte offset of item i in data. item_count entries;
   * NULL only when item_count == 0. item_offsets[0] == 0 and
   * item_offsets[i+1] == item_offsets[i] + item_lengths[i] + 1. */
  const size_t *item_offsets;
  /* item_lengths[i]: length of item i in bytes, trailing '\n' excluded.
   * item_count entries; NULL only when item_count == 0. */
  const size_t *item_lengths;
  /* Since 1.0, nothing more. New per-item attributes will be appended as new
   * parallel arrays, never as a struct-of-items (no element-stride issue). */
} sinkhub_batch;

/* What the batch belongs to. Owner: host; read-only. Life: the deliver()
 * call. Threads: readable from any thread while the call lasts. Never NULL.
 * A "delivery" is one (webhook event, sink instance) pair; it is delivered as
 * one or more deliver() calls (batches) in item order, over one or more
 * attempts. The calls of one delivery never overlap: the next one starts
 * after the previous returned and its result and checkpoint were persisted.
 * An attempt holds one of the instance's max_concurrency slots from its
 * first batch to its last, so with max_concurrency 0 or 1 deliveries never
 * interleave on an instance (all batches of one attempt, then the next
 * delivery's); max_concurrency N > 1 runs up to N deliveries at once, each on
 * its own host thread, their batches interleaving in time. A retry is a new
 * attempt, queued behind other work. */
typedef struct sinkhub_run_context {
  /* Host: sizeof(sinkhub_run_context) as compiled into the host. */
  uint32_t struct_size;
  /* SINKHUB_CTX_* bits. Unknown bits must be ignored. */
  uint32_t flags;
  /* Handle of this call for checkpoint_save / call_cancelled / http_request. */
  sinkhub_call *call;
  /* Stable identifier of this delivery, identical across batches, retries,
   * host restarts and replays, and unique across ledgers (a reinstalled host
   * never reuses one): an idempotency key. Opaque, [A-Za-z0-9_-]+. A batch is
   * identified by (delivery_id, item_offset): an HTTP sink should send both
   * as the destination's idempotency key (e.g. "Idempotency-Key: <delivery_id>
   * -<item_offset>") where the destination has one, because a host killed
   * (kill -9, power loss) between a deliver() and its commit sends that one
   * batch again after the restart: at most one batch per crash repeats. */
  sinkhub_str delivery_id;
  /* Apify event type, e.g. "ACTOR.RUN.SUCCEEDED", "ACTOR.RUN.FAILED", "TEST". */
  sinkhub_str event_type;
  /* Apify run id (resource.id); empty if the event has none. Untrusted text:
   * sanitise before using it in paths, URLs or queries. Same for all ids. */
  sinkhub_str run_id;
  /* Apify actor id (resource.actId / eventData.actorId); may be empty. */
  sinkhub_str actor_id;
  /* Apify actor task id (resource.actorTaskId); empty when not a task run. */
  sinkhub_str task_id;
  /* The run's default dataset id; empty for event-only calls without one. */
  sinkhub_str dataset_id;
  /* The raw webhook body as received (JSON text), secrets never included. */
  sinkhub_str event_json;
  /* 1 for the first attempt of this delivery, incremented by each retry
   * (a retry may resume mid-delivery, so attempt and item_offset are
   * independent). */
  uint32_t attempt;
  /* 0-based index of this call within the current attempt. */
  uint32_t batch_index;
  /* Monotonic deadline of this call in ms, on the clock of
   * sinkhub_host.monotonic_ms. Return (RETRY, with items_accepted) before it;
   * after it the host may cancel the call's HTTP requests and will treat a
   * late OK as usual but log the overrun. */
  int64_t deadline_monotonic_ms;
  /* When the host first recorded the event (Unix ms, UTC). Stable across
   * retries: use it (not the wall clock) for anything that must be
   * deterministic, such as a date in an object key. */
  int64_t event_time_unix_ms;
  /* Index within the dataset of this batch's first item (== the number of
   * items of this delivery already accepted). */
  uint64_t item_offset;
  /* Total number of items in the dataset when the host knows it, else -1.
   * On the LAST batch of a delivery that read the whole dataset it equals
   * item_offset + item_count; when the sink limited max_items, the host sets
   * it on the LAST batch if it could determine the total (e.g. for a chat
   * sink that shows "first 10 of 2345 items"). Since 1.1 that total is the
   * X-Apify-Pagination-Total of the last page read, never less than the items
   * delivered (-1 if Apify sent none), flagged SINKHUB_CTX_COUNT_SETTLING
   * while it may still grow. */
  int64_t dataset_item_count;
  /* The checkpoint persisted for this delivery together with item_offset
   * (see sinkhub_host.checkpoint_save), or NULL/0 if none. Opaque bytes,
   * exactly as the plugin saved them. Owner: host, read-only. Life: the call. */
  const void *checkpoint;
  /* Length of checkpoint in bytes. */
  size_t checkpoint_len;
  /* Since 1.1 (read it only if SINKHUB_HAS(ctx, sinkhub_run_context,
   * actor_name)). The actor's "username/actor-name" as the Apify API names it
   * (GET /v2/acts/{actorId}), resolved by the host for sinks that declare
   * SINKHUB_CAP_ACTOR_NAME and cached per actor id; empty ({"", 0}) otherwise
   * and when unknown: no actor id, the lookup failed or is still failing, or
   * the host chose not to wait for it (use actor_id instead).
   * Untrusted text, like the ids. Owner: host, read-only. Life: the call.
   * Threads: readable from any thread while the call lasts. */
  sinkhub_str actor_name;
} sinkhub_run_context;

/* ========================================================================= */
/* HTTP client service (host runs it: TLS, proxies, timeouts, cancellation)  */
/* ========================================================================= */

/* Streaming request body: fill buf with up to cap bytes; return the number of
 * bytes written (0 < n <= cap), 0 at the end of the body, or < 0 to abort the
 * request (http_request then returns SINKHUB_E_HTTP_ABORTED). Called on the
 * thread that called http_request. If the host has to send the body again
 * (a redirect, a reused connection that was closed), the first call of the
 * resend has `rewind` non-zero: start again from the first byte. */
typedef int64_t (*sinkhub_http_read_fn)(void *user, char *buf, size_t cap, int32_t rewind);
/* One response header, as received (repeated headers arrive repeatedly).
 * Strings are host-owned, valid during the callback only. Return 0 to go on,
 * non-zero to abort. */
typedef int32_t (*sinkhub_http_header_fn)(void *user, const char *name, size_t name_len,
                                          const char *value, size_t value_len);
/* One chunk of the response body, host-owned, valid during the callback only.
 * Return 0 to go on, non-zero to abort. */
typedef int32_t (*sinkhub_http_body_fn)(void *user, const char *data, size_t len);

/* Owner: plugin (usually on its stack). Life: the http_request call; the host
 * copies nothing it needs later. */
typedef struct sinkhub_http_request {
  /* Plugin: sizeof(sinkhub_http_request). */
  uint32_t struct_size;
  /* SINKHUB_HTTP_* request flags; 0 = no redirects. */
  uint32_t flags;
  /* "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD". */
  sinkhub_str method;
  /* Absolute http:// or https:// URL, already percent-encoded. */
  sinkhub_str url;
  /* Request headers (plugin-owned array of header_count entries; may be NULL
   * when header_count is 0). The host adds Host, Content-Length or
   * Transfer-Encoding, and a default User-Agent if absent. */
  const sinkhub_http_header *headers;
  size_t header_count;
  /* Buffered body (plugin-owned, body_len bytes), used when body_read is NULL.
   * May be NULL when body_len is 0. */
  const char *body;
  size_t body_len;
  /* Streaming body: when non-NULL it replaces body/body_len. */
  sinkhub_http_read_fn body_read;
  /* With body_read: exact length if known (sent as Content-Length), or -1 to
   * send the body chunked. Ignored otherwise. */
  int64_t body_content_length;
  /* Passed back unchanged to every callback of this request and response. */
  void *user;
  /* Total time limit in ms (connect + send + receive); 0 = host default
   * (60 s in this host). The host also never exceeds the calling deliver()'s
   * deadline (delivery.batch_timeout, 120 s by default). */
  uint32_t timeout_ms;
  /* Connect (and TLS handshake) time limit in ms; 0 = host default (10 s in
   * this host). */
  uint32_t connect_timeout_ms;
  /* Largest response body accepted, 0 = host default (at least 16 MiB; 16 MiB
   * in this host). */
  uint64_t max_response_bytes;
} sinkhub_http_request;

/* Owner: plugin (usually on its stack); the host writes the "host:" fields.
 * Life: the http_request call. */
typedef struct sinkhub_http_response {
  /* Plugin: sizeof(sinkhub_http_response). */
  uint32_t struct_size;
  /* Host: HTTP status code (e.g. 200, 429), 0 if no response was received. */
  int32_t status;
  /* Plugin (optional): receives every response header. */
  sinkhub_http_header_fn on_header;
  /* Plugin (optional): receives the body in chunks. When set, body_buf is
   * not used (streaming download). */
  sinkhub_http_body_fn on_body;
  /* Plugin (optional, used when on_body is NULL): buffer for the body.
   * The host stores at most body_cap bytes and sets SINKHUB_HTTP_RESP_TRUNCATED
   * if more arrived (still a successful request). Not NUL-terminated. */
  char *body_buf;
  size_t body_cap;
  /* Host: number of bytes stored in body_buf. */
  size_t body_len;
  /* Host: total number of body bytes received. */
  uint64_t body_total;
  /* Host: the Retry-After header converted to ms (delta-seconds or HTTP date),
   * -1 if absent or invalid. */
  int64_t retry_after_ms;
  /* Host: SINKHUB_HTTP_RESP_* bits. */
  uint32_t flags;
  /* Must be zero. */
  uint32_t reserved_0;
  /* Plugin (optional): buffer the host fills with a NUL-terminated
   * description of a transport error (never containing secrets). */
  char *error_message;
  size_t error_message_cap;
} sinkhub_http_response;

/* ========================================================================= */
/* Host services table                                                       */
/* ========================================================================= */

/* Services the host offers to plugins. Owner: host; read-only, static for
 * the life of the process (pointer valid after destroy too, but services may
 * only be called for a live host_instance). Every function is [any] unless
 * stated, never NULL in ABI 1.0 (test newer ones with SINKHUB_HAS_FN), and
 * never throws or longjmps. */
typedef struct sinkhub_host {
  /* Host: sizeof(sinkhub_host) as compiled into the host. */
  uint32_t struct_size;
  /* The host's ABI version (major is 1 for this table). */
  uint32_t abi_major;
  uint32_t abi_minor;
  /* Must be zero. */
  uint32_t reserved_0;
  /* "sinkhub" and its version, e.g. "0.1.0". Static NUL-terminated strings. */
  const char *host_name;
  const char *host_version;
  /* Largest checkpoint blob checkpoint_save accepts (>= SINKHUB_MIN_CHECKPOINT_BYTES;
   * 16 MiB in this host). Read it rather than assuming more than 1 MiB. */
  uint64_t checkpoint_max_bytes;

  /* Logs one pre-formatted UTF-8 message (msg need not be NUL-terminated;
   * no trailing newline needed). The host prefixes plugin id and instance
   * name. Never log secrets. hi should be the instance's handle; NULL is
   * accepted (the line is then tagged only as coming from a plugin). [any] */
  void (*log)(sinkhub_host_instance *hi, int32_t level, const char *msg, size_t len);
  /* Non-zero if a message at `level` would be emitted (skip formatting
   * otherwise). hi may be NULL. [any] */
  int32_t (*log_enabled)(sinkhub_host_instance *hi, int32_t level);

  /* Wall clock, Unix epoch ms (UTC). hi may be NULL. [any] */
  int64_t (*now_unix_ms)(sinkhub_host_instance *hi);
  /* Monotonic clock in ms, the clock of every *_deadline_monotonic_ms.
   * hi may be NULL. [any] */
  int64_t (*monotonic_ms)(sinkhub_host_instance *hi);

  /* Defines a metric; returns its id (>= 0) or a negative SINKHUB_E_*.
   * kind: SINKHUB_METRIC_*. name: NUL-terminated [a-z_][a-z0-9_]{0,63}; the
   * host exports it as sinkhub_plugin_<name> labelled with plugin and
   * instance, a counter always ending in _total as Prometheus names counters
   * (the host appends it when the name lacks it: "items" and "items_total"
   * are both exported as sinkhub_plugin_items_total). help: NUL-terminated
   * one line. Defining the same name and kind twice returns the same id. Allowed only during create() and open() of
   * that instance (SINKHUB_E_STATE otherwise). [control] */
  int32_t (*metric_define)(sinkhub_host_instance *hi, int32_t kind, const char *name,
                           const char *help);
  /* Records a value for a metric id of this instance (see kinds). Unknown
   * ids are ignored. Cheap and lock-free enough for hot paths. [any] */
  void (*metric_record)(sinkhub_host_instance *hi, int32_t id, double value);

  /* Stages the checkpoint of the delivery that `call` belongs to: opaque
   * bytes (copied by the host before returning) describing the sink-side
   * state after the items this call accepts (e.g. an upload id + ETags, a
   * temp file + length). The LAST blob staged during the call is persisted
   * atomically together with the call's items_accepted, whatever the result
   * code; if nothing is staged, the previous checkpoint is kept. len == 0
   * clears it. On the next call of the delivery (next batch, retry, or after
   * a host restart) it comes back in sinkhub_run_context.checkpoint. It is
   * dropped when the delivery finishes (OK on the last batch) or is restarted
   * from item 0. With a rewind (sinkhub_result.resume_from_item, since 1.2)
   * the blob staged in that call, or none, becomes the checkpoint of item N.
   * Returns SINKHUB_E_OK, SINKHUB_E_TOO_LARGE (len above
   * checkpoint_max_bytes; nothing staged) or SINKHUB_E_STATE (call no longer
   * running). Callable from any thread while that deliver() runs. */
  int32_t (*checkpoint_save)(sinkhub_call *call, const void *data, size_t len);

  /* Non-zero once the host wants this call to stop early (shutdown, deadline
   * passed). The plugin should then return RETRY with the items accepted so
   * far. Callable from any thread while that deliver() runs. */
  int32_t (*call_cancelled)(sinkhub_call *call);

  /* Performs one HTTP request synchronously on the calling thread, using the
   * host's HTTP stack: TLS with system CAs, proxy settings, connection reuse,
   * timeouts, and cancellation (call_cancelled, shutdown). `call` may be NULL
   * (e.g. in open() or flush()), otherwise the request is also bounded by
   * that call's deadline. Returns SINKHUB_E_OK when a response was received
   * (whatever its status: see response->status) or a negative
   * SINKHUB_E_HTTP_* / SINKHUB_E_INVALID. Not allowed inside create()
   * (SINKHUB_E_STATE): create must not touch the network. [any, between
   * create returning and close returning] */
  int32_t (*http_request)(sinkhub_host_instance *hi, sinkhub_call *call,
                          const sinkhub_http_request *request, sinkhub_http_response *response);
} sinkhub_host;

/* ========================================================================= */
/* Instance creation                                                         */
/* ========================================================================= */

/* Per-instance limits. Owner: host. Preset by the host from the descriptor's
 * values before create(); the plugin may change them inside create() (e.g. a
 * Slack instance whose options say "show 5 items" sets max_items = 5). The
 * host reads them when create() returns OK. Threads: [control]. */
typedef struct sinkhub_instance_limits {
  /* Host: sizeof(sinkhub_instance_limits). */
  uint32_t struct_size;
  /* Max concurrent deliver() calls on this instance; 0 or 1 = serialized. */
  uint32_t max_concurrency;
  /* Same meanings as the sinkhub_plugin_descriptor fields of the same name. */
  uint64_t max_items;
  uint64_t preferred_batch_items;
  uint64_t max_batch_items;
  uint64_t preferred_batch_bytes;
  uint64_t max_batch_bytes;
  uint64_t min_batch_bytes;
} sinkhub_instance_limits;

/* Arguments of create(). Owner: host; read-only except *limits.
 * Life: the create() call (copy what you keep, except `host`, which is static,
 * and `host_instance`, valid until destroy() returns). */
typedef struct sinkhub_create_args {
  /* Host: sizeof(sinkhub_create_args). */
  uint32_t struct_size;
  /* SINKHUB_CREATE_* bits. */
  uint32_t flags;
  /* The host services table. Static; keep the pointer. */
  const sinkhub_host *host;
  /* Pass to host services for this instance. Keep it until destroy. */
  sinkhub_host_instance *host_instance;
  /* The instance name from the configuration, e.g. "local-files". */
  sinkhub_str instance_name;
  /* The instance options as one JSON object (text): every key of the sink
   * instance's configuration except `plugin`, with ${env:..} and ${file:..}
   * references already resolved, already validated by the host against
   * options_schema_json (an instance without options gets "{}"). Defaults:
   * the host fills in the schema's `default` of every property that the
   * configuration leaves out, in every object the configuration has (an
   * absent object property gets only its own `default`, if any); a property
   * without a default stays absent. Contains secrets: never log it. */
  sinkhub_str options_json;
  /* A directory private to this instance that the plugin may write to
   * (created by the host before open(), not before create()); may be empty
   * when the host has none (e.g. check-config). This host uses
   * <directory of ledger.path>/sinks/<instance name>, e.g.
   * /var/lib/sinkhub/sinks/local-files in the Debian package. */
  sinkhub_str data_dir;
  /* In/out: see sinkhub_instance_limits. Never NULL. */
  sinkhub_instance_limits *limits;
} sinkhub_create_args;

/* ========================================================================= */
/* Plugin callbacks                                                          */
/* ========================================================================= */

/* create [control]: parse and validate options, allocate the instance.
 * No network I/O, no threads, no filesystem writes (check-config calls it).
 * OK: *out_instance is a non-NULL instance; destroy() will be called exactly
 *     once for it, whatever happens later.
 * REJECT (invalid options) or FATAL: *out_instance must be NULL and the plugin
 *     has released everything; the message says what is wrong, e.g.
 *     "option 'dir': must be an absolute path". */
typedef int32_t (*sinkhub_create_fn)(const sinkhub_create_args *args,
                                     sinkhub_instance **out_instance, sinkhub_result *result);
/* open [control], optional (NULL = always OK): connect, create directories,
 * start threads. RETRY: the host calls open again later with backoff.
 * REJECT or FATAL: the instance is disabled (and destroyed). deliver and
 * flush are only called after an OK open. */
typedef int32_t (*sinkhub_open_fn)(sinkhub_instance *instance, int64_t deadline_monotonic_ms,
                                   sinkhub_result *result);
/* deliver [deliver]: hand one batch to the destination. Required. See
 * sinkhub_run_context, sinkhub_batch and the result codes. May block, must
 * honour ctx->deadline_monotonic_ms. */
typedef int32_t (*sinkhub_deliver_fn)(sinkhub_instance *instance, const sinkhub_run_context *ctx,
                                      const sinkhub_batch *batch, sinkhub_result *result);
/* flush [control, never concurrent with deliver on the same instance],
 * optional unless SINKHUB_CAP_BUFFERED: make everything provisionally
 * accepted durable. For a BUFFERED sink this host calls it after every
 * deliver() that returned OK with items_accepted > 0, on the same thread,
 * before the next deliver() of any delivery and before it commits that
 * call's items and checkpoint: the items (and checkpoint) of that call count
 * as delivered only once flush returns OK. Any other code turns the call into
 * a RETRY (or the flush's REJECT/FATAL) with nothing committed: the delivery
 * resumes from the state the previous call committed. So a buffered sink
 * buffers within one batch only: it cannot hold items across batches or
 * deliveries, and one BUFFERED instance gets one deliver() at a time (the
 * host ignores max_concurrency > 1 for it). flush gets a deadline of
 * delivery.batch_timeout (120 s by default). Event-only calls and calls
 * that accepted nothing are not flushed; non-buffered sinks never get flush
 * calls from this host (a later 1.x host may call it less often for
 * buffered sinks, or before close: write it to flush whatever is pending).
 * NULL means OK. */
typedef int32_t (*sinkhub_flush_fn)(sinkhub_instance *instance, int64_t deadline_monotonic_ms,
                                    sinkhub_result *result);
/* close [control], optional: drain, stop and join every plugin thread,
 * cancel timers. After close returns the plugin must not call any host
 * service for this instance. The host calls close once after a successful
 * open (also at shutdown); the result is only logged. */
typedef int32_t (*sinkhub_close_fn)(sinkhub_instance *instance, int64_t deadline_monotonic_ms,
                                    sinkhub_result *result);
/* destroy [control]: free the instance. Cannot fail; called exactly once per
 * instance returned by a successful create, after close if open succeeded. */
typedef void (*sinkhub_destroy_fn)(sinkhub_instance *instance);

/* ========================================================================= */
/* Plugin descriptor                                                         */
/* ========================================================================= */

/* What the plugin is and what it implements. Owner: plugin; normally a
 * `static const` object. Life: the whole process (the host never unloads
 * plugins). The host copies min(struct_size, sizeof) bytes into a zeroed
 * struct of its own, so fields a newer host knows and an older plugin lacks
 * read as 0/NULL. */
typedef struct sinkhub_plugin_descriptor {
  /* Plugin: sizeof(sinkhub_plugin_descriptor). The host refuses a value
   * smaller than SINKHUB_PLUGIN_DESCRIPTOR_MIN_SIZE ("struct too small"). */
  uint32_t struct_size;
  /* SINKHUB_ABI_VERSION_MAJOR and _MINOR of the header the plugin was built
   * with. The host refuses a different major. */
  uint32_t abi_major;
  uint32_t abi_minor;
  /* The oldest host ABI minor this plugin works with; normally
   * SINKHUB_ABI_VERSION_MINOR. The host refuses to load the plugin when this
   * is newer than its own minor ("needs a newer sinkhub"). A plugin may set a
   * lower value if it tests newer host fields with SINKHUB_HAS. */
  uint32_t min_host_abi_minor;
  /* Unique plugin id used as `plugin:` in the configuration, NUL-terminated,
   * [a-z0-9][a-z0-9._-]{0,63}, e.g. "file" or "com.example.kafka". Static. */
  const char *id;
  /* Human-readable name, e.g. "File sink". Static, NUL-terminated. */
  const char *name;
  /* The plugin's own version, semver, e.g. "1.2.0". Static, NUL-terminated. */
  const char *version;
  /* One-line description (may be NULL). Static, NUL-terminated. */
  const char *description;
  /* JSON Schema (draft 2020-12 subset) of the instance options, as text.
   * The top level must be {"type":"object", ...}. The host validates options
   * against it before create() and reports errors with the config file's
   * line and the option's path, checking: type (object, string, integer,
   * number, boolean, array, or a list of them), properties, required,
   * additionalProperties (true or false: unknown keys are refused), items
   * (one schema), enum (strings, numbers, booleans), minimum, maximum,
   * minLength, maxLength (bytes), minItems, maxItems. description, default,
   * title, examples, $comment and $schema are documentation (`sinkhub
   * plugins` shows description and default; the host fills defaults in, see
   * sinkhub_create_args.options_json). Any other keyword (pattern, format,
   * oneOf, $ref, ...), a malformed keyword, or a default or enum value its
   * own schema refuses makes the host refuse the plugin when it loads it.
   * Types are not converted: a YAML value must already have its property's
   * type (`yes` and "true" are not booleans, 12 is not a string); INI values
   * and ${env:..}/${file:..} results, which have no type, are read as the
   * property's type (integers in decimal, booleans as true/false). NULL =
   * the instance takes no options besides `plugin`. Static, NUL-terminated.
   * C++ plugins can write it with sinkhub/options.hpp. */
  const char *options_schema_json;
  /* SINKHUB_CAP_* bits. */
  uint64_t capabilities;
  /* Max concurrent deliver() calls per instance; 0 or 1 = serialized (keeps
   * item order per instance). */
  uint32_t max_concurrency;
  /* Must be zero. */
  uint32_t reserved_0;
  /* At most this many items of a dataset are needed; 0 = all. The host stops
   * fetching after max_items items and sets LAST_BATCH on the call that
   * reaches it (e.g. a chat sink that shows the first 10 items + the count). */
  uint64_t max_items;
  /* Batch-size hints, 0 = no preference. Host defaults: at most
   * apify.page_size items (1000 unless configured; no item limit when only
   * byte hints are set) and at most 16 MiB per batch. max_* are hard
   * limits: a batch never exceeds them, except that a single item larger
   * than max_batch_bytes is delivered alone. preferred_* is the size the
   * host aims for. min_batch_bytes: every batch except the LAST one carries
   * at least this many bytes (e.g. 5 MiB for S3 multipart parts); the host
   * refuses values above 64 MiB. */
  uint64_t preferred_batch_items;
  uint64_t max_batch_items;
  uint64_t preferred_batch_bytes;
  uint64_t max_batch_bytes;
  uint64_t min_batch_bytes;
  /* Callbacks. Required: create, deliver, destroy (and flush with
   * SINKHUB_CAP_BUFFERED). Optional (NULL): open, flush, close. */
  sinkhub_create_fn create;
  sinkhub_open_fn open;
  sinkhub_deliver_fn deliver;
  sinkhub_flush_fn flush;
  sinkhub_close_fn close;
  sinkhub_destroy_fn destroy;
  /* Fields added in 1.N > 0 go here, each marked "since 1.N". */
} sinkhub_plugin_descriptor;

/* Smallest struct_size a 1.x host accepts for a descriptor. */
#define SINKHUB_PLUGIN_DESCRIPTOR_MIN_SIZE SINKHUB_END_OF(sinkhub_plugin_descriptor, destroy)

/* ========================================================================= */
/* The entry symbol                                                          */
/* ========================================================================= */

#if defined(_WIN32)
#define SINKHUB_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define SINKHUB_EXPORT __attribute__((visibility("default")))
#else
#define SINKHUB_EXPORT
#endif

/* The only symbol a plugin exports (define it with SINKHUB_EXPORT).
 * The host dlsym()s SINKHUB_PLUGIN_ENTRY_SYMBOL after dlopen(RTLD_NOW |
 * RTLD_LOCAL); an absent symbol means "not a sinkhub plugin".
 * host_abi_major/minor: the host's ABI version (major is 1 for this symbol).
 * Returns the plugin's static descriptor, or NULL if the plugin cannot work
 * with this host (the host reports "plugin declined host ABI x.y").
 * Must be cheap and side-effect free: no I/O, no threads, no allocation that
 * is not released; the host may call it more than once. [control] */
SINKHUB_EXPORT const sinkhub_plugin_descriptor *sinkhub_plugin_entry_v1(uint32_t host_abi_major,
                                                                        uint32_t host_abi_minor);

/* Type of the entry function, for the host's dlsym(). */
typedef const sinkhub_plugin_descriptor *(*sinkhub_plugin_entry_v1_fn)(uint32_t host_abi_major,
                                                                       uint32_t host_abi_minor);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SINKHUB_SINK_H */
