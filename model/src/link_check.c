/* The link's configuration and its profile's own fields against their ranges; see
 * link_internal.h. The laser, modulators, fibre and receiver are checked by their models. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "check.h"
#include "cpo/log.h"
#include "cpo/units.h"
#include "link_internal.h"

cpo_status_t cpo_link_reject(const char *fmt, const char *what, double value) {
  char line[256];
  snprintf(line, sizeof line, fmt, what, value);
  cpo_log(CPO_LOG_ERROR, "cpo_link", "%s", line);
  return CPO_ERR_INVALID_ARG;
}

cpo_status_t cpo_link_check_cfg(const cpo_link_cfg_t *cfg, const cpo_profile_t *pr, uint32_t *lanes,
                                uint32_t *bps, double *baud) {
  const uint32_t engines = cfg->topology == CPO_TOPOLOGY_TWO_ENGINES ? 2 : 1;
  if (cfg->topology != CPO_TOPOLOGY_LOOPBACK && cfg->topology != CPO_TOPOLOGY_TWO_ENGINES)
    return cpo_link_reject("%s %g: not a topology", "topology", cfg->topology);
  if (cfg->fidelity != CPO_FIDELITY_BIT_TRUE && cfg->fidelity != CPO_FIDELITY_STATISTICAL)
    return cpo_link_reject("%s %g: not a fidelity mode", "fidelity", cfg->fidelity);
  *lanes = cfg->lanes ? cfg->lanes : pr->lanes * engines;
  if (*lanes < engines || *lanes > CPO_LINK_MAX_LANES || *lanes % engines != 0 ||
      *lanes / engines > pr->lanes)
    return cpo_link_reject("%s %g: must be 1..the profile's lanes per engine, times the engines, "
                           "at most 128",
                           "lanes", *lanes);
  *bps = cfg->bits_per_symbol ? cfg->bits_per_symbol : pr->bits_per_symbol;
  if (*bps != 1 && *bps != 2)
    return cpo_link_reject("%s %g: must be 1 (NRZ) or 2 (PAM4)", "bits_per_symbol", *bps);
  if (cfg->symbols_per_cycle < 1 || cfg->symbols_per_cycle * *bps > 64)
    return cpo_link_reject("%s %g: symbols_per_cycle x bits_per_symbol must be 1..64",
                           "symbols_per_cycle", cfg->symbols_per_cycle);
  *baud = cfg->baud_hz != 0.0 ? cfg->baud_hz : pr->baud_hz;
  if (!(*baud > 0.0) || !isfinite(*baud))
    return cpo_link_reject("%s %g: must be positive", "baud_hz", *baud);
  if (!(cfg->grid_s >= 0.0) || !isfinite(cfg->grid_s))
    return cpo_link_reject("%s %g: must be positive (0 for the default)", "grid_s", cfg->grid_s);
  if (!(cfg->adc_period_s >= 0.0) || !isfinite(cfg->adc_period_s))
    return cpo_link_reject("%s %g: must be positive (0 for the default)", "adc_period_s",
                           cfg->adc_period_s);
  if (!(cfg->ambient_k >= 0.0) || !isfinite(cfg->ambient_k))
    return cpo_link_reject("%s %g: must be a temperature in kelvin (0 for the profile's)",
                           "ambient_k", cfg->ambient_k);
  if (!(cfg->els_ambient_k >= 0.0) || !isfinite(cfg->els_ambient_k))
    return cpo_link_reject("%s %g: must be a temperature in kelvin (0 for the profile's)",
                           "els_ambient_k", cfg->els_ambient_k);
  if (cfg->els_ambient_k > 0.0 && !(pr->els_ambient_k > 0.0))
    return cpo_link_reject(
        "%s %g: the profile's lasers sit on the engine (no external laser source)", "els_ambient_k",
        cfg->els_ambient_k);
  if (pr->lanes_per_laser < 1)
    return cpo_link_reject("%s %g: must be at least 1", "lanes_per_laser", pr->lanes_per_laser);
  return CPO_OK;
}

/* Physical ranges of the profile's own fields (the rows of profile_keys.def); its laser,
 * modulators, fibre and receiver are checked by their models. */
static const cpo_range_t s_profile_ranges[] = {
#define CPO_PROFILE_KEY(section, key, field, type, lo, hi, ends, unit, help)                       \
  CPO_RANGE_ROW_##type(cpo_profile_t, field, lo, hi, ends, unit)
#include "profile_keys.def"
};

cpo_status_t cpo_link_check_profile(const cpo_profile_t *pr) {
  const char *m = "cpo_link (profile)";
  if (!cpo_check_table(m, pr, s_profile_ranges,
                       sizeof s_profile_ranges / sizeof s_profile_ranges[0]) ||
      !cpo_check_range(m, "laser_nominal_current_a", pr->laser_nominal_current_a, 0.0,
                       pr->laser.max_current_a, CPO_RANGE_CLOSED,
                       "A (the laser's max_current_a)") ||
      !cpo_check_range(m, "ring_fab_offset_max_m", pr->ring_fab_offset_max_m,
                       pr->ring_fab_offset_min_m, 10e-9, CPO_RANGE_CLOSED,
                       "m (from ring_fab_offset_min_m)") ||
      (pr->els_ambient_k != 0.0 &&
       !cpo_check_range(m, "els_ambient_k", pr->els_ambient_k, CPO_AMBIENT_MIN_K, CPO_AMBIENT_MAX_K,
                        CPO_RANGE_CLOSED, "K (or 0: lasers on the engine)")))
    return CPO_ERR_INVALID_ARG;
  CPO_TRY(cpo_fibre_check(&pr->fibre));
  return cpo_receiver_check(&pr->receiver);
}
