/* The model role: carries each lane's TX symbols through the analog world and returns them,
 * L cycles later, as RX symbols; applies the rtl's DAC writes L cycles after they were made
 * and sends the monitor ADC conversions. The world is either the foundation's noisy loopback
 * or an engine profile's physics (lasers, modulators, fibre, receivers: cpo/link.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpo/link.h"
#include "cpo/loopback.h"
#include "model_trace.h"
#include "roles.h"

/* One of the two channel models, behind one call. */
typedef struct {
  cpo_loopback_t *loopback;
  cpo_link_t *link;
  cpo_link_info_t info; /* the link's shape (lanes, lasers, ADC period), fixed at creation */
} channel_t;

static cpo_status_t s_channel_process(channel_t *ch, uint64_t first, uint32_t count, const uint64_t *tx,
                                      uint64_t *rx) {
  return ch->link ? cpo_link_process(ch->link, first, count, tx, rx)
                  : cpo_loopback_process(ch->loopback, first, count, tx, rx);
}

/* The index range of converter channels: lanes, or lasers for per-laser channels. */
static uint32_t s_channel_indices(const channel_t *ch, const cpo_analog_channel_info_t *info) {
  return info->per_laser ? ch->info.lasers : ch->info.lanes;
}

static void s_channel_destroy(channel_t *ch) {
  cpo_loopback_destroy(&ch->loopback);
  cpo_link_destroy(&ch->link);
}

/* Build the channel the configuration names; @p why says what is wrong if it cannot. */
static cpo_status_t s_channel_create(const cpo_run_opts_t *o, const cpo_config_t *cfg, channel_t *ch,
                                     char *why, size_t why_len) {
  memset(ch, 0, sizeof *ch);
  if (strcmp(cfg->profile, "loopback") == 0) {
    cpo_loopback_cfg_t lc = {.lanes = cfg->lanes,
                             .bits_per_cycle = (uint32_t)cfg->symbols_per_cycle * cfg->bits_per_symbol,
                             .seed = cfg->seed,
                             .noise_sigma = o->noise_sigma};
    if (cpo_loopback_create(&lc, &ch->loopback) != CPO_OK) {
      snprintf(why, why_len, "the loopback channel refused lanes %u, %u bits per cycle, sigma %g", lc.lanes,
               lc.bits_per_cycle, lc.noise_sigma);
      return CPO_ERR_INVALID_ARG;
    }
    return CPO_OK;
  }
  cpo_link_cfg_t lc = {.profile = cfg->profile,
                       .topology = o->topology,
                       .lanes = cfg->lanes,
                       .symbols_per_cycle = cfg->symbols_per_cycle,
                       .bits_per_symbol = cfg->bits_per_symbol,
                       .baud_hz = (double)cfg->baud_hz,
                       .seed = cfg->seed,
                       .els_ambient_k = o->els_ambient_k,
                       .fidelity = o->fidelity,
                       .start_calibrated = o->start == CPO_START_CALIBRATED};
  if (cpo_link_create(&lc, &ch->link) != CPO_OK) {
    snprintf(why, why_len, "profile %s does not fit %u lanes of %u x %u-bit symbols at %llu Bd (see above)",
             cfg->profile, cfg->lanes, cfg->symbols_per_cycle, cfg->bits_per_symbol,
             (unsigned long long)cfg->baud_hz);
    return CPO_ERR_INVALID_ARG;
  }
  cpo_link_get_info(ch->link, &ch->info);
  if (cfg->latency_cycles > ch->info.latency_cycles) { /* lookahead may not exceed physics */
    snprintf(why, why_len,
             "latency_cycles %u exceeds the physical path latency of profile %s: %llu cycles (%.1f ns)",
             cfg->latency_cycles, cfg->profile, (unsigned long long)ch->info.latency_cycles,
             ch->info.latency_s * 1e9);
    cpo_link_destroy(&ch->link);
    return CPO_ERR_CONFIG_MISMATCH;
  }
  return CPO_OK;
}

cpo_status_t cpo_role_model_check(const cpo_run_opts_t *o, char *why, size_t why_len) {
  if (o->els_ambient_k != 0 && strcmp(o->config.profile, "loopback") == 0) {
    snprintf(why, why_len, "[model] els_ambient_k: the loopback profile has no external laser");
    return CPO_ERR_INVALID_ARG;
  }
  channel_t ch;
  cpo_status_t rc = s_channel_create(o, &o->config, &ch, why, why_len);
  if (rc == CPO_OK)
    s_channel_destroy(&ch);
  return rc;
}

static int s_fail(const char *what, const char *why) {
  fprintf(stderr, "cpoemu[model] error: %s: %s\n", what, why);
  return 3;
}

/* Send one converter message: every channel of the list with its indices (the engine's DAC
 * codes in force, or the ADC conversion valid at @p cycle). */
static cpo_status_t s_send_codes(cpo_client_t *c, const channel_t *ch, uint16_t type, uint64_t cycle) {
  uint8_t raw[CPO_PROTO_MAX_ANALOG_ENTRIES * CPO_PROTO_ANALOG_ENTRY_BYTES];
  const bool dac = type == CPO_MSG_DAC_UPDATE;
  uint16_t n = 0;
  for (uint32_t k = 0; k < (dac ? CPO_DAC_COUNT : CPO_ADC_COUNT); k++) {
    uint32_t indices = s_channel_indices(ch, dac ? cpo_dac_info(k) : cpo_adc_info(k));
    for (uint32_t i = 0; i < indices && n < CPO_PROTO_MAX_ANALOG_ENTRIES; i++) {
      uint32_t code = 0;
      if (dac)
        code = cpo_link_dac(ch->link, k, i);
      else if (cpo_link_adc(ch->link, cycle, k, i, &code) != CPO_OK)
        return CPO_ERR_STATE;
      cpo_msg_analog_pack(raw, n++, (cpo_analog_entry_t){(uint16_t)k, (uint16_t)i, code});
    }
  }
  cpo_msg_t m = {.hdr = {.type = type, .cycle = cycle}};
  m.u.analog.count = n;
  m.u.analog.entries_raw = raw;
  return cpo_client_send(c, &m);
}

/* Schedule the rtl's DAC writes of cycle c in the engine from c + L. A write the engine has no
 * converter for is answered with an ERROR naming it; the run goes on. */
static void s_apply_dacs(cpo_client_t *c, channel_t *ch, const cpo_msg_t *m, uint32_t latency) {
  for (uint16_t i = 0; i < m->u.analog.count; i++) {
    cpo_analog_entry_t e = cpo_msg_analog_entry(m, i);
    const cpo_analog_channel_info_t *info = cpo_dac_info(e.channel);
    cpo_status_t rc = ch->link ? cpo_link_set_dac(ch->link, e.channel, e.lane, e.value, m->hdr.cycle + latency)
                               : CPO_ERR_INVALID_ARG;
    if (rc == CPO_OK)
      continue;
    cpo_msg_t err = {.hdr = {.type = CPO_MSG_ERROR, .cycle = m->hdr.cycle}};
    err.u.error.code = CPO_WERR_BAD_FIELD;
    err.u.error.ref_seq = m->hdr.seq;
    snprintf(err.u.error.text, sizeof err.u.error.text, "DAC %s (channel %u) index %u code %u at cycle %llu: %s",
             info ? info->name : "?", e.channel, e.lane, e.value, (unsigned long long)m->hdr.cycle,
             !ch->link              ? "the loopback channel has no converters"
             : !info                ? "no such DAC channel"
             : rc == CPO_ERR_RANGE ? "it came after the engine had passed cycle + L"
                                    : "index or code out of range for this engine");
    fprintf(stderr, "cpoemu[model] warning: %s\n", err.u.error.text);
    if (cpo_client_send(c, &err) != CPO_OK)
      fprintf(stderr, "cpoemu[model] warning: could not report it to the rtl\n");
  }
}

static cpo_status_t s_send_rx(cpo_client_t *c, uint64_t first, uint32_t count, uint16_t lanes, const uint64_t *rx) {
  if (count == 0)
    return CPO_OK;
  cpo_msg_t m = {.hdr = {.type = CPO_MSG_RX_QUANTUM, .cycle = first}};
  m.u.quantum.count = count;
  m.u.quantum.lanes = lanes;
  m.u.quantum.word_bytes = cpo_proto_word_bytes(cpo_client_config(c));
  m.u.quantum.words = rx;
  return cpo_client_send(c, &m);
}

/* Send RX for cycles [first, first + count) computed from @p tx, and each ADC conversion
 * made in those cycles before the RX of its cycle (the rtl needs it then); the RX is split
 * there, since cycle stamps never decrease. */
static cpo_status_t s_carry(cpo_client_t *c, channel_t *ch, uint64_t first, uint32_t count, uint16_t lanes,
                            const uint64_t *tx, uint64_t *rx) {
  CPO_TRY(s_channel_process(ch, first, count, tx, rx));
  uint64_t done = first;
  if (ch->link) {
    const uint64_t period = ch->info.adc_cycles;
    for (uint64_t g = (first + period - 1) / period * period; g < first + count; g += period) {
      CPO_TRY(s_send_rx(c, done, (uint32_t)(g - done), lanes, rx + (done - first) * lanes));
      done = g;
      CPO_TRY(s_send_codes(c, ch, CPO_MSG_ADC_SAMPLE, g));
    }
  }
  return s_send_rx(c, done, (uint32_t)(first + count - done), lanes, rx + (done - first) * lanes);
}

int cpo_role_model(const cpo_run_opts_t *o) {
  char why[320] = "";
  cpo_bridge_cfg_t bc = {.endpoint = o->endpoint, .role = CPO_ROLE_MODEL, .config = o->config,
                         .timeout_ms = o->timeout_ms, .zmq_context = o->zmq_context, .curve = o->curve};
  cpo_client_t *c = NULL;
  if (cpo_client_connect(&bc, &c, why, sizeof why) != CPO_OK)
    return s_fail("cannot join the session", why);
  const cpo_config_t *cfg = cpo_client_config(c);
  const uint16_t lanes = cfg->lanes;
  const uint32_t latency = cfg->latency_cycles, quantum = cfg->quantum_cycles;
  channel_t ch;
  cpo_model_trace_t *trace = NULL;
  uint64_t *tx_dark = calloc((size_t)quantum * lanes, sizeof *tx_dark);
  uint64_t *tx_wide = calloc((size_t)quantum * lanes, sizeof *tx_wide); /* 4-byte wire words, widened */
  uint64_t *rx = calloc((size_t)quantum * lanes, sizeof *rx);
  int code = 0;
  bool interrupted = false;
  if (!tx_dark || !tx_wide || !rx) {
    code = s_fail("cannot start", "out of memory");
    goto out;
  }
  if (s_channel_create(o, cfg, &ch, why, sizeof why) != CPO_OK) {
    code = s_fail("cannot create the channel model", why);
    goto out;
  }
  if (o->model_trace_path && !ch.link)
    fprintf(stderr, "cpoemu[model] warning: the loopback profile has no analog quantities to trace\n");
  if (o->model_trace_path && ch.link) {
    if (cpo_model_trace_open(o->model_trace_path, lanes, &trace) != CPO_OK) {
      code = s_fail("cannot write the model trace", o->model_trace_path);
      goto out_channel;
    }
    cpo_link_set_trace(ch.link, cpo_model_trace_sample, trace);
  }
  /* The engine's power-on DAC codes become the rtl's DAC register reset values. */
  if (ch.link && s_send_codes(c, &ch, CPO_MSG_DAC_UPDATE, 0) != CPO_OK) {
    code = s_fail("cannot send the power-on DAC codes", "transport failure");
    goto out_channel;
  }
  /* Nothing sent can have arrived during the first L cycles: the receivers see an idle link.
   * Not past the end of the run: the rtl may be gone by then (a run shorter than L). */
  const uint64_t dark = latency < cfg->total_cycles ? latency : cfg->total_cycles;
  for (uint64_t first = 0; first < dark; first += quantum) {
    uint32_t n = dark - first < quantum ? (uint32_t)(dark - first) : quantum;
    if (s_carry(c, &ch, first, n, lanes, tx_dark, rx) != CPO_OK) {
      code = s_fail("cannot send RX", "transport failure");
      goto out_channel;
    }
  }
  for (;;) {
    if (o->stop && *o->stop) { /* end the session saying why: the rtl reports it so */
      interrupted = true;
      break;
    }
    cpo_msg_t m;
    cpo_status_t rc = cpo_client_recv(c, &m, why, sizeof why);
    if (rc == CPO_ERR_PEER_GONE) { /* BYE: the run is over */
      if (strstr(why, "(status 0") == NULL)
        code = s_fail("run aborted", why);
      break;
    }
    if (rc == CPO_ERR_PROTOCOL) { /* the rtl refused something we sent: it says what */
      fprintf(stderr, "cpoemu[model] warning: the rtl reported: %s\n", why);
      continue;
    }
    if (rc != CPO_OK) {
      code = s_fail("lost the rtl", why);
      break;
    }
    if (m.hdr.type == CPO_MSG_DAC_UPDATE) {
      s_apply_dacs(c, &ch, &m, latency);
      continue;
    }
    if (m.hdr.type != CPO_MSG_TX_QUANTUM || m.u.quantum.lanes != lanes || m.u.quantum.count > quantum) {
      fprintf(stderr, "cpoemu[model] warning: ignored %s (lanes %u, count %u)\n",
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
    if (!tx) {
      cpo_msg_quantum_read(&m, 0, (size_t)count * lanes, tx_wide);
      tx = tx_wide;
    }
    if (s_carry(c, &ch, first, count, lanes, tx, rx) != CPO_OK) {
      code = s_fail("cannot carry TX", "quanta not contiguous or transport failure");
      break;
    }
  }
out_channel:
  s_channel_destroy(&ch);
  cpo_model_trace_close(&trace);
out:
  free(tx_dark);
  free(tx_wide);
  free(rx);
  if (interrupted)
    code = 3;
  cpo_client_close(&c, (int16_t)(code ? CPO_ERR_STATE : 0),
                   interrupted ? CPO_INTERRUPTED_TEXT
                   : code      ? "model failed"
                               : "model done");
  return code;
}
