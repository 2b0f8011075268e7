/* The HAL's in-memory backend (see cpo/hal_mem.h). */
#include "cpo/hal_mem.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  cpo_hal_mem_read_fn read;
  void *read_user;
  cpo_hal_mem_write_fn write;
  void *write_user;
} hook_t;

struct cpo_hal_mem {
  cpo_config_t config;
  uint32_t words; /* span / 4 */
  uint32_t *regs; /* [words] */
  hook_t *hooks;  /* [words] */
  uint64_t now;   /* cycles */
  uint64_t end;   /* the run ends here (UINT64_MAX: never) */
  uint64_t accesses;
  char error[160];
};

static bool s_word(const cpo_hal_mem_t *m, uint32_t addr, uint32_t *word) {
  if (addr % 4 != 0 || addr / 4 >= m->words)
    return false;
  *word = addr / 4;
  return true;
}

/* The run has ended (cpo_hal_mem_end_at): every call says so. */
static bool s_ended(cpo_hal_mem_t *m) {
  if (m->now < m->end)
    return false;
  snprintf(m->error, sizeof m->error, "the run ended at cycle %llu", (unsigned long long)m->end);
  return true;
}

/* Check an access; CPO_OK with *word set, or the failure with its text. */
static cpo_status_t s_access(cpo_hal_mem_t *m, bool write, uint32_t addr, uint32_t *word) {
  m->accesses++;
  m->error[0] = '\0';
  if (s_ended(m))
    return CPO_ERR_SIM_ENDED;
  if (!s_word(m, addr, word)) {
    snprintf(m->error, sizeof m->error, "bus error %s 0x%04x at cycle %llu",
             write ? "writing" : "reading", addr, (unsigned long long)m->now);
    return CPO_ERR_BUS;
  }
  return CPO_OK;
}

static cpo_status_t s_mem_read32(void *self, uint32_t addr, uint32_t *data) {
  cpo_hal_mem_t *m = self;
  uint32_t w;
  CPO_TRY(s_access(m, false, addr, &w));
  const hook_t *h = &m->hooks[w];
  if (!h->read) {
    *data = m->regs[w];
    return CPO_OK;
  }
  uint32_t v = 0;
  cpo_status_t rc = h->read(h->read_user, addr, &v);
  if (rc != CPO_OK) {
    snprintf(m->error, sizeof m->error, "bus error reading 0x%04x at cycle %llu", addr,
             (unsigned long long)m->now);
    return rc;
  }
  *data = v;
  return CPO_OK;
}

static cpo_status_t s_mem_write32(void *self, uint32_t addr, uint32_t data) {
  cpo_hal_mem_t *m = self;
  uint32_t w;
  CPO_TRY(s_access(m, true, addr, &w));
  const hook_t *h = &m->hooks[w];
  if (!h->write) {
    m->regs[w] = data;
    return CPO_OK;
  }
  cpo_status_t rc = h->write(h->write_user, addr, data);
  if (rc != CPO_OK)
    snprintf(m->error, sizeof m->error, "bus error writing 0x%04x at cycle %llu", addr,
             (unsigned long long)m->now);
  return rc;
}

static cpo_status_t s_mem_sleep_cycles(void *self, uint64_t cycles) {
  cpo_hal_mem_t *m = self;
  m->error[0] = '\0';
  if (s_ended(m))
    return CPO_ERR_SIM_ENDED;
  m->now = cycles < m->end - m->now ? m->now + cycles : m->end;
  return s_ended(m) ? CPO_ERR_SIM_ENDED : CPO_OK;
}

static uint64_t s_mem_now_cycles(const void *self) {
  return ((const cpo_hal_mem_t *)self)->now;
}

static const cpo_config_t *s_mem_config(const void *self) {
  return &((const cpo_hal_mem_t *)self)->config;
}

static const char *s_mem_error(const void *self) {
  return ((const cpo_hal_mem_t *)self)->error;
}

static void s_mem_close(void *self) {
  cpo_hal_mem_t *m = self;
  free(m->regs);
  free(m->hooks);
  free(m);
}

static const cpo_hal_ops_t s_ops = {.read32 = s_mem_read32,
                                    .write32 = s_mem_write32,
                                    .sleep_cycles = s_mem_sleep_cycles,
                                    .now_cycles = s_mem_now_cycles,
                                    .config = s_mem_config,
                                    .error = s_mem_error,
                                    .close = s_mem_close};

cpo_status_t cpo_hal_mem_create(const cpo_config_t *cfg, uint32_t span_bytes, cpo_hal_mem_t **mem,
                                cpo_hal_t **hal) {
  *mem = NULL;
  *hal = NULL;
  if (span_bytes < 4 || cfg->baud_hz == 0 || cfg->symbols_per_cycle == 0)
    return CPO_ERR_INVALID_ARG;
  cpo_hal_mem_t *m = calloc(1, sizeof *m);
  if (!m)
    return CPO_ERR_NO_MEMORY;
  m->config = *cfg;
  m->words = span_bytes / 4;
  m->end = UINT64_MAX;
  m->regs = calloc(m->words, sizeof *m->regs);
  m->hooks = calloc(m->words, sizeof *m->hooks);
  cpo_status_t rc = m->regs && m->hooks ? cpo_hal_create(&s_ops, m, hal) : CPO_ERR_NO_MEMORY;
  if (rc != CPO_OK) {
    s_mem_close(m);
    return rc;
  }
  *mem = m;
  return CPO_OK;
}

void cpo_hal_mem_poke(cpo_hal_mem_t *mem, uint32_t addr, uint32_t value) {
  uint32_t w;
  bool ok = s_word(mem, addr, &w);
  assert(ok && "poke outside the register span");
  if (ok)
    mem->regs[w] = value;
}

uint32_t cpo_hal_mem_peek(const cpo_hal_mem_t *mem, uint32_t addr) {
  uint32_t w;
  bool ok = s_word(mem, addr, &w);
  assert(ok && "peek outside the register span");
  return ok ? mem->regs[w] : 0;
}

cpo_status_t cpo_hal_mem_on_read(cpo_hal_mem_t *mem, uint32_t addr, cpo_hal_mem_read_fn fn,
                                 void *user) {
  uint32_t w;
  if (!s_word(mem, addr, &w))
    return CPO_ERR_RANGE;
  mem->hooks[w].read = fn;
  mem->hooks[w].read_user = user;
  return CPO_OK;
}

cpo_status_t cpo_hal_mem_on_write(cpo_hal_mem_t *mem, uint32_t addr, cpo_hal_mem_write_fn fn,
                                  void *user) {
  uint32_t w;
  if (!s_word(mem, addr, &w))
    return CPO_ERR_RANGE;
  mem->hooks[w].write = fn;
  mem->hooks[w].write_user = user;
  return CPO_OK;
}

void cpo_hal_mem_end_at(cpo_hal_mem_t *mem, uint64_t cycle) {
  mem->end = cycle;
}

uint64_t cpo_hal_mem_accesses(const cpo_hal_mem_t *mem) {
  return mem->accesses;
}
