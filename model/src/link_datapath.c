/* Symbols through the link: each RX lane decides the symbols of the TX lane the fibre plant
 * feeds it (and its neighbours' crosstalk) under the interval's eye, bit-true or statistical. */
#include <assert.h>
#include <string.h>

#include "cpo/log.h"
#include "link_internal.h"

/* Statistical mode: every symbol is decided as sent unless drawn otherwise, so RX words start
 * as their source's TX words. */
static void s_copy_words(const cpo_link_t *l, uint32_t n_cycles, uint64_t mask, const uint64_t *tx,
                         uint64_t *rx) {
  const uint32_t lanes = l->info.lanes;
  if (cpo_fibre_plant_is_identity(l->plant) && mask == ~UINT64_C(0)) {
    memcpy(rx, tx, (size_t)n_cycles * lanes * sizeof *rx);
    return;
  }
  for (uint32_t c = 0; c < n_cycles; c++) {
    const uint64_t *src = tx + (size_t)c * lanes;
    uint64_t *dst = rx + (size_t)c * lanes;
    for (uint32_t r = 0; r < lanes; r++)
      dst[r] = src[cpo_fibre_plant_source(l->plant, r)] & mask;
  }
}

/* Statistical mode: each TX lane's last CPO_SYMCHAN_TAPS symbols of the interval's @p n, read
 * once for the lanes that see its light. */
static void s_read_tails(const cpo_link_t *l, const cpo_symchan_input_t *in, uint32_t n_cycles,
                         uint32_t n, const uint64_t *tx, uint8_t (*tail)[CPO_SYMCHAN_TAPS]) {
  const uint32_t lanes = l->info.lanes, spc = l->info.symbols_per_cycle;
  const uint32_t bps = l->info.bits_per_symbol;
  const uint64_t field_mask = (UINT64_C(1) << bps) - 1;
  for (uint32_t t = 0; t < lanes; t++) {
    if (spc >= CPO_SYMCHAN_TAPS) { /* all in the last word */
      const uint64_t word = tx[(size_t)(n_cycles - 1) * lanes + t];
      for (uint32_t j = 0; j < CPO_SYMCHAN_TAPS; j++) {
        const uint32_t f = (uint32_t)(word >> ((spc - CPO_SYMCHAN_TAPS + j) * bps) & field_mask);
        tail[t][j] = (uint8_t)(l->gray ? f ^ (f >> 1) : f);
      }
    } else {
      const cpo_symchan_stream_t s = {tx + t, l->tx[t]->prev_level};
      for (uint32_t j = 0; j < CPO_SYMCHAN_TAPS; j++)
        tail[t][j] = cpo_symchan_level(in, &s, (int64_t)n - CPO_SYMCHAN_TAPS + j);
    }
  }
}

/* RX lane @p r's decisions on @p n symbols. */
static void s_decide_lane(cpo_link_t *l, uint32_t r, cpo_symchan_input_t *in, uint32_t n,
                          const uint64_t *tx, uint64_t *rx, uint8_t (*tail)[CPO_SYMCHAN_TAPS]) {
  const uint32_t t = cpo_fibre_plant_source(l->plant, r);
  cpo_rx_lane_t *rl = l->rx[r];
  const uint32_t *has_nb = rl->eye.has_neighbour;
  in->own.words = tx + t;
  in->own.prev = l->tx[t]->prev_level;
  in->nb[0].words = has_nb[0] ? tx + t - 1 : NULL;
  in->nb[0].prev = has_nb[0] ? l->tx[t - 1]->prev_level : 0;
  in->nb[1].words = has_nb[1] ? tx + t + 1 : NULL;
  in->nb[1].prev = has_nb[1] ? l->tx[t + 1]->prev_level : 0;
  if (l->cfg.fidelity == CPO_FIDELITY_BIT_TRUE) {
    cpo_rng_fill_normal_f32(rl->noise_rng, l->noise, n);
    cpo_symchan_bit_true(&rl->eye, &rl->st, in, n, l->noise, rx + r, &rl->err);
    return;
  }
  const uint8_t *const t3[3] = {tail ? tail[t] : NULL, tail && has_nb[0] ? tail[t - 1] : NULL,
                                tail && has_nb[1] ? tail[t + 1] : NULL};
  cpo_symchan_statistical(&rl->eye, &rl->st, in, n, rl->p_max, &rl->gap, rl->stat_rng,
                          tail ? t3 : NULL, rx + r, &rl->err);
}

/* Cycles [c0, c0 + n) of one grid interval; tx/rx point at cycle c0's words. */
static void s_run_interval(cpo_link_t *l, uint32_t n_cycles, const uint64_t *tx, uint64_t *rx) {
  const uint32_t lanes = l->info.lanes, spc = l->info.symbols_per_cycle;
  const uint32_t n = n_cycles * spc;
  const uint64_t mask = spc * l->info.bits_per_symbol >= 64
                            ? ~UINT64_C(0)
                            : (UINT64_C(1) << (spc * l->info.bits_per_symbol)) - 1;
  cpo_symchan_input_t in = {
      .stride = lanes,
      .symbols_per_word = spc,
      .bits_per_symbol = l->info.bits_per_symbol,
      .gray = l->gray,
  };
  const bool bit_true = l->cfg.fidelity == CPO_FIDELITY_BIT_TRUE;
  bool sparse = false; /* a dense lane decides every symbol itself: no copy needed */
  for (uint32_t r = 0; r < lanes && !bit_true && !sparse; r++)
    sparse = !l->lane_dark[r] && !cpo_symchan_statistical_dense(l->rx[r]->p_max);
  if (sparse)
    s_copy_words(l, n_cycles, mask, tx, rx);
  const bool tails = !bit_true && n > CPO_SYMCHAN_TAPS - 1;
  uint8_t tail[CPO_LINK_MAX_LANES][CPO_SYMCHAN_TAPS];
  if (tails)
    s_read_tails(l, &in, n_cycles, n, tx, tail);
  for (uint32_t r = 0; r < lanes; r++) {
    if (!l->lane_dark[r]) {
      s_decide_lane(l, r, &in, n, tx, rx, tails ? tail : NULL);
      continue;
    }
    for (uint32_t c = 0; c < n_cycles; c++) /* nothing arrives: no decisions, no errors */
      rx[(size_t)c * lanes + r] = 0;
  }
  for (uint32_t t = 0; t < lanes; t++) {
    if (tails) {
      l->tx[t]->prev_level = tail[t][CPO_SYMCHAN_TAPS - 1];
    } else {
      const cpo_symchan_stream_t s = {tx + t, l->tx[t]->prev_level};
      l->tx[t]->prev_level = cpo_symchan_level(&in, &s, n - 1);
    }
  }
}

cpo_status_t cpo_link_process(cpo_link_t *link, uint64_t first_cycle, uint32_t count,
                              const uint64_t *tx, uint64_t *rx) {
  assert(link);
  cpo_link_t *l = link;
  if (first_cycle != l->next_cycle) {
    cpo_log(CPO_LOG_ERROR, "cpo_link", "process: first_cycle %llu, expected %llu",
            (unsigned long long)first_cycle, (unsigned long long)l->next_cycle);
    return CPO_ERR_INVALID_ARG;
  }
  if (count == 0)
    return CPO_OK;
  if (!tx || !rx)
    return cpo_link_reject("process: %s%g must not be NULL", "tx and rx", 0);
  const uint32_t lanes = l->info.lanes;
  const uint64_t grid = l->info.grid_cycles;
  const uint32_t pass_cycles = CPO_LINK_PASS_SYMBOLS / l->info.symbols_per_cycle;
  uint64_t c = first_cycle;
  const uint64_t end = first_cycle + count;
  while (c < end) {
    if (c % grid == 0 && (!l->grid_started || l->last_grid != c))
      cpo_link_grid_step(l, c);
    const uint64_t interval_end = (c / grid + 1) * grid;
    uint64_t stop = end < interval_end ? end : interval_end;
    if (l->cfg.fidelity == CPO_FIDELITY_BIT_TRUE && stop - c > pass_cycles)
      stop = c + pass_cycles; /* the noise buffer's size; the statistical mode needs none */
    const size_t off = (size_t)(c - first_cycle) * lanes;
    s_run_interval(l, (uint32_t)(stop - c), tx + off, rx + off);
    c = stop;
  }
  l->next_cycle = end;
  return CPO_OK;
}

cpo_status_t cpo_link_park_lanes(cpo_link_t *link, uint64_t mask) {
  assert(link);
  cpo_link_t *l = link;
  const uint32_t lanes = l->info.lanes;
  if (lanes < 64 && mask >> lanes != 0)
    return cpo_link_reject("park_lanes: %s %g has a bit past the last lane", "mask", (double)mask);
  l->parked_lanes = mask;
  for (uint32_t r = 0; r < lanes; r++) {
    const uint32_t t = cpo_fibre_plant_source(l->plant, r);
    const bool dark = (r < 64 && (mask >> r & 1u)) || (t < 64 && (mask >> t & 1u));
    const bool was_dark = l->lane_dark[r];
    l->lane_dark[r] = dark;
    /* streaming again: its eye from the light in force (a stale light is rebuilt, every eye
     * with it, at the next grid point anyway) */
    if (was_dark && !dark && l->eyes_valid)
      cpo_link_rebuild_eye(l, r);
  }
  return CPO_OK;
}
