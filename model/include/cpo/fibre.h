/* Fibre channel between engines (or looped back): attenuation, connectors, fibre-to-chip
 * couplers, propagation latency and adjacent-lane crosstalk (incoherent: a fraction of the
 * neighbouring lanes' power lands on each receiver). */
#ifndef CPO_FIBRE_H
#define CPO_FIBRE_H

#include <stdint.h>

#include "cpo/status.h"

typedef struct {
  double length_m;
  double loss_db_per_km; /* attenuation */
  uint32_t connectors;   /* mated connector pairs on the path */
  double connector_loss_db;
  double coupler_loss_db; /* fibre-to-chip coupling, per end (two ends on the path) */
  double group_index;     /* for the latency */
  double crosstalk_db;    /* power from each adjacent lane, relative (negative dB) */
} cpo_fibre_params_t;

/** Defaults: 100 m of G.652 fibre in a DR-style parallel link (sources in fibre.c). */
cpo_fibre_params_t cpo_fibre_params_default(void);
/**
 * Check every parameter against its physical range (the link calls this when it is created).
 * @return CPO_OK; CPO_ERR_INVALID_ARG (a negative loss or length, a group index outside
 *         [1, 3], crosstalk above 0 dB, ...: a logged line names it, its value and the range)
 */
CPO_MUST_USE cpo_status_t cpo_fibre_check(const cpo_fibre_params_t *p);
/** Total path loss in dB (attenuation + connectors + both couplers). */
double cpo_fibre_loss_db(const cpo_fibre_params_t *p);
/** Power transmission of the path, 10^(-loss/10). */
double cpo_fibre_transmission(const cpo_fibre_params_t *p);
/** Propagation latency L n_g / c. */
double cpo_fibre_latency_s(const cpo_fibre_params_t *p);
/** Adjacent-lane crosstalk as a power ratio. */
double cpo_fibre_crosstalk_ratio(const cpo_fibre_params_t *p);

#endif
