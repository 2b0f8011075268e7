/* The model role: carries each lane's TX symbols through the analog world and returns them,
 * L cycles later, as RX symbols. The world is either the foundation's noisy loopback or an
 * engine profile's physics (lasers, modulators, fibre, receivers: cpo/link.h). */
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
} channel_t;

static cpo_status_t s_channel_process(channel_t *ch, uint64_t first, uint32_t count, const uint64_t *tx,
                                      uint64_t *rx) {
  return ch->link ? cpo_link_process(ch->link, first, count, tx, rx)
                  : cpo_loopback_process(ch->loopback, first, count, tx, rx);
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
                       .topology = CPO_TOPOLOGY_LOOPBACK,
                       .lanes = cfg->lanes,
                       .symbols_per_cycle = cfg->symbols_per_cycle,
                       .bits_per_symbol = cfg->bits_per_symbol,
                       .baud_hz = (double)cfg->baud_hz,
                       .seed = cfg->seed,
                       .fidelity = o->fidelity_bit_true ? CPO_FIDELITY_BIT_TRUE : CPO_FIDELITY_STATISTICAL,
                       /* The lane RTL has no DAC registers yet: the engine starts as a finished
                        * bring-up leaves it (lasers on, rings locked, receiver tuned). */
                       .start_calibrated = true};
  if (cpo_link_create(&lc, &ch->link) != CPO_OK) {
    snprintf(why, why_len, "profile %s does not fit %u lanes of %u x %u-bit symbols at %llu Bd (see above)",
             cfg->profile, cfg->lanes, cfg->symbols_per_cycle, cfg->bits_per_symbol,
             (unsigned long long)cfg->baud_hz);
    return CPO_ERR_INVALID_ARG;
  }
  cpo_link_info_t info;
  cpo_link_get_info(ch->link, &info);
  if (cfg->latency_cycles > info.latency_cycles) { /* lookahead may not exceed physics */
    snprintf(why, why_len,
             "latency_cycles %u exceeds the physical path latency of profile %s: %llu cycles (%.1f ns)",
             cfg->latency_cycles, cfg->profile, (unsigned long long)info.latency_cycles, info.latency_s * 1e9);
    cpo_link_destroy(&ch->link);
    return CPO_ERR_CONFIG_MISMATCH;
  }
  return CPO_OK;
}

static int s_fail(const char *what, const char *why) {
  fprintf(stderr, "cpoemu[model] error: %s: %s\n", what, why);
  return 3;
}

/* Send RX for cycles [first, first + count) computed from @p tx. */
static cpo_status_t s_carry(cpo_client_t *c, channel_t *ch, uint64_t first, uint32_t count, uint16_t lanes,
                            const uint64_t *tx, uint64_t *rx) {
  CPO_TRY(s_channel_process(ch, first, count, tx, rx));
  cpo_msg_t m = {.hdr = {.type = CPO_MSG_RX_QUANTUM, .cycle = first}};
  m.u.quantum.count = count;
  m.u.quantum.lanes = lanes;
  m.u.quantum.words = rx;
  return cpo_client_send(c, &m);
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
  uint64_t *rx = calloc((size_t)quantum * lanes, sizeof *rx);
  int code = 0;
  if (!tx_dark || !rx) {
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
  /* Nothing sent can have arrived during the first L cycles: the receivers see an idle link. */
  for (uint64_t first = 0; first < latency; first += quantum) {
    uint32_t n = latency - first < quantum ? (uint32_t)(latency - first) : quantum;
    if (s_carry(c, &ch, first, n, lanes, tx_dark, rx) != CPO_OK) {
      code = s_fail("cannot send RX", "transport failure");
      goto out_channel;
    }
  }
  for (;;) {
    cpo_msg_t m;
    cpo_status_t rc = cpo_client_recv(c, &m, why, sizeof why);
    if (rc == CPO_ERR_PEER_GONE) { /* BYE: the run is over */
      if (strstr(why, "(status 0") == NULL)
        code = s_fail("run aborted", why);
      break;
    }
    if (rc != CPO_OK) {
      code = s_fail("lost the rtl", why);
      break;
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
    if (s_carry(c, &ch, first, count, lanes, m.u.quantum.words, rx) != CPO_OK) {
      code = s_fail("cannot carry TX", "quanta not contiguous or transport failure");
      break;
    }
  }
out_channel:
  s_channel_destroy(&ch);
  cpo_model_trace_close(&trace);
out:
  free(tx_dark);
  free(rx);
  cpo_client_close(&c, (int16_t)(code ? CPO_ERR_STATE : 0), code ? "model failed" : "model done");
  return code;
}
