/* One log sink for library code. Libraries (model, bridge, host) never print: they report
 * through cpo_log(), and the program that links them decides where lines go (stderr by
 * default, a file, a test's capture buffer, a GUI). Each call delivers one whole line. */
#ifndef CPO_LOG_H
#define CPO_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  CPO_LOG_ERROR = 0, /* the operation failed; the line says why */
  CPO_LOG_WARN = 1,  /* the run goes on, but something is not as asked */
  CPO_LOG_INFO = 2,  /* an event a person watching the run wants to see (attach, detach) */
  CPO_LOG_DEBUG = 3, /* detail for whoever is chasing a defect */
} cpo_log_level_t;

/** Receives one line (no trailing newline). @p domain names who speaks ("rtl", "model",
 *  "cpo_link", ...). Called from whichever thread logs: a sink must be thread-safe. */
typedef void (*cpo_log_sink_fn)(void *user, cpo_log_level_t level, const char *domain,
                                const char *line);

/** Route every later line to @p sink (NULL restores the default stderr sink). Set it before
 *  starting threads that log. */
void cpo_log_set_sink(cpo_log_sink_fn sink, void *user);

/** Lines above @p level are dropped before formatting (default CPO_LOG_INFO). */
void cpo_log_set_level(cpo_log_level_t level);

/** Format and deliver one line. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void cpo_log(cpo_log_level_t level, const char *domain, const char *fmt, ...);

/** The level's name as printed by the default sink ("error", "warning", ...). */
const char *cpo_log_level_name(cpo_log_level_t level);

#ifdef __cplusplus
}
#endif

#endif /* CPO_LOG_H */
