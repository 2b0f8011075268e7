/* The link's parts, shared by its source files (link.c: lifecycle and the public calls;
 * link_check.c: the configuration's and profile's ranges; link_grid.c: the slow grid;
 * link_datapath.c: symbols through the eyes; link_trace.c: the trace hook;
 * calibrated_snapshot.c: the calibrated start). The link composes N engines (engine.h) and one
 * fibre plant (fibre_plant.h); lanes and lasers are numbered engine by engine. Private to the
 * model library. */
#ifndef CPO_MODEL_LINK_INTERNAL_H
#define CPO_MODEL_LINK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "adc_history.h"
#include "cpo/link.h"
#include "engine.h"
#include "event_queue.h"
#include "fibre_plant.h"
#include "lane.h"

#define CPO_LINK_MAX_ENGINES 2
/* Symbols per lane per inner pass: bounds the noise buffer, keeps the working set in cache. */
#define CPO_LINK_PASS_SYMBOLS 4096

struct cpo_link {
  cpo_link_cfg_t cfg;
  cpo_profile_t prof;
  cpo_link_info_t info;
  uint32_t lanes_per_engine, lasers_per_engine;
  uint32_t gray;       /* PAM4 fields are Gray codes */
  double level_amp[4]; /* drive amplitude per level, -1..1 */

  cpo_engine_t *engine[CPO_LINK_MAX_ENGINES];
  cpo_fibre_plant_t *plant;
  cpo_tx_lane_t *tx[CPO_LINK_MAX_LANES]; /* the engines' lanes in the link's numbering */
  cpo_rx_lane_t *rx[CPO_LINK_MAX_LANES];

  cpo_event_queue_t events;
  uint64_t next_cycle;
  uint64_t last_grid; /* the latest grid point processed */
  bool grid_started;
  /* a grid point whose slow inputs moved less than the engines' tolerances keeps the eyes
   * (and the statistical mode's candidate draw); a parked step rebuilds the light alone */
  bool eyes_valid;
  bool light_valid;
  bool slopes_valid;    /* the rings' absorbed-power slopes are the light's (parked steps) */
  uint64_t park_cycles; /* parked steps: a divisor of adc_cycles, a multiple of grid_cycles */
  bool lane_dark[CPO_LINK_MAX_LANES]; /* RX lane decides nothing: it or its source is parked */
  uint64_t parked_lanes;              /* cpo_link_park_lanes's mask */

  cpo_adc_history_t adc;
  uint64_t adc_from; /* no conversion before this cycle (cpo_link_skip_adc) */
  float *noise;      /* bit-true mode's noise for one pass */

  double fault_loss_db[CPO_LINK_MAX_LANES]; /* TX lane's added path loss (link_fault.c) */

  cpo_link_trace_fn trace_fn;
  void *trace_user;
  double tr_laser_w[CPO_LINK_MAX_LANES], tr_tx_w[CPO_LINK_MAX_LANES], tr_rx_w[CPO_LINK_MAX_LANES],
      tr_detuning_m[CPO_LINK_MAX_LANES], tr_phase_rad[CPO_LINK_MAX_LANES],
      tr_temp_k[CPO_LINK_MAX_LANES], tr_heater_w[CPO_LINK_MAX_LANES];
};

/* The engine holding link lane @p lane, and its number there. */
static inline cpo_engine_t *cpo_link_lane_engine(const cpo_link_t *l, uint32_t lane,
                                                 uint32_t *local) {
  *local = lane % l->lanes_per_engine;
  return l->engine[lane / l->lanes_per_engine];
}

/* The engine holding link laser @p laser, and its number there. */
static inline cpo_engine_t *cpo_link_laser_engine(const cpo_link_t *l, uint32_t laser,
                                                  uint32_t *local) {
  *local = laser % l->lasers_per_engine;
  return l->engine[laser / l->lasers_per_engine];
}

/* Log a refusal (domain cpo_link): @p fmt formats @p what (%s) and @p value (%g). */
cpo_status_t cpo_link_reject(const char *fmt, const char *what, double value);

/* link_check.c: the configuration against the profile (lanes, bits per symbol, baud out),
 * and the profile's own fields; a refusal logs the field, its value and its range. */
CPO_MUST_USE cpo_status_t cpo_link_check_cfg(const cpo_link_cfg_t *cfg, const cpo_profile_t *pr,
                                             uint32_t *lanes, uint32_t *bps, double *baud);
CPO_MUST_USE cpo_status_t cpo_link_check_profile(const cpo_profile_t *pr);

/* link_grid.c */
/* Rebuild every TX lane's light, carry it through the fibre plant and rebuild every eye (of
 * the RX lanes not dark). */
void cpo_link_rebuild(cpo_link_t *l);
/* RX lane @p r's eye (and the statistical mode's bound) from the light in force. */
void cpo_link_rebuild_eye(cpo_link_t *l, uint32_t r);
/* Push every engine's DAC registers into its objects. */
void cpo_link_apply_dacs(cpo_link_t *l);
/* Everything that happens at grid point @p g (see cpo/link.h for the order). */
void cpo_link_grid_step(cpo_link_t *l, uint64_t g);
/* The parked steps' length for a grid of @p grid_cycles and conversions every @p adc_cycles. */
uint64_t cpo_link_park_cycles(const cpo_link_info_t *info);

/* link_trace.c: call the trace hook, if any, for grid point @p g. */
void cpo_link_emit_trace(cpo_link_t *l, uint64_t g);

/* link_fault.c: apply a CPO_EVENT_FAULT at its grid point; TX lane @p t's added path loss on
 * the light the fibre plant carried. */
void cpo_link_fault_apply(cpo_link_t *l, const cpo_event_t *ev);
void cpo_link_fault_carry(const cpo_link_t *l, uint32_t t, uint32_t levels);

/* calibrated_snapshot.c */
void cpo_link_apply_calibrated_snapshot(cpo_link_t *l);

#endif /* CPO_MODEL_LINK_INTERNAL_H */
