/* cpoemu regress: a matrix of scenarios x seeds, each run as a child `cpoemu run`, up to -j at
 * once, sharded, watched, and reported as JUnit XML, a JSON summary and a Markdown report.
 *
 * One concept per file: the list and the matrix (regress_list.c), running the children under
 * their watchdogs (regress_exec.c), the reports (regress_report.c), merging shards
 * (regress_merge.c), the command (regress.c). Runs and summaries are jansson objects, so a local
 * run and a merge of shards write their reports through the same code from the same data. */
#ifndef CPO_REGRESS_H
#define CPO_REGRESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The summary's format name (a merge refuses another). */
#define CPO_REGRESS_FORMAT "cpoemu-regress/1"

/** `cpoemu regress ...`: the exit code (0 all passed, 1 a run failed, hung or erred, 2 bad
 * usage or list, 3 interrupted). */
int cpo_regress_main(int argc, char **argv, const char *self);

/* ---- the matrix (regress_list.c) ---------------------------------------------------------- */

/** Load the matrix: @p list (NULL: every *.ini in @p library_dir, sorted) times its seeds
 * (@p default_seeds where a line gives none), each line's options then @p extra_args (n_extra).
 * Each line is checked by asking @p self to print its scenario. Returns an array of planned runs
 * ({index, scenario, file, seed, args: [..]}), or NULL with the problem in @p why ("FILE:LINE:
 * ..."). */
json_t *cpo_regress_matrix_load(const char *list, const char *library_dir,
                                const char *default_seeds, char *const *extra_args, int n_extra,
                                const char *self, char *why, size_t why_len);
/** Parse a seed list "1,2,5-8" into @p out (at most @p max); the count, or -1 with @p why. */
int cpo_regress_seeds_parse(const char *text, uint64_t *out, int max, char *why, size_t why_len);
/** The matrix's fingerprint (FNV-1a 64 over each run's file, seed and args), "0x%016llx". */
void cpo_regress_matrix_id(const json_t *matrix, char out[19]);
/** True if run @p index of the matrix belongs to shard @p k of @p n (1 <= k <= n): index mod n
 * == k - 1, so the shards partition the matrix and each gets every n-th run. */
bool cpo_regress_in_shard(size_t index, unsigned k, unsigned n);
/** The one-line command that reproduces planned run @p run with @p self, shell-quoted. */
void cpo_regress_reproduce(const json_t *run, const char *self, char *out, size_t len);

/* ---- running (regress_exec.c) ------------------------------------------------------------- */

typedef struct {
  const char *self;       /* the cpoemu binary the runs exec */
  const char *out_dir;    /* runs go to out_dir/runs/<index>-<scenario>-s<seed>/ */
  unsigned jobs;          /* at most this many at once */
  double wall_timeout_s;  /* a run still going after this is hung */
  double stall_timeout_s; /* a run whose simulated time has not advanced for this is hung */
  const char *placement;  /* each run's --cpu-placement */
} cpo_regress_exec_cfg_t;

/** Run each planned run of @p runs (an array) and return their records, in the same order
 * (the planned fields, then status, message, detail, exit_code, reproduce, the run's JSON
 * results, wall_s and artefacts). A signal to this process (INT, TERM, HUP) kills the runs and
 * marks them and those not started "interrupted". Never NULL. */
json_t *cpo_regress_exec(const json_t *runs, const cpo_regress_exec_cfg_t *cfg);

/* ---- reports (regress_report.c) ----------------------------------------------------------- */

/** The summary of @p records (run records in matrix order; stolen): format, matrix, shard,
 * totals, runs. */
json_t *cpo_regress_summary(json_t *records, const char *matrix_id, size_t matrix_runs,
                            unsigned shard_k, unsigned shard_n);
/** Write out_dir/summary.json, junit.xml and report.md from @p summary; 0 or -1 with @p why. */
int cpo_regress_write_reports(const json_t *summary, const char *out_dir, double wall_s, char *why,
                              size_t why_len);
/** The exit code a summary gives: 0 every run passed, 3 one was interrupted, else 1. */
int cpo_regress_exit_code(const json_t *summary);

/* ---- merging shards (regress_merge.c) ----------------------------------------------------- */

/** Merge the summaries in @p dirs (each DIR/summary.json, one per shard of one matrix, every
 * shard once) into one summary of the whole matrix, its artefact paths made relative to
 * @p out_dir; NULL with the problem in @p why. */
json_t *cpo_regress_merge(char *const *dirs, int n_dirs, const char *out_dir, char *why,
                          size_t why_len);
/** @p path (relative to @p from_dir, or absolute) as a path relative to @p to_dir, in @p out. */
void cpo_regress_relpath(const char *path, const char *from_dir, const char *to_dir, char *out,
                         size_t len);

#endif
