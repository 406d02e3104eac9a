/* Helpers shared by the C test plugins (tests/plugin_host/fake_plugin.c,
 * tests/delivery/test_sink.c): reading a string option from the host's condensed options
 * JSON, and sleeping. Test code only: real plugins parse their options properly. */
#ifndef SINKHUB_TESTS_FAKE_PLUGIN_UTIL_H
#define SINKHUB_TESTS_FAKE_PLUGIN_UTIL_H

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Reads "key":"value" from the host's condensed options JSON; "" when absent. */
static void option(const char *json, size_t len, const char *key, char *out, size_t cap) {
  char pat[80];
  const char *p, *end;
  size_t n;
  out[0] = '\0';
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  p = strstr(json, pat);
  if (!p || (size_t)(p - json) >= len) return;
  p += strlen(pat);
  end = strchr(p, '"');
  if (!end) return;
  n = (size_t)(end - p) < cap - 1 ? (size_t)(end - p) : cap - 1;
  memcpy(out, p, n);
  out[n] = '\0';
}

static void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

#endif
