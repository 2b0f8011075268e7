/* Fibre channel; see cpo/fibre.h. */
#include "cpo/fibre.h"

#include <math.h>
#include <stddef.h>

#include "check.h"
#include "cpo/units.h"

cpo_fibre_params_t cpo_fibre_params_default(void) {
  return (cpo_fibre_params_t){
      .length_m = 100.0,        /* in-row reach; 400GBASE-DR4 is specified to 500 m */
      .loss_db_per_km = 0.35,   /* G.652 at 1310 nm: <= 0.4 dB/km (ITU-T G.652), 0.32-0.35 typ. */
      .connectors = 2,          /* engine fibre shuffle and patch panel */
      .connector_loss_db = 0.5, /* MPO connector allocation in IEEE 802.3 DR budgets */
      .coupler_loss_db = 1.5,   /* edge/grating coupler to fibre, ~1-2 dB per facet */
      .group_index = 1.4677,    /* Corning SMF-28 at 1310 nm (datasheet) */
      .crosstalk_db = -35.0,    /* adjacent-lane leakage in the engine's fibre array/MUX */
  };
}

/* Physical ranges of the parameters: the rows of profile_keys.def. */
static const cpo_range_t s_ranges[] = {
#define CPO_PROFILE_FIBRE(key, type, lo, hi, ends, unit, help)                                     \
  CPO_RANGE_ROW_##type(cpo_fibre_params_t, key, lo, hi, ends, unit)
#include "profile_keys.def"
};

cpo_status_t cpo_fibre_check(const cpo_fibre_params_t *p) {
  if (!p)
    return CPO_ERR_INVALID_ARG;
  if (!cpo_check_table("cpo_fibre", p, s_ranges, sizeof s_ranges / sizeof s_ranges[0]) ||
      !cpo_check_range("cpo_fibre", "connectors", p->connectors, 0, 100, CPO_RANGE_CLOSED, ""))
    return CPO_ERR_INVALID_ARG;
  return CPO_OK;
}

double cpo_fibre_loss_db(const cpo_fibre_params_t *p) {
  return p->loss_db_per_km * p->length_m / 1e3 + p->connectors * p->connector_loss_db +
         2.0 * p->coupler_loss_db;
}

double cpo_fibre_transmission(const cpo_fibre_params_t *p) {
  return cpo_db_to_ratio(-cpo_fibre_loss_db(p));
}

double cpo_fibre_latency_s(const cpo_fibre_params_t *p) {
  return p->length_m * p->group_index / CPO_C_M_PER_S;
}

double cpo_fibre_crosstalk_ratio(const cpo_fibre_params_t *p) {
  return cpo_db_to_ratio(p->crosstalk_db);
}
