/* The light each TX lane of an engine launches over one grid interval: per (previous, current)
 * symbol pair through the lane's modulator at the drive the DACs set, with the tap and
 * drop/dump monitor currents and the ring's self-heating; see engine.h. */
#include <math.h>

#include "cpo/monitor.h"
#include "cpo/receiver.h"
#include "cpo/units.h"
#include "engine.h"

double cpo_engine_lane_input_w(const cpo_engine_t *e, uint32_t lane) {
  const cpo_profile_t *pr = cpo_engine_profile(e);
  const double split_db = pr->lanes_per_laser > 1 ? pr->laser_split_excess_db : 0.0;
  return cpo_laser_power_w(cpo_engine_laser(e, cpo_engine_laser_of(e, lane))) /
         pr->lanes_per_laser * cpo_db_to_ratio(-(split_db + pr->laser_coupling_db));
}

/* Power through the modulator per symbol pair; returns the power the main output does not
 * carry, summed over the pairs: lost in a ring, or on an MZM's complementary output. */
static double s_modulate(const cpo_engine_t *e, uint32_t j, cpo_tx_lane_t *tx, double mod_in_w) {
  const cpo_profile_t *pr = cpo_engine_profile(e);
  const uint32_t levels = cpo_engine_levels(e);
  const double *level_amp = cpo_engine_level_amp(e);
  const double swing_v = cpo_engine_dac_si(e, CPO_DAC_DRIVER_SWING, j);
  const double bias_v = cpo_engine_dac_si(e, CPO_DAC_MOD_BIAS, j);
  const double post = cpo_engine_dac_si(e, CPO_DAC_TX_FFE_POST, j);
  const double main_tap = 1.0 - fabs(post); /* FFE keeps the peak swing */
  cpo_ring_t *ring = cpo_engine_ring(e, j);
  cpo_mzm_t *mzm = cpo_engine_mzm(e, j);
  double lost_w = 0.0, dump_w = 0.0;
  for (uint32_t p = 0; p < levels; p++) {
    for (uint32_t c = 0; c < levels; c++) {
      const double v = bias_v + 0.5 * swing_v * (main_tap * level_amp[c] + post * level_amp[p]);
      double trans;
      if (pr->modulator == CPO_MODULATOR_RING) {
        trans = cpo_ring_transmission(ring, tx->lambda_m, v);
        lost_w += mod_in_w * (1.0 - cpo_ring_through(cpo_ring_params(ring), tx->lambda_m,
                                                     cpo_ring_resonance_m(ring, v)));
      } else {
        trans = cpo_mzm_transmission(mzm, v);
        const cpo_mzm_params_t *mp = cpo_mzm_params(mzm);
        /* the complementary output carries what the main one does not (same loss) */
        dump_w += mod_in_w * cpo_db_to_ratio(-mp->insertion_loss_db) - mod_in_w * trans;
      }
      tx->launch_w[p * levels + c] = mod_in_w * trans;
    }
  }
  return pr->modulator == CPO_MODULATOR_RING ? lost_w : dump_w;
}

/* The drop (ring) or dump (MZM) monitor, the ring's heating and the modulator's state. */
static void s_modulator_state(const cpo_engine_t *e, uint32_t j, cpo_tx_lane_t *tx,
                              double responsivity, double off_w) {
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
    /* photon lifetime: the resonance's optical linewidth in Hz sets the modulation pole */
    const double linewidth_hz =
        CPO_C_M_PER_S * cpo_ring_fwhm_m(rp, tx->lambda_m) / (tx->lambda_m * tx->lambda_m);
    tx->mod_tau_s = cpo_pole_tau_s(linewidth_hz);
    tx->mzm_phase_rad = 0.0;
  } else {
    tx->absorbed_w = 0.0;
    tx->drop_a = cpo_monitor_pd_current_a(responsivity, pr->tap_ratio, off_w / pairs,
                                          pr->receiver.dark_current_a);
    tx->detuning_m = 0.0;
    tx->mod_tau_s = cpo_pole_tau_s(cpo_mzm_params(mzm)->bandwidth_hz);
    tx->mzm_phase_rad = remainder(cpo_mzm_phase_rad(mzm, bias_v), 2.0 * CPO_PI);
  }
}

static void s_build_tx_lane(cpo_engine_t *e, uint32_t j) {
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
  const double off_w = s_modulate(e, j, tx, lane_w * (1.0 - pr->tap_ratio));
  s_modulator_state(e, j, tx, responsivity, off_w);
}

void cpo_engine_build_tx(cpo_engine_t *e) {
  for (uint32_t j = 0; j < cpo_engine_lanes(e); j++)
    s_build_tx_lane(e, j);
}
