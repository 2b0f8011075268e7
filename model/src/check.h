/* Physical-range checks for the models' parameters. A create() refuses a value outside its
 * range with CPO_ERR_INVALID_ARG and one error line through cpo_log (the model as its domain)
 * naming the parameter, its value and the range, e.g. (default sink)
 *   cpoemu[cpo_receiver] error: quantum_efficiency = 1.5 is outside its physical range (0, 1]
 * NaN is never in range. Private to the model library. */
#ifndef CPO_MODEL_CHECK_H
#define CPO_MODEL_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Which ends of a range are open (excluded). */
typedef enum {
  CPO_RANGE_CLOSED = 0,
  CPO_RANGE_OPEN_LO = 1,
  CPO_RANGE_OPEN_HI = 2,
  CPO_RANGE_OPEN = 3,
} cpo_range_ends_t;

/* One double field of a parameter struct and its physical range. */
typedef struct {
  const char *name;
  size_t offset;
  double lo, hi;
  cpo_range_ends_t open;
  const char *unit; /* "" for a pure number */
} cpo_range_t;

/* A row of a range table from a row of profile_keys.def (CPO_RANGE_ROW_<type>(struct, field,
 * lo, hi, ends, unit)): real fields have one; the others are checked where they are read. */
#define CPO_RANGE_ROW_F64(T, f, lo, hi, ends, unit) {#f, offsetof(T, f), lo, hi, ends, unit},
#define CPO_RANGE_ROW_F64Z(...)
#define CPO_RANGE_ROW_U32(...)
#define CPO_RANGE_ROW_STR(...)
#define CPO_RANGE_ROW_MOD(...)

/* True if @p value lies in [lo, hi] (open ends excluded); otherwise log the refusal. */
bool cpo_check_range(const char *model, const char *name, double value, double lo, double hi,
                     cpo_range_ends_t open, const char *unit);

/* Check every field of @p table in the struct at @p params; true if all are in range (the
 * first one out of range is reported). */
bool cpo_check_table(const char *model, const void *params, const cpo_range_t *table, size_t n);

/* Range of an ambient (case, faceplate) temperature the models are valid for: -73..177 degC. */
#define CPO_AMBIENT_MIN_K 200.0
#define CPO_AMBIENT_MAX_K 450.0

#endif
