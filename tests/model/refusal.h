/* For the model tests: a create() call must be refused with CPO_ERR_INVALID_ARG and a logged
 * error naming the parameter, its value and its range. The model library reports through
 * cpo_log, so the lines are captured by a sink for the call's duration, each as
 * "domain: line" (e.g. "cpo_laser: threshold_a = -0.01 A is outside ..."), and shown on stderr
 * afterwards for the test's log. Include after cmocka.h. */
#ifndef CPO_TEST_REFUSAL_H
#define CPO_TEST_REFUSAL_H

#include <stdio.h>
#include <string.h>

#include "cpo/log.h"

typedef struct {
  char text[1024];
  size_t used;
} s_capture_t;

static void s_capture_sink(void *user, cpo_log_level_t level, const char *domain,
                           const char *line) {
  s_capture_t *c = user;
  (void)level;
  if (c->used < sizeof c->text) {
    const int n = snprintf(c->text + c->used, sizeof c->text - c->used, "%s: %s\n", domain, line);
    c->used += n > 0 ? (size_t)n : 0;
  }
}

static void s_capture_begin(s_capture_t *c) {
  c->text[0] = '\0';
  c->used = 0;
  cpo_log_set_sink(s_capture_sink, c);
}

static const char *s_capture_end(s_capture_t *c) {
  cpo_log_set_sink(NULL, NULL);
  fputs(c->text, stderr); /* still shown in the test's log */
  return c->text;
}

/* Evaluate @p call (a status) with the log captured: it must be CPO_ERR_INVALID_ARG and the
 * logged lines must contain @p expect (e.g. "quantum_efficiency = 1.5 is outside its physical
 * range (0, 1]"). */
#define EXPECT_REFUSED(call, expect)                                                               \
  do {                                                                                             \
    s_capture_t cap_;                                                                              \
    s_capture_begin(&cap_);                                                                        \
    const int rc_ = (call);                                                                        \
    const char *msg_ = s_capture_end(&cap_);                                                       \
    assert_int_equal(rc_, CPO_ERR_INVALID_ARG);                                                    \
    if (!strstr(msg_, (expect)))                                                                   \
      fail_msg("message \"%s\" lacks \"%s\"", msg_, (expect));                                     \
  } while (0)

#endif
