/* The JSON bench format every benchmark writes:
 * {"benchmark": NAME, "metrics": [{"name", "value", "unit", "target", "better"}]}
 * A metric without a target has "target": null. */
#ifndef CPO_BENCH_REPORT_H
#define CPO_BENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cpo_bench_report cpo_bench_report_t;

typedef enum { CPO_BETTER_HIGHER, CPO_BETTER_LOWER } cpo_better_t;

cpo_bench_report_t *cpo_bench_report_create(const char *benchmark);
/** Add a metric; @p has_target false writes "target": null. Also prints one line. */
void cpo_bench_report_add(cpo_bench_report_t *r, const char *name, double value, const char *unit,
                          bool has_target, double target, cpo_better_t better);
/** Write NAME.json into the current directory (or $CPO_BENCH_DIR); 0 on success. */
int cpo_bench_report_write(const cpo_bench_report_t *r);
void cpo_bench_report_destroy(cpo_bench_report_t **r);
/** Monotonic wall clock in seconds, for benchmarks only. */
double cpo_bench_now_s(void);
/** Sort the @p n > 0 values of @p v and return their median (even n: the mean of the middle
 *  two). */
double cpo_bench_median(double *v, size_t n);
/** A distribution-free 95 % interval of the median of the @p n > 0 values of @p v, sorted by
 *  cpo_bench_median: the order statistics at ranks n/2 -+ 1.96 sqrt(n)/2. */
void cpo_bench_median_interval95(const double *v, size_t n, double *lo, double *hi);

#endif
