/* The run's parameters (params.def): each one's scenario key, option, kind, range, default and
 * help, and the operations every user of a parameter derives from them: set from text (a file,
 * an option), format as text (the reproduce line, the child processes), the defaults, the
 * usage text. */
#ifndef CPO_PARAMS_H
#define CPO_PARAMS_H

#include <stdio.h>

#include "roles.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The longest option with its value as text (a profile file's path is the longest). */
#define CPO_PARAMS_ARG_MAX (CPO_PROFILE_PATH_MAX + 64)
/** The longest run: cycle stamps are signed 64-bit on some paths (2^63 - 1). */
#define CPO_PARAMS_MAX_CYCLES INT64_MAX
/** The highest symbol rate a scenario may name (1 PBd: far beyond any link, within a u64). */
#define CPO_PARAMS_MAX_BAUD_HZ 1e15

typedef enum {
  CPO_PARAM_UINT,
  CPO_PARAM_WHOLE,
  CPO_PARAM_REAL,
  CPO_PARAM_WORDS,
  CPO_PARAM_BOOL,
  CPO_PARAM_PROFILE,
  CPO_PARAM_SCRIPT, /* a script's path (with a '/' or ending in .py), or one of its words */
  CPO_PARAM_WINDOW  /* a trace window, FROM:TO */
} cpo_param_kind_t;

/** A named value a parameter accepts (besides a number, for UINT and REAL). */
typedef struct {
  const char *word; /* NULL ends a list */
  int64_t value;
} cpo_param_word_t;

extern const cpo_param_word_t cpo_param_fidelities[], cpo_param_starts[], cpo_param_topologies[],
    cpo_param_bools[], cpo_param_profile_word[], cpo_param_all_word[], cpo_param_designs[],
    cpo_param_design_word[], cpo_param_path_word[], cpo_param_quarter_word[], cpo_param_harnesses[],
    cpo_param_host_programs[], cpo_param_d2d_expect[], cpo_param_none_word[];
extern const cpo_param_word_t cpo_param_cmis_module_states[], cpo_param_cmis_dp_states[];

typedef struct {
  const char *section, *key, *option, *help, *default_text;
  cpo_param_kind_t kind;
  uint64_t min_u, max_u; /* UINT */
  double min_d, max_d;   /* WHOLE, REAL */
  const cpo_param_word_t *words;
  bool json; /* in the JSON result's config section */
} cpo_param_t;

/** The value of a parameter, as its kind holds it. */
typedef struct {
  uint64_t u;       /* UINT, WHOLE */
  double d;         /* REAL */
  int64_t i;        /* WORDS, BOOL, and a word's value */
  const char *s;    /* PROFILE, SCRIPT, WINDOW */
  const char *word; /* the word it is, or NULL */
} cpo_param_value_t;

/** How many parameters there are (CPO_PARAMS_N, also as cpo_params_count). */
enum {
  CPO_PARAMS_N = 0
#define CPO_PARAM(...) +1
#include "params.def"
#undef CPO_PARAM
};

/** How many parameters there are; the @p i-th (0 <= i < count), in params.def's order. */
size_t cpo_params_count(void);
const cpo_param_t *cpo_params_at(size_t i);
/** The parameter of [@p section] @p key, or NULL. */
const cpo_param_t *cpo_params_find(const char *section, const char *key);
/** The index of @p p in the table. */
size_t cpo_params_index(const cpo_param_t *p);

/** Set @p p from @p text as a scenario file or an option writes it. False, with @p why saying
 * what a valid value looks like ("'x': expected ..."), if it is not one; @p o is then unchanged. */
bool cpo_params_set(cpo_run_opts_t *o, const cpo_param_t *p, const char *text, char *why,
                    size_t why_len);
/** The value of @p p in @p o. */
cpo_param_value_t cpo_params_get(const cpo_run_opts_t *o, const cpo_param_t *p);
/** The value of @p p in @p o as text that cpo_params_set reads back to the same value. */
void cpo_params_format(const cpo_run_opts_t *o, const cpo_param_t *p, char *out, size_t len);
/** What a valid value of @p p looks like ("a whole number from 1 to 64"). */
void cpo_params_expected(const cpo_param_t *p, char *out, size_t len);

/** Every parameter at its default (and everything else in @p o zero, ready_fd -1). False, with
 *  @p why naming the entry, when params.def itself is wrong (an empty range, a default outside
 *  its range): no run may start on such a table. */
bool cpo_params_defaults(cpo_run_opts_t *o, char *why, size_t len);
/** Rules between parameters, applied once all are set: the engine profile read (a shipped one or
 *  a file: config.profile is its name, profile_source where it came from), the lanes the
 *  profile's when not given, the design's host lanes; the loopback is always bit-true. False,
 *  with @p why (a file's errors name its line), if the profile cannot be read. */
bool cpo_params_settle(cpo_run_opts_t *o, char *why, size_t len);

/** The option that sets @p p to @p value ("--seed", or "--with-host" / "--no-host" for a BOOL). */
const char *cpo_params_option(const cpo_param_t *p, bool value, char *out, size_t len);
/** Append every parameter of @p o as options ("--seed" "1" "--with-host" ...) to @p argv from
 * index @p n, formatting values into @p buf (one row per parameter); the new count. */
int cpo_params_to_argv(const cpo_run_opts_t *o, char **argv, int n, char buf[][CPO_PARAMS_ARG_MAX]);
/** Every parameter of @p o as a scenario file would write it, section by section. */
void cpo_params_write_ini(const cpo_run_opts_t *o, FILE *f);
/** The usage text of every parameter: option, help, key, range and default. */
void cpo_params_usage(FILE *f);

/** Parse a whole number (decimal, even with leading zeros, or 0x hex) within [min, max]; false
 * if it is not one. */
bool cpo_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);
/** Parse a finite real number; false if it is not one. */
bool cpo_parse_real(const char *text, double *out);
/** The known profile names, comma separated. */
void cpo_params_profiles(char *out, size_t len);
/** Whether @p text names a script, as [host] script takes one: a path, as a profile's (a '/' in
 * it), or a .py name. */
bool cpo_params_is_script_path(const char *text);

#ifdef __cplusplus
}
#endif

#endif
