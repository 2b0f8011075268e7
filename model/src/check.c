/* Physical-range checks; see check.h. */
#include "check.h"

#include <string.h>

#include "cpo/log.h"

bool cpo_check_range(const char *model, const char *name, double value, double lo, double hi,
                     cpo_range_ends_t open, const char *unit) {
  const bool lo_ok = (open & CPO_RANGE_OPEN_LO) ? value > lo : value >= lo;
  const bool hi_ok = (open & CPO_RANGE_OPEN_HI) ? value < hi : value <= hi;
  if (lo_ok && hi_ok)
    return true;
  const char *sp = unit[0] ? " " : "";
  cpo_log(CPO_LOG_ERROR, model, "%s = %g%s%s is outside its physical range %c%g, %g%c%s%s", name,
          value, sp, unit, (open & CPO_RANGE_OPEN_LO) ? '(' : '[', lo, hi,
          (open & CPO_RANGE_OPEN_HI) ? ')' : ']', sp, unit);
  return false;
}

bool cpo_check_table(const char *model, const void *params, const cpo_range_t *table, size_t n) {
  for (size_t k = 0; k < n; k++) {
    double v;
    memcpy(&v, (const char *)params + table[k].offset, sizeof v);
    if (!cpo_check_range(model, table[k].name, v, table[k].lo, table[k].hi, table[k].open,
                         table[k].unit))
      return false;
  }
  return true;
}
