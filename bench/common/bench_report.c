#include "bench_report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cpo_bench_report {
  char *name;
  json_t *metrics;
};

cpo_bench_report_t *cpo_bench_report_create(const char *benchmark) {
  cpo_bench_report_t *r = calloc(1, sizeof *r);
  if (!r)
    return NULL;
  r->name = strdup(benchmark);
  r->metrics = json_array();
  return r;
}

void cpo_bench_report_add(cpo_bench_report_t *r, const char *name, double value, const char *unit,
                          bool has_target, double target, cpo_better_t better) {
  const char *better_s = better == CPO_BETTER_HIGHER ? "higher" : "lower";
  json_array_append_new(r->metrics,
                        json_pack("{s:s, s:f, s:s, s:o, s:s}", "name", name, "value", value, "unit",
                                  unit, "target", has_target ? json_real(target) : json_null(),
                                  "better", better_s));
  if (has_target) {
    bool met = better == CPO_BETTER_HIGHER ? value >= target : value <= target;
    printf("  %-44s %14.4g %-10s target %s %g: %s\n", name, value, unit,
           better == CPO_BETTER_HIGHER ? ">=" : "<=", target, met ? "MET" : "NOT MET");
  } else {
    printf("  %-44s %14.4g %s\n", name, value, unit);
  }
  fflush(stdout);
}

int cpo_bench_report_write(const cpo_bench_report_t *r) {
  char path[4096];
  const char *dir = getenv("CPO_BENCH_DIR");
  snprintf(path, sizeof path, "%s%s%s.json", dir ? dir : "", dir ? "/" : "", r->name);
  json_t *root = json_pack("{s:s, s:O}", "benchmark", r->name, "metrics", r->metrics);
  int rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(root);
  if (rc == 0)
    printf("wrote %s\n", path);
  else
    fprintf(stderr, "bench: cannot write %s\n", path);
  return rc;
}

void cpo_bench_report_destroy(cpo_bench_report_t **r) {
  if (!r || !*r)
    return;
  json_decref((*r)->metrics);
  free((*r)->name);
  free(*r);
  *r = NULL;
}

static int s_cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double cpo_bench_median(double *v, size_t n) {
  qsort(v, n, sizeof *v, s_cmp);
  return 0.5 * (v[(n - 1) / 2] + v[n / 2]);
}

void cpo_bench_median_interval95(const double *v, size_t n, double *lo, double *hi) {
  const double half = 1.96 * sqrt((double)n) / 2;
  const double lo_rank = floor((double)n / 2 - half), hi_rank = ceil((double)n / 2 + half);
  *lo = v[lo_rank < 0 ? 0 : (size_t)lo_rank];
  *hi = v[hi_rank > (double)(n - 1) ? n - 1 : (size_t)hi_rank];
}

double cpo_bench_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
