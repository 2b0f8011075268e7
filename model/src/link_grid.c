/* The link's slow grid: integrate the engines' state, apply what is due, rebuild the eyes,
 * convert the monitors, trace. See cpo/link.h for the order. */
#include <string.h>

#include "eye.h"
#include "link_internal.h"

/* RX lane @p r's eye from the light the fibre plant brings it and its engine's registers. */
static void s_build_eye(cpo_link_t *l, uint32_t r) {
  const uint32_t t = cpo_fibre_plant_source(l->plant, r);
  uint32_t i;
  const cpo_engine_t *e = cpo_link_lane_engine(l, r, &i);
  cpo_eye_input_t in = {
      .prof = &l->prof,
      .levels = l->info.levels,
      .baud_hz = l->info.baud_hz,
      .own = l->tx[t],
      .xt_ratio = cpo_fibre_plant_crosstalk_ratio(l->plant),
      .rx_ffe_post = cpo_engine_dac_si(e, CPO_DAC_RX_FFE_POST, i),
      .threshold = {cpo_engine_dac_si(e, CPO_DAC_RX_THRESHOLD_LO, i),
                    cpo_engine_dac_si(e, CPO_DAC_RX_THRESHOLD_MID, i),
                    cpo_engine_dac_si(e, CPO_DAC_RX_THRESHOLD_HI, i)},
  };
  for (int side = 0; side < 2; side++) {
    uint32_t nb;
    if (cpo_fibre_plant_neighbour(l->plant, t, side, &nb))
      in.nb[side] = l->tx[nb];
  }
  cpo_eye_build(&in, &l->rx[r]->eye, &l->rx[r]->power_w);
}

void cpo_link_rebuild(cpo_link_t *l) {
  for (uint32_t e = 0; e < l->info.engines; e++)
    cpo_engine_build_tx(l->engine[e]);
  for (uint32_t t = 0; t < l->info.lanes; t++)
    cpo_fibre_plant_carry(l->plant, l->tx[t], l->info.levels);
  for (uint32_t r = 0; r < l->info.lanes; r++) {
    s_build_eye(l, r);
    if (l->cfg.fidelity == CPO_FIDELITY_STATISTICAL) {
      l->rx[r]->p_max = cpo_symchan_error_bound(&l->rx[r]->eye);
      l->rx[r]->gap = UINT64_MAX; /* memoryless: redraw the next candidate under the new eye */
    }
  }
}

void cpo_link_apply_dacs(cpo_link_t *l) {
  for (uint32_t e = 0; e < l->info.engines; e++)
    cpo_engine_apply_dacs(l->engine[e]);
}

/* Record the slow inputs of the eyes; return whether any moved beyond the tolerances since the
 * previous record (always true when @p force). */
static bool s_inputs_moved(cpo_link_t *l, bool force) {
  bool moved = force || !l->eyes_valid;
  for (uint32_t e = 0; e < l->info.engines && !moved; e++)
    moved = cpo_engine_inputs_moved(l->engine[e]);
  if (moved)
    for (uint32_t e = 0; e < l->info.engines; e++)
      cpo_engine_record_inputs(l->engine[e]);
  return moved;
}

/* Apply the DAC writes and ambient changes due at grid point @p g; returns how many. */
static size_t s_apply_events(cpo_link_t *l, uint64_t g) {
  const size_t due = cpo_event_queue_due(&l->events, g);
  for (size_t k = 0; k < due; k++) {
    const cpo_event_t *ev = &l->events.events[k];
    if (ev->kind == CPO_EVENT_DAC) {
      const cpo_analog_channel_info_t *ci = cpo_dac_info(ev->channel);
      uint32_t local;
      cpo_engine_t *e = ci->per_laser ? cpo_link_laser_engine(l, ev->index, &local)
                                      : cpo_link_lane_engine(l, ev->index, &local);
      cpo_engine_set_dac(e, ev->channel, local, (uint16_t)ev->value);
    } else if (ev->kind == CPO_EVENT_AMBIENT) {
      cpo_engine_set_ambient(l->engine[ev->index], ev->temp_k);
    } else {
      cpo_engine_set_laser_ambient(l->engine[ev->index], ev->temp_k);
    }
  }
  cpo_event_queue_drop(&l->events, due);
  return due;
}

void cpo_link_grid_step(cpo_link_t *l, uint64_t g) {
  const double dt_s = l->grid_started ? (double)(g - l->last_grid) * l->info.cycle_s : 0.0;
  if (dt_s > 0.0)
    for (uint32_t e = 0; e < l->info.engines; e++)
      cpo_engine_step(l->engine[e], dt_s);
  const size_t applied = s_apply_events(l, g);
  cpo_link_apply_dacs(l);
  if (s_inputs_moved(l, applied > 0)) {
    cpo_link_rebuild(l);
    l->eyes_valid = true;
  }
  if (g % l->info.adc_cycles == 0)
    cpo_adc_history_convert(&l->adc, g, l->engine, l->info.engines, l->adc_rng);
  cpo_link_emit_trace(l, g);
  l->last_grid = g;
  l->grid_started = true;
}
