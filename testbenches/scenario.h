/* Scenario files: INI (parsed with libinih) naming the link, the model, the run length and
 * the expected outcome, in the keys of params.def. Command-line options override what a file
 * says; a key a file leaves out keeps its default (params.def). A file is refused,
 * naming its line and why, for anything inih would read differently from what it says (an
 * indented continuation, a line over inih's length, a NUL byte), a key given twice, or no
 * settings at all. Sections [event.NAME] are the run's timeline (timeline.h), read into
 * o->timeline. */
#ifndef CPO_SCENARIO_H
#define CPO_SCENARIO_H

#include "params.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Load @p path over @p o. On failure @p why names the file, line, section and key. */
CPO_MUST_USE cpo_status_t cpo_scenario_load(const char *path, cpo_run_opts_t *o, char *why,
                                            size_t why_len);

#ifdef __cplusplus
}
#endif

#endif
