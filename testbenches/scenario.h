/* Scenario files: INI (parsed with libinih) naming the link, the model, the run length and
 * the expected outcome. Command-line options override what a file says. A file is refused,
 * naming its line and why, for anything inih would read differently from what it says (an
 * indented continuation, a line over inih's length, a NUL byte), a key given twice, or no
 * settings at all. */
#ifndef CPO_SCENARIO_H
#define CPO_SCENARIO_H

#include "roles.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The longest run: cycle stamps are signed 64-bit on some paths (2^63 - 1). */
#define CPO_SCENARIO_MAX_CYCLES INT64_MAX
/** The highest symbol rate a scenario may name (1 PBd: far beyond any link, within a u64). */
#define CPO_SCENARIO_MAX_BAUD_HZ 1e15

/** The built-in defaults: testbenches/scenarios/default.ini itself, compiled in. Every key
 * has its default there and nowhere else. */
void cpo_scenario_defaults(cpo_run_opts_t *o);

/** Load @p path over @p o. On failure @p why names the file, line, section and key. */
CPO_MUST_USE cpo_status_t cpo_scenario_load(const char *path, cpo_run_opts_t *o, char *why, size_t why_len);

/** Set [@p section] @p name (a known key) from @p value, as a scenario file would; false, with
 * @p why saying what a valid value looks like, if @p value is not one (@p o is then unchanged). */
bool cpo_scenario_set(cpo_run_opts_t *o, const char *section, const char *name, const char *value,
                      char *why, size_t why_len);

/** Parse a whole number (decimal, even with leading zeros, or 0x hex) within [min, max]; false
 * if it is not one. */
bool cpo_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);
/** Parse a finite real number; false if it is not one. */
bool cpo_parse_real(const char *text, double *out);

/** Select the model profile ("loopback" or a built-in engine); false if unknown. */
bool cpo_scenario_set_profile(cpo_run_opts_t *o, const char *name);
/** Select the fidelity ("statistical" or "bit-true"); false if neither. */
bool cpo_scenario_set_fidelity(cpo_run_opts_t *o, const char *name);
/** The fidelity in force, as scenarios and options spell it (the loopback is always bit-true). */
const char *cpo_scenario_fidelity(const cpo_run_opts_t *o);
/** Select the engine's state at cycle 0 ("calibrated" or "power-on"); false if neither. */
bool cpo_scenario_set_start(cpo_run_opts_t *o, const char *name);
/** The start state in force, as scenarios and options spell it. */
const char *cpo_scenario_start(const cpo_run_opts_t *o);
/** Select the fibre topology ("loopback" or "two-engines"); false if neither. */
bool cpo_scenario_set_topology(cpo_run_opts_t *o, const char *name);
/** The topology in force, as scenarios and options spell it. */
const char *cpo_scenario_topology(const cpo_run_opts_t *o);
/** The known profile names, comma separated. */
void cpo_scenario_profiles(char *out, size_t len);

#ifdef __cplusplus
}
#endif

#endif
