/* Compiled by ctest as C99 and C11 with -Wall -Wextra -pedantic -Werror: the ABI header is plain C. */
#include <sinkhub/sink.h>

static int32_t noop_deliver(sinkhub_instance *i, const sinkhub_run_context *c, const sinkhub_batch *b,
                            sinkhub_result *r) {
  (void)i;
  (void)c;
  (void)b;
  sinkhub_result_set_message(r, "ok");
  return SINKHUB_OK;
}

int main(void) {
  static sinkhub_plugin_descriptor d; /* zero-initialised, valid C and C++ */
  static sinkhub_host h;
  d.struct_size = sizeof d;
  d.deliver = noop_deliver;
  h.struct_size = sizeof h;
  return SINKHUB_HAS_FN(&d, sinkhub_plugin_descriptor, deliver) && SINKHUB_HAS(&h, sinkhub_host, http_request) &&
                 d.struct_size >= SINKHUB_PLUGIN_DESCRIPTOR_MIN_SIZE
             ? 0
             : 1;
}
