/* Receiver equalisation on measured PRBS error counts: see eq_tune.h.
 *
 * Bathtubs: a setting (the RX FFE post-cursor, then each slicer threshold) goes to the middle
 * of the range where the link is clean, found by bisecting on each side for the value where
 * the measured bit error ratio crosses EDGE_BER (errors are plentiful there, so a short count
 * resolves it). Every lane is measured at once (each has its own traffic counters). The FFE
 * comes first, from a coarse scan: without it the ISI of the receiver's bandwidth closes the
 * PAM4 eye. Each count streams only as long as it must: a setting crosses to the models with
 * the lanes parked. */
#include "eq_tune.h"

#include <math.h>

#define EDGE_BER 1e-3
#define WINDOW_US 0.15 /* ~2000 cycles at 106 GBd: ~30 errors at EDGE_BER */
/* A receiver setting acts after it has crossed the analog boundary (the path's latency:
 * electronics and the fibre, at most ~0.5 us for the profiles' 100 m, and a slow-grid step),
 * which the lanes wait out parked; once they stream again, the decisions made under it come
 * back a latency later and the checkers relock. */
#define CROSS_US 0.55
#define REFILL_US 0.6
#define BISECTIONS 8u
#define MIN_BITS_SHARE 0.5 /* fewer bits counted than this share of the best lane's: unlocked */
#define FFE_SCAN_STEPS 6u  /* 0, -0.1, ... -0.5 */
#define FFE_SCAN_STEP 0.1
#define FFE_HALF_GAP 0.2
#define THR_HALF_GAP 0.15 /* from a threshold to just inside the level beside it */

static const cpo_dac_channel_t s_thr_ch[3] = {CPO_DAC_RX_THRESHOLD_LO, CPO_DAC_RX_THRESHOLD_MID,
                                              CPO_DAC_RX_THRESHOLD_HI};

/* Wait until the receiver settings just written decide what the checkers see. */
static cpo_status_t s_settle(cpo_fw_engine_t *e) {
  CPO_TRY(cpo_fw_stream(e, 0, 0));
  CPO_TRY(cpo_fw_wait_us(e, CROSS_US));
  CPO_TRY(cpo_fw_stream_all(e));
  return cpo_fw_wait_us(e, REFILL_US);
}

/* Count errors over a window on every lane into @p ber (1 for a lane whose checker lost lock:
 * far fewer bits counted than on the best lane). */
static cpo_status_t s_measure(cpo_fw_engine_t *e, double ber[]) {
  uint64_t bits[CPO_FW_MAX_LANES], errors[CPO_FW_MAX_LANES], most = 0;
  CPO_TRY(s_settle(e));
  CPO_TRY(cpo_fw_counters_clear(e));
  CPO_TRY(cpo_fw_wait_us(e, WINDOW_US));
  for (uint32_t j = 0; j < e->lanes; j++) {
    CPO_TRY(cpo_fw_counters_read(e, j, &bits[j], &errors[j]));
    most = bits[j] > most ? bits[j] : most;
  }
  for (uint32_t j = 0; j < e->lanes; j++)
    ber[j] = bits[j] == 0 || (double)bits[j] < MIN_BITS_SHARE * (double)most
                 ? 1.0
                 : (double)errors[j] / (double)bits[j];
  return CPO_OK;
}

/* Write DAC @p ch of every locked lane to @p value[lane]. */
static cpo_status_t s_set(cpo_fw_engine_t *e, cpo_dac_channel_t ch, const double value[]) {
  for (uint32_t j = 0; j < e->lanes; j++)
    if (e->lane[j].locked)
      CPO_TRY(cpo_fw_dac_write(e, ch, j, value[j]));
  return CPO_OK;
}

/* The clean range's edge of DAC @p ch for every lane: bisection between @p good[lane] (clean)
 * and @p bad[lane] (not), both updated. */
static cpo_status_t s_edge(cpo_fw_engine_t *e, cpo_dac_channel_t ch, double good[], double bad[]) {
  double probe[CPO_FW_MAX_LANES], ber[CPO_FW_MAX_LANES];
  for (uint32_t b = 0; b < BISECTIONS; b++) {
    for (uint32_t j = 0; j < e->lanes; j++)
      probe[j] = 0.5 * (good[j] + bad[j]);
    CPO_TRY(s_set(e, ch, probe));
    CPO_TRY(s_measure(e, ber));
    for (uint32_t j = 0; j < e->lanes; j++) {
      if (ber[j] > EDGE_BER)
        bad[j] = probe[j];
      else
        good[j] = probe[j];
    }
  }
  return CPO_OK;
}

/* DAC @p ch of every locked lane from @p value[lane] (clean) to the middle of its clean range,
 * looked for within +-@p half_gap and [lo, hi]; @p value updated and written. */
static cpo_status_t s_centre(cpo_fw_engine_t *e, cpo_dac_channel_t ch, double value[],
                             double half_gap, double lo, double hi) {
  double good[CPO_FW_MAX_LANES], below[CPO_FW_MAX_LANES], above[CPO_FW_MAX_LANES];
  for (uint32_t j = 0; j < e->lanes; j++) {
    good[j] = value[j];
    below[j] = fmax(lo, value[j] - half_gap);
  }
  CPO_TRY(s_edge(e, ch, good, below));
  for (uint32_t j = 0; j < e->lanes; j++) {
    below[j] = 0.5 * (good[j] + below[j]);
    good[j] = value[j];
    above[j] = fmin(hi, value[j] + half_gap);
  }
  CPO_TRY(s_edge(e, ch, good, above));
  for (uint32_t j = 0; j < e->lanes; j++)
    value[j] = 0.5 * (below[j] + 0.5 * (good[j] + above[j]));
  return s_set(e, ch, value);
}

/* The coarse FFE scan: each lane's value with the fewest errors (the first of equals). */
static cpo_status_t s_ffe_scan(cpo_fw_engine_t *e, double best[]) {
  double value[CPO_FW_MAX_LANES], ber[CPO_FW_MAX_LANES], best_ber[CPO_FW_MAX_LANES];
  for (uint32_t s = 0; s < FFE_SCAN_STEPS; s++) {
    for (uint32_t j = 0; j < e->lanes; j++)
      value[j] = -FFE_SCAN_STEP * s;
    CPO_TRY(s_set(e, CPO_DAC_RX_FFE_POST, value));
    CPO_TRY(s_measure(e, ber));
    for (uint32_t j = 0; j < e->lanes; j++)
      if (s == 0 || ber[j] < best_ber[j]) {
        best_ber[j] = ber[j];
        best[j] = value[j];
      }
  }
  /* Nothing to tune on (no lane counted bits at any setting): say so rather than tune on BER 1
   * everywhere. A probe further on may unlock every lane; the scan's settings must not. */
  bool counted = false;
  for (uint32_t j = 0; j < e->lanes; j++)
    counted = counted || best_ber[j] < 1.0;
  if (!counted)
    return cpo_fw_engine_fail(e, CPO_ERR_STATE,
                              "equalisation: no lane counted bits at any FFE setting: the lanes "
                              "do not stream (OE STREAM_EN, or CMIS holding their data paths "
                              "parked) or none is lit");
  return CPO_OK;
}

cpo_status_t cpo_fw_eq_tune(cpo_fw_engine_t *e) {
  double v[CPO_FW_MAX_LANES];
  CPO_TRY(s_ffe_scan(e, v));
  CPO_TRY(s_centre(e, CPO_DAC_RX_FFE_POST, v, FFE_HALF_GAP, -0.9, 0.3));
  for (uint32_t j = 0; j < e->lanes; j++)
    e->lane[j].rx_ffe = v[j];
  for (int t = 0; t < 3; t++) {
    for (uint32_t j = 0; j < e->lanes; j++)
      CPO_TRY(cpo_fw_dac_read(e, s_thr_ch[t], j, &v[j]));
    CPO_TRY(s_centre(e, s_thr_ch[t], v, THR_HALF_GAP, 0.0, 1.0));
    for (uint32_t j = 0; j < e->lanes; j++)
      e->lane[j].thr[t] = v[j];
  }
  return s_settle(e); /* the last probe's setting must not reach the caller's counts */
}
