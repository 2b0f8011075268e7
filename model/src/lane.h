/* A lane as the link carries it: what a TX lane launches over the current grid interval and
 * the symbols it sent last, and what an RX lane's receiver makes of the light reaching it.
 * Each engine owns its lanes; the link sees them through per-lane pointers in its own lane
 * numbering. Private to the model library. */
#ifndef CPO_MODEL_LANE_H
#define CPO_MODEL_LANE_H

#include <stdint.h>

#include "cpo/rng.h"
#include "cpo/symchan.h"

/* Random stream ids: lane l's bit-true noise is stream l; these lie beyond every lane. */
#define CPO_LANE_STREAM_STAT 0x10000u /* + lane: statistical mode's candidate draws */
#define CPO_LANE_STREAM_FAB 0x30000u  /* + lane: the ring's fabrication offset */

/* Per TX lane: what its light looks like over the current grid interval. */
typedef struct {
  double launch_w[16];  /* launched power per (prev, cur) symbol pair */
  double rx_w[16];      /* the same at the far receiver's photodiode (set by the fibre plant) */
  double lambda_m;      /* laser line */
  double laser_w;       /* the laser's output before any split */
  double rin_db_per_hz; /* the laser's relative intensity noise */
  double tap_a;         /* tap monitor photocurrent */
  double drop_a;        /* drop-port / dump-port monitor photocurrent */
  double absorbed_w;    /* ring self-heating power (average over symbols) */
  double absorbed_slope_w_per_m; /* its change per metre of ring thermal shift (parked steps) */
  double absorbed_at_shift_m;    /* the ring thermal shift absorbed_w was taken at */
  double slope_detuning_m, slope_power_w; /* where the slope was taken (power 0: never) */
  double mod_tau_s; /* modulator response time (ring photon lifetime or MZM pole) */
  double detuning_m;
  double mzm_phase_rad;
  uint8_t prev_level; /* last symbol the lane sent */
} cpo_tx_lane_t;

/* Per RX lane: the eye in force, the symbol channel's state and error counts, its random
 * streams and the average power at its photodiode. */
typedef struct {
  cpo_symchan_eye_t eye;
  cpo_symchan_state_t st;
  cpo_symchan_errors_t err;
  double p_max;         /* statistical mode: the eye's error bound */
  uint64_t gap;         /* statistical mode: symbols to the next candidate error */
  double power_w;       /* average optical power at the photodiode, crosstalk included */
  cpo_rng_t *noise_rng; /* bit-true mode's noise */
  cpo_rng_t *stat_rng;  /* statistical mode's candidate draws */
} cpo_rx_lane_t;

/* Mean of a (prev, cur) symbol-pair table over equiprobable symbols. */
static inline double cpo_lane_mean16(const double *tab, uint32_t levels) {
  double s = 0.0;
  for (uint32_t k = 0; k < levels * levels; k++)
    s += tab[k];
  return s / (levels * levels);
}

#endif /* CPO_MODEL_LANE_H */
