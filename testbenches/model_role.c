/* The model role: carries each lane's TX symbols through the optical channel and returns
 * them, L cycles later, as RX symbols. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpo/loopback.h"
#include "roles.h"

static int s_fail(const char *what, const char *why) {
  fprintf(stderr, "cpoemu[model] error: %s: %s\n", what, why);
  return 3;
}

/* Send RX for cycles [first, first + count) computed from @p tx. */
static cpo_status_t s_carry(cpo_client_t *c, cpo_loopback_t *lb, uint64_t first, uint32_t count,
                            uint16_t lanes, const uint64_t *tx, uint64_t *rx) {
  CPO_TRY(cpo_loopback_process(lb, first, count, tx, rx));
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
  cpo_loopback_cfg_t lc = {.lanes = lanes, .bits_per_cycle = (uint32_t)cfg->symbols_per_cycle * cfg->bits_per_symbol,
                           .seed = cfg->seed, .noise_sigma = o->noise_sigma};
  cpo_loopback_t *lb = NULL;
  uint64_t *tx_dark = calloc((size_t)quantum * lanes, sizeof *tx_dark);
  uint64_t *rx = calloc((size_t)quantum * lanes, sizeof *rx);
  int code = 0;
  if (!tx_dark || !rx || cpo_loopback_create(&lc, &lb) != CPO_OK) {
    code = s_fail("cannot create the channel model", "invalid configuration or out of memory");
    goto out;
  }
  /* The link is dark for the first L cycles: nothing sent can have arrived yet. */
  for (uint64_t first = 0; first < latency; first += quantum) {
    uint32_t n = latency - first < quantum ? (uint32_t)(latency - first) : quantum;
    if (s_carry(c, lb, first, n, lanes, tx_dark, rx) != CPO_OK) {
      code = s_fail("cannot send RX", "transport failure");
      goto out;
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
    if (s_carry(c, lb, first, count, lanes, m.u.quantum.words, rx) != CPO_OK) {
      code = s_fail("cannot carry TX", "quanta not contiguous or transport failure");
      break;
    }
  }
out:
  cpo_loopback_destroy(&lb);
  free(tx_dark);
  free(rx);
  cpo_client_close(&c, (int16_t)(code ? CPO_ERR_STATE : 0), code ? "model failed" : "model done");
  return code;
}
