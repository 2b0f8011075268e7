/* The model side of the synchronisation (see cpo/sync.h): the world's answers to the rtl's TX,
 * shifted by the lookahead L; the rtl's DAC writes L cycles after it made them; each ADC
 * conversion before the RX of its cycle, which the rtl needs it with. */
#include <stdlib.h>
#include <string.h>

#include "bridge_internal.h"
#include "cpo/sync.h"

#define MODEL_DOMAIN "model"

/* Conversions kept by the world behind its ADC codes (cpo_link_adc keeps 64): a parked span is
 * advanced in pieces of at most this many periods, each answered before the next, its
 * conversions in one ADC_SAMPLES. */
#define PARK_PIECE_CONVERSIONS 32u

typedef struct {
  cpo_client_t *c;
  const cpo_model_channel_t *ch;
  uint16_t lanes;
  uint8_t *batch; /* the raw entries of one piece's ADC_SAMPLES */
} model_side_t;

static cpo_status_t s_fail(cpo_status_t rc, const char *what, const char *why) {
  cpo_log(CPO_LOG_ERROR, MODEL_DOMAIN, "%s: %s", what, why);
  return rc;
}

/* Send one converter message: the DAC codes in force, or the ADC conversions valid at @p cycle. */
static cpo_status_t s_send_codes(const model_side_t *ms, uint16_t type, uint64_t cycle) {
  cpo_analog_entry_t entries[CPO_PROTO_MAX_ANALOG_ENTRIES];
  uint8_t raw[CPO_PROTO_MAX_ANALOG_ENTRIES * CPO_PROTO_ANALOG_ENTRY_BYTES];
  uint32_t n = 0;
  if (type == CPO_MSG_DAC_UPDATE)
    n = ms->ch->dac_codes(ms->ch->self, entries, CPO_PROTO_MAX_ANALOG_ENTRIES);
  else if (ms->ch->adc_codes(ms->ch->self, cycle, entries, CPO_PROTO_MAX_ANALOG_ENTRIES, &n) !=
           CPO_OK)
    return CPO_ERR_STATE;
  if (n > CPO_PROTO_MAX_ANALOG_ENTRIES)
    n = CPO_PROTO_MAX_ANALOG_ENTRIES;
  for (uint32_t i = 0; i < n; i++)
    cpo_msg_analog_pack(raw, (uint16_t)i, entries[i]);
  cpo_msg_t m = {.hdr = {.type = type, .cycle = cycle}};
  m.u.analog.count = (uint16_t)n;
  m.u.analog.entries_raw = raw;
  return cpo_client_send(ms->c, &m);
}

/* Schedule the rtl's DAC writes of cycle c in the world from c + L. A write the world refuses
 * is answered with an ERROR naming it; the run goes on. */
static void s_apply_dacs(const model_side_t *ms, const cpo_msg_t *m, uint32_t latency) {
  for (uint16_t i = 0; i < m->u.analog.count; i++) {
    cpo_analog_entry_t e = cpo_msg_analog_entry(m, i);
    cpo_msg_t err = {.hdr = {.type = CPO_MSG_ERROR, .cycle = m->hdr.cycle}};
    cpo_status_t rc = CPO_ERR_INVALID_ARG;
    if (ms->ch->dac_set)
      rc = ms->ch->dac_set(ms->ch->self, e, m->hdr.cycle, m->hdr.cycle + latency, err.u.error.text,
                           sizeof err.u.error.text);
    else
      cpo_whyf(err.u.error.text, sizeof err.u.error.text,
               "DAC channel %u index %u code %u at cycle %llu: the model has no converters",
               e.channel, e.lane, e.value, (unsigned long long)m->hdr.cycle);
    if (rc == CPO_OK)
      continue;
    err.u.error.code = CPO_WERR_BAD_FIELD;
    err.u.error.ref_seq = m->hdr.seq;
    cpo_log(CPO_LOG_WARN, MODEL_DOMAIN, "%s", err.u.error.text);
    if (cpo_client_send(ms->c, &err) != CPO_OK)
      cpo_log(CPO_LOG_WARN, MODEL_DOMAIN, "could not report it to the rtl");
  }
}

static cpo_status_t s_send_rx(const model_side_t *ms, uint64_t first, uint32_t count,
                              const uint64_t *rx) {
  if (count == 0)
    return CPO_OK;
  cpo_msg_t m = {.hdr = {.type = CPO_MSG_RX_QUANTUM, .cycle = first}};
  m.u.quantum.count = count;
  m.u.quantum.lanes = ms->lanes;
  m.u.quantum.word_bytes = cpo_proto_word_bytes(cpo_client_config(ms->c));
  m.u.quantum.words = rx;
  return cpo_client_send(ms->c, &m);
}

/* Send RX for cycles [first, first + count) computed from @p tx (the lanes of @p parked zero),
 * and each ADC conversion made in those cycles before the RX of its cycle (the rtl needs it
 * then); the RX is split there, since cycle stamps never decrease. */
static cpo_status_t s_carry(const model_side_t *ms, uint64_t first, uint32_t count,
                            const uint64_t *tx, uint64_t *rx, uint64_t parked) {
  CPO_TRY(ms->ch->process(ms->ch->self, first, count, tx, rx));
  for (uint32_t c = 0; parked && c < count; c++) /* nothing arrives on a parked lane */
    for (uint32_t l = 0; l < ms->lanes; l++)
      if (parked >> l & 1u)
        rx[(size_t)c * ms->lanes + l] = 0;
  const uint64_t period = ms->ch->adc_period_cycles;
  uint64_t done = first;
  for (uint64_t g = period ? (first + period - 1) / period * period : UINT64_MAX; g < first + count;
       g += period) {
    CPO_TRY(s_send_rx(ms, done, (uint32_t)(g - done), rx + (done - first) * ms->lanes));
    done = g;
    CPO_TRY(s_send_codes(ms, CPO_MSG_ADC_SAMPLE, g));
  }
  return s_send_rx(ms, done, (uint32_t)(first + count - done), rx + (done - first) * ms->lanes);
}

/* The ADC conversions of [first, end) (already advanced, at most PARK_PIECE_CONVERSIONS), in
 * one ADC_SAMPLES: the same codes at the same cycles as one ADC_SAMPLE each. */
static cpo_status_t s_send_conversions(const model_side_t *ms, uint64_t first, uint64_t end) {
  const uint64_t period = ms->ch->adc_period_cycles;
  if (!period)
    return CPO_OK;
  const uint64_t g0 = (first + period - 1) / period * period;
  cpo_analog_entry_t entries[CPO_PROTO_MAX_ANALOG_ENTRIES];
  uint16_t k = 0;
  uint32_t n = 0;
  for (uint64_t g = g0; g < end; g += period, k++) {
    uint32_t got;
    if (ms->ch->adc_codes(ms->ch->self, g, entries, CPO_PROTO_MAX_ANALOG_ENTRIES, &got) != CPO_OK ||
        (k > 0 && got != n))
      return CPO_ERR_STATE; /* the world's converters do not change shape */
    n = got;
    for (uint32_t i = 0; i < n; i++)
      cpo_msg_analog_pack(ms->batch, k * n + i, entries[i]);
  }
  if (k == 0)
    return CPO_OK;
  cpo_msg_t m = {.hdr = {.type = CPO_MSG_ADC_SAMPLES, .cycle = g0}};
  m.u.analog.count = (uint16_t)n;
  m.u.analog.conversions = k;
  m.u.analog.period_cycles = (uint32_t)period;
  m.u.analog.entries_raw = ms->batch;
  return cpo_client_send(ms->c, &m);
}

/* PARKED [c, u): advance the world through [c + L, u + L) (not past the run's end) with no
 * symbols, sending its ADC conversions and RX_PARKED piece by piece. A world that cannot
 * advance processes all-zero TX instead (@p tx_dark, @p rx: a quantum each). A span the rtl
 * skips (SKIPPED) is never clocked: the rtl next reads its ADC ports at u or later (or at
 * u - 1, the run's last cycle), so the conversions before the one in force at u - 1 are
 * neither made nor sent. */
static cpo_status_t s_park(const model_side_t *ms, const cpo_msg_t *m, const uint64_t *tx_dark,
                           uint64_t *rx) {
  const cpo_config_t *cfg = cpo_client_config(ms->c);
  const uint64_t first = m->hdr.cycle + cfg->latency_cycles;
  uint64_t end = m->u.parked.other_cycle + cfg->latency_cycles;
  if (end > cfg->total_cycles)
    end = cfg->total_cycles;
  const uint64_t period = ms->ch->adc_period_cycles;
  const uint64_t piece = period ? period * PARK_PIECE_CONVERSIONS : cfg->quantum_cycles;
  uint64_t unread = 0; /* conversions before this cycle are read by nobody */
  if ((m->hdr.flags & CPO_MSG_FLAG_SKIPPED) && period && ms->ch->adc_skip) {
    unread = (m->u.parked.other_cycle - 1) / period * period;
    CPO_TRY(ms->ch->adc_skip(ms->ch->self, unread));
  }
  for (uint64_t a = first; a < end;) {
    uint64_t b = (a / piece + 1) * piece; /* pieces aligned to the grid: the same for any split */
    if (b > end)
      b = end;
    if (ms->ch->advance) {
      CPO_TRY(ms->ch->advance(ms->ch->self, a, b - a));
    } else {
      for (uint64_t k = a; k < b; k += cfg->quantum_cycles) {
        uint32_t n = b - k < cfg->quantum_cycles ? (uint32_t)(b - k) : cfg->quantum_cycles;
        CPO_TRY(ms->ch->process(ms->ch->self, k, n, tx_dark, rx));
      }
    }
    CPO_TRY(s_send_conversions(ms, a > unread ? a : unread, b));
    cpo_msg_t r = {.hdr = {.type = CPO_MSG_RX_PARKED, .cycle = b}};
    r.u.parked.other_cycle = a;
    CPO_TRY(cpo_client_send(ms->c, &r));
    a = b;
  }
  return CPO_OK;
}

/* LANES_PARKED(c): the lanes of its mask are parked from RX cycle c + L (every TX before c is
 * carried already), in the world and in the RX words sent (@p parked). A mask naming lanes the
 * session does not have is refused, naming it; the mask in force stays. */
static cpo_status_t s_park_lanes(const model_side_t *ms, const cpo_msg_t *m, uint64_t *parked) {
  const uint64_t mask = m->u.lanes_parked.mask;
  if (ms->lanes < 64 && mask >> ms->lanes != 0) {
    cpo_msg_t err = {.hdr = {.type = CPO_MSG_ERROR, .cycle = m->hdr.cycle}};
    err.u.error.code = CPO_WERR_BAD_FIELD;
    err.u.error.ref_seq = m->hdr.seq;
    cpo_whyf(err.u.error.text, sizeof err.u.error.text,
             "LANES_PARKED mask 0x%016llx at cycle %llu names lanes past the session's %u",
             (unsigned long long)mask, (unsigned long long)m->hdr.cycle, ms->lanes);
    cpo_log(CPO_LOG_WARN, MODEL_DOMAIN, "%s", err.u.error.text);
    return cpo_client_send(ms->c, &err);
  }
  if (ms->ch->park_lanes)
    CPO_TRY(ms->ch->park_lanes(ms->ch->self, mask));
  *parked = mask;
  return CPO_OK;
}

/* Answer the rtl's messages until its BYE. */
static cpo_status_t s_serve(const model_side_t *ms, const cpo_sync_model_opts_t *opts,
                            const uint64_t *tx_dark, uint64_t *tx_wide, uint64_t *rx) {
  const cpo_config_t *cfg = cpo_client_config(ms->c);
  const uint32_t latency = cfg->latency_cycles, quantum = cfg->quantum_cycles;
  char why[320];
  uint64_t parked = 0; /* the lanes parked while others stream (LANES_PARKED) */
  for (;;) {
    if (opts && opts->stop && *opts->stop) /* end the session saying why: the rtl reports it so */
      return CPO_ERR_INTERRUPTED;
    cpo_msg_t m;
    cpo_status_t rc = cpo_client_recv(ms->c, &m, why, sizeof why);
    if (rc == CPO_ERR_PEER_GONE) /* BYE: the run is over */
      return strstr(why, "(status 0") ? CPO_OK : s_fail(rc, "run aborted", why);
    if (rc == CPO_ERR_PROTOCOL) { /* the rtl refused something we sent: it says what */
      cpo_log(CPO_LOG_WARN, MODEL_DOMAIN, "the rtl reported: %s", why);
      continue;
    }
    if (rc != CPO_OK)
      return s_fail(rc, "lost the rtl", why);
    if (m.hdr.type == CPO_MSG_DAC_UPDATE) {
      s_apply_dacs(ms, &m, latency);
      continue;
    }
    if (m.hdr.type == CPO_MSG_LANES_PARKED) {
      if (s_park_lanes(ms, &m, &parked) != CPO_OK)
        return s_fail(CPO_ERR_STATE, "cannot park lanes", "the world refused or transport failure");
      continue;
    }
    if (m.hdr.type == CPO_MSG_PARKED) {
      if (s_park(ms, &m, tx_dark, rx) != CPO_OK)
        return s_fail(CPO_ERR_STATE, "cannot advance a parked span",
                      "spans not contiguous or transport failure");
      continue;
    }
    if (m.hdr.type != CPO_MSG_TX_QUANTUM || m.u.quantum.lanes != ms->lanes ||
        m.u.quantum.count > quantum) {
      cpo_log(CPO_LOG_WARN, MODEL_DOMAIN, "ignored %s (lanes %u, count %u)",
              cpo_msg_type_name(m.hdr.type), m.u.quantum.lanes, m.u.quantum.count);
      continue;
    }
    /* RX at or past the end of the run is never consumed: the rtl may be gone by then. */
    uint64_t first = m.hdr.cycle + latency;
    if (first >= cfg->total_cycles)
      continue;
    uint64_t left = cfg->total_cycles - first;
    uint32_t count = left < m.u.quantum.count ? (uint32_t)left : m.u.quantum.count;
    const uint64_t *tx = m.u.quantum.words;
    if (!tx) { /* 4-byte wire words, widened */
      cpo_msg_quantum_read(&m, 0, (size_t)count * ms->lanes, tx_wide);
      tx = tx_wide;
    }
    rc = s_carry(ms, first, count, tx, rx, parked);
    if (rc != CPO_OK)
      return s_fail(rc, "cannot carry TX", "quanta not contiguous or transport failure");
  }
}

/* The power-on DAC codes and the first L cycles, then the session. */
static cpo_status_t s_run(const model_side_t *ms, const cpo_sync_model_opts_t *opts,
                          uint64_t *tx_dark, uint64_t *tx_wide, uint64_t *rx) {
  const cpo_config_t *cfg = cpo_client_config(ms->c);
  const uint32_t latency = cfg->latency_cycles, quantum = cfg->quantum_cycles;
  /* The world's power-on DAC codes become the rtl's DAC register reset values. */
  if (ms->ch->dac_codes && s_send_codes(ms, CPO_MSG_DAC_UPDATE, 0) != CPO_OK)
    return s_fail(CPO_ERR_TRANSPORT, "cannot send the power-on DAC codes", "transport failure");
  /* Nothing sent can have arrived during the first L cycles: the receivers see an idle link.
   * Not past the end of the run: the rtl may be gone by then (a run shorter than L). */
  const uint64_t dark = latency < cfg->total_cycles ? latency : cfg->total_cycles;
  for (uint64_t first = 0; first < dark; first += quantum) {
    uint32_t n = dark - first < quantum ? (uint32_t)(dark - first) : quantum;
    if (s_carry(ms, first, n, tx_dark, rx, 0) != CPO_OK)
      return s_fail(CPO_ERR_TRANSPORT, "cannot send RX", "transport failure");
  }
  return s_serve(ms, opts, tx_dark, tx_wide, rx);
}

cpo_status_t cpo_sync_model_run(cpo_client_t *c, const cpo_model_channel_t *channel,
                                const cpo_sync_model_opts_t *opts) {
  const cpo_config_t *cfg = cpo_client_config(c);
  const size_t words = (size_t)cfg->quantum_cycles * cfg->lanes;
  const model_side_t ms = {.c = c,
                           .ch = channel,
                           .lanes = cfg->lanes,
                           .batch =
                               malloc((size_t)PARK_PIECE_CONVERSIONS *
                                      CPO_PROTO_MAX_ANALOG_ENTRIES * CPO_PROTO_ANALOG_ENTRY_BYTES)};
  uint64_t *tx_dark = calloc(words, sizeof *tx_dark);
  uint64_t *tx_wide = calloc(words, sizeof *tx_wide);
  uint64_t *rx = calloc(words, sizeof *rx);
  cpo_status_t rc = tx_dark && tx_wide && rx && ms.batch
                        ? s_run(&ms, opts, tx_dark, tx_wide, rx)
                        : s_fail(CPO_ERR_NO_MEMORY, "cannot start", "out of memory");
  free(ms.batch);
  free(tx_dark);
  free(tx_wide);
  free(rx);
  return rc;
}
