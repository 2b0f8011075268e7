/* The HAL's dispatch over a backend, and virtual time in nanoseconds: the host side of the
 * synchronisation, written once for every backend. */
#include "cpo/hal.h"

#include <assert.h>
#include <stdlib.h>

struct cpo_hal {
  const cpo_hal_ops_t *ops;
  void *self;
};

cpo_status_t cpo_hal_create(const cpo_hal_ops_t *ops, void *self, cpo_hal_t **out) {
  assert(ops && out);
  *out = NULL;
  cpo_hal_t *hal = calloc(1, sizeof *hal);
  if (!hal)
    return CPO_ERR_NO_MEMORY;
  hal->ops = ops;
  hal->self = self;
  *out = hal;
  return CPO_OK;
}

cpo_status_t cpo_hal_read(cpo_hal_t *hal, uint32_t addr, uint32_t *data) {
  return hal->ops->read32(hal->self, addr, data);
}

cpo_status_t cpo_hal_write(cpo_hal_t *hal, uint32_t addr, uint32_t data) {
  return hal->ops->write32(hal->self, addr, data);
}

cpo_status_t cpo_hal_sleep_cycles(cpo_hal_t *hal, uint64_t cycles) {
  return hal->ops->sleep_cycles(hal->self, cycles);
}

/* cycle time = symbols_per_cycle / baud_hz; 128-bit products keep hours of ns exact. */
uint64_t cpo_hal_ns_to_cycles(const cpo_hal_t *hal, uint64_t ns) {
  const cpo_config_t *c = cpo_hal_config(hal);
  unsigned __int128 num = (unsigned __int128)ns * c->baud_hz;
  unsigned __int128 den = (unsigned __int128)c->symbols_per_cycle * 1000000000u;
  return (uint64_t)((num + den - 1) / den);
}

cpo_status_t cpo_hal_sleep_ns(cpo_hal_t *hal, uint64_t ns) {
  return cpo_hal_sleep_cycles(hal, cpo_hal_ns_to_cycles(hal, ns));
}

uint64_t cpo_hal_now_cycles(const cpo_hal_t *hal) {
  return hal->ops->now_cycles(hal->self);
}

uint64_t cpo_hal_now_ns(const cpo_hal_t *hal) {
  const cpo_config_t *c = cpo_hal_config(hal);
  unsigned __int128 num =
      (unsigned __int128)cpo_hal_now_cycles(hal) * c->symbols_per_cycle * 1000000000u;
  return (uint64_t)(num / c->baud_hz);
}

const cpo_config_t *cpo_hal_config(const cpo_hal_t *hal) {
  return hal->ops->config(hal->self);
}

const char *cpo_hal_error(const cpo_hal_t *hal) {
  return hal->ops->error(hal->self);
}

void cpo_hal_close(cpo_hal_t **phal) {
  if (!phal || !*phal)
    return;
  if ((*phal)->ops->close)
    (*phal)->ops->close((*phal)->self);
  free(*phal);
  *phal = NULL;
}
