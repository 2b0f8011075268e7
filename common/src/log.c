#include "cpo/log.h"

#include <stdarg.h>
#include <stdio.h>

/* Longer lines are cut: a log line that does not fit in 1 KiB is a defect of its caller. */
#define LOG_LINE_MAX 1024

static void s_stderr_sink(void *user, cpo_log_level_t level, const char *domain, const char *line);

static cpo_log_sink_fn s_sink = s_stderr_sink;
static void *s_sink_user;
static cpo_log_level_t s_level = CPO_LOG_INFO;

const char *cpo_log_level_name(cpo_log_level_t level) {
  switch (level) {
  case CPO_LOG_ERROR:
    return "error";
  case CPO_LOG_WARN:
    return "warning";
  case CPO_LOG_INFO:
    return "info";
  case CPO_LOG_DEBUG:
    return "debug";
  }
  return "log";
}

/* "cpoemu[rtl] error: ..." for errors and warnings, "cpoemu[rtl] ..." for the rest: the form
 * the run's lines had before the sink existed, which scripts and tests match. One fputs of a
 * whole line so lines of concurrent threads do not interleave. */
static void s_stderr_sink(void *user, cpo_log_level_t level, const char *domain, const char *line) {
  (void)user;
  char buf[LOG_LINE_MAX + 64];
  if (level <= CPO_LOG_WARN)
    snprintf(buf, sizeof buf, "cpoemu[%s] %s: %s\n", domain, cpo_log_level_name(level), line);
  else
    snprintf(buf, sizeof buf, "cpoemu[%s] %s\n", domain, line);
  fputs(buf, stderr);
}

void cpo_log_set_sink(cpo_log_sink_fn sink, void *user) {
  s_sink = sink ? sink : s_stderr_sink;
  s_sink_user = sink ? user : NULL;
}

void cpo_log_set_level(cpo_log_level_t level) {
  s_level = level;
}

void cpo_log(cpo_log_level_t level, const char *domain, const char *fmt, ...) {
  if (level > s_level)
    return;
  char line[LOG_LINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  s_sink(s_sink_user, level, domain, line);
}
