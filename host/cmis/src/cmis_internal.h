/* What the driver's sources share (host/cmis/src only). */
#ifndef CPO_CMIS_INTERNAL_H
#define CPO_CMIS_INTERNAL_H

#include "cpo/cmis.h"

struct cpo_cmis {
  cpo_hal_t *hal;
  uint32_t base;
  int sel_bank,
      sel_page; /* what the select bytes hold, as last written and read back; -1: unknown */
  bool probed;
  bool els_known; /* info.els_lanes/els_modes answered (cpo_cmis_els_lanes) */
  cpo_cmis_info_t info;
  char error[512];
  bool transport_failed;    /* the last failure was a HAL call's, not the module's answer */
  cpo_cmis_poll_fn poll_fn; /* cpo_cmis_set_poll */
  void *poll_arg;
};

/** A bounded wait in simulated time. */
typedef struct {
  uint32_t bound_ms;
  uint64_t start_cycles, deadline_cycles, poll_cycles;
  uint64_t poll_began_cycles; /* when the poll now ending began: its reads' bus time bounds the
                                 sleep after it */
  bool expired;               /* cpo_cmis_wait_next found the bound passed (not a HAL failure) */
} cpo_cmis_wait_t;

/** Set the error text (the module's failure: cpo_cmis_error_is_transport false); returns @p rc. */
cpo_status_t cpo_cmis_fail(cpo_cmis_t *c, cpo_status_t rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** cpo_cmis_fail for a failed HAL call: the transport's or the peer's failure unless the design
 * answered a bus error (cpo_cmis_error_is_transport). */
cpo_status_t cpo_cmis_fail_hal(cpo_cmis_t *c, cpo_status_t rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
cpo_status_t cpo_cmis_need_probe(cpo_cmis_t *c);
/** Bytes 128-255 of (bank, page) into img[128..255]. */
cpo_status_t cpo_cmis_read_upper(cpo_cmis_t *c, unsigned bank, unsigned page, uint8_t *img);
/** Start a wait of @p bound_ms, polling every 1/100 of it (cmis.c: the polls' limits). */
void cpo_cmis_wait_start(cpo_cmis_t *c, uint32_t bound_ms, cpo_cmis_wait_t *w);
/** The same, polling every 1/@p polls_per_bound of it. */
void cpo_cmis_wait_start_polling(cpo_cmis_t *c, uint32_t bound_ms, uint32_t polls_per_bound,
                                 cpo_cmis_wait_t *w);
/** CPO_OK after a poll period's sleep; once the bound has passed CPO_ERR_TIMEOUT with
 * w->expired set (a failed sleep returns the HAL's status, CPO_ERR_TIMEOUT too for a silent peer,
 * with w->expired clear). */
cpo_status_t cpo_cmis_wait_next(cpo_cmis_t *c, cpo_cmis_wait_t *w);
double cpo_cmis_wait_elapsed_ms(const cpo_cmis_t *c, const cpo_cmis_wait_t *w);
const char *cpo_cmis_module_state_text(unsigned state);
const char *cpo_cmis_dp_state_text(unsigned state);

#endif
