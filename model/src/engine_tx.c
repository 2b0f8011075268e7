/* The light each TX lane of an engine launches over one grid interval: per (previous, current)
 * symbol pair through the lane's modulator at the drive the DACs set, with the tap and
 * drop/dump monitor currents and the ring's self-heating; see engine.h. */
#include <math.h>
#include <stdbool.h>

#include "cpo/monitor.h"
#include "cpo/receiver.h"
#include "cpo/units.h"
#include "engine.h"

double cpo_engine_lane_input_w(const cpo_engine_t *e, uint32_t lane) {
  const cpo_profile_t *pr = cpo_engine_profile(e);
  return cpo_laser_power_w(cpo_engine_laser(e, cpo_engine_laser_of(e, lane))) /
         pr->lanes_per_laser * cpo_engine_coupling_ratio(e);
}

/* The modulator's through-port transmission at drive @p v (a ring's without its insertion
 * loss, an MZM's whole) into @p trans, and the ring's share lost inside it into @p lost. */
static void s_through(const cpo_engine_t *e, uint32_t j, double lambda_m, double v, double shift_m,
                      double *trans, double *lost) {
  cpo_ring_t *ring = cpo_engine_ring(e, j);
  if (ring) {
    const double t =
        cpo_ring_through(cpo_ring_params(ring), lambda_m, cpo_ring_resonance_m(ring, v) + shift_m);
    *trans = t;
    *lost = 1.0 - t;
  } else {
    *trans = cpo_mzm_transmission(cpo_engine_mzm(e, j), v);
    *lost = 0.0;
  }
}

/* Power through the modulator per symbol pair into @p launch_w (if not NULL), a ring's
 * resonance moved by @p shift_m; returns the power the main output does not carry, summed
 * over the pairs: lost in a ring, or on an MZM's complementary output. Pairs
 * driven at the same voltage are evaluated once: with the FFE off a pair's drive is its
 * current symbol's (the same numbers, a quarter of the transcendental calls), otherwise the
 * distinct voltages are looked up. */
static double s_modulate(const cpo_engine_t *e, uint32_t j, double lambda_m, double mod_in_w,
                         double shift_m, double *launch_w) {
  const cpo_profile_t *pr = cpo_engine_profile(e);
  const uint32_t levels = cpo_engine_levels(e);
  const double *level_amp = cpo_engine_level_amp(e);
  const double swing_v = cpo_engine_dac_si(e, CPO_DAC_DRIVER_SWING, j);
  const double bias_v = cpo_engine_dac_si(e, CPO_DAC_MOD_BIAS, j);
  const double post = cpo_engine_dac_si(e, CPO_DAC_TX_FFE_POST, j);
  const double main_tap = 1.0 - fabs(post); /* FFE keeps the peak swing */
  const bool is_ring = pr->modulator == CPO_MODULATOR_RING;
  const double il = cpo_engine_mod_il_ratio(e);
  double seen_v[16], seen_t[16], seen_lost[16];
  uint8_t pair_seen[16];
  uint32_t n_seen = 0;
  if (post == 0.0) {
    for (uint32_t c = 0; c < levels; c++) {
      const double v = bias_v + 0.5 * swing_v * (main_tap * level_amp[c] + post * level_amp[0]);
      s_through(e, j, lambda_m, v, shift_m, &seen_t[c], &seen_lost[c]);
      for (uint32_t p = 0; p < levels; p++)
        pair_seen[p * levels + c] = (uint8_t)c;
    }
  } else {
    for (uint32_t pc = 0; pc < levels * levels; pc++) {
      const uint32_t p = pc / levels, c = pc % levels;
      const double v = bias_v + 0.5 * swing_v * (main_tap * level_amp[c] + post * level_amp[p]);
      uint32_t k = 0;
      while (k < n_seen && seen_v[k] != v)
        k++;
      if (k == n_seen) {
        seen_v[k] = v;
        s_through(e, j, lambda_m, v, shift_m, &seen_t[k], &seen_lost[k]);
        n_seen++;
      }
      pair_seen[pc] = (uint8_t)k;
    }
  }
  double lost_w = 0.0, dump_w = 0.0;
  for (uint32_t pc = 0; pc < levels * levels; pc++) {
    const uint32_t k = pair_seen[pc];
    double trans;
    if (is_ring) {
      trans = il * seen_t[k];
      lost_w += mod_in_w * seen_lost[k];
    } else {
      trans = seen_t[k];
      /* the complementary output carries what the main one does not (same loss) */
      dump_w += mod_in_w * il - mod_in_w * trans;
    }
    if (launch_w)
      launch_w[pc] = mod_in_w * trans;
  }
  return is_ring ? lost_w : dump_w;
}

/* The drop (ring) or dump (MZM) monitor, the ring's heating and the modulator's state; its
 * response time only for the eyes (@p for_eyes), which a parked step does not build. */
static void s_modulator_state(const cpo_engine_t *e, uint32_t j, cpo_tx_lane_t *tx,
                              double responsivity, double off_w, bool for_eyes) {
  const cpo_profile_t *pr = cpo_engine_profile(e);
  const double pairs = (double)(cpo_engine_levels(e) * cpo_engine_levels(e));
  const double bias_v = cpo_engine_dac_si(e, CPO_DAC_MOD_BIAS, j);
  cpo_ring_t *ring = cpo_engine_ring(e, j);
  cpo_mzm_t *mzm = cpo_engine_mzm(e, j);
  if (pr->modulator == CPO_MODULATOR_RING) {
    const cpo_ring_params_t *rp = cpo_ring_params(ring);
    tx->absorbed_w = rp->absorbed_fraction * off_w / pairs;
    tx->drop_a = cpo_monitor_pd_current_a(responsivity, rp->drop_monitor_fraction, off_w / pairs,
                                          pr->receiver.dark_current_a);
    tx->detuning_m = tx->lambda_m - cpo_ring_resonance_m(ring, bias_v);
    tx->mzm_phase_rad = 0.0;
    if (!for_eyes)
      return;
    /* photon lifetime: the resonance's optical linewidth in Hz sets the modulation pole */
    const double linewidth_hz =
        CPO_C_M_PER_S * cpo_ring_fwhm_m(rp, tx->lambda_m) / (tx->lambda_m * tx->lambda_m);
    tx->mod_tau_s = cpo_pole_tau_s(linewidth_hz);
  } else {
    tx->absorbed_w = 0.0;
    tx->drop_a = cpo_monitor_pd_current_a(responsivity, pr->tap_ratio, off_w / pairs,
                                          pr->receiver.dark_current_a);
    tx->detuning_m = 0.0;
    tx->mod_tau_s = cpo_pole_tau_s(cpo_mzm_params(mzm)->bandwidth_hz);
    tx->mzm_phase_rad = remainder(cpo_mzm_phase_rad(mzm, bias_v), 2.0 * CPO_PI);
  }
}

static void s_build_tx_lane(cpo_engine_t *e, uint32_t j, bool for_eyes) {
  const cpo_profile_t *pr = cpo_engine_profile(e);
  cpo_tx_lane_t *tx = cpo_engine_tx(e, j);
  const cpo_laser_t *laser = cpo_engine_laser(e, cpo_engine_laser_of(e, j));
  tx->laser_w = cpo_laser_power_w(laser);
  tx->lambda_m = cpo_laser_wavelength_m(laser);
  tx->rin_db_per_hz = cpo_laser_params(laser)->rin_db_per_hz;
  const double lane_w = cpo_engine_lane_input_w(e, j);
  const double responsivity = cpo_receiver_responsivity_a_per_w(&pr->receiver, tx->lambda_m);
  tx->tap_a =
      cpo_monitor_pd_current_a(responsivity, pr->tap_ratio, lane_w, pr->receiver.dark_current_a);
  const double off_w =
      s_modulate(e, j, tx->lambda_m, lane_w * (1.0 - pr->tap_ratio), 0.0, tx->launch_w);
  s_modulator_state(e, j, tx, responsivity, off_w, for_eyes);
}

void cpo_engine_build_tx(cpo_engine_t *e, bool for_eyes) {
  for (uint32_t j = 0; j < cpo_engine_lanes(e); j++)
    s_build_tx_lane(e, j, for_eyes);
}

/* A small move of the resonance against its linewidth (~170 pm): the slope's finite step. */
#define SLOPE_STEP_M 1e-13
#define SLOPE_KEEP_M 5e-12 /* ~3 % of the linewidth */
#define SLOPE_KEEP_REL 0.05

void cpo_engine_absorbed_slopes(cpo_engine_t *e) {
  const cpo_profile_t *pr = cpo_engine_profile(e);
  const double pairs = (double)(cpo_engine_levels(e) * cpo_engine_levels(e));
  for (uint32_t j = 0; j < cpo_engine_lanes(e); j++) {
    cpo_tx_lane_t *tx = cpo_engine_tx(e, j);
    const cpo_ring_t *ring = cpo_engine_ring(e, j);
    if (!ring) {
      tx->absorbed_slope_w_per_m = 0.0;
      continue;
    }
    tx->absorbed_at_shift_m = cpo_ring_thermal_shift_m(ring);
    const double mod_in_w = cpo_engine_lane_input_w(e, j) * (1.0 - pr->tap_ratio);
    /* the slope moves with the detuning (on the scale of the linewidth) and the power: an
     * older one, taken near here, keeps the loop as stable */
    if (tx->slope_power_w > 0.0 && fabs(tx->detuning_m - tx->slope_detuning_m) < SLOPE_KEEP_M &&
        fabs(mod_in_w - tx->slope_power_w) < SLOPE_KEEP_REL * tx->slope_power_w)
      continue;
    tx->slope_detuning_m = tx->detuning_m;
    tx->slope_power_w = mod_in_w;
    const double off_w = s_modulate(e, j, tx->lambda_m, mod_in_w, SLOPE_STEP_M, NULL);
    const double absorbed_w = cpo_ring_params(ring)->absorbed_fraction * off_w / pairs;
    tx->absorbed_slope_w_per_m = (absorbed_w - tx->absorbed_w) / SLOPE_STEP_M;
  }
}
