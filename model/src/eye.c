/* An RX lane's eye; see eye.h. */
#include "eye.h"

#include <math.h>
#include <string.h>

#include "cpo/receiver.h"
#include "cpo/units.h"

/* Per-pair currents of the lane's own light and its neighbours'; returns the neighbours' mean
 * current. */
static double s_currents(const cpo_eye_input_t *in, double resp, cpo_symchan_eye_t *e,
                         double *power_w) {
  const uint32_t levels = in->levels;
  for (uint32_t k = 0; k < levels * levels; k++)
    e->own_a[k] = resp * in->own->rx_w[k];
  double xt_mean_a = 0.0;
  *power_w = cpo_lane_mean16(in->own->rx_w, levels);
  for (int k = 0; k < 2; k++) {
    if (!in->nb[k])
      continue;
    e->has_neighbour[k] = 1;
    for (uint32_t q = 0; q < levels * levels; q++)
      e->xt_a[k][q] = resp * in->xt_ratio * in->nb[k]->rx_w[q];
    xt_mean_a += cpo_lane_mean16(e->xt_a[k], levels);
    *power_w += in->xt_ratio * cpo_lane_mean16(in->nb[k]->rx_w, levels);
  }
  return xt_mean_a;
}

/* Bandwidth ISI of driver, modulator and receiver, then the RX FFE post-cursor tap; returns
 * the taps' sum (the DC gain). */
static double s_taps(const cpo_eye_input_t *in, cpo_symchan_eye_t *e) {
  const cpo_profile_t *pr = in->prof;
  const double tau_drv = cpo_pole_tau_s(pr->driver_bandwidth_hz);
  const double tau_rx = cpo_pole_tau_s(pr->receiver.bandwidth_hz);
  const double tau_mod = in->own->mod_tau_s;
  const double tau = sqrt(tau_drv * tau_drv + tau_mod * tau_mod + tau_rx * tau_rx);
  double h[CPO_ISI_TAPS];
  cpo_isi_taps(tau, 1.0 / in->baud_hz, h);
  const double ffe = in->rx_ffe_post;
  double gain = 0.0;
  for (int k = 0; k < CPO_SYMCHAN_TAPS; k++) {
    e->taps[k] = (k < CPO_ISI_TAPS ? h[k] : 0.0) + (k > 0 ? ffe * h[k - 1] : 0.0);
    gain += e->taps[k];
  }
  return gain;
}

/* AGC-normalised thresholds: code 0 at the lowest level's mean, 4096 at the highest. */
static void s_thresholds(const cpo_eye_input_t *in, const double *mean_a, cpo_symchan_eye_t *e) {
  const uint32_t levels = in->levels;
  const double lo = mean_a[0], span = mean_a[levels - 1] - mean_a[0];
  if (levels == 2) {
    e->threshold_a[0] = lo + in->threshold[1] * span;
    return;
  }
  for (int k = 0; k < 3; k++)
    e->threshold_a[k] = lo + in->threshold[k] * span;
  /* the slicer's decision is the count of thresholds exceeded, which only depends on their
   * sorted values: sort them, so the eye keeps its ascending form whatever the registers */
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2 - a; b++)
      if (e->threshold_a[b] > e->threshold_a[b + 1]) {
        const double tmp = e->threshold_a[b];
        e->threshold_a[b] = e->threshold_a[b + 1];
        e->threshold_a[b + 1] = tmp;
      }
}

void cpo_eye_build(const cpo_eye_input_t *in, cpo_symchan_eye_t *e, double *power_w) {
  const cpo_profile_t *pr = in->prof;
  const uint32_t levels = in->levels;
  memset(e, 0, sizeof *e);
  e->levels = levels;
  const double resp = cpo_receiver_responsivity_a_per_w(&pr->receiver, in->own->lambda_m);
  const double xt_mean_a = s_currents(in, resp, e, power_w);
  const double gain = s_taps(in, e);
  /* noise per sent level at its steady current; RX FFE adds the previous sample's noise */
  const double b_hz = cpo_receiver_noise_bandwidth_hz(&pr->receiver);
  const double rin = cpo_db_to_ratio(in->own->rin_db_per_hz);
  const double ffe = in->rx_ffe_post;
  double mean_a[4] = {0, 0, 0, 0};
  for (uint32_t s = 0; s < levels; s++) {
    const double i_a = e->own_a[s * levels + s];
    mean_a[s] = gain * (i_a + xt_mean_a);
    const double var =
        cpo_receiver_noise_variance_a2(&pr->receiver, i_a + xt_mean_a) + rin * i_a * i_a * b_hz;
    e->sigma_a[s] = sqrt(var * (1.0 + ffe * ffe));
  }
  s_thresholds(in, mean_a, e);
}
