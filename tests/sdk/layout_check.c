/* Frozen layout of every public struct of sinkhub/sink.h (ABI 1.x) on x86_64.
 *
 * If a check below fails, you changed the binary interface: a field moved, changed
 * type or size, or a struct shrank. That is never allowed within major version 1.
 * Appending a field at the END of a struct (since 1.N) is allowed: update the
 * sizeof line of that struct and ADD the new field's offsetof/sizeof lines; never
 * edit an existing offsetof line.
 *
 * Compiled as C11 by the build (sdk_abi_tests) so a break fails CI at build time. */
#include <sinkhub/sink.h>

#include <stdalign.h>

#define SH_SIZE(T, n) _Static_assert(sizeof(T) == (n), "ABI break: sizeof(" #T ") changed")
#define SH_ALIGN(T, n) _Static_assert(alignof(T) == (n), "ABI break: alignof(" #T ") changed")
#define SH_FIELD(T, f, off, size)                                                        \
  _Static_assert(offsetof(T, f) == (off), "ABI break: offsetof(" #T ", " #f ") moved"); \
  _Static_assert(sizeof(((T *)0)->f) == (size), "ABI break: sizeof(" #T "." #f ") changed")

/* Architecture-independent facts. */
_Static_assert(SINKHUB_ABI_VERSION_MAJOR == 1, "the v1 header must say major 1");
_Static_assert(SINKHUB_OK == 0 && SINKHUB_RETRY == 1 && SINKHUB_REJECT == 2 && SINKHUB_FATAL == 3,
               "result codes are frozen");
_Static_assert(SINKHUB_PLUGIN_DESCRIPTOR_MIN_SIZE == SINKHUB_END_OF(sinkhub_plugin_descriptor, destroy),
               "1.0 descriptor minimum size is frozen");
/* 1.1: the context flags of 1.0 keep their values; COUNT_SETTLING is a new bit. */
_Static_assert(SINKHUB_ABI_VERSION_MINOR >= 3, "this header is at least 1.3");
_Static_assert(SINKHUB_CTX_FIRST_BATCH == 1u && SINKHUB_CTX_LAST_BATCH == 2u && SINKHUB_CTX_EVENT_ONLY == 4u &&
                   SINKHUB_CTX_REPLAY == 8u && SINKHUB_CTX_COUNT_SETTLING == 16u,
               "context flags are frozen");
/* 1.2: a rewind (sinkhub_result.resume_from_item) is "unset" with the same sentinel as
 * items_accepted. */
_Static_assert(SINKHUB_ITEMS_UNSET == UINT64_MAX, "the unset sentinel is frozen");
/* 1.3: result flags. */
_Static_assert(SINKHUB_RESULT_BUSY == 1u, "result flag bits are frozen");
_Static_assert(SINKHUB_CAP_NO_ITEMS == (UINT64_C(1) << 4) && SINKHUB_CAP_ACTOR_NAME == (UINT64_C(1) << 5),
               "capability bits are frozen");

#if defined(__x86_64__) && defined(__LP64__)

/* sinkhub_str */
SH_SIZE(sinkhub_str, 16);
SH_ALIGN(sinkhub_str, 8);
SH_FIELD(sinkhub_str, ptr, 0, 8);
SH_FIELD(sinkhub_str, len, 8, 8);

/* sinkhub_http_header */
SH_SIZE(sinkhub_http_header, 32);
SH_ALIGN(sinkhub_http_header, 8);
SH_FIELD(sinkhub_http_header, name, 0, 16);
SH_FIELD(sinkhub_http_header, value, 16, 16);

/* sinkhub_result */
SH_SIZE(sinkhub_result, 56); /* 40 in 1.0 and 1.1, 48 in 1.2 */
SH_ALIGN(sinkhub_result, 8);
SH_FIELD(sinkhub_result, struct_size, 0, 4);
SH_FIELD(sinkhub_result, dest_status, 4, 4);
SH_FIELD(sinkhub_result, retry_after_ms, 8, 8);
SH_FIELD(sinkhub_result, items_accepted, 16, 8);
SH_FIELD(sinkhub_result, message, 24, 8);
SH_FIELD(sinkhub_result, message_cap, 32, 8);
/* since 1.2 */
SH_FIELD(sinkhub_result, resume_from_item, 40, 8);
/* since 1.3 */
SH_FIELD(sinkhub_result, flags, 48, 4);
SH_FIELD(sinkhub_result, reserved_0, 52, 4);

/* sinkhub_batch */
SH_SIZE(sinkhub_batch, 48);
SH_ALIGN(sinkhub_batch, 8);
SH_FIELD(sinkhub_batch, struct_size, 0, 4);
SH_FIELD(sinkhub_batch, format, 4, 4);
SH_FIELD(sinkhub_batch, item_count, 8, 8);
SH_FIELD(sinkhub_batch, data, 16, 8);
SH_FIELD(sinkhub_batch, data_len, 24, 8);
SH_FIELD(sinkhub_batch, item_offsets, 32, 8);
SH_FIELD(sinkhub_batch, item_lengths, 40, 8);

/* sinkhub_run_context */
SH_SIZE(sinkhub_run_context, 200); /* 184 in 1.0 */
SH_ALIGN(sinkhub_run_context, 8);
SH_FIELD(sinkhub_run_context, struct_size, 0, 4);
SH_FIELD(sinkhub_run_context, flags, 4, 4);
SH_FIELD(sinkhub_run_context, call, 8, 8);
SH_FIELD(sinkhub_run_context, delivery_id, 16, 16);
SH_FIELD(sinkhub_run_context, event_type, 32, 16);
SH_FIELD(sinkhub_run_context, run_id, 48, 16);
SH_FIELD(sinkhub_run_context, actor_id, 64, 16);
SH_FIELD(sinkhub_run_context, task_id, 80, 16);
SH_FIELD(sinkhub_run_context, dataset_id, 96, 16);
SH_FIELD(sinkhub_run_context, event_json, 112, 16);
SH_FIELD(sinkhub_run_context, attempt, 128, 4);
SH_FIELD(sinkhub_run_context, batch_index, 132, 4);
SH_FIELD(sinkhub_run_context, deadline_monotonic_ms, 136, 8);
SH_FIELD(sinkhub_run_context, event_time_unix_ms, 144, 8);
SH_FIELD(sinkhub_run_context, item_offset, 152, 8);
SH_FIELD(sinkhub_run_context, dataset_item_count, 160, 8);
SH_FIELD(sinkhub_run_context, checkpoint, 168, 8);
SH_FIELD(sinkhub_run_context, checkpoint_len, 176, 8);
/* since 1.1 */
SH_FIELD(sinkhub_run_context, actor_name, 184, 16);

/* sinkhub_http_request */
SH_SIZE(sinkhub_http_request, 112);
SH_ALIGN(sinkhub_http_request, 8);
SH_FIELD(sinkhub_http_request, struct_size, 0, 4);
SH_FIELD(sinkhub_http_request, flags, 4, 4);
SH_FIELD(sinkhub_http_request, method, 8, 16);
SH_FIELD(sinkhub_http_request, url, 24, 16);
SH_FIELD(sinkhub_http_request, headers, 40, 8);
SH_FIELD(sinkhub_http_request, header_count, 48, 8);
SH_FIELD(sinkhub_http_request, body, 56, 8);
SH_FIELD(sinkhub_http_request, body_len, 64, 8);
SH_FIELD(sinkhub_http_request, body_read, 72, 8);
SH_FIELD(sinkhub_http_request, body_content_length, 80, 8);
SH_FIELD(sinkhub_http_request, user, 88, 8);
SH_FIELD(sinkhub_http_request, timeout_ms, 96, 4);
SH_FIELD(sinkhub_http_request, connect_timeout_ms, 100, 4);
SH_FIELD(sinkhub_http_request, max_response_bytes, 104, 8);

/* sinkhub_http_response */
SH_SIZE(sinkhub_http_response, 88);
SH_ALIGN(sinkhub_http_response, 8);
SH_FIELD(sinkhub_http_response, struct_size, 0, 4);
SH_FIELD(sinkhub_http_response, status, 4, 4);
SH_FIELD(sinkhub_http_response, on_header, 8, 8);
SH_FIELD(sinkhub_http_response, on_body, 16, 8);
SH_FIELD(sinkhub_http_response, body_buf, 24, 8);
SH_FIELD(sinkhub_http_response, body_cap, 32, 8);
SH_FIELD(sinkhub_http_response, body_len, 40, 8);
SH_FIELD(sinkhub_http_response, body_total, 48, 8);
SH_FIELD(sinkhub_http_response, retry_after_ms, 56, 8);
SH_FIELD(sinkhub_http_response, flags, 64, 4);
SH_FIELD(sinkhub_http_response, reserved_0, 68, 4);
SH_FIELD(sinkhub_http_response, error_message, 72, 8);
SH_FIELD(sinkhub_http_response, error_message_cap, 80, 8);

/* sinkhub_host */
SH_SIZE(sinkhub_host, 112);
SH_ALIGN(sinkhub_host, 8);
SH_FIELD(sinkhub_host, struct_size, 0, 4);
SH_FIELD(sinkhub_host, abi_major, 4, 4);
SH_FIELD(sinkhub_host, abi_minor, 8, 4);
SH_FIELD(sinkhub_host, reserved_0, 12, 4);
SH_FIELD(sinkhub_host, host_name, 16, 8);
SH_FIELD(sinkhub_host, host_version, 24, 8);
SH_FIELD(sinkhub_host, checkpoint_max_bytes, 32, 8);
SH_FIELD(sinkhub_host, log, 40, 8);
SH_FIELD(sinkhub_host, log_enabled, 48, 8);
SH_FIELD(sinkhub_host, now_unix_ms, 56, 8);
SH_FIELD(sinkhub_host, monotonic_ms, 64, 8);
SH_FIELD(sinkhub_host, metric_define, 72, 8);
SH_FIELD(sinkhub_host, metric_record, 80, 8);
SH_FIELD(sinkhub_host, checkpoint_save, 88, 8);
SH_FIELD(sinkhub_host, call_cancelled, 96, 8);
SH_FIELD(sinkhub_host, http_request, 104, 8);

/* sinkhub_instance_limits */
SH_SIZE(sinkhub_instance_limits, 56);
SH_ALIGN(sinkhub_instance_limits, 8);
SH_FIELD(sinkhub_instance_limits, struct_size, 0, 4);
SH_FIELD(sinkhub_instance_limits, max_concurrency, 4, 4);
SH_FIELD(sinkhub_instance_limits, max_items, 8, 8);
SH_FIELD(sinkhub_instance_limits, preferred_batch_items, 16, 8);
SH_FIELD(sinkhub_instance_limits, max_batch_items, 24, 8);
SH_FIELD(sinkhub_instance_limits, preferred_batch_bytes, 32, 8);
SH_FIELD(sinkhub_instance_limits, max_batch_bytes, 40, 8);
SH_FIELD(sinkhub_instance_limits, min_batch_bytes, 48, 8);

/* sinkhub_create_args */
SH_SIZE(sinkhub_create_args, 80);
SH_ALIGN(sinkhub_create_args, 8);
SH_FIELD(sinkhub_create_args, struct_size, 0, 4);
SH_FIELD(sinkhub_create_args, flags, 4, 4);
SH_FIELD(sinkhub_create_args, host, 8, 8);
SH_FIELD(sinkhub_create_args, host_instance, 16, 8);
SH_FIELD(sinkhub_create_args, instance_name, 24, 16);
SH_FIELD(sinkhub_create_args, options_json, 40, 16);
SH_FIELD(sinkhub_create_args, data_dir, 56, 16);
SH_FIELD(sinkhub_create_args, limits, 72, 8);

/* sinkhub_plugin_descriptor */
SH_SIZE(sinkhub_plugin_descriptor, 168);
SH_ALIGN(sinkhub_plugin_descriptor, 8);
SH_FIELD(sinkhub_plugin_descriptor, struct_size, 0, 4);
SH_FIELD(sinkhub_plugin_descriptor, abi_major, 4, 4);
SH_FIELD(sinkhub_plugin_descriptor, abi_minor, 8, 4);
SH_FIELD(sinkhub_plugin_descriptor, min_host_abi_minor, 12, 4);
SH_FIELD(sinkhub_plugin_descriptor, id, 16, 8);
SH_FIELD(sinkhub_plugin_descriptor, name, 24, 8);
SH_FIELD(sinkhub_plugin_descriptor, version, 32, 8);
SH_FIELD(sinkhub_plugin_descriptor, description, 40, 8);
SH_FIELD(sinkhub_plugin_descriptor, options_schema_json, 48, 8);
SH_FIELD(sinkhub_plugin_descriptor, capabilities, 56, 8);
SH_FIELD(sinkhub_plugin_descriptor, max_concurrency, 64, 4);
SH_FIELD(sinkhub_plugin_descriptor, reserved_0, 68, 4);
SH_FIELD(sinkhub_plugin_descriptor, max_items, 72, 8);
SH_FIELD(sinkhub_plugin_descriptor, preferred_batch_items, 80, 8);
SH_FIELD(sinkhub_plugin_descriptor, max_batch_items, 88, 8);
SH_FIELD(sinkhub_plugin_descriptor, preferred_batch_bytes, 96, 8);
SH_FIELD(sinkhub_plugin_descriptor, max_batch_bytes, 104, 8);
SH_FIELD(sinkhub_plugin_descriptor, min_batch_bytes, 112, 8);
SH_FIELD(sinkhub_plugin_descriptor, create, 120, 8);
SH_FIELD(sinkhub_plugin_descriptor, open, 128, 8);
SH_FIELD(sinkhub_plugin_descriptor, deliver, 136, 8);
SH_FIELD(sinkhub_plugin_descriptor, flush, 144, 8);
SH_FIELD(sinkhub_plugin_descriptor, close, 152, 8);
SH_FIELD(sinkhub_plugin_descriptor, destroy, 160, 8);
#endif /* x86_64 */

/* Number of frozen facts, so the gtest can report that the checks were compiled in. */
int sinkhub_layout_check_count(void);
int sinkhub_layout_check_count(void) {
#if defined(__x86_64__) && defined(__LP64__)
  return 274;
#else
  return 8;
#endif
}
