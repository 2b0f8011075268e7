/* The CMIS host driver: byte access with page/bank select, advertisements, module and data-path
 * state machines driven and waited for in simulated time (cpo/cmis.h). */
#include "cpo/cmis.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmis_internal.h"

/* A poll every 1/100 of the bound (1/1000 while waiting for lanes to go Activated), at least
 * 10 us and at most 10 ms, and never sooner after a poll than its own reads took: a state change
 * is seen within 1 % of its bound, and polling holds the management bus at most half the time, on
 * a fast bus (I3C) or a slow one (a two-wire bus at 1 MHz). Traffic starts when the host sees its
 * lanes Activated, so that is watched ten times as closely (10 us of a 10 ms TxTurnOn; on the
 * emulated engine the lanes activated first stream until the host has seen the last). The
 * Python driver (host/python/cpoemu_cmis.py) polls identically, so both leave the same register
 * trace. */
#define S_POLL_MIN_NS 10000u
#define S_POLL_MAX_NS 10000000u
#define S_POLLS_PER_BOUND 100u
#define S_POLLS_PER_BOUND_ACTIVATION 1000u

static void s_vfail(cpo_cmis_t *c, bool transport, const char *fmt, va_list ap) {
  vsnprintf(c->error, sizeof c->error, fmt, ap);
  c->transport_failed = transport;
}

cpo_status_t cpo_cmis_fail(cpo_cmis_t *c, cpo_status_t rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  s_vfail(c, false, fmt, ap);
  va_end(ap);
  return rc;
}

cpo_status_t cpo_cmis_fail_hal(cpo_cmis_t *c, cpo_status_t rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  s_vfail(c, rc != CPO_ERR_BUS, fmt, ap); /* a bus error is the design's answer */
  va_end(ap);
  return rc;
}

cpo_status_t cpo_cmis_create(cpo_hal_t *hal, uint32_t base, cpo_cmis_t **out) {
  assert(hal && out);
  *out = NULL;
  cpo_cmis_t *c = calloc(1, sizeof *c);
  if (!c)
    return CPO_ERR_NO_MEMORY;
  c->hal = hal;
  c->base = base;
  c->sel_bank = c->sel_page = -1; /* unknown until written */
  *out = c;
  return CPO_OK;
}

void cpo_cmis_destroy(cpo_cmis_t **c) {
  if (!c || !*c)
    return;
  free(*c);
  *c = NULL;
}

const char *cpo_cmis_error(const cpo_cmis_t *c) {
  return c->error;
}

bool cpo_cmis_error_is_transport(const cpo_cmis_t *c) {
  return c->transport_failed;
}

cpo_hal_t *cpo_cmis_hal(const cpo_cmis_t *c) {
  return c->hal;
}

const cpo_cmis_info_t *cpo_cmis_info(const cpo_cmis_t *c) {
  return c->probed ? &c->info : NULL;
}

/* One byte of the current view. */
static cpo_status_t s_rd(cpo_cmis_t *c, unsigned byte, uint8_t *v) {
  uint32_t w = 0;
  cpo_status_t rc = cpo_hal_read(c->hal, c->base + CPO_CMIS_WORD_OFFSET(byte), &w);
  if (rc != CPO_OK)
    return cpo_cmis_fail_hal(c, rc, "reading CMIS byte %u: %s", byte, cpo_hal_error(c->hal));
  *v = (uint8_t)w;
  return CPO_OK;
}

static cpo_status_t s_wr(cpo_cmis_t *c, unsigned byte, uint8_t v) {
  cpo_status_t rc = cpo_hal_write(c->hal, c->base + CPO_CMIS_WORD_OFFSET(byte), v);
  if (rc != CPO_OK)
    return cpo_cmis_fail_hal(c, rc, "writing CMIS byte %u: %s", byte, cpo_hal_error(c->hal));
  return CPO_OK;
}

cpo_status_t cpo_cmis_present(cpo_cmis_t *c, uint8_t *identifier) {
  return s_rd(c, CPO_CMIS_LOWER_IDENTIFIER_OFFSET, identifier);
}

/* Write one select byte if it differs from what was last written. */
static cpo_status_t s_select_write(cpo_cmis_t *c, unsigned byte, unsigned value, int *cached,
                                   bool *wrote) {
  *wrote = *cached != (int)value;
  if (!*wrote)
    return CPO_OK;
  *cached = -1; /* unknown until read back */
  return s_wr(c, byte, (uint8_t)value);
}

static cpo_status_t s_select_check(cpo_cmis_t *c, unsigned byte, unsigned value, int *cached,
                                   const char *what) {
  uint8_t got;
  CPO_TRY(s_rd(c, byte, &got));
  *cached = got;
  if (got != value)
    return cpo_cmis_fail(c, CPO_ERR_RANGE,
                         "the module refused %s 0x%02x: byte %u reads back 0x%02x (not advertised)",
                         what, value, byte, got);
  return CPO_OK;
}

cpo_status_t cpo_cmis_select(cpo_cmis_t *c, unsigned bank, unsigned page) {
  if (bank > 0xFF || page > 0xFF)
    return cpo_cmis_fail(c, CPO_ERR_RANGE, "bank %u page %u: each must be 0-255", bank, page);
  if (c->probed && c->info.flat_mem && (page != 0 || bank != 0))
    return cpo_cmis_fail(c, CPO_ERR_RANGE, "page %02xh: the module has flat memory (page 00h only)",
                         page);
  bool banked = page >= CPO_CMIS_PAGE_P10, wrote_bank = false, wrote_page = false;
  if (banked)
    CPO_TRY(s_select_write(c, CPO_CMIS_LOWER_BANK_SELECT_OFFSET, bank, &c->sel_bank, &wrote_bank));
  CPO_TRY(s_select_write(c, CPO_CMIS_LOWER_PAGE_SELECT_OFFSET, page, &c->sel_page, &wrote_page));
  /* A bank the probe found advertised is taken: only another needs reading back (on 64 lanes a
   * poll of the eight banks is a third shorter). */
  if (wrote_bank && c->probed && bank < c->info.banks)
    c->sel_bank = (int)bank;
  else if (wrote_bank)
    CPO_TRY(s_select_check(c, CPO_CMIS_LOWER_BANK_SELECT_OFFSET, bank, &c->sel_bank, "bank"));
  if (wrote_page)
    CPO_TRY(s_select_check(c, CPO_CMIS_LOWER_PAGE_SELECT_OFFSET, page, &c->sel_page, "page"));
  return CPO_OK;
}

/* Check a run of bytes and select its page; *lower: it is in the lower page. */
static cpo_status_t s_view(cpo_cmis_t *c, unsigned bank, unsigned page, unsigned byte, size_t n) {
  if (byte > 255 || n > 256 - byte || (byte < 128 && byte + n > 128))
    return cpo_cmis_fail(c, CPO_ERR_RANGE,
                         "bytes %u-%zu: a run is within the lower page (0-127) or the upper "
                         "(128-255)",
                         byte, byte + n - 1);
  return byte < 128 ? CPO_OK : cpo_cmis_select(c, bank, page);
}

cpo_status_t cpo_cmis_read(cpo_cmis_t *c, unsigned bank, unsigned page, unsigned byte, uint8_t *buf,
                           size_t n) {
  CPO_TRY(s_view(c, bank, page, byte, n));
  for (size_t k = 0; k < n; k++)
    CPO_TRY(s_rd(c, byte + (unsigned)k, &buf[k]));
  return CPO_OK;
}

cpo_status_t cpo_cmis_write(cpo_cmis_t *c, unsigned bank, unsigned page, unsigned byte,
                            const uint8_t *buf, size_t n) {
  CPO_TRY(s_view(c, bank, page, byte, n));
  for (size_t k = 0; k < n; k++) {
    unsigned b = byte + (unsigned)k;
    CPO_TRY(s_wr(c, b, buf[k]));
    /* A write of a select byte by hand changes the view: forget what we selected. */
    if (b == CPO_CMIS_LOWER_BANK_SELECT_OFFSET)
      c->sel_bank = -1;
    if (b == CPO_CMIS_LOWER_PAGE_SELECT_OFFSET)
      c->sel_page = -1;
  }
  return CPO_OK;
}

/* Split [addr, addr + n) of the linear space into runs within one page and apply @p fn. */
static cpo_status_t s_linear(cpo_cmis_t *c, uint32_t addr, uint8_t *buf, size_t n, bool write) {
  while (n) {
    unsigned bank, page, byte;
    if (cpo_cmis_linear_split(addr, &bank, &page, &byte) != 0)
      return cpo_cmis_fail(c, CPO_ERR_RANGE, "linear address %u is beyond the CMIS space",
                           (unsigned)addr);
    size_t run = (byte < 128 ? 128u : 256u) - byte;
    if (run > n)
      run = n;
    CPO_TRY(write ? cpo_cmis_write(c, bank, page, byte, buf, run)
                  : cpo_cmis_read(c, bank, page, byte, buf, run));
    addr += (uint32_t)run;
    buf += run;
    n -= run;
  }
  return CPO_OK;
}

cpo_status_t cpo_cmis_read_linear(cpo_cmis_t *c, uint32_t addr, uint8_t *buf, size_t n) {
  return s_linear(c, addr, buf, n, false);
}

cpo_status_t cpo_cmis_write_linear(cpo_cmis_t *c, uint32_t addr, const uint8_t *buf, size_t n) {
  return s_linear(c, addr, (uint8_t *)buf, n, true);
}

cpo_status_t cpo_cmis_read_upper(cpo_cmis_t *c, unsigned bank, unsigned page, uint8_t *img) {
  return cpo_cmis_read(c, bank, page, 128, img + 128, 128);
}

cpo_status_t cpo_cmis_probe(cpo_cmis_t *c) {
  uint8_t lower[256] = {0}, p01[256] = {0};
  cpo_cmis_info_t *i = &c->info;
  c->probed = false;
  CPO_TRY(cpo_cmis_read(c, 0, 0, 0, lower, 3));
  CPO_TRY(cpo_cmis_read(c, 0, 0, CPO_CMIS_LOWER_APP1_HOST_IF_OFFSET,
                        lower + CPO_CMIS_LOWER_APP1_HOST_IF_OFFSET, 32));
  memset(i, 0, sizeof *i);
  i->identifier = lower[CPO_CMIS_LOWER_IDENTIFIER_OFFSET];
  i->revision = lower[CPO_CMIS_LOWER_REVISION_OFFSET];
  i->flat_mem =
      lower[CPO_CMIS_LOWER_CHARACTERISTICS_OFFSET] & CPO_CMIS_LOWER_CHARACTERISTICS_FLAT_MEM_MASK;
  if (i->flat_mem) {
    /* No page 01h: nothing advertised beyond the lower page, one bank, shortest bounds. */
    cpo_cmis_apps_parse(lower, NULL, &i->apps);
    cpo_cmis_durations_parse(p01, &i->dur);
    i->banks = 1;
  } else {
    CPO_TRY(cpo_cmis_read_upper(c, 0, CPO_CMIS_PAGE_P01, p01));
    cpo_cmis_apps_parse(lower, p01, &i->apps);
    cpo_cmis_durations_parse(p01, &i->dur);
    i->banks = cpo_cmis_banks_parse(p01);
    i->ctrl_support = p01[CPO_CMIS_P01_CTRL_SUPPORT_OFFSET];
    i->mon_support = p01[CPO_CMIS_P01_MON_SUPPORT_OFFSET];
    i->cdb_support = p01[CPO_CMIS_P01_CDB_SUPPORT_OFFSET];
  }
  c->els_known = false; /* pages 1Ah/1Bh: asked at the first ELS access (cmis_els.c) */
  i->lanes = i->banks * CPO_CMIS_LANES_PER_BANK;
  c->probed = true;
  return CPO_OK;
}

cpo_status_t cpo_cmis_need_probe(cpo_cmis_t *c) {
  return c->probed ? CPO_OK : cpo_cmis_probe(c);
}

cpo_status_t cpo_cmis_module_state(cpo_cmis_t *c, unsigned *state) {
  uint8_t b = 0;
  CPO_TRY(s_rd(c, CPO_CMIS_LOWER_MODULE_STATE_OFFSET, &b));
  *state = (b & CPO_CMIS_LOWER_MODULE_STATE_STATE_MASK) >> CPO_CMIS_LOWER_MODULE_STATE_STATE_SHIFT;
  return CPO_OK;
}

/* Bank @p bank's lanes' data-path states into states[bank * 8 ...]. */
static cpo_status_t s_dp_states_of_bank(cpo_cmis_t *c, unsigned bank, uint8_t *states) {
  uint8_t p11[256];
  CPO_TRY(cpo_cmis_read(c, bank, CPO_CMIS_PAGE_P11, CPO_CMIS_P11_DP_STATE_OFFSET,
                        p11 + CPO_CMIS_P11_DP_STATE_OFFSET, CPO_CMIS_P11_DP_STATE_COUNT));
  for (unsigned l = 0; l < CPO_CMIS_LANES_PER_BANK; l++)
    states[bank * CPO_CMIS_LANES_PER_BANK + l] = (uint8_t)cpo_cmis_dp_state_of(p11, l);
  return CPO_OK;
}

cpo_status_t cpo_cmis_dp_states(cpo_cmis_t *c, uint8_t *states) {
  CPO_TRY(cpo_cmis_need_probe(c));
  for (unsigned bank = 0; bank < c->info.banks; bank++)
    CPO_TRY(s_dp_states_of_bank(c, bank, states));
  return CPO_OK;
}

/* ---- Waiting in simulated time ------------------------------------------------------------ */

void cpo_cmis_wait_start(cpo_cmis_t *c, uint32_t bound_ms, cpo_cmis_wait_t *w) {
  cpo_cmis_wait_start_polling(c, bound_ms, S_POLLS_PER_BOUND, w);
}

void cpo_cmis_wait_start_polling(cpo_cmis_t *c, uint32_t bound_ms, uint32_t polls_per_bound,
                                 cpo_cmis_wait_t *w) {
  const cpo_config_t *cfg = cpo_hal_config(c->hal);
  uint64_t poll_ns = (uint64_t)bound_ms * 1000000u / polls_per_bound;
  poll_ns = poll_ns < S_POLL_MIN_NS   ? S_POLL_MIN_NS
            : poll_ns > S_POLL_MAX_NS ? S_POLL_MAX_NS
                                      : poll_ns;
  w->bound_ms = bound_ms;
  w->start_cycles = cpo_hal_now_cycles(c->hal);
  w->deadline_cycles = w->start_cycles + cpo_cmis_ms_to_cycles(cfg, bound_ms);
  w->poll_cycles = cpo_hal_ns_to_cycles(c->hal, poll_ns);
  w->poll_began_cycles = w->start_cycles;
  w->expired = false;
}

cpo_status_t cpo_cmis_wait_next(cpo_cmis_t *c, cpo_cmis_wait_t *w) {
  w->expired = cpo_hal_now_cycles(c->hal) >= w->deadline_cycles;
  if (w->expired)
    return CPO_ERR_TIMEOUT;
  const uint64_t polled = cpo_hal_now_cycles(c->hal), took = polled - w->poll_began_cycles;
  const uint64_t next = polled + (took > w->poll_cycles ? took : w->poll_cycles);
  if (c->poll_fn) {
    cpo_status_t rc = c->poll_fn(c->poll_arg, next);
    if (rc != CPO_OK)
      return cpo_cmis_fail(c, rc, "waiting: the poll hook failed: %s", cpo_status_str(rc));
  }
  const uint64_t now = cpo_hal_now_cycles(c->hal);
  cpo_status_t rc = now < next ? cpo_hal_sleep_cycles(c->hal, next - now) : CPO_OK;
  if (rc != CPO_OK)
    return cpo_cmis_fail_hal(c, rc, "waiting: %s", cpo_hal_error(c->hal));
  w->poll_began_cycles = cpo_hal_now_cycles(c->hal);
  return CPO_OK;
}

void cpo_cmis_set_poll(cpo_cmis_t *c, cpo_cmis_poll_fn fn, void *arg) {
  c->poll_fn = fn;
  c->poll_arg = arg;
}

double cpo_cmis_wait_elapsed_ms(const cpo_cmis_t *c, const cpo_cmis_wait_t *w) {
  const cpo_config_t *cfg = cpo_hal_config(c->hal);
  return (double)(cpo_hal_now_cycles(c->hal) - w->start_cycles) * cfg->symbols_per_cycle * 1e3 /
         (double)cfg->baud_hz;
}

const char *cpo_cmis_module_state_text(unsigned state) {
  const char *d = cpo_cmis_module_state_desc(state);
  return d ? d : "a reserved module state";
}

const char *cpo_cmis_dp_state_text(unsigned state) {
  const char *d = cpo_cmis_dp_state_desc(state);
  return d ? d : "a reserved data-path state";
}

/* Wait for module state @p want within @p bound_ms (the advertised @p bound_name). */
static cpo_status_t s_wait_module(cpo_cmis_t *c, unsigned want, uint32_t bound_ms,
                                  const char *bound_name) {
  cpo_cmis_wait_t w;
  cpo_cmis_wait_start(c, bound_ms, &w);
  for (;;) {
    unsigned st;
    CPO_TRY(cpo_cmis_module_state(c, &st));
    if (st == want)
      return CPO_OK;
    if (st == CPO_CMIS_MODULE_STATE_FAULT)
      CPO_TRY(cpo_cmis_check_fault(c)); /* fails, naming the cause */
    cpo_status_t rc = cpo_cmis_wait_next(c, &w);
    if (w.expired)
      return cpo_cmis_fail(c, rc, "module: %s (%u) after %.3f ms; expected %s within %s = %u ms",
                           cpo_cmis_module_state_text(st), st, cpo_cmis_wait_elapsed_ms(c, &w),
                           cpo_cmis_module_state_text(want), bound_name, bound_ms);
    CPO_TRY(rc);
  }
}

/* Wait until every lane is in data-path state @p want within @p bound_ms (@p bound_name). The
 * banks are read in order, as the host wrote them, and each poll goes no further than the first
 * bank not yet there (a later one is not expected sooner); a bank seen there is not read again.
 * On a 64-lane engine the lanes Activated first stream until the last bank is seen: this way that
 * is a few accesses after it, not sweeps of eight banks later. */
static cpo_status_t s_wait_dp(cpo_cmis_t *c, unsigned want, uint32_t bound_ms,
                              const char *bound_name) {
  uint8_t states[CPO_CMIS_MAX_LANES] = {0};
  bool bank_there[CPO_CMIS_MAX_BANKS] = {false}, polled = false;
  unsigned there_before = 0;
  cpo_cmis_wait_t w;
  cpo_cmis_wait_start_polling(
      c, bound_ms,
      want == CPO_CMIS_DP_STATE_ACTIVATED ? S_POLLS_PER_BOUND_ACTIVATION : S_POLLS_PER_BOUND, &w);
  for (;;) {
    for (unsigned bank = 0; bank < c->info.banks; bank++) {
      if (bank_there[bank])
        continue;
      CPO_TRY(s_dp_states_of_bank(c, bank, states));
      bank_there[bank] = true;
      for (unsigned l = 0; l < CPO_CMIS_LANES_PER_BANK; l++)
        bank_there[bank] &= states[bank * CPO_CMIS_LANES_PER_BANK + l] == want;
      if (!bank_there[bank])
        break;
    }
    unsigned lane = c->info.lanes, there = 0; /* the first lane not there; how many are */
    for (unsigned l = c->info.lanes; l-- > 0;)
      if (states[l] == want)
        there++;
      else
        lane = l;
    if (there == c->info.lanes)
      return CPO_OK;
    /* Lanes turned on together get there together: a poll that found more of them there than
     * the one before (a bank caught changing between its bytes) polls again at once for the
     * rest, within the bound. */
    const bool progress = polled && there > there_before;
    polled = true;
    there_before = there;
    if (progress && cpo_hal_now_cycles(c->hal) < w.deadline_cycles) {
      w.poll_began_cycles = cpo_hal_now_cycles(c->hal);
      continue;
    }
    cpo_status_t rc = cpo_cmis_wait_next(c, &w);
    if (w.expired) {
      unsigned st = states[lane];
      cpo_cmis_fail(c, rc, "lane %u: %s (%u) after %.3f ms; expected %s within %s = %u ms",
                    lane + 1, cpo_cmis_dp_state_text(st), st, cpo_cmis_wait_elapsed_ms(c, &w),
                    cpo_cmis_dp_state_text(want), bound_name, bound_ms);
      /* A module that left Ready says why every lane stopped. */
      unsigned mst;
      if (cpo_cmis_module_state(c, &mst) == CPO_OK && mst != CPO_CMIS_MODULE_STATE_READY) {
        size_t n = strlen(c->error);
        snprintf(c->error + n, sizeof c->error - n, " (module: %s)",
                 cpo_cmis_module_state_text(mst));
      }
      return rc;
    }
    CPO_TRY(rc);
  }
}

/* Wait until every lane's config status is ConfigSuccess; a rejection fails at once. */
static cpo_status_t s_wait_config(cpo_cmis_t *c, unsigned app_sel, uint32_t bound_ms) {
  uint8_t p11[256];
  cpo_cmis_wait_t w;
  cpo_cmis_wait_start(c, bound_ms, &w);
  for (;;) {
    unsigned pending_lane = 0, pending_st = 0;
    bool pending = false;
    for (unsigned bank = 0; bank < c->info.banks; bank++) {
      CPO_TRY(cpo_cmis_read(c, bank, CPO_CMIS_PAGE_P11, CPO_CMIS_P11_CONFIG_STATUS_OFFSET,
                            p11 + CPO_CMIS_P11_CONFIG_STATUS_OFFSET,
                            CPO_CMIS_P11_CONFIG_STATUS_COUNT));
      for (unsigned l = 0; l < CPO_CMIS_LANES_PER_BANK; l++) {
        unsigned st = cpo_cmis_config_status_of(p11, l), lane = bank * CPO_CMIS_LANES_PER_BANK + l;
        if (st >= CPO_CMIS_CONFIG_STATUS_REJECTED &&
            st <= CPO_CMIS_CONFIG_STATUS_REJECTED_PARTIAL_DATA_PATH)
          return cpo_cmis_fail(c, CPO_ERR_STATE, "lane %u: AppSel %u: %s (config status %u)",
                               lane + 1, app_sel, cpo_cmis_config_status_desc(st), st);
        if (st != CPO_CMIS_CONFIG_STATUS_SUCCESS && !pending)
          pending = true, pending_lane = lane, pending_st = st;
      }
    }
    if (!pending)
      return CPO_OK;
    cpo_status_t rc = cpo_cmis_wait_next(c, &w);
    if (w.expired) {
      const char *d = cpo_cmis_config_status_desc(pending_st);
      return cpo_cmis_fail(c, rc,
                           "lane %u: config status %s (%u) after %.3f ms; expected ConfigSuccess "
                           "within MaxDurationDPInit = %u ms",
                           pending_lane + 1, d ? d : "reserved", pending_st,
                           cpo_cmis_wait_elapsed_ms(c, &w), bound_ms);
    }
    CPO_TRY(rc);
  }
}

/* ---- Module control ------------------------------------------------------------------------ */

static cpo_status_t s_module_control(cpo_cmis_t *c, uint8_t clear, uint8_t set) {
  uint8_t v;
  CPO_TRY(cpo_cmis_read(c, 0, 0, CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET, &v, 1));
  uint8_t nv = (uint8_t)((v & ~clear & ~CPO_CMIS_LOWER_MODULE_CONTROL_SOFTWARE_RESET_MASK) | set);
  if (nv == v)
    return CPO_OK;
  return cpo_cmis_write(c, 0, 0, CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET, &nv, 1);
}

cpo_status_t cpo_cmis_set_low_power(cpo_cmis_t *c, bool low_power) {
  CPO_TRY(cpo_cmis_need_probe(c));
  uint8_t m = CPO_CMIS_LOWER_MODULE_CONTROL_LOW_PWR_REQUEST_SW_MASK;
  CPO_TRY(s_module_control(c, low_power ? 0 : m, low_power ? m : 0));
  return low_power ? s_wait_module(c, CPO_CMIS_MODULE_STATE_LOW_PWR, c->info.dur.module_pwr_dn_ms,
                                   "MaxDurationModulePwrDn")
                   : s_wait_module(c, CPO_CMIS_MODULE_STATE_READY, c->info.dur.module_pwr_up_ms,
                                   "MaxDurationModulePwrUp");
}

/* Write @p v to byte @p byte of page 10h in every bank. */
static cpo_status_t s_p10_all(cpo_cmis_t *c, unsigned byte, uint8_t v) {
  for (unsigned bank = 0; bank < c->info.banks; bank++)
    CPO_TRY(cpo_cmis_write(c, bank, CPO_CMIS_PAGE_P10, byte, &v, 1));
  return CPO_OK;
}

cpo_status_t cpo_cmis_bringup(cpo_cmis_t *c, unsigned app_sel) {
  CPO_TRY(cpo_cmis_need_probe(c));
  const cpo_cmis_info_t *i = &c->info;
  if (i->flat_mem)
    return cpo_cmis_fail(c, CPO_ERR_STATE, "the module has flat memory: no data paths to bring up");
  /* Data paths as the application's advertisement says: its host lane count, its start lanes. */
  uint8_t first[CPO_CMIS_MAX_LANES];
  char why[200];
  if (cpo_cmis_dp_plan(&i->apps, app_sel, i->lanes, first, why, sizeof why) != 0)
    return cpo_cmis_fail(c, CPO_ERR_RANGE, "%s", why);
  unsigned st;
  CPO_TRY(cpo_cmis_module_state(c, &st));
  if (st == CPO_CMIS_MODULE_STATE_FAULT)
    return cpo_cmis_check_fault(c);
  /* Hold every data path deinitialised with Tx off while the module powers up. */
  CPO_TRY(s_p10_all(c, CPO_CMIS_P10_DP_DEINIT_OFFSET, 0xFF));
  CPO_TRY(s_p10_all(c, CPO_CMIS_P10_TX_DISABLE_OFFSET, 0xFF));
  CPO_TRY(cpo_cmis_set_low_power(c, false));
  CPO_TRY(s_wait_dp(c, CPO_CMIS_DP_STATE_DEACTIVATED, i->dur.dp_tx_off_ms + i->dur.dp_deinit_ms,
                    "MaxDurationDPTxTurnOff + MaxDurationDPDeinit"));
  /* Stage the application: DataPathID is the data path's first lane within its bank. */
  for (unsigned bank = 0; bank < i->banks; bank++) {
    uint8_t staged[CPO_CMIS_LANES_PER_BANK];
    for (unsigned l = 0; l < CPO_CMIS_LANES_PER_BANK; l++)
      staged[l] = (uint8_t)(app_sel << CPO_CMIS_P10_STAGED0_CONFIG_APP_SEL_SHIFT |
                            (first[bank * CPO_CMIS_LANES_PER_BANK + l] % CPO_CMIS_LANES_PER_BANK)
                                << CPO_CMIS_P10_STAGED0_CONFIG_DP_ID_SHIFT);
    CPO_TRY(cpo_cmis_write(c, bank, CPO_CMIS_PAGE_P10, CPO_CMIS_P10_STAGED0_CONFIG_OFFSET, staged,
                           sizeof staged));
    uint8_t all = 0xFF;
    CPO_TRY(cpo_cmis_write(c, bank, CPO_CMIS_PAGE_P10, CPO_CMIS_P10_APPLY_DP_INIT_OFFSET, &all, 1));
  }
  CPO_TRY(s_wait_config(c, app_sel, i->dur.dp_init_ms));
  CPO_TRY(s_p10_all(c, CPO_CMIS_P10_DP_DEINIT_OFFSET, 0x00));
  CPO_TRY(s_wait_dp(c, CPO_CMIS_DP_STATE_INITIALIZED, i->dur.dp_init_ms, "MaxDurationDPInit"));
  CPO_TRY(s_p10_all(c, CPO_CMIS_P10_TX_DISABLE_OFFSET, 0x00));
  return s_wait_dp(c, CPO_CMIS_DP_STATE_ACTIVATED, i->dur.dp_tx_on_ms, "MaxDurationDPTxTurnOn");
}

/* ---- Monitors, thresholds, flags ----------------------------------------------------------- */

cpo_status_t cpo_cmis_monitors(cpo_cmis_t *c, cpo_cmis_monitors_t *m) {
  CPO_TRY(cpo_cmis_need_probe(c));
  uint8_t lower[4], p11[256];
  memset(m, 0, sizeof *m);
  CPO_TRY(cpo_cmis_read(c, 0, 0, CPO_CMIS_LOWER_TEMPERATURE_OFFSET, lower, sizeof lower));
  m->temp_degc = cpo_cmis_temp_degc(lower);
  m->vcc_v = cpo_cmis_vcc_v(lower + 2);
  unsigned first = CPO_CMIS_P11_TX_POWER_OFFSET,
           n = CPO_CMIS_P11_RX_POWER_OFFSET + CPO_CMIS_P11_RX_POWER_COUNT - first;
  for (unsigned bank = 0; bank < c->info.banks; bank++) {
    CPO_TRY(cpo_cmis_read(c, bank, CPO_CMIS_PAGE_P11, first, p11 + first, n));
    for (unsigned l = 0; l < CPO_CMIS_LANES_PER_BANK; l++) {
      unsigned lane = bank * CPO_CMIS_LANES_PER_BANK + l;
      m->tx_power_w[lane] = cpo_cmis_power_w(p11 + CPO_CMIS_P11_TX_POWER_OFFSET_N(l));
      m->tx_bias_a[lane] = cpo_cmis_tx_bias_a(p11 + CPO_CMIS_P11_TX_BIAS_OFFSET_N(l));
      m->rx_power_w[lane] = cpo_cmis_power_w(p11 + CPO_CMIS_P11_RX_POWER_OFFSET_N(l));
    }
  }
  return CPO_OK;
}

cpo_status_t cpo_cmis_thresholds(cpo_cmis_t *c, cpo_cmis_thresholds_t *t) {
  uint8_t p02[256];
  unsigned first = CPO_CMIS_P02_TEMP_THRESH_OFFSET,
           n = CPO_CMIS_P02_RX_POWER_THRESH_OFFSET + CPO_CMIS_P02_RX_POWER_THRESH_COUNT - first;
  CPO_TRY(cpo_cmis_read(c, 0, CPO_CMIS_PAGE_P02, first, p02 + first, n));
  cpo_cmis_thresholds_parse(p02, t);
  return CPO_OK;
}

cpo_status_t cpo_cmis_set_thresholds(cpo_cmis_t *c, const cpo_cmis_thresholds_t *t) {
  const cpo_cmis_threshold_t *all[] = {&t->temp_degc, &t->vcc_v, &t->tx_power_w, &t->tx_bias_a,
                                       &t->rx_power_w};
  static const char *const names[] = {"temperature", "Vcc", "Tx power", "Tx bias", "Rx power"};
  for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
    if (isnan(all[i]->high_alarm) || isnan(all[i]->low_alarm) || isnan(all[i]->high_warn) ||
        isnan(all[i]->low_warn))
      return cpo_cmis_fail(c, CPO_ERR_INVALID_ARG, "a %s threshold is not a number", names[i]);
  uint8_t p02[256] = {0};
  cpo_cmis_thresholds_encode(t, p02);
  unsigned a = CPO_CMIS_P02_TEMP_THRESH_OFFSET, b = CPO_CMIS_P02_TX_POWER_THRESH_OFFSET;
  CPO_TRY(cpo_cmis_write(c, 0, CPO_CMIS_PAGE_P02, a, p02 + a,
                         CPO_CMIS_P02_VCC_THRESH_OFFSET + CPO_CMIS_P02_VCC_THRESH_COUNT - a));
  return cpo_cmis_write(c, 0, CPO_CMIS_PAGE_P02, b, p02 + b,
                        CPO_CMIS_P02_RX_POWER_THRESH_OFFSET + CPO_CMIS_P02_RX_POWER_THRESH_COUNT -
                            b);
}

cpo_status_t cpo_cmis_set_lane_mask(cpo_cmis_t *c, unsigned flag_byte, uint64_t lanes) {
  CPO_TRY(cpo_cmis_need_probe(c));
  unsigned first = CPO_CMIS_P11_DP_STATE_CHANGED_OFFSET;
  if (flag_byte < first || flag_byte >= first + CPO_CMIS_P10_LANE_FLAG_MASKS_COUNT)
    return cpo_cmis_fail(c, CPO_ERR_RANGE, "page 11h byte %u is not a lane flag (%u-%u)", flag_byte,
                         first, first + CPO_CMIS_P10_LANE_FLAG_MASKS_COUNT - 1);
  for (unsigned bank = 0; bank < c->info.banks; bank++) {
    uint8_t m = (uint8_t)(lanes >> (bank * CPO_CMIS_LANES_PER_BANK));
    CPO_TRY(cpo_cmis_write(c, bank, CPO_CMIS_PAGE_P10,
                           CPO_CMIS_P10_LANE_FLAG_MASKS_OFFSET + (flag_byte - first), &m, 1));
  }
  return CPO_OK;
}

cpo_status_t cpo_cmis_interrupt(cpo_cmis_t *c, bool *asserted) {
  uint8_t b = 0;
  CPO_TRY(s_rd(c, CPO_CMIS_LOWER_MODULE_STATE_OFFSET, &b));
  *asserted = !(b & CPO_CMIS_LOWER_MODULE_STATE_INTL_DEASSERTED_MASK);
  return CPO_OK;
}

cpo_status_t cpo_cmis_flags(cpo_cmis_t *c, cpo_cmis_flags_t *f) {
  CPO_TRY(cpo_cmis_need_probe(c));
  uint8_t lower[2], p11[256];
  memset(f, 0, sizeof *f);
  CPO_TRY(cpo_cmis_read(c, 0, 0, CPO_CMIS_LOWER_MODULE_FLAGS_OFFSET, lower, sizeof lower));
  f->module = lower[0];
  f->temp_vcc = lower[1];
  unsigned first = CPO_CMIS_P11_DP_STATE_CHANGED_OFFSET,
           n = CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET + CPO_CMIS_P11_RX_POWER_FLAGS_COUNT - first;
  for (unsigned bank = 0; bank < c->info.banks; bank++) {
    CPO_TRY(cpo_cmis_read(c, bank, CPO_CMIS_PAGE_P11, first, p11 + first, n));
    cpo_cmis_flags_decode_bank(p11, bank, f);
  }
  unsigned els_lanes;
  CPO_TRY(cpo_cmis_els_lanes(c, &els_lanes));
  if (els_lanes) {
    uint8_t p1a[256];
    first = CPO_CMIS_P1A_ELS_STATE_CHANGED_OFFSET;
    n = CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET + 1u - first;
    CPO_TRY(cpo_cmis_read(c, 0, CPO_CMIS_PAGE_P1A, first, p1a + first, n));
    cpo_cmis_flags_decode_els(p1a, f);
  }
  return CPO_OK;
}

/* ---- Faults and reset ---------------------------------------------------------------------- */

cpo_status_t cpo_cmis_check_fault(cpo_cmis_t *c) {
  unsigned st;
  uint8_t cause, flags;
  CPO_TRY(cpo_cmis_module_state(c, &st));
  CPO_TRY(cpo_cmis_read(c, 0, 0, CPO_CMIS_LOWER_FAULT_CAUSE_OFFSET, &cause, 1));
  CPO_TRY(cpo_cmis_read(c, 0, 0, CPO_CMIS_LOWER_MODULE_FLAGS_OFFSET, &flags, 1));
  bool fw = flags & CPO_CMIS_LOWER_MODULE_FLAGS_FW_FAULT_MASK,
       dp_fw = flags & CPO_CMIS_LOWER_MODULE_FLAGS_DP_FW_FAULT_MASK;
  if (st != CPO_CMIS_MODULE_STATE_FAULT && !fw && !dp_fw)
    return CPO_OK;
  return cpo_cmis_fail(c, CPO_ERR_STATE, "module fault: %s, fault cause 0x%02x%s%s%s",
                       cpo_cmis_module_state_text(st), cause,
                       fw ? ", module firmware fault latched" : "",
                       dp_fw ? ", data-path firmware fault latched (a lane's DPInit outlived "
                               "MaxDurationDPInit)"
                             : "",
                       st == CPO_CMIS_MODULE_STATE_FAULT ? "; a software reset clears it" : "");
}

cpo_status_t cpo_cmis_reset(cpo_cmis_t *c) {
  CPO_TRY(cpo_cmis_need_probe(c));
  CPO_TRY(s_module_control(c, 0, CPO_CMIS_LOWER_MODULE_CONTROL_SOFTWARE_RESET_MASK));
  c->sel_bank = c->sel_page = -1; /* the module's selects are back at their reset values */
  return s_wait_module(c, CPO_CMIS_MODULE_STATE_LOW_PWR, c->info.dur.module_pwr_up_ms,
                       "MaxDurationModulePwrUp");
}
