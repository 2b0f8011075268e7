/* Faults of the engine model's physics, scheduled like a DAC write (cpo_link_set_dac): each one
 * applies at the first slow-grid point at or after its effective cycle, in the link's schedule,
 * so a run with faults is as deterministic as one without (nothing depends on how the cycles
 * are split into calls, streaming or parked). The scenario timeline's model-side events
 * (testbenches/timeline.h) are these, plus cpo_link_set_ambient for ambient steps and ramps. */
#ifndef CPO_LINK_FAULT_H
#define CPO_LINK_FAULT_H

#include <stdint.h>

#include "cpo/link.h"
#include "cpo/status.h"

typedef enum {
  CPO_LINK_FAULT_LASER_FAIL,  /* laser @p index (link numbering) goes dark for good: an ELS
                                 lane (or an on-engine laser) failed; its current DAC no longer
                                 drives it */
  CPO_LINK_FAULT_LASER_AGE,   /* laser @p index ages by @p value operating hours at once: its
                                 threshold grows and its slope falls (the profile's rates) */
  CPO_LINK_FAULT_HEATER_FAIL, /* lane @p index's modulator heater opens: no heat, whatever its
                                 DAC */
  CPO_LINK_FAULT_LANE_LOSS,   /* TX lane @p index's light loses @p value dB more on its way to
                                 the far receiver (a fibre's loss step, a dirty connector);
                                 losses add up */
  CPO_LINK_FAULT_KINDS
} cpo_link_fault_t;

/** Schedule fault @p kind of laser or lane @p index with @p value from @p effective_cycle on.
 *  @return CPO_OK; CPO_ERR_INVALID_ARG (unknown kind, index out of range, value out of range:
 *          hours or dB negative or not finite), logged with the reason; CPO_ERR_RANGE (the cycle
 *          already processed); nothing scheduled on error */
CPO_MUST_USE cpo_status_t cpo_link_schedule_fault(cpo_link_t *link, cpo_link_fault_t kind,
                                                  uint32_t index, double value,
                                                  uint64_t effective_cycle);

/** What a lane's physics is now (after the latest grid point processed): what a scenario's
 *  per-lane table shows at the end of a run, beside what the rtl knows. */
typedef struct {
  double laser_current_a; /* of the laser feeding the lane */
  double laser_temp_k;    /* its junction */
  double laser_w;         /* its output */
  double oma_outer_w;     /* the lane's TX OMA in the fibre (cpo_link_tx_levels) */
  double rx_w;            /* average power at the lane's receiver */
  double detuning_m;      /* ring: laser minus resonance (negative: blue); MZM: 0 */
  double heater_w;        /* heater power applied */
  double mod_temp_k;      /* the modulator's temperature */
} cpo_link_lane_state_t;

/** Lane @p lane's state. @return CPO_OK; CPO_ERR_INVALID_ARG (lane); CPO_ERR_STATE (nothing
 *  processed yet); @p out unchanged on error */
CPO_MUST_USE cpo_status_t cpo_link_lane_state(const cpo_link_t *link, uint32_t lane,
                                              cpo_link_lane_state_t *out);

#endif /* CPO_LINK_FAULT_H */
