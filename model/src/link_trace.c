/* The trace hook: model quantities per lane at every grid point. */
#include "link_internal.h"

/* Fill the trace arrays for link lane @p t from its engine. */
static void s_trace_lane(cpo_link_t *l, uint32_t t) {
  uint32_t j;
  const cpo_engine_t *e = cpo_link_lane_engine(l, t, &j);
  const cpo_tx_lane_t *tx = l->tx[t];
  l->tr_laser_w[t] = tx->laser_w;
  l->tr_tx_w[t] = cpo_lane_mean16(tx->launch_w, l->info.levels);
  l->tr_rx_w[t] = l->rx[t]->power_w;
  l->tr_detuning_m[t] = tx->detuning_m;
  l->tr_phase_rad[t] = tx->mzm_phase_rad;
  l->tr_temp_k[t] = cpo_engine_mod_temp_k(e, j);
  l->tr_heater_w[t] = cpo_engine_heater_w(e, j);
}

void cpo_link_emit_trace(cpo_link_t *l, uint64_t g) {
  if (!l->trace_fn)
    return;
  for (uint32_t t = 0; t < l->info.lanes; t++)
    s_trace_lane(l, t);
  const cpo_link_trace_t sample = {
      .cycle = g,
      .time_s = (double)g * l->info.cycle_s,
      .lanes = l->info.lanes,
      .laser_power_w = l->tr_laser_w,
      .tx_power_w = l->tr_tx_w,
      .rx_power_w = l->tr_rx_w,
      .detuning_m = l->tr_detuning_m,
      .mzm_phase_rad = l->tr_phase_rad,
      .temp_k = l->tr_temp_k,
      .heater_w = l->tr_heater_w,
  };
  l->trace_fn(l->trace_user, &sample);
}
