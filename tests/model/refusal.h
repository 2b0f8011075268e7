/* For the model tests: a create() call must be refused with CPO_ERR_INVALID_ARG and a message on
 * stderr naming the parameter, its value and its range. stderr is captured through a pipe
 * (no file; a message is far below the pipe's buffer). Include after cmocka.h. */
#ifndef CPO_TEST_REFUSAL_H
#define CPO_TEST_REFUSAL_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  int pipe_fd[2];
  int saved_fd;
  char text[1024];
} s_capture_t;

static void s_capture_begin(s_capture_t *c) {
  fflush(stderr);
  assert_int_equal(pipe(c->pipe_fd), 0);
  c->saved_fd = dup(STDERR_FILENO);
  assert_true(c->saved_fd >= 0);
  assert_true(dup2(c->pipe_fd[1], STDERR_FILENO) >= 0);
  close(c->pipe_fd[1]);
}

static const char *s_capture_end(s_capture_t *c) {
  fflush(stderr);
  assert_true(dup2(c->saved_fd, STDERR_FILENO) >= 0); /* closes the pipe's last write end */
  close(c->saved_fd);
  size_t n = 0;
  ssize_t got;
  while (n + 1 < sizeof c->text &&
         (got = read(c->pipe_fd[0], c->text + n, sizeof c->text - 1 - n)) > 0)
    n += (size_t)got;
  close(c->pipe_fd[0]);
  c->text[n] = '\0';
  fputs(c->text, stderr); /* still shown in the test's log */
  return c->text;
}

/* Evaluate @p call (a status) with stderr captured: it must be CPO_ERR_INVALID_ARG and the
 * message must contain @p expect (e.g. "quantum_efficiency = 1.5 is outside its physical range
 * (0, 1]"). */
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
