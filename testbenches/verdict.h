/* The verdict on a run: whether it met its expectations (pass, fail, and why), the word the
 * JSON gives it, and the summary a person reads. */
#ifndef CPO_VERDICT_H
#define CPO_VERDICT_H

#include <stdio.h>

#include "roles.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Judge a run that covered all its cycles against @p o's expectations: sets
 * s->expectations_met and, if missed, s->expectation_failure ("; "-separated reasons). A run
 * passes only if it did what it exists for: every lane the scenario expects locked, PRBS bits
 * checked, and their BER under the limit; a scenario that expects less says so ([expect]). */
void cpo_verdict_expect(const cpo_run_opts_t *o, cpo_run_summary_t *s);
/** Whether @p o expects anything of the engine's CMIS at the end (then the run reads it). */
bool cpo_verdict_wants_cmis(const cpo_run_opts_t *o);
/** The result word of @p s: "pass", "fail", "error" or "interrupted". */
const char *cpo_verdict_word(const cpo_run_summary_t *s);
/** Print the run's summary, per lane, and its RESULT line to @p f. */
void cpo_verdict_print(FILE *f, const cpo_run_summary_t *s, const cpo_config_t *c);
/** The exit code of a run supervised as processes: the rtl's own (0 pass, 1 fail, 2 bad
 * configuration, 3 error; anything else, such as a signal's 128 + n, is 3), unless a failure came
 * first or the run was stopped: then 3 (2 stays 2). */
int cpo_verdict_code(int rtl_code, bool failed_first, bool stopped);

#ifdef __cplusplus
}
#endif

#endif
