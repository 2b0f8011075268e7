/* The "calibrated" snapshot: the state a converged bring-up leaves the engines in (lasers on
 * at the nominal current and warm, rings locked a set detuning from the laser line, MZMs at
 * quadrature, RX FFE cancelling the first ISI post-cursor, slicer thresholds at the level
 * midpoints), written straight into the registers and the thermal state.
 *
 * This is an ORACLE: it reads what no real engine can (exact wavelengths, resonances, the
 * ideal eye) and sets the slow state by fiat. It exists so a run can start at the operating
 * point (`--start calibrated`). The firmware of later issues must reach the same state by
 * itself, through the HAL, from power-on (`--start power-on`); this snapshot is what its
 * result is compared with (cpo_link_snapshot_ber: each lane's expected BER under it, from a
 * link of its own). */
#include <math.h>

#include "cpo/snapshot_ber.h"
#include "cpo/symchan.h"
#include "cpo/units.h"
#include "link_internal.h"

/* Ring reverse bias at bring-up above half the swing, so the junction stays reverse biased. */
#define RING_BIAS_MARGIN_V 0.2

static void s_settle_lasers(cpo_engine_t *e) {
  for (int it = 0; it < 60; it++) /* the junction's fixed point: T = T_amb + R_th P_diss(T) */
    for (uint32_t k = 0; k < cpo_engine_lasers(e); k++)
      cpo_laser_step(cpo_engine_laser(e, k), CPO_ENGINE_SETTLE_S);
}

/* Heater power that puts the resonance (at the bias) `detuning` red of the laser line, with the
 * self-heating at that operating point; adds FSRs if the ring would need cooling. */
static double s_ring_lock_heater_w(const cpo_engine_t *e, uint32_t j, double bias_v, double swing_v,
                                   double *absorbed_w) {
  const cpo_profile_t *pr = cpo_engine_profile(e);
  const uint32_t levels = cpo_engine_levels(e);
  const double *level_amp = cpo_engine_level_amp(e);
  cpo_ring_t *ring = cpo_engine_ring(e, j);
  const cpo_ring_params_t *rp = cpo_ring_params(ring);
  const double lambda_m = cpo_laser_wavelength_m(cpo_engine_laser(e, cpo_engine_laser_of(e, j)));
  const double target_m = lambda_m + pr->ring_detuning_fwhm * cpo_ring_fwhm_m(rp, lambda_m);
  const double now_m = cpo_ring_resonance_m(ring, bias_v) - cpo_ring_thermal_shift_m(ring);
  /* power lost in the ring at the target, averaged over the symbol levels */
  const double in_w = cpo_engine_lane_input_w(e, j) * (1.0 - pr->tap_ratio);
  double lost_w = 0.0;
  for (uint32_t s = 0; s < levels; s++) {
    const double v = 0.5 * swing_v * level_amp[s];
    lost_w += in_w * (1.0 - cpo_ring_through(rp, lambda_m, target_m + rp->eo_shift_m_per_v * v));
  }
  lost_w /= levels;
  *absorbed_w = rp->absorbed_fraction * lost_w;
  double shift_m = target_m - now_m - rp->self_heating_m_per_w * rp->absorbed_fraction * lost_w;
  while (shift_m < 0.0)
    shift_m += cpo_ring_fsr_m(rp, lambda_m);
  const double heater_w = shift_m / rp->heater_shift_m_per_w;
  return heater_w < rp->heater_max_w ? heater_w : rp->heater_max_w;
}

/* Heater power for quadrature on the rising slope at zero drive: phase -pi/2 (mod 2 pi). */
static double s_mzm_quadrature_heater_w(const cpo_engine_t *e, uint32_t j) {
  const cpo_mzm_t *mzm = cpo_engine_mzm(e, j);
  const cpo_mzm_params_t *mp = cpo_mzm_params(mzm);
  const double rest = cpo_mzm_phase_rad(mzm, 0.0) - cpo_mzm_heater_phase_rad(mzm);
  double need = fmod(-0.5 * CPO_PI - rest, 2.0 * CPO_PI);
  if (need < 0.0)
    need += 2.0 * CPO_PI;
  return need / mp->heater_rad_per_w;
}

/* Lasers at the nominal current and warm; each modulator biased and heated to its operating
 * point, then in thermal equilibrium there: heater plus the self-heating at the lock point (an
 * iteration would not do: on the stable blue side the loop gain of self-heating exceeds 1). */
static void s_lock_engine(cpo_engine_t *e) {
  const cpo_profile_t *pr = cpo_engine_profile(e);
  for (uint32_t k = 0; k < cpo_engine_lasers(e); k++)
    cpo_engine_set_dac_si(e, CPO_DAC_LASER_CURRENT, k, pr->laser_nominal_current_a);
  cpo_engine_apply_dacs(e);
  s_settle_lasers(e);
  double absorbed_w[CPO_ENGINE_MAX_LANES] = {0};
  for (uint32_t j = 0; j < cpo_engine_lanes(e); j++) {
    const double swing_v = cpo_engine_dac_si(e, CPO_DAC_DRIVER_SWING, j);
    if (cpo_engine_ring(e, j)) {
      const double bias_v = 0.5 * swing_v + RING_BIAS_MARGIN_V;
      cpo_engine_set_dac_si(e, CPO_DAC_MOD_BIAS, j, bias_v);
      cpo_engine_set_dac_si(e, CPO_DAC_HEATER, j,
                            s_ring_lock_heater_w(e, j, bias_v, swing_v, &absorbed_w[j]));
    } else {
      cpo_engine_set_dac_si(e, CPO_DAC_HEATER, j, s_mzm_quadrature_heater_w(e, j));
    }
  }
  cpo_engine_apply_dacs(e);
  for (uint32_t j = 0; j < cpo_engine_lanes(e); j++) {
    if (cpo_engine_ring(e, j))
      cpo_ring_step(cpo_engine_ring(e, j), CPO_ENGINE_SETTLE_S, absorbed_w[j]);
    if (cpo_engine_mzm(e, j))
      cpo_mzm_step(cpo_engine_mzm(e, j), CPO_ENGINE_SETTLE_S);
  }
}

/* Slicer thresholds of RX lane @p r at the midpoints of its eye's level means. */
static void s_set_thresholds(cpo_link_t *l, uint32_t r) {
  uint32_t i;
  cpo_engine_t *e = cpo_link_lane_engine(l, r, &i);
  const cpo_symchan_eye_t *eye = &l->rx[r]->eye;
  const uint32_t levels = eye->levels;
  double m[4] = {0, 0, 0, 0};
  for (uint32_t s = 0; s < levels; s++)
    m[s] = eye->own_a[s * levels + s];
  const double span = m[levels - 1] - m[0];
  if (!(span > 0.0))
    return;
  if (levels == 2) {
    cpo_engine_set_dac_si(e, CPO_DAC_RX_THRESHOLD_MID, i, 0.5);
  } else {
    cpo_engine_set_dac_si(e, CPO_DAC_RX_THRESHOLD_LO, i, ((m[0] + m[1]) / 2 - m[0]) / span);
    cpo_engine_set_dac_si(e, CPO_DAC_RX_THRESHOLD_MID, i, ((m[1] + m[2]) / 2 - m[0]) / span);
    cpo_engine_set_dac_si(e, CPO_DAC_RX_THRESHOLD_HI, i, ((m[2] + m[3]) / 2 - m[0]) / span);
  }
}

void cpo_link_apply_calibrated_snapshot(cpo_link_t *l) {
  for (uint32_t e = 0; e < l->info.engines; e++)
    s_lock_engine(l->engine[e]);
  /* RX FFE cancels the first ISI post-cursor; thresholds at the midpoints of the level means */
  cpo_link_rebuild(l);
  for (uint32_t r = 0; r < l->info.lanes; r++) {
    const cpo_symchan_eye_t *eye = &l->rx[r]->eye;
    uint32_t i;
    cpo_engine_t *e = cpo_link_lane_engine(l, r, &i);
    cpo_engine_set_dac_si(e, CPO_DAC_RX_FFE_POST, i, -eye->taps[1] / eye->taps[0]);
  }
  cpo_link_rebuild(l);
  for (uint32_t r = 0; r < l->info.lanes; r++)
    s_set_thresholds(l, r);
}

double cpo_link_expected_ber(const cpo_link_t *link, uint32_t lane) {
  cpo_symchan_eye_t eye;
  if (cpo_link_eye(link, lane, &eye) != CPO_OK)
    return 1.0;
  const uint32_t L = eye.levels;
  double xt_mean = 0.0; /* crosstalk at its mean over the neighbours' symbol pairs */
  for (int s = 0; s < 2; s++)
    if (eye.has_neighbour[s])
      for (uint32_t k = 0; k < L * L; k++)
        xt_mean += eye.xt_a[s][k] / (L * L);
  /* patterns of TAPS + 1 symbols: symbol m's current needs its predecessor */
  uint32_t n = 1;
  for (int k = 0; k <= CPO_SYMCHAN_TAPS; k++)
    n *= L;
  double ser = 0.0;
  for (uint32_t p = 0; p < n; p++) {
    uint32_t sym[CPO_SYMCHAN_TAPS + 1], q = p; /* sym[0] newest */
    for (int k = 0; k <= CPO_SYMCHAN_TAPS; k++, q /= L)
      sym[k] = q % L;
    double y = 0.0;
    for (int k = 0; k < CPO_SYMCHAN_TAPS; k++)
      y += eye.taps[k] * (eye.own_a[sym[k + 1] * L + sym[k]] + xt_mean);
    ser += cpo_symchan_error_prob(&eye, y, sym[0]);
  }
  ser /= n;
  return L == 4 ? ser / 2 : ser;
}

/* A link of its own under the calibrated snapshot of @p cfg, at its first grid point: the
 * snapshot's DACs applied, every lane's light and eye built under them (no symbol is carried, so
 * no noise is drawn). CPO_ERR_INVALID_ARG if it has fewer than @p n lanes. */
static cpo_status_t s_snapshot_link(const cpo_link_cfg_t *cfg, uint32_t n, cpo_link_t **out) {
  cpo_link_cfg_t snap = *cfg;
  snap.start_calibrated = true;
  cpo_link_t *l = NULL;
  CPO_TRY(cpo_link_create(&snap, &l));
  if (n > l->info.lanes) {
    cpo_link_destroy(&l);
    return CPO_ERR_INVALID_ARG;
  }
  cpo_link_grid_step(l, 0);
  *out = l;
  return CPO_OK;
}

cpo_status_t cpo_link_snapshot_ber(const cpo_link_cfg_t *cfg, double *ber, uint32_t n) {
  cpo_link_t *l = NULL;
  CPO_TRY(s_snapshot_link(cfg, n, &l));
  for (uint32_t r = 0; r < n; r++)
    ber[r] = cpo_link_expected_ber(l, r);
  cpo_link_destroy(&l);
  return CPO_OK;
}

cpo_status_t cpo_link_snapshot_launch_per_tap(const cpo_link_cfg_t *cfg, double *w_per_a,
                                              uint32_t n) {
  cpo_link_t *l = NULL;
  CPO_TRY(s_snapshot_link(cfg, n, &l));
  for (uint32_t r = 0; r < n; r++) {
    cpo_link_tx_levels_t m;
    const double photo_a = l->tx[r]->tap_a - l->prof.receiver.dark_current_a;
    w_per_a[r] =
        cpo_link_tx_levels(l, r, &m) == CPO_OK && photo_a > 0.0 ? m.average_w / photo_a : 0.0;
  }
  cpo_link_destroy(&l);
  return CPO_OK;
}

double cpo_pam4_margin_q(double ber) {
  double lo = 0.0, hi = 40.0;
  for (int i = 0; i < 200; i++) {
    const double mid = 0.5 * (lo + hi);
    if (1.5 * erfc(mid / sqrt(2.0)) / 2.0 > ber)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

bool cpo_ber_within_snapshot(double ber, double snapshot, double factor) {
  return ber <= factor * snapshot || cpo_pam4_margin_q(ber) >= 0.98 * cpo_pam4_margin_q(snapshot);
}
