/* A HAL that records every access of another (cpo_cmis_trace_hal): the register trace the C and
 * Python drivers are compared by (cpoemu_cmis.TracingClient writes the same lines). */
#include <inttypes.h>
#include <stdlib.h>

#include "cpo/cmis.h"

typedef struct {
  cpo_hal_t *inner;
  FILE *out;
} s_trace_t;

/* "@CYCLE K 0xADDR 0xDATA[ error N]": CYCLE when the access started (a read's DATA is 0 if it
 * failed). */
static cpo_status_t s_line(s_trace_t *t, uint64_t cycle, char kind, uint32_t addr, uint32_t data,
                           cpo_status_t rc) {
  fprintf(t->out, "@%" PRIu64 " %c 0x%08" PRIx32 " 0x%08" PRIx32, cycle, kind, addr, data);
  if (rc != CPO_OK)
    fprintf(t->out, " error %d", (int)rc);
  fputc('\n', t->out);
  return rc;
}

static cpo_status_t s_read(void *self, uint32_t addr, uint32_t *data) {
  s_trace_t *t = self;
  uint64_t cycle = cpo_hal_now_cycles(t->inner);
  uint32_t v = 0;
  cpo_status_t rc = cpo_hal_read(t->inner, addr, &v);
  if (rc == CPO_OK)
    *data = v;
  return s_line(t, cycle, 'R', addr, v, rc);
}

static cpo_status_t s_write(void *self, uint32_t addr, uint32_t data) {
  s_trace_t *t = self;
  uint64_t cycle = cpo_hal_now_cycles(t->inner);
  return s_line(t, cycle, 'W', addr, data, cpo_hal_write(t->inner, addr, data));
}

static cpo_status_t s_sleep(void *self, uint64_t cycles) {
  s_trace_t *t = self;
  fprintf(t->out, "@%" PRIu64 " S %" PRIu64 "\n", cpo_hal_now_cycles(t->inner), cycles);
  return cpo_hal_sleep_cycles(t->inner, cycles);
}

static uint64_t s_now(const void *self) {
  return cpo_hal_now_cycles(((const s_trace_t *)self)->inner);
}

static const cpo_config_t *s_config(const void *self) {
  return cpo_hal_config(((const s_trace_t *)self)->inner);
}

static const char *s_error(const void *self) {
  return cpo_hal_error(((const s_trace_t *)self)->inner);
}

static void s_close(void *self) {
  s_trace_t *t = self;
  fflush(t->out);
  free(t);
}

static const cpo_hal_ops_t s_ops = {.read32 = s_read,
                                    .write32 = s_write,
                                    .sleep_cycles = s_sleep,
                                    .now_cycles = s_now,
                                    .config = s_config,
                                    .error = s_error,
                                    .close = s_close};

cpo_status_t cpo_cmis_trace_hal(cpo_hal_t *inner, FILE *out, cpo_hal_t **traced) {
  *traced = NULL;
  s_trace_t *t = calloc(1, sizeof *t);
  if (!t)
    return CPO_ERR_NO_MEMORY;
  *t = (s_trace_t){.inner = inner, .out = out};
  cpo_status_t rc = cpo_hal_create(&s_ops, t, traced);
  if (rc != CPO_OK)
    free(t);
  return rc;
}
