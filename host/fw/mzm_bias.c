/* Mach-Zehnder bias lock: see mzm_bias.h.
 *
 * The dump port carries what the main output does not: dump(h) = A (1 - cos(phi0 + k h)) / 2
 * averaged over the symmetric drive levels, k the heater's phase per watt. Quadrature is where
 * its second derivative (cos) vanishes; on the rising slope of the main output the first
 * derivative of the dump (sin) is negative. With a phase dither of +-d: H1 = dump(h+d) -
 * dump(h-d) = A sin(phi) sin(d), H2 = dump(h+d) + dump(h-d) - 2 dump(h) = A cos(phi) (1 -
 * cos(d)), exactly; with phi = -pi/2 + eps, tan(eps) = -H2 sin(d) / (H1 (1 - cos(d))): one
 * step of -eps nulls the second harmonic, a dither large enough that H2 stands well above the
 * monitors' noise. */
#include "mzm_bias.h"

#include <math.h>

#include "cpo/units.h"

#define SCAN_STEPS 48u
/* The heater's time constant is 10 us: a scan step (a few tens of mrad) settles in five, a
 * Newton step (up to MAX_STEP_RAD) needs twelve for its residue to stay below the second
 * harmonic of the dither. */
#define SCAN_SETTLE_US 50.0
#define DITHER_SETTLE_US 120.0
#define DITHER_RAD 0.25
#define NEWTON_STEPS 8u
#define DAMPED_FROM 4u    /* later steps take half the correction: they average the noise */
#define LOCK_TOL_RAD 0.05 /* the monitors' noise: the tests check the BER this gives */
#define MAX_STEP_RAD 0.5

/* Read every lit lane's dump/tap ratio into @p r. */
static cpo_status_t s_read_ratios(cpo_fw_engine_t *e, double r[]) {
  for (uint32_t j = 0; j < e->lanes; j++) {
    r[j] = 0.0;
    if (!e->lane[j].lit)
      continue;
    double tap_a, dump_a;
    CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_TAP_PD, j, &tap_a));
    CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_DROP_PD, j, &dump_a));
    r[j] = tap_a > 0.0 ? dump_a / tap_a : 0.0;
  }
  return CPO_OK;
}

/* Set every lit lane's heater to heater_w[j] + @p offset_w, wait, read the ratios. */
static cpo_status_t s_probe(cpo_fw_engine_t *e, const double heater_w[], double offset_w,
                            double settle_us, double r[]) {
  for (uint32_t j = 0; j < e->lanes; j++)
    if (e->lane[j].lit)
      CPO_TRY(cpo_fw_dac_write(e, CPO_DAC_HEATER, j,
                               fmin(e->product->heater_max_w, fmax(0.0, heater_w[j] + offset_w))));
  CPO_TRY(cpo_fw_wait_us(e, settle_us));
  return s_read_ratios(e, r);
}

/* One dither round: Newton on the second harmonic for every lit lane; @p err_rad[j] the phase
 * error it corrected. */
static cpo_status_t s_dither(cpo_fw_engine_t *e, double gain, double err_rad[]) {
  const double k = e->product->mzm_heater_rad_per_w, d_w = DITHER_RAD / k;
  double h[CPO_FW_MAX_LANES], r0[CPO_FW_MAX_LANES], rp[CPO_FW_MAX_LANES], rm[CPO_FW_MAX_LANES];
  for (uint32_t j = 0; j < e->lanes; j++)
    h[j] = e->lane[j].heater_w;
  CPO_TRY(s_probe(e, h, 0.0, DITHER_SETTLE_US, r0));
  CPO_TRY(s_probe(e, h, d_w, DITHER_SETTLE_US, rp));
  CPO_TRY(s_probe(e, h, -d_w, DITHER_SETTLE_US, rm));
  for (uint32_t j = 0; j < e->lanes; j++) {
    err_rad[j] = 0.0;
    if (!e->lane[j].lit)
      continue;
    const double h1 = rp[j] - rm[j], h2 = rp[j] + rm[j] - 2.0 * r0[j];
    double step_rad = h1 < 0.0 ? atan(h2 * sin(DITHER_RAD) / (h1 * (1.0 - cos(DITHER_RAD))))
                               : MAX_STEP_RAD; /* falling slope: move on */
    step_rad = gain * fmax(-MAX_STEP_RAD, fmin(MAX_STEP_RAD, step_rad));
    err_rad[j] = step_rad;
    double next_w = h[j] + step_rad / k;
    if (next_w < 0.0 || next_w > e->product->heater_max_w) /* one period back or on */
      next_w += (next_w < 0.0 ? 2.0 : -2.0) * CPO_PI / k;
    e->lane[j].heater_w = next_w;
    e->lane[j].ratio = r0[j];
  }
  for (uint32_t j = 0; j < e->lanes; j++)
    if (e->lane[j].lit)
      CPO_TRY(cpo_fw_dac_write(e, CPO_DAC_HEATER, j, e->lane[j].heater_w));
  return CPO_OK;
}

cpo_status_t cpo_fw_mzm_lock_all(cpo_fw_engine_t *e) {
  const double max_w = e->product->heater_max_w;
  double r[CPO_FW_MAX_LANES], last[CPO_FW_MAX_LANES], lo[CPO_FW_MAX_LANES], hi[CPO_FW_MAX_LANES],
      zeros[CPO_FW_MAX_LANES] = {0};
  double best[CPO_FW_MAX_LANES], best_slope[CPO_FW_MAX_LANES];
  /* Scan: the steepest falling step of the dump is the rising slope's middle. */
  for (uint32_t s = 0; s <= SCAN_STEPS; s++) {
    const double h_w = max_w * s / SCAN_STEPS;
    CPO_TRY(s_probe(e, zeros, h_w, s == 0 ? DITHER_SETTLE_US : SCAN_SETTLE_US, r));
    for (uint32_t j = 0; j < e->lanes; j++) {
      if (s == 0) {
        lo[j] = hi[j] = r[j];
        best[j] = 0.0;
        best_slope[j] = 0.0;
      } else {
        const double fall = last[j] - r[j];
        if (fall > best_slope[j]) {
          best_slope[j] = fall;
          best[j] = h_w - 0.5 * max_w / SCAN_STEPS;
        }
      }
      lo[j] = fmin(lo[j], r[j]);
      hi[j] = fmax(hi[j], r[j]);
      last[j] = r[j];
    }
  }
  for (uint32_t j = 0; j < e->lanes; j++) {
    e->lane[j].heater_w = best[j];
    e->lane[j].bias_v = 0.0;
    if (e->lane[j].lit && !(best_slope[j] > 0.0 && hi[j] > lo[j]))
      return cpo_fw_engine_fail(e, CPO_ERR_STATE,
                                "lane %u: the MZM's dump port does not move with its heater", j);
  }
  double err[CPO_FW_MAX_LANES];
  for (uint32_t n = 0; n < NEWTON_STEPS; n++)
    CPO_TRY(s_dither(e, n < DAMPED_FROM ? 1.0 : 0.5, err));
  for (uint32_t j = 0; j < e->lanes; j++) {
    e->lane[j].locked = e->lane[j].lit && fabs(err[j]) < LOCK_TOL_RAD;
    if (e->lane[j].lit && !e->lane[j].locked)
      return cpo_fw_engine_fail(
          e, CPO_ERR_STATE, "lane %u: MZM not at quadrature (last correction %.3f rad)", j, err[j]);
  }
  return CPO_OK;
}

cpo_status_t cpo_fw_mzm_track(cpo_fw_engine_t *e) {
  double err[CPO_FW_MAX_LANES];
  return s_dither(e, 0.5, err);
}
