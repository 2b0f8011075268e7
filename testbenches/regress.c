/* `cpoemu regress`: the command line, and the order of things (load the matrix, take the shard,
 * run it, report), or the merge of shards' results. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "regress.h"

#ifndef CPO_SCENARIO_DIR
#define CPO_SCENARIO_DIR "testbenches/scenarios"
#endif

static void s_usage(FILE *f) {
  fputs(
      "usage: cpoemu regress [LIST] [options] [-- RUN OPTIONS]\n"
      "       cpoemu regress --merge DIR... [--out DIR]\n"
      "Runs a matrix of scenarios x seeds, each as `cpoemu run SCENARIO --seed S`, and reports it\n"
      "as OUT/junit.xml, OUT/summary.json and OUT/report.md, artefacts in OUT/runs/.\n"
      "  LIST                     lines `SCENARIO [seeds=1,2,5-8] [--option value ...]`, '#'\n"
      "                           comments (default: every *.ini of the scenario library)\n"
      "  -- RUN OPTIONS           `cpoemu run` options for every run (e.g. -- --cycles 60000)\n"
      "  -j, --jobs N             at most N runs at once (default: the CPUs this may use)\n"
      "  --shard K/N              only the runs of shard K of N (run i is in shard i mod N + 1)\n"
      "  --seeds LIST             the seeds of lines that give none (default 1)\n"
      "  --out DIR                where the reports and runs go (default regress-out)\n"
      "  --wall-timeout S         a run still going after S wall seconds is hung (default 3600)\n"
      "  --stall-timeout S        a run whose simulated time has not advanced for S wall seconds\n"
      "                           is hung (default 120); a hung run's process group is killed\n"
      "  --cpu-placement auto|off each run's (default: auto with -j 1, off with more: runs side\n"
      "                           by side are placed by the OS rather than pinned)\n"
      "  --scenarios DIR          the scenario library, subdirectories too (default\n"
      "                           " CPO_SCENARIO_DIR ")\n"
      "  --dry-run                list the runs (index, scenario, seed, reproduce line); run none\n"
      "  --merge DIR...           merge the shards' OUT directories into --out (every shard once)\n"
      "Exit codes: 0 every run passed, 1 a run failed, hung or erred, 2 bad usage or list, 3\n"
      "interrupted.\n",
      f);
}

/* mkdir -p @p path; 0 or -1. */
static int s_mkdirs(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  return mkdir(buf, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

static double s_now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static bool s_number(const char *text, double *out) {
  char *end;
  *out = strtod(text, &end);
  return end != text && !*end && *out > 0;
}

/* Print the summary's last line and return its exit code. */
static int s_conclude(json_t *summary, const char *out, double wall_s) {
  char why[4400];
  if (cpo_regress_write_reports(summary, out, wall_s, why, sizeof why) != 0) {
    fprintf(stderr, "cpoemu regress: %s\n", why);
    json_decref(summary);
    return 2;
  }
  const json_t *t = json_object_get(summary, "totals");
  printf("regress: %lld of %lld passed (%lld failed, %lld hung, %lld errors, %lld interrupted): "
         "%s/report.md, %s/junit.xml\n",
         (long long)json_integer_value(json_object_get(t, "pass")),
         (long long)json_integer_value(json_object_get(t, "runs")),
         (long long)json_integer_value(json_object_get(t, "fail")),
         (long long)json_integer_value(json_object_get(t, "hung")),
         (long long)json_integer_value(json_object_get(t, "error")),
         (long long)json_integer_value(json_object_get(t, "interrupted")), out, out);
  int rc = cpo_regress_exit_code(summary);
  json_decref(summary);
  return rc;
}

enum {
  OPT_SHARD = 256,
  OPT_SEEDS,
  OPT_OUT,
  OPT_WALL,
  OPT_STALL,
  OPT_PLACEMENT,
  OPT_LIB,
  OPT_DRY,
  OPT_MERGE
};

int cpo_regress_main(int argc, char **argv, const char *self) {
  static const struct option longs[] = {{"jobs", required_argument, 0, 'j'},
                                        {"shard", required_argument, 0, OPT_SHARD},
                                        {"seeds", required_argument, 0, OPT_SEEDS},
                                        {"out", required_argument, 0, OPT_OUT},
                                        {"wall-timeout", required_argument, 0, OPT_WALL},
                                        {"stall-timeout", required_argument, 0, OPT_STALL},
                                        {"cpu-placement", required_argument, 0, OPT_PLACEMENT},
                                        {"scenarios", required_argument, 0, OPT_LIB},
                                        {"dry-run", no_argument, 0, OPT_DRY},
                                        {"merge", no_argument, 0, OPT_MERGE},
                                        {"help", no_argument, 0, 'h'},
                                        {0, 0, 0, 0}};
  unsigned jobs = 0, shard_k = 1, shard_n = 1;
  const char *seeds = "1", *out = "regress-out", *placement = NULL, *library = CPO_SCENARIO_DIR;
  double wall_timeout_s = 3600, stall_timeout_s = 120;
  bool dry_run = false, merge = false;
  /* Run options follow "--": getopt sees only what comes before (and may reorder that). */
  int dashdash = argc;
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      dashdash = i;
      break;
    }
  optind = 2; /* argv[1] is "regress" */
  opterr = 0;
  int c;
  while ((c = getopt_long(dashdash, argv, "j:h", longs, NULL)) != -1) {
    double v;
    char extra;
    switch (c) {
    case 'j':
      if (!s_number(optarg, &v) || v != (unsigned)v || v > 1024) {
        fprintf(stderr, "cpoemu regress: -j '%s': expected a whole number of runs, 1 to 1024\n",
                optarg);
        return 2;
      }
      jobs = (unsigned)v;
      break;
    case OPT_SHARD:
      if (sscanf(optarg, "%u/%u%c", &shard_k, &shard_n, &extra) != 2 || shard_n < 1 ||
          shard_k < 1 || shard_k > shard_n) {
        fprintf(stderr, "cpoemu regress: --shard '%s': expected K/N with 1 <= K <= N\n", optarg);
        return 2;
      }
      break;
    case OPT_SEEDS:
      seeds = optarg;
      break;
    case OPT_OUT:
      out = optarg;
      break;
    case OPT_WALL:
    case OPT_STALL:
      if (!s_number(optarg, &v)) {
        fprintf(stderr, "cpoemu regress: %s '%s': expected seconds, above 0\n", argv[optind - 2],
                optarg);
        return 2;
      }
      *(c == OPT_WALL ? &wall_timeout_s : &stall_timeout_s) = v;
      break;
    case OPT_PLACEMENT:
      if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "off") != 0) {
        fprintf(stderr, "cpoemu regress: --cpu-placement '%s': expected auto or off\n", optarg);
        return 2;
      }
      placement = optarg;
      break;
    case OPT_LIB:
      library = optarg;
      break;
    case OPT_DRY:
      dry_run = true;
      break;
    case OPT_MERGE:
      merge = true;
      break;
    case 'h':
      s_usage(stdout);
      return 0;
    default:
      fprintf(stderr, "cpoemu regress: unknown or incomplete option '%s'; see --help\n",
              argv[optind - 1]);
      return 2;
    }
  }
  /* Positionals up to "--": the list (or, merging, the shards' directories); then run options. */
  int first = optind;
  int n_pos = dashdash - first;
  char **extra = argv + (dashdash < argc ? dashdash + 1 : argc);
  int n_extra = dashdash < argc ? argc - dashdash - 1 : 0;
  if (s_mkdirs(out) != 0 && !dry_run) {
    fprintf(stderr, "cpoemu regress: cannot create %s: %s\n", out, strerror(errno));
    return 2;
  }
  char why[4400];
  if (merge) {
    if (n_pos == 0 || n_extra) {
      fprintf(stderr,
              "cpoemu regress --merge: give the shards' directories (and no run options)\n");
      return 2;
    }
    json_t *summary = cpo_regress_merge(argv + first, n_pos, out, why, sizeof why);
    if (!summary) {
      fprintf(stderr, "cpoemu regress --merge: %s\n", why);
      return 2;
    }
    double wall_s = 0;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(summary, "runs"), i, r) wall_s +=
        json_number_value(json_object_get(r, "wall_s"));
    return s_conclude(summary, out, wall_s);
  }
  if (n_pos > 1) {
    fprintf(stderr, "cpoemu regress: one list file, not %d; see --help\n", n_pos);
    return 2;
  }
  uint64_t probe[1];
  if (cpo_regress_seeds_parse(seeds, probe, 1, why, sizeof why) < 0 && !strstr(why, "more than")) {
    fprintf(stderr, "cpoemu regress: --seeds: %s\n", why);
    return 2;
  }
  json_t *matrix = cpo_regress_matrix_load(n_pos ? argv[first] : NULL, library, seeds, extra,
                                           n_extra, self, why, sizeof why);
  if (!matrix) {
    fprintf(stderr, "cpoemu regress: %s\n", why);
    return 2;
  }
  char id[19];
  cpo_regress_matrix_id(matrix, id);
  json_t *mine = json_array();
  size_t i;
  json_t *run;
  json_array_foreach(matrix, i, run) if (cpo_regress_in_shard(i, shard_k, shard_n))
      json_array_append(mine, run);
  if (dry_run) {
    json_array_foreach(mine, i, run) {
      char repro[8192];
      cpo_regress_reproduce(run, self, repro, sizeof repro);
      printf("%lld\t%s\t%lld\t%s\n", (long long)json_integer_value(json_object_get(run, "index")),
             json_string_value(json_object_get(run, "scenario")),
             (long long)json_integer_value(json_object_get(run, "seed")), repro);
    }
    json_decref(mine);
    json_decref(matrix);
    return 0;
  }
  if (jobs == 0) {
    cpu_set_t set;
    jobs = sched_getaffinity(0, sizeof set, &set) == 0 ? (unsigned)CPU_COUNT(&set) : 1;
  }
  cpo_regress_exec_cfg_t cfg = {.self = self,
                                .out_dir = out,
                                .jobs = jobs,
                                .wall_timeout_s = wall_timeout_s,
                                .stall_timeout_s = stall_timeout_s,
                                .placement = placement  ? placement
                                             : jobs > 1 ? "off"
                                                        : "auto"};
  printf("regress: matrix %s, %zu runs; shard %u/%u: %zu runs, %u at once, into %s\n", id,
         json_array_size(matrix), shard_k, shard_n, json_array_size(mine), jobs, out);
  fflush(stdout);
  double start_s = s_now_s();
  json_t *records = cpo_regress_exec(mine, &cfg);
  json_t *summary = cpo_regress_summary(records, id, json_array_size(matrix), shard_k, shard_n);
  json_decref(mine);
  json_decref(matrix);
  return s_conclude(summary, out, s_now_s() - start_s);
}
