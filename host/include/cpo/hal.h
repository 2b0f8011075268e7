/* The firmware's view of the engine: register access and time, nothing else.
 *
 * A HAL is an operations table (cpo_hal_ops_t) over a backend, as OpenTitan's mmio with
 * MOCK_MMIO: the bridge backend (cpo_hal_open) attaches to a running simulation; the in-memory
 * backend (cpo/hal_mem.h) is a register array for unit-testing firmware without one. Firmware
 * calls the cpo_hal_* functions and never knows which it runs on.
 *
 * Time is virtual: it advances only while the caller is blocked in one of these calls, so
 * firmware that polls a status bit behaves identically on every run, and a 100 ms timeout
 * costs 100 ms of simulated time, not of wall time. Nanoseconds convert to cycles here, once,
 * for every backend (a cycle is symbols_per_cycle / baud_hz).
 *
 * On the bridge, between calls simulated time stands still, however long the firmware
 * computes: a thread started by cpo_hal_open keeps the session alive meanwhile, and what the
 * rtl says in that time (the run ended, an ERROR) is returned by the next call. One thread
 * makes the calls. */
#ifndef CPO_HAL_H
#define CPO_HAL_H

#include <stdint.h>

#include "cpo/bridge.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a backend provides. Each fallible operation leaves the backend's error text (error())
 * saying why it failed; on error a read leaves *data unchanged. */
typedef struct {
  cpo_status_t (*read32)(void *self, uint32_t addr, uint32_t *data);
  cpo_status_t (*write32)(void *self, uint32_t addr, uint32_t data);
  /** Let @p cycles datapath cycles of simulated time pass. */
  cpo_status_t (*sleep_cycles)(void *self, uint64_t cycles);
  /** Simulated time now, in datapath cycles. */
  uint64_t (*now_cycles)(const void *self);
  /** The run's configuration (cycle time: symbols_per_cycle / baud_hz). */
  const cpo_config_t *(*config)(const void *self);
  /** Text of the last failure ("" if none). */
  const char *(*error)(const void *self);
  /** Release the backend (for the bridge: detach with BYE). */
  void (*close)(void *self);
} cpo_hal_ops_t;

typedef struct cpo_hal cpo_hal_t;

/** A HAL over backend @p self with operations @p ops (which must outlive it). */
CPO_MUST_USE cpo_status_t cpo_hal_create(const cpo_hal_ops_t *ops, void *self, cpo_hal_t **out);

/** Attach to the rtl at cfg->endpoint as the host (the bridge backend). @p why names the cause
 * on failure. */
CPO_MUST_USE cpo_status_t cpo_hal_open(const cpo_bridge_cfg_t *cfg, cpo_hal_t **out, char *why,
                                       size_t why_len);

/** Read a 32-bit register. On error *data is unchanged and cpo_hal_error() says why
 * (CPO_ERR_BUS: the design answered SLVERR; CPO_ERR_SIM_ENDED: the run ended first). */
CPO_MUST_USE cpo_status_t cpo_hal_read(cpo_hal_t *hal, uint32_t addr, uint32_t *data);
/** Write a 32-bit register; completes when the bus transaction completes in the RTL. */
CPO_MUST_USE cpo_status_t cpo_hal_write(cpo_hal_t *hal, uint32_t addr, uint32_t data);
/** Let @p cycles datapath cycles of simulated time pass. */
CPO_MUST_USE cpo_status_t cpo_hal_sleep_cycles(cpo_hal_t *hal, uint64_t cycles);
/** Let at least @p ns nanoseconds of simulated time pass (rounded up to whole cycles). */
CPO_MUST_USE cpo_status_t cpo_hal_sleep_ns(cpo_hal_t *hal, uint64_t ns);

/** Simulated time now, in datapath cycles and in nanoseconds (rounded down). */
uint64_t cpo_hal_now_cycles(const cpo_hal_t *hal);
uint64_t cpo_hal_now_ns(const cpo_hal_t *hal);
/** Cycles in @p ns nanoseconds of simulated time, rounded up. */
uint64_t cpo_hal_ns_to_cycles(const cpo_hal_t *hal, uint64_t ns);

const cpo_config_t *cpo_hal_config(const cpo_hal_t *hal);
/** Text of the last failure ("" if none). */
const char *cpo_hal_error(const cpo_hal_t *hal);

/** Close the backend and free; safe on NULL, sets *hal = NULL. */
void cpo_hal_close(cpo_hal_t **hal);

#ifdef __cplusplus
}
#endif

#endif
