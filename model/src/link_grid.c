/* The link's slow grid: integrate the engines' state, apply what is due, rebuild the eyes,
 * convert the monitors, trace; and the parked path (cpo_link_advance), which does the same
 * on longer steps without the eyes. See cpo/link.h for the order. */
#include <assert.h>
#include <string.h>

#include "cpo/log.h"

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

/* Every TX lane's light for the current state, carried to the receivers (@p for_eyes: with
 * what only the eyes use). */
static void s_rebuild_light(cpo_link_t *l, bool for_eyes) {
  for (uint32_t e = 0; e < l->info.engines; e++)
    cpo_engine_build_tx(l->engine[e], for_eyes);
  for (uint32_t t = 0; t < l->info.lanes; t++) {
    cpo_fibre_plant_carry(l->plant, l->tx[t], l->info.levels);
    cpo_link_fault_carry(l, t, l->info.levels);
  }
  l->light_valid = true;
  l->slopes_valid = false;
}

/* Every RX lane's average optical power, crosstalk included: the monitor the eye also gives
 * (the same sum in the same order), without the eye; each TX lane's mean taken once. */
static void s_rx_powers(cpo_link_t *l) {
  const uint32_t levels = l->info.levels;
  const double xt = cpo_fibre_plant_crosstalk_ratio(l->plant);
  double mean_w[CPO_LINK_MAX_LANES];
  for (uint32_t t = 0; t < l->info.lanes; t++)
    mean_w[t] = cpo_lane_mean16(l->tx[t]->rx_w, levels);
  for (uint32_t r = 0; r < l->info.lanes; r++) {
    const uint32_t t = cpo_fibre_plant_source(l->plant, r);
    double p_w = mean_w[t];
    for (int side = 0; side < 2; side++) {
      uint32_t nb;
      if (cpo_fibre_plant_neighbour(l->plant, t, side, &nb))
        p_w += xt * mean_w[nb];
    }
    l->rx[r]->power_w = p_w;
  }
}

void cpo_link_rebuild_eye(cpo_link_t *l, uint32_t r) {
  s_build_eye(l, r);
  if (l->cfg.fidelity == CPO_FIDELITY_STATISTICAL) {
    l->rx[r]->p_max = cpo_symchan_error_bound(&l->rx[r]->eye);
    l->rx[r]->gap = UINT64_MAX; /* memoryless: redraw the next candidate under the new eye */
  }
}

void cpo_link_rebuild(cpo_link_t *l) {
  s_rebuild_light(l, true);
  if (l->parked_lanes) /* a dark lane's monitor alone: its eye is built when it streams again */
    s_rx_powers(l);
  for (uint32_t r = 0; r < l->info.lanes; r++)
    if (!l->lane_dark[r])
      cpo_link_rebuild_eye(l, r);
}

cpo_status_t cpo_link_refresh_eyes(cpo_link_t *link) {
  assert(link);
  cpo_link_t *l = link;
  if (!l->grid_started)
    return CPO_ERR_STATE;
  const bool stale = !l->eyes_valid; /* parked grid points moved the light since the eyes */
  if (stale)
    s_rebuild_light(l, true);
  for (uint32_t r = 0; r < l->info.lanes; r++)
    if (stale || l->lane_dark[r])
      cpo_link_rebuild_eye(l, r);
  l->eyes_valid = true;
  return CPO_OK;
}

void cpo_link_apply_dacs(cpo_link_t *l) {
  for (uint32_t e = 0; e < l->info.engines; e++)
    cpo_engine_apply_dacs(l->engine[e]);
}

/* Record the slow inputs of the eyes; return whether any moved beyond the tolerances since the
 * previous record (always true when @p force). */
static bool s_inputs_moved(cpo_link_t *l, bool force) {
  bool moved = force;
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
    } else if (ev->kind == CPO_EVENT_FAULT) {
      cpo_link_fault_apply(l, ev);
    } else if (ev->kind == CPO_EVENT_AMBIENT) {
      cpo_engine_set_ambient(l->engine[ev->index], ev->temp_k);
    } else {
      cpo_engine_set_laser_ambient(l->engine[ev->index], ev->temp_k);
    }
  }
  cpo_event_queue_drop(&l->events, due);
  return due;
}

/* Integrate the engines' state from the latest point to @p g, then apply what is due at @p g;
 * returns how many events applied. */
static size_t s_integrate_to(cpo_link_t *l, uint64_t g, bool parked) {
  const double dt_s = l->grid_started ? (double)(g - l->last_grid) * l->info.cycle_s : 0.0;
  if (dt_s > 0.0)
    for (uint32_t e = 0; e < l->info.engines; e++)
      (parked ? cpo_engine_step_parked : cpo_engine_step)(l->engine[e], dt_s);
  const size_t applied = s_apply_events(l, g);
  if (applied > 0) /* the DAC codes and failures change only by events (cpo_link_create applied
                      the first ones): applying unchanged codes again would change nothing */
    cpo_link_apply_dacs(l);
  return applied;
}

/* The monitors, the trace and the clock of point @p g. */
static void s_finish_point(cpo_link_t *l, uint64_t g) {
  if (g % l->info.adc_cycles == 0 && g >= l->adc_from)
    cpo_adc_history_convert(&l->adc, g, l->engine, l->info.engines);
  cpo_link_emit_trace(l, g);
  l->last_grid = g;
  l->grid_started = true;
}

void cpo_link_grid_step(cpo_link_t *l, uint64_t g) {
  const size_t applied = s_integrate_to(l, g, false);
  if (s_inputs_moved(l, applied > 0 || !l->eyes_valid)) {
    cpo_link_rebuild(l);
    l->eyes_valid = true;
  }
  s_finish_point(l, g);
}

/* ---- the parked path ------------------------------------------------------------------- */

/* The ring's self-heating loop (tau 0.5 us by default) stays stable with exact-exponential
 * steps only while the loop's gain is small: locked on a resonance's flank, 0.5 us steps
 * fall into a 65 pm limit cycle. Parked steps take it implicitly (cpo_ring_step_implicit),
 * which settles at any step, and last one ADC period (1 us by default): every step is a
 * conversion, so the light is built once per conversion. Lasers (tens to hundreds of us) and
 * heaters (us) follow any step exactly. */
#define PARK_STEP_MAX_S 1e-6

uint64_t cpo_link_park_cycles(const cpo_link_info_t *info) {
  const uint64_t grids = info->adc_cycles / info->grid_cycles;
  const double grid_s = (double)info->grid_cycles * info->cycle_s;
  for (uint64_t d = grids; d > 1; d--)
    if (grids % d == 0 && (double)d * grid_s <= PARK_STEP_MAX_S * (1.0 + 1e-9))
      return d * info->grid_cycles;
  return info->grid_cycles;
}

/* A parked step at @p g: the slow state and the monitors (the light, not the eyes). */
static void s_park_step(cpo_link_t *l, uint64_t g) {
  const size_t applied = s_integrate_to(l, g, true);
  if (s_inputs_moved(l, applied > 0 || !l->light_valid || !l->slopes_valid)) {
    s_rebuild_light(l, false);
    for (uint32_t e = 0; e < l->info.engines; e++)
      cpo_engine_absorbed_slopes(l->engine[e]);
    l->slopes_valid = true;
    s_rx_powers(l);
    l->eyes_valid = false; /* rebuilt at the next streaming grid point */
  }
  s_finish_point(l, g);
}

/* The first parked stop at or after @p c: a multiple of park_cycles, or the grid point where
 * the next scheduled event applies. */
static uint64_t s_next_park_stop(const cpo_link_t *l, uint64_t c) {
  const uint64_t p = l->park_cycles, grid = l->info.grid_cycles;
  uint64_t s = (c + p - 1) / p * p;
  if (l->events.n > 0) {
    const uint64_t e = l->events.events[0].cycle > c ? l->events.events[0].cycle : c;
    const uint64_t ge = (e + grid - 1) / grid * grid;
    if (ge < s)
      s = ge;
  }
  return s;
}

cpo_status_t cpo_link_advance(cpo_link_t *link, uint64_t first_cycle, uint64_t count) {
  assert(link);
  cpo_link_t *l = link;
  if (first_cycle != l->next_cycle || count > UINT64_MAX - first_cycle) {
    cpo_log(CPO_LOG_ERROR, "cpo_link", "advance: first_cycle %llu count %llu, expected cycle %llu",
            (unsigned long long)first_cycle, (unsigned long long)count,
            (unsigned long long)l->next_cycle);
    return CPO_ERR_INVALID_ARG;
  }
  const uint64_t end = first_cycle + count;
  for (uint64_t c = first_cycle;;) {
    const uint64_t s = s_next_park_stop(l, c);
    if (s >= end)
      break;
    if (!l->grid_started || l->last_grid != s)
      s_park_step(l, s);
    c = s + 1;
  }
  l->next_cycle = end;
  return CPO_OK;
}
