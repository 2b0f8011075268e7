/* The rtl side's main loop: quanta, lookahead, host virtual time (see sync.h). */
#include "cpo/sync.h"

#include <stdlib.h>
#include <string.h>

#include "bridge_internal.h"

#define ROLE_BIT(r) (1u << (r))

typedef enum { REQ_NONE, REQ_READ, REQ_WRITE, REQ_SLEEP } req_kind_t;

typedef struct {
  req_kind_t kind;
  uint32_t addr, data;
  uint64_t until;
  bool started; /* bus transaction under way in the design */
} host_req_t;

/* An ADC code waiting for its cycle. */
typedef struct {
  cpo_analog_write_t w;
  uint32_t seq; /* of the ADC_SAMPLE that brought it, for an ERROR naming it */
} adc_pending_t;

/* ADC samples arrive up to L cycles ahead; more than this many waiting is a model fault. */
#define ADC_PENDING_MAX (1u << 20)

/* The converters a design can have (channels and lanes or lasers): codes for others are refused
 * when folded, codes for converters the design lacks when applied (the last before a clocked
 * cycle: one superseded while skipped is never offered to the design, so never refused). */
#define ADC_CHANNELS_MAX 16u
#define ADC_INDICES_MAX 256u

/* What the design's ADC ports read, per converter: the last code due (folded from the queue,
 * not yet given to the design) and the code the design holds. */
typedef struct {
  uint32_t code, held_code;
  uint32_t seq; /* of the message that brought `code` */
  bool due, held;
} adc_port_t;

typedef struct {
  adc_port_t port[ADC_CHANNELS_MAX][ADC_INDICES_MAX];
  uint32_t due[ADC_CHANNELS_MAX * ADC_INDICES_MAX]; /* ports with a code due, first come first */
  uint32_t n_due;
  cpo_analog_write_t batch[ADC_CHANNELS_MAX * ADC_INDICES_MAX];
  bool ok[ADC_CHANNELS_MAX * ADC_INDICES_MAX];
  uint32_t batch_seq[ADC_CHANNELS_MAX * ADC_INDICES_MAX];
} adc_ports_t;
#define DAC_TAKE_MAX 256u

/* The model sends each message once: one the rtl refused (corrupted on the way, stamped out of
 * order) leaves a hole in RX nothing will fill, while both sides stay alive (heartbeats) and
 * wait for each other. A refusal followed by a bridge timeout without RX accepted is that hole:
 * the run ends naming it, instead of waiting forever. Messages are taken in order, so a
 * refusal before RX is accepted was of an earlier message (a duplicate, a stranger's junk):
 * harmless, and forgotten then. */
#define LOST_RX_POLL_MS 200
typedef struct {
  uint64_t refused;  /* the model's refusals before the last RX accepted */
  uint64_t since_us; /* when a refusal after it was first seen (0: none) */
  char first[300];   /* why that one was refused */
} lost_rx_watch_t;

typedef struct {
  cpo_server_t *srv;
  const cpo_config_t *cfg;
  const cpo_design_ops_t *design;
  const cpo_sync_opts_t *opts;
  cpo_sync_result_t *res;
  uint32_t lanes;
  uint32_t latency;
  uint64_t cycle;     /* next cycle to simulate */
  uint64_t rx_hi;     /* RX is known for cycles [cycle, rx_hi) */
  uint64_t *ring;     /* RX words, slot (c % latency) holds cycle c */
  uint64_t *tx;       /* one quantum of TX words: slot 0 is cycle `cycle` */
  uint64_t tx_sent;   /* TX (or PARKED) is sent for cycles before this one */
  bool chunk_parked;  /* the cycles being simulated or skipped carry no symbols: PARKED, not TX */
  bool hashed_parked; /* the parked state the event hash last recorded (false at cycle 0) */
  uint64_t all_lanes; /* the mask of every lane */
  uint64_t lanes_parked; /* the lanes parked while others stream, as last hashed and sent */
  host_req_t req;
  adc_pending_t *adc; /* ADC samples not yet folded, in cycle order: [adc_head, adc_len) */
  size_t adc_head, adc_len, adc_cap;
  adc_ports_t *ports;                   /* the design's ADC ports (s_fold_adc, s_apply_adc) */
  cpo_analog_write_t dac[DAC_TAKE_MAX]; /* DAC writes of the chunk just simulated */
  lost_rx_watch_t lost;
} sync_t;

/* A converter code in the event hash: which converter, which code, at which cycle. */
static void s_hash_analog(sync_t *s, uint64_t cycle, cpo_event_kind_t kind, uint16_t channel,
                          uint16_t index, uint32_t code) {
  cpo_event_hash_event(&s->res->hash, cycle, kind, ((uint64_t)channel << 16) | index, code);
}

/* Refuse the message @p m from @p to as a whole: it changes nothing (cpo_server_reject). */
static void s_refuse(sync_t *s, cpo_role_t to, const cpo_msg_t *m, uint16_t code,
                     const char *text) {
  cpo_server_reject(s->srv, to, m, code, text);
}

/* Put the RX words of cycles [first, first + n) (@p m's words, or zeros if NULL) into the ring;
 * cycles before s->cycle (skipped while parked) are not kept. */
static void s_ring_put(sync_t *s, uint64_t first, uint64_t n, const cpo_msg_t *m) {
  uint64_t skip = first < s->cycle ? s->cycle - first : 0;
  for (uint64_t i = skip < n ? skip : n; i < n;) {
    uint64_t slot = (first + i) % s->latency;
    uint64_t k = n - i;
    if (slot + k > s->latency)
      k = s->latency - slot; /* up to the ring's wrap */
    if (m)
      cpo_msg_quantum_read(m, (size_t)i * s->lanes, (size_t)k * s->lanes,
                           &s->ring[slot * s->lanes]);
    else
      memset(&s->ring[slot * s->lanes], 0, (size_t)k * s->lanes * sizeof *s->ring);
    i += k;
  }
}

/* RX_PARKED: RX of [first_cycle, header.cycle) carries no symbols (zero words). It continues
 * the RX stream and may reach as far as the parked span the rtl granted (TX sent + L). */
static void s_take_rx_parked(sync_t *s, const cpo_msg_t *m) {
  const uint64_t first = m->u.parked.other_cycle, end = m->hdr.cycle;
  if (first != s->rx_hi || end > s->tx_sent + s->latency) {
    char text[200];
    snprintf(text, sizeof text,
             "RX_PARKED [%llu, %llu): expected first_cycle %llu (RX is contiguous) and an end "
             "at most %llu (the parked span granted + L)",
             (unsigned long long)first, (unsigned long long)end, (unsigned long long)s->rx_hi,
             (unsigned long long)(s->tx_sent + s->latency));
    s_refuse(s, CPO_ROLE_MODEL, m, CPO_WERR_BAD_CYCLE, text);
    return;
  }
  s_ring_put(s, first, end - first, NULL);
  s->rx_hi = end;
  s->lost = (lost_rx_watch_t){.refused = cpo_server_refused(s->srv, CPO_ROLE_MODEL, NULL, 0)};
}

/* Store an RX quantum from the model; it must continue the RX stream exactly. */
static void s_take_rx(sync_t *s, const cpo_msg_t *m) {
  char text[200];
  uint32_t n = m->u.quantum.count;
  if (m->u.quantum.lanes != s->lanes) { /* a field the session fixed: BAD_FIELD (PROTOCOL.md 5) */
    snprintf(text, sizeof text, "RX_QUANTUM lanes %u: the session has %u lanes", m->u.quantum.lanes,
             s->lanes);
    s_refuse(s, CPO_ROLE_MODEL, m, CPO_WERR_BAD_FIELD, text);
    return;
  }
  if (m->hdr.cycle != s->rx_hi || s->rx_hi + n > s->cycle + s->latency) { /* contiguity, window */
    snprintf(text, sizeof text,
             "RX_QUANTUM cycle %llu count %u: expected cycle %llu (RX is contiguous) and at most "
             "%llu cycles",
             (unsigned long long)m->hdr.cycle, n, (unsigned long long)s->rx_hi,
             (unsigned long long)(s->cycle + s->latency - s->rx_hi));
    s_refuse(s, CPO_ROLE_MODEL, m, CPO_WERR_BAD_CYCLE, text);
    return;
  }
  s_ring_put(s, s->rx_hi, n, m);
  s->rx_hi += n;
  s->lost = (lost_rx_watch_t){.refused = cpo_server_refused(s->srv, CPO_ROLE_MODEL, NULL, 0)};
}

/* The model's power-on DAC codes: allowed only before its first RX_QUANTUM. */
static void s_take_dac_preset(sync_t *s, const cpo_msg_t *m) {
  char text[200];
  if (s->rx_hi != 0 || m->hdr.cycle != 0 || !s->design->dac_preset) {
    snprintf(text, sizeof text,
             "DAC_UPDATE from the model (cycle %llu) is allowed only at cycle 0, before its "
             "first RX_QUANTUM, and only for a design with DACs",
             (unsigned long long)m->hdr.cycle);
    s_refuse(s, CPO_ROLE_MODEL, m, CPO_WERR_UNEXPECTED, text);
    return;
  }
  for (uint16_t i = 0; i < m->u.analog.count; i++) {
    cpo_analog_entry_t e = cpo_msg_analog_entry(m, i);
    if (!s->design->dac_preset(s->design->self, e.channel, e.lane, e.value)) {
      snprintf(text, sizeof text, "DAC_UPDATE entry %u: the design has no DAC channel %u index %u",
               i, e.channel, e.lane);
      cpo_server_report(s->srv, CPO_ROLE_MODEL, m->hdr.seq, CPO_WERR_BAD_FIELD,
                        text); /* the others apply */
      continue;
    }
    s_hash_analog(s, 0, CPO_EVENT_DAC_PRESET, e.channel, e.lane, e.value);
  }
}

static void s_fold_adc(sync_t *s, uint64_t a);

/* ADC codes for a cycle whose RX has not arrived yet (the model sends them first); ADC_SAMPLES:
 * several conversions, the last at cycle `last`. Codes of cycles the rtl skipped while parked
 * fold at once into the last code of each converter (s_fold_adc): nothing reads them in
 * between, and a long parked span never piles them up. */
static void s_take_adc(sync_t *s, const cpo_msg_t *m) {
  char text[200];
  uint64_t c = m->hdr.cycle;
  const uint32_t conversions = m->hdr.type == CPO_MSG_ADC_SAMPLES ? m->u.analog.conversions : 1;
  const uint64_t last = c + (uint64_t)(conversions - 1) * m->u.analog.period_cycles;
  const uint32_t total = (uint32_t)m->u.analog.count * conversions;
  if (c < s->rx_hi || last >= s->cycle + s->latency || !s->design->adc_set) {
    snprintf(text, sizeof text,
             "%s cycle %llu (last conversion %llu): expected cycles in [%llu, %llu), before the "
             "RX words of those cycles%s",
             cpo_msg_type_name(m->hdr.type), (unsigned long long)c, (unsigned long long)last,
             (unsigned long long)s->rx_hi, (unsigned long long)(s->cycle + s->latency),
             s->design->adc_set ? "" : " (this design has no ADCs)");
    s_refuse(s, CPO_ROLE_MODEL, m, CPO_WERR_BAD_CYCLE, text);
    return;
  }
  if (s->adc_len - s->adc_head + total > ADC_PENDING_MAX) {
    snprintf(text, sizeof text, "ADC_SAMPLE cycle %llu: more than %u ADC codes waiting",
             (unsigned long long)c, ADC_PENDING_MAX);
    s_refuse(s, CPO_ROLE_MODEL, m, CPO_WERR_BAD_FIELD, text);
    return;
  }
  if (s->adc_head > 0 && s->adc_len + total > s->adc_cap) { /* reclaim applied entries */
    memmove(s->adc, s->adc + s->adc_head, (s->adc_len - s->adc_head) * sizeof *s->adc);
    s->adc_len -= s->adc_head;
    s->adc_head = 0;
  }
  if (s->adc_len + total > s->adc_cap) {
    size_t cap = s->adc_cap ? s->adc_cap : 64;
    while (cap < s->adc_len + total)
      cap *= 2;
    adc_pending_t *q = realloc(s->adc, cap * sizeof *q);
    if (!q) {
      s_refuse(s, CPO_ROLE_MODEL, m, CPO_WERR_BAD_FIELD, "ADC_SAMPLE: out of memory");
      return;
    }
    s->adc = q;
    s->adc_cap = cap;
  }
  for (uint32_t i = 0; i < total; i++) {
    cpo_analog_entry_t e = cpo_msg_analog_entry(m, i);
    const uint64_t at = c + (uint64_t)(i / m->u.analog.count) * m->u.analog.period_cycles;
    s->adc[s->adc_len++] =
        (adc_pending_t){.w = {.cycle = at, .channel = e.channel, .index = e.lane, .code = e.value},
                        .seq = m->hdr.seq};
  }
  if (c < s->cycle)
    s_fold_adc(s, s->cycle - 1);
}

static void s_take_host(sync_t *s, const cpo_msg_t *m) {
  char text[200];
  uint16_t t = m->hdr.type;
  if (t != CPO_MSG_REG_READ && t != CPO_MSG_REG_WRITE && t != CPO_MSG_SLEEP) {
    snprintf(text, sizeof text, "%s is not a host request", cpo_msg_type_name(t));
    s_refuse(s, CPO_ROLE_HOST, m, CPO_WERR_UNEXPECTED, text);
    return;
  }
  if (s->req.kind != REQ_NONE) {
    snprintf(text, sizeof text, "%s while another request is outstanding", cpo_msg_type_name(t));
    s_refuse(s, CPO_ROLE_HOST, m, CPO_WERR_UNEXPECTED, text);
    return;
  }
  if (m->hdr.cycle != s->cycle) { /* the host's now: PROTOCOL.md 7, step 5 */
    snprintf(text, sizeof text,
             "%s stamped cycle %llu, but the host's now (the cycle of its last response "
             "or HELLO_ACK) is cycle %llu",
             cpo_msg_type_name(t), (unsigned long long)m->hdr.cycle, (unsigned long long)s->cycle);
    s_refuse(s, CPO_ROLE_HOST, m, CPO_WERR_BAD_CYCLE, text);
    return;
  }
  s->req = (host_req_t){.kind = t == CPO_MSG_REG_READ    ? REQ_READ
                                : t == CPO_MSG_REG_WRITE ? REQ_WRITE
                                                         : REQ_SLEEP,
                        .addr = m->u.reg.addr,
                        .data = m->u.reg.data,
                        .until = m->u.sleep.until_cycle};
}

/* Act on one message from a peer. Returns non-OK if the run cannot go on. */
static cpo_status_t s_handle(sync_t *s, const cpo_server_event_t *ev) {
  const cpo_msg_t *m = &ev->msg;
  switch (m->hdr.type) {
  case CPO_MSG_HELLO:
    return CPO_OK;
  case CPO_MSG_ERROR: {
    char text[400];
    snprintf(text, sizeof text, "reported %s: %s", cpo_wire_error_str(m->u.error.code),
             m->u.error.text);
    cpo_server_log_peer(s->srv, ev->from, text);
    return CPO_OK;
  }
  case CPO_MSG_BYE:
    if (ev->from == CPO_ROLE_HOST) {
      s->req.kind = REQ_NONE; /* the run goes on without the host */
      return CPO_OK;
    }
    snprintf(s->res->error, sizeof s->res->error,
             "model ended the session at cycle %llu (status %d: %s)",
             (unsigned long long)m->hdr.cycle, m->u.bye.status, m->u.bye.text);
    return CPO_ERR_PEER_GONE;
  default:
    break;
  }
  if (ev->from == CPO_ROLE_MODEL && m->hdr.type == CPO_MSG_RX_QUANTUM && !s->opts->direct_loopback)
    s_take_rx(s, m);
  else if (ev->from == CPO_ROLE_MODEL && m->hdr.type == CPO_MSG_RX_PARKED &&
           !s->opts->direct_loopback)
    s_take_rx_parked(s, m);
  else if (ev->from == CPO_ROLE_MODEL &&
           (m->hdr.type == CPO_MSG_ADC_SAMPLE || m->hdr.type == CPO_MSG_ADC_SAMPLES))
    s_take_adc(s, m);
  else if (ev->from == CPO_ROLE_MODEL && m->hdr.type == CPO_MSG_DAC_UPDATE)
    s_take_dac_preset(s, m);
  else if (ev->from == CPO_ROLE_HOST)
    s_take_host(s, m);
  else {
    char text[120];
    snprintf(text, sizeof text, "%s not expected from the %s", cpo_msg_type_name(m->hdr.type),
             cpo_role_name(ev->from));
    s_refuse(s, ev->from, m, CPO_WERR_UNEXPECTED, text);
  }
  return CPO_OK;
}

/* Waits for the host are cut into slices this long, to notice a stop request between them. */
#define STOP_POLL_MS 200

/* Receive and handle one message, waiting up to @p wait_ms (CPO_WAIT_FOREVER: until one arrives
 * or an awaited peer dies); *got says whether one came. */
static cpo_status_t s_pump(sync_t *s, unsigned awaited, int32_t wait_ms, bool *got) {
  cpo_server_event_t ev;
  *got = false;
  cpo_status_t rc =
      cpo_server_recv(s->srv, awaited, wait_ms, &ev, s->res->error, sizeof s->res->error);
  if (rc == CPO_ERR_TIMEOUT && wait_ms != CPO_WAIT_FOREVER && s->res->error[0] == '\0')
    return CPO_OK; /* nothing came */
  if (rc != CPO_OK)
    return rc;
  *got = true;
  return s_handle(s, &ev);
}

static void s_respond_host(sync_t *s, bool slverr, uint32_t rdata) {
  cpo_msg_t m = {.hdr = {.cycle = s->cycle}};
  if (s->req.kind == REQ_SLEEP) {
    m.hdr.type = CPO_MSG_SLEEP_DONE;
  } else {
    bool write = s->req.kind == REQ_WRITE;
    m.hdr.type = write ? CPO_MSG_REG_WRITE_RESP : CPO_MSG_REG_READ_RESP;
    m.u.reg.addr = s->req.addr;
    m.u.reg.data = write ? 0 : rdata;
    m.u.reg.status = slverr ? 1 : 0;
    cpo_event_hash_event(&s->res->hash, s->cycle, write ? CPO_EVENT_REG_WRITE : CPO_EVENT_REG_READ,
                         ((uint64_t)s->req.addr << 1) | slverr, write ? s->req.data : rdata);
    s->res->reg_accesses++;
  }
  s->req.kind = REQ_NONE;
  s->req.started = false; /* a host that leaves now must not leave its last access "under way" */
  if (cpo_server_send(s->srv, CPO_ROLE_HOST, &m) != CPO_OK) /* it left: its BYE is queued */
    cpo_log(CPO_LOG_WARN, "rtl", "the host left before its %s", cpo_msg_type_name(m.hdr.type));
}

static void s_refuse_adc(sync_t *s, uint32_t seq, uint64_t cycle, uint32_t channel,
                         uint32_t index) {
  char text[160];
  snprintf(text, sizeof text, "ADC_SAMPLE cycle %llu: the design has no ADC channel %u index %u",
           (unsigned long long)cycle, channel, index);
  cpo_server_report(s->srv, CPO_ROLE_MODEL, seq, CPO_WERR_BAD_FIELD, text); /* the others apply */
}

/* Fold the ADC codes of cycles up to @p a into the last code due of each converter, in cycle
 * order: a code superseded before the design is next clocked is never read. */
static void s_fold_adc(sync_t *s, uint64_t a) {
  adc_ports_t *pt = s->ports;
  while (s->adc_head < s->adc_len && s->adc[s->adc_head].w.cycle <= a) {
    const adc_pending_t *p = &s->adc[s->adc_head++];
    if (p->w.channel >= ADC_CHANNELS_MAX || p->w.index >= ADC_INDICES_MAX) {
      s_refuse_adc(s, p->seq, p->w.cycle, p->w.channel, p->w.index);
      continue;
    }
    adc_port_t *port = &pt->port[p->w.channel][p->w.index];
    port->code = p->w.code;
    port->seq = p->seq;
    if (!port->due) {
      port->due = true;
      pt->due[pt->n_due++] = p->w.channel * ADC_INDICES_MAX + p->w.index;
    }
  }
}

/* Before the design reads its ADC ports in cycle @p a (it is clocked then, or the run ends): the
 * codes due by then, the last of each converter, go to the design in one call, and each one
 * that changes what the design holds is hashed at @p a. The event hash is so over the codes
 * the RTL reads: the same for every Q and transport (a is a cycle the design is clocked in, and
 * every code of a cycle <= a has come before the RX of a), whatever codes it never read. */
static void s_apply_adc(sync_t *s, uint64_t a) {
  s_fold_adc(s, a);
  adc_ports_t *pt = s->ports;
  uint32_t n = 0;
  for (uint32_t k = 0; k < pt->n_due; k++) {
    adc_port_t *port = &pt->port[pt->due[k] / ADC_INDICES_MAX][pt->due[k] % ADC_INDICES_MAX];
    port->due = false;
    if (port->held && port->held_code == port->code)
      continue; /* the design holds it already */
    pt->batch[n] = (cpo_analog_write_t){.cycle = a,
                                        .channel = (uint16_t)(pt->due[k] / ADC_INDICES_MAX),
                                        .index = (uint16_t)(pt->due[k] % ADC_INDICES_MAX),
                                        .code = port->code};
    pt->batch_seq[n++] = port->seq;
  }
  pt->n_due = 0;
  if (n == 0)
    return;
  const cpo_design_ops_t *d = s->design;
  if (d->adc_set_many)
    d->adc_set_many(d->self, pt->batch, n, pt->ok);
  else
    for (uint32_t k = 0; k < n; k++)
      pt->ok[k] = d->adc_set(d->self, pt->batch[k].channel, pt->batch[k].index, pt->batch[k].code);
  for (uint32_t k = 0; k < n; k++) {
    const cpo_analog_write_t *w = &pt->batch[k];
    if (!pt->ok[k]) {
      s_refuse_adc(s, pt->batch_seq[k], a, w->channel, w->index);
      continue;
    }
    adc_port_t *port = &pt->port[w->channel][w->index];
    port->held = true;
    port->held_code = w->code;
    s_hash_analog(s, a, CPO_EVENT_ADC_SAMPLE, w->channel, w->index, w->code);
    s->res->adc_samples++;
  }
}

/* Send the TX words of cycles [s->tx_sent, to) to the model, or, parked, the span (@p skipped:
 * its cycles will not be clocked, so the model need not convert what only they could read). */
static cpo_status_t s_send_tx(sync_t *s, uint64_t to, bool skipped) {
  if (to == s->tx_sent)
    return CPO_OK;
  if (s->chunk_parked) {
    cpo_msg_t p = {.hdr = {.type = CPO_MSG_PARKED,
                           .flags = skipped ? CPO_MSG_FLAG_SKIPPED : 0,
                           .cycle = s->tx_sent}};
    p.u.parked.other_cycle = to;
    CPO_TRY(cpo_server_send(s->srv, CPO_ROLE_MODEL, &p));
    s->tx_sent = to;
    return CPO_OK;
  }
  cpo_msg_t m = {.hdr = {.type = CPO_MSG_TX_QUANTUM, .cycle = s->tx_sent}};
  m.u.quantum.count = (uint32_t)(to - s->tx_sent);
  m.u.quantum.lanes = (uint16_t)s->lanes;
  m.u.quantum.word_bytes = cpo_proto_word_bytes(s->cfg);
  m.u.quantum.words = &s->tx[(s->tx_sent - s->cycle) * s->lanes];
  CPO_TRY(cpo_server_send(s->srv, CPO_ROLE_MODEL, &m));
  s->tx_sent = to;
  s->res->quanta++;
  return CPO_OK;
}

/* Send DAC writes @p w[0, n) (in cycle order) to the model, a DAC_UPDATE per cycle, each after
 * the TX of the cycles before it: cycle stamps never decrease. */
static cpo_status_t s_send_dacs(sync_t *s, const cpo_analog_write_t *w, uint32_t n) {
  uint8_t raw[DAC_TAKE_MAX * CPO_PROTO_ANALOG_ENTRY_BYTES];
  for (uint32_t i = 0; i < n;) {
    CPO_TRY(s_send_tx(s, w[i].cycle, false));
    uint32_t k = 0;
    while (i + k < n && w[i + k].cycle == w[i].cycle) {
      cpo_msg_analog_pack(raw, (uint16_t)k,
                          (cpo_analog_entry_t){w[i + k].channel, w[i + k].index, w[i + k].code});
      k++;
    }
    cpo_msg_t m = {.hdr = {.type = CPO_MSG_DAC_UPDATE, .cycle = w[i].cycle}};
    m.u.analog.count = (uint16_t)k;
    m.u.analog.entries_raw = raw;
    CPO_TRY(cpo_server_send(s->srv, CPO_ROLE_MODEL, &m));
    s->res->dac_writes += k;
    i += k;
  }
  return CPO_OK;
}

/* Hash the RX words of cycles [*done, c) (the chunk's words start at cycle a) for each DAC
 * write at cycle c, then the write: a write goes before the words of its cycle, so the hashed
 * stream does not depend on how cycles are split into chunks. */
static void s_hash_dacs(sync_t *s, uint64_t a, const uint64_t *rx, uint64_t *done,
                        const cpo_analog_write_t *w, uint32_t nw) {
  for (uint32_t i = 0; i < nw; i++) {
    if (!s->chunk_parked) /* parked RX words carry nothing and nothing reads them */
      cpo_event_hash_words(&s->res->hash, rx + (*done - a) * s->lanes,
                           (w[i].cycle - *done) * s->lanes);
    *done = w[i].cycle;
    s_hash_analog(s, w[i].cycle, CPO_EVENT_DAC_WRITE, w[i].channel, w[i].index, w[i].code);
  }
}

/* After simulating [a, a + n): hash its RX words and DAC writes; send the writes to the model
 * between the TX words of the cycles before and after them (PROTOCOL.md section 5). */
static cpo_status_t s_finish_chunk(sync_t *s, uint64_t a, uint64_t n, const uint64_t *rx) {
  uint64_t done = a;
  uint32_t nw = DAC_TAKE_MAX;
  while (s->design->dac_take && nw == DAC_TAKE_MAX) {
    nw = s->design->dac_take(s->design->self, s->dac, DAC_TAKE_MAX);
    s_hash_dacs(s, a, rx, &done, s->dac, nw);
    if (nw && !s->opts->direct_loopback)
      CPO_TRY(s_send_dacs(s, s->dac, nw));
  }
  if (!s->chunk_parked)
    cpo_event_hash_words(&s->res->hash, rx + (done - a) * s->lanes, (a + n - done) * s->lanes);
  return CPO_OK;
}

static cpo_status_t s_model_gone(sync_t *s, cpo_status_t rc) {
  snprintf(s->res->error, sizeof s->res->error,
           "peer model is gone (%s) at cycle %llu; last agreed cycle %llu",
           rc == CPO_ERR_PEER_GONE ? "its connection closed" : cpo_status_str(rc),
           (unsigned long long)s->cycle,
           (unsigned long long)cpo_server_last_cycle(s->srv, CPO_ROLE_MODEL));
  return rc;
}

/* ---- parked lanes (some lanes stream, the others are parked: LANES_PARKED) ---------- */

/* The lanes parked from s->cycle on while others stream: 0 when every lane streams, and when
 * none does (PARKED covers that, or the design cannot skip and streams as a whole). */
static uint64_t s_lanes_parked_now(const sync_t *s) {
  const cpo_design_ops_t *d = s->design;
  const uint64_t streaming = d->streaming ? d->streaming(d->self) & s->all_lanes : s->all_lanes;
  return streaming == 0 ? 0 : ~streaming & s->all_lanes;
}

/* Before the TX of s->cycle (all TX before it is sent): where the parked lanes change, hash
 * the new mask and tell the model. The mask changes only after a bus write, so at the same
 * cycle for every Q; a run that never parks only some lanes never gets here. */
static cpo_status_t s_lanes_parked_update(sync_t *s) {
  if (s->chunk_parked) /* no lane streams: the mask in force stays for when they do */
    return CPO_OK;
  const uint64_t mask = s_lanes_parked_now(s);
  if (mask == s->lanes_parked)
    return CPO_OK;
  cpo_event_hash_event(&s->res->hash, s->cycle, CPO_EVENT_LANES_PARKED, mask, 0);
  s->lanes_parked = mask;
  if (s->opts->direct_loopback) /* the zeroed TX comes back as zeroed RX */
    return CPO_OK;
  cpo_msg_t m = {.hdr = {.type = CPO_MSG_LANES_PARKED, .cycle = s->cycle}};
  m.u.lanes_parked.mask = mask;
  return cpo_server_send(s->srv, CPO_ROLE_MODEL, &m);
}

/* The parked lanes' TX words in @p n cycles from @p tx carry nothing: zero. */
static void s_lanes_parked_zero_tx(const sync_t *s, uint64_t *tx, uint64_t n) {
  if (!s->lanes_parked || s->chunk_parked)
    return;
  for (uint64_t c = 0; c < n; c++)
    for (uint32_t l = 0; l < s->lanes; l++)
      if (s->lanes_parked >> l & 1u)
        tx[c * s->lanes + l] = 0;
}

/* Simulate [s->cycle, end): RX from the ring, ADC codes at their cycles, TX and DAC writes to
 * the model (or TX back into the ring). */
static cpo_status_t s_simulate(sync_t *s, uint64_t end) {
  uint64_t a = s->cycle;
  if (s->chunk_parked) /* a bus access while parked: clocked, but no symbols cross */
    s->res->parked_cycles += end - a;
  while (a < end) {
    uint64_t slot = a % s->latency;
    uint64_t n = end - a;
    if (slot + n > s->latency)
      n = s->latency - slot; /* split at the ring's wrap so RX stays contiguous */
    if (s->adc_head < s->adc_len || s->ports->n_due > 0) {
      s_apply_adc(s, a);
      if (s->adc_head < s->adc_len && s->adc[s->adc_head].w.cycle < a + n)
        n = s->adc[s->adc_head].w.cycle - a; /* and where the next ADC code changes */
    }
    uint64_t *rx = &s->ring[slot * s->lanes];
    uint64_t *tx = &s->tx[(a - s->cycle) * s->lanes];
    s->design->step(s->design->self, (uint32_t)n, rx, tx);
    s_lanes_parked_zero_tx(s, tx, n);
    cpo_status_t rc = s_finish_chunk(s, a, n, rx);
    if (rc != CPO_OK)
      return s_model_gone(s, rc);
    if (s->opts->direct_loopback) /* TX of cycle a arrives at a + L: the slot just consumed */
      memcpy(rx, tx, n * s->lanes * sizeof *tx);
    a += n;
  }
  if (s->opts->direct_loopback) {
    s->rx_hi += end - s->cycle;
  } else {
    cpo_status_t rc = s_send_tx(s, end, false);
    if (rc != CPO_OK)
      return s_model_gone(s, rc);
  }
  s->cycle = end;
  s->tx_sent = end;
  return CPO_OK;
}

static void s_progress(sync_t *s, uint64_t start_us, uint64_t *last_us) {
  uint64_t now = cpo_mono_us();
  if (!s->opts->progress || now - *last_us < 1000000u)
    return;
  *last_us = now;
  double wall = (double)(now - start_us) * 1e-6;
  fprintf(s->opts->progress, "cpoemu: cycle %llu/%llu (%.0f%%), %.2f Mcycles/s\n",
          (unsigned long long)s->cycle, (unsigned long long)s->cfg->total_cycles,
          100.0 * (double)s->cycle / (double)s->cfg->total_cycles, (double)s->cycle / wall * 1e-6);
  fflush(s->opts->progress);
}

/* Asked to stop (a signal): the run ends here, said to be interrupted. */
static bool s_stopped(sync_t *s) {
  if (!(s->opts->stop && *s->opts->stop))
    return false;
  snprintf(s->res->error, sizeof s->res->error, "interrupted at cycle %llu",
           (unsigned long long)s->cycle);
  return true;
}

/* Everyone attaches before cycle 0, so a late host cannot change what happens when. */
static cpo_status_t s_await_peers(sync_t *s, unsigned model_bit) {
  bool got;
  while ((model_bit && !cpo_server_attached(s->srv, CPO_ROLE_MODEL)) ||
         (s->opts->expect_host && !cpo_server_attached(s->srv, CPO_ROLE_HOST))) {
    if (s_stopped(s))
      return CPO_ERR_INTERRUPTED;
    CPO_TRY(s_pump(s, model_bit | (s->opts->expect_host ? ROLE_BIT(CPO_ROLE_HOST) : 0),
                   STOP_POLL_MS, &got));
  }
  return CPO_OK;
}

/* True if the bus access under way waits on the design's own deadline alone (settled during the
 * access, the deadline in next_event: a management bus's byte time): nothing it does before
 * then can answer the host, so the quantum need not end at every cycle. */
static bool s_access_waits_on_deadline(const sync_t *s) {
  const cpo_design_ops_t *d = s->design;
  return d->settled && d->next_event && d->settled(d->self) && d->next_event(d->self) > s->cycle;
}

/* The end of the quantum from s->cycle, in @p end: cut short where the host's request wakes it
 * (a bus access starts here; one that waits on the design's deadline ends there). False if the
 * host's sleep is already over: it was answered, and the turn starts again. */
static bool s_quantum_end(sync_t *s, uint64_t *end) {
  *end = s->cycle + s->cfg->quantum_cycles;
  if (*end > s->cfg->total_cycles)
    *end = s->cfg->total_cycles;
  if (s->req.kind == REQ_SLEEP) {
    if (s->req.until <= s->cycle) {
      s_respond_host(s, false, 0);
      return false;
    }
    if (s->req.until < *end)
      *end = s->req.until;
  } else if (s->req.kind == REQ_READ || s->req.kind == REQ_WRITE) {
    if (!s->req.started) {
      s->design->bus_start(s->design->self, s->req.kind == REQ_WRITE, s->req.addr, s->req.data);
      s->req.started = true;
      *end = s->cycle + 1; /* the quantum ends where the host wakes up */
    } else if (!s_access_waits_on_deadline(s)) {
      *end = s->cycle + 1;
    } /* else: a whole quantum, cut at the design's deadline (s_turn), where the access ends */
  }
  return true;
}

static cpo_status_t s_check_lost_rx(sync_t *s) {
  lost_rx_watch_t *w = &s->lost;
  if (w->since_us == 0) { /* the common case: one counter read per message, nothing else */
    if (cpo_server_refused(s->srv, CPO_ROLE_MODEL, NULL, 0) == w->refused)
      return CPO_OK;
    w->since_us = cpo_mono_us();
    (void)cpo_server_refused(s->srv, CPO_ROLE_MODEL, w->first, sizeof w->first);
    return CPO_OK;
  }
  if (cpo_mono_us() - w->since_us < 1000ull * cpo_server_timeout_ms(s->srv))
    return CPO_OK;
  snprintf(s->res->error, sizeof s->res->error,
           "no RX from the model for cycle %llu within %u ms of refusing its message (%.200s): "
           "the data it carried is lost",
           (unsigned long long)s->rx_hi, cpo_server_timeout_ms(s->srv), w->first);
  return CPO_ERR_PROTOCOL;
}

/* Lookahead: RX for the cycles up to @p end is computed from TX sent L ago; take the messages
 * until it is there. They are taken here, when RX is due, and only until it is there: a receive
 * from a queue that holds more costs no system call, one that empties it costs several (ZeroMQ
 * then has to wake this thread for the next). Nothing waits on them sooner: the model's ADC
 * samples and errors arrive in order with its RX, the host sends only while time stands still,
 * and silence is judged by the blocking receive. */
static cpo_status_t s_await_rx(sync_t *s, uint64_t end, unsigned model_bit) {
  if (s->rx_hi >= end)
    return CPO_OK;
  bool got = true;
  while (s->rx_hi < end && got)
    CPO_TRY(s_pump(s, 0, 0, &got));
  if (s->rx_hi < end) {
    uint64_t wait_start_us = cpo_mono_us();
    while (s->rx_hi < end) {
      CPO_TRY(s_pump(s, model_bit, LOST_RX_POLL_MS, &got));
      CPO_TRY(s_check_lost_rx(s));
    }
    s->res->model_wait_s += (double)(cpo_mono_us() - wait_start_us) * 1e-6;
  }
  return CPO_OK;
}

/* After a quantum: the host's sleep or bus access that ended in it is answered. */
static void s_answer_host(sync_t *s) {
  if (s->req.kind == REQ_SLEEP && s->cycle == s->req.until)
    s_respond_host(s, false, 0);
  if (s->req.started) {
    uint32_t rdata = 0;
    bool slverr = false;
    if (s->design->bus_done(s->design->self, &rdata, &slverr))
      s_respond_host(s, slverr, rdata);
  }
}

/* True if no lane of the design streams from s->cycle on (a design that cannot skip cycles
 * always streams, as far as the synchroniser is concerned). */
static bool s_design_parked(const sync_t *s) {
  const cpo_design_ops_t *d = s->design;
  return d->streaming && d->skip && d->streaming(d->self) == 0;
}

/* The design's own next deadline (next_event), or UINT64_MAX. */
static uint64_t s_design_due(const sync_t *s) {
  const cpo_design_ops_t *d = s->design;
  return d->next_event ? d->next_event(d->self) : UINT64_MAX;
}

/* Parked, no bus transaction under way: pass the cycles up to the host's wake-up, the design's
 * next deadline or the end of the run without clocking the design, granting the model the span at
 * once (PARKED). Its ADC codes fold as they arrive (s_take_adc) and reach the design before its
 * next clocked cycle (s_apply_adc); RX for cycles after the span comes with RX_PARKED. */
static cpo_status_t s_skip(sync_t *s) {
  uint64_t end = s->cfg->total_cycles;
  if (s->req.kind == REQ_SLEEP && s->req.until < end)
    end = s->req.until;
  const uint64_t due = s_design_due(s); /* > s->cycle: s_turn clocks it otherwise */
  if (due < end)
    end = due;
  const uint64_t n = end - s->cycle;
  if (s->opts->direct_loopback) { /* TX of the span is dark: so is RX L cycles later */
    for (uint64_t c = n > s->latency ? end - s->latency : s->cycle; c < end; c++)
      memset(&s->ring[(c % s->latency) * s->lanes], 0, s->lanes * sizeof *s->ring);
    s->rx_hi += n;
  } else {
    cpo_status_t rc = s_send_tx(s, end, true);
    if (rc != CPO_OK)
      return s_model_gone(s, rc);
  }
  s->design->skip(s->design->self, n);
  s->cycle = s->tx_sent = end;
  s->res->parked_cycles += n;
  s->res->skipped_cycles += n;
  s_fold_adc(s, end - 1); /* those that came already */
  s_answer_host(s);
  return CPO_OK;
}

/* One turn of the loop: while the host's firmware runs, time stands still and its messages are
 * taken; otherwise a quantum (or less) is simulated, and @p simulated says so. */
static cpo_status_t s_turn(sync_t *s, unsigned model_bit, bool *simulated) {
  bool got;
  *simulated = false;
  if (s->srv)
    cpo_server_tick(s->srv, s->cycle);
  bool host_on = s->srv && cpo_server_attached(s->srv, CPO_ROLE_HOST);
  if (host_on && s->req.kind == REQ_NONE) /* firmware is running: time stands still */
    return s_pump(s, ROLE_BIT(CPO_ROLE_HOST), STOP_POLL_MS, &got);
  /* From here the host (if any) waits for its answer: the rtl owes it one and does not judge
   * its silence, whatever the sleep costs in wall time; the rtl waits on it again once it is
   * answered (above), and a host gone meanwhile is found then, within the timeout. */
  uint64_t end;
  if (!s_quantum_end(s, &end))
    return CPO_OK;
  s->chunk_parked = s_design_parked(s);
  if (s->chunk_parked != s->hashed_parked) { /* codes folded while skipped come after, here */
    cpo_event_hash_event(&s->res->hash, s->cycle, CPO_EVENT_PARKED, s->chunk_parked, 0);
    s->hashed_parked = s->chunk_parked;
  }
  cpo_status_t rc = s_lanes_parked_update(s);
  if (rc != CPO_OK)
    return s_model_gone(s, rc);
  /* The design acts on its own at `due`: that cycle starts a chunk (due <= cycle: now, alone). */
  const uint64_t due = s_design_due(s);
  if (due < end)
    end = due > s->cycle ? due : s->cycle + 1;
  const bool settled =
      (!s->design->settled || s->design->settled(s->design->self)) && due > s->cycle;
  if (s->chunk_parked && !settled)
    end = s->cycle + 1; /* the effects of a past access first, clocked */
  /* A bus access under way is skipped through only if the design says it waits on its own
   * deadline (settled during the access, the deadline in next_event). */
  const bool access_waits = !s->req.started || (s->design->settled && s->design->next_event);
  if (s->chunk_parked && settled && access_waits) {
    if (s->srv) /* a host attaching now gets HELLO_ACK at this cycle: stand still for it */
      CPO_TRY(s_pump(s, 0, 0, &got));
    if (s->srv && s->req.kind == REQ_NONE && cpo_server_attached(s->srv, CPO_ROLE_HOST))
      return CPO_OK;
    CPO_TRY(s_skip(s));
    *simulated = true;
    return CPO_OK;
  }
  CPO_TRY(s_await_rx(s, end, model_bit));
  if (s->srv && !model_bit) /* a direct run serves a host only: take what it sent */
    CPO_TRY(s_pump(s, 0, 0, &got));
  /* A host that attached meanwhile got HELLO_ACK stamped with this cycle, the one it stamps
   * its first request with: time stands still here, before [cycle, end). */
  if (s->srv && s->req.kind == REQ_NONE && cpo_server_attached(s->srv, CPO_ROLE_HOST))
    return CPO_OK;
  CPO_TRY(s_simulate(s, end));
  s_answer_host(s);
  *simulated = true;
  return CPO_OK;
}

static cpo_status_t s_loop(sync_t *s) {
  const unsigned model_bit = s->opts->direct_loopback ? 0 : ROLE_BIT(CPO_ROLE_MODEL);
  uint64_t start_us = cpo_mono_us(), last_progress_us = start_us;
  CPO_TRY(s_await_peers(s, model_bit));
  while (s->cycle < s->cfg->total_cycles) {
    if (s_stopped(s))
      return CPO_ERR_INTERRUPTED;
    bool simulated;
    CPO_TRY(s_turn(s, model_bit, &simulated));
    if (simulated)
      s_progress(s, start_us, &last_progress_us);
  }
  /* A run that ends parked: the ADC codes its ports hold at the end (the last of each). Folded
   * codes are applied and hashed here whether or not the RX of the end has come already (it may,
   * or not, by then: a shorter last span than L), so the hash does not depend on timing; after
   * a streaming end none is due. */
  if (s->cycle > 0) {
    if (s->rx_hi < s->cycle)
      CPO_TRY(s_await_rx(s, s->cycle, model_bit));
    s_apply_adc(s, s->cycle - 1);
  }
  return CPO_OK;
}

cpo_status_t cpo_sync_run(cpo_server_t *srv, const cpo_config_t *cfg,
                          const cpo_design_ops_t *design, const cpo_sync_opts_t *opts,
                          cpo_sync_result_t *res) {
  memset(res, 0, sizeof *res);
  cpo_event_hash_init(&res->hash);
  if (!srv && (!opts->direct_loopback || opts->expect_host)) {
    snprintf(res->error, sizeof res->error, "a run with a %s needs a bridge server",
             opts->direct_loopback ? "host" : "model");
    return CPO_ERR_INVALID_ARG;
  }
  sync_t s = {.srv = srv,
              .cfg = cfg,
              .design = design,
              .opts = opts,
              .res = res,
              .lanes = cfg->lanes,
              .latency = cfg->latency_cycles,
              .all_lanes = cfg->lanes >= 64 ? ~0ull : (1ull << cfg->lanes) - 1};
  s.ring = calloc((size_t)s.latency * s.lanes, sizeof *s.ring);
  s.tx = calloc((size_t)cfg->quantum_cycles * s.lanes, sizeof *s.tx);
  s.ports = calloc(1, sizeof *s.ports);
  if (!s.ring || !s.tx || !s.ports) {
    free(s.ring);
    free(s.tx);
    free(s.ports);
    return CPO_ERR_NO_MEMORY;
  }
  if (opts->direct_loopback)
    s.rx_hi = s.latency; /* a dark link for the first L cycles */
  uint64_t t0 = cpo_mono_us();
  cpo_status_t rc = s_loop(&s);
  res->wall_s = (double)(cpo_mono_us() - t0) * 1e-6;
  res->cycles = s.cycle;
  if (srv) {
    res->n_peer_events = cpo_server_peer_events(srv, res->peer_events, CPO_PEER_EVENTS_MAX);
    if (res->n_peer_events > CPO_PEER_EVENTS_MAX)
      res->n_peer_events = CPO_PEER_EVENTS_MAX;
  }
  free(s.ring);
  free(s.tx);
  free(s.adc);
  free(s.ports);
  return rc;
}
