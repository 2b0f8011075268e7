/* The HAL's in-memory backend: a register array with optional per-address callbacks, for
 * unit-testing firmware without a simulation (OpenTitan's mmio under MOCK_MMIO). Time is a
 * counter that sleeps advance; nothing else moves it. */
#ifndef CPO_HAL_MEM_H
#define CPO_HAL_MEM_H

#include <stdint.h>

#include "cpo/hal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cpo_hal_mem cpo_hal_mem_t;

/** Called instead of the array for a read of its address: set *data, or fail (CPO_ERR_BUS: the
 * design would answer SLVERR). */
typedef cpo_status_t (*cpo_hal_mem_read_fn)(void *user, uint32_t addr, uint32_t *data);
/** Called instead of the array for a write of its address. */
typedef cpo_status_t (*cpo_hal_mem_write_fn)(void *user, uint32_t addr, uint32_t data);

/** A HAL over registers at [0, span_bytes), all 0, at cycle 0, with configuration @p cfg (its
 * cycle time converts nanoseconds). An access outside the span or not 4-byte aligned is a bus
 * error (CPO_ERR_BUS). @p mem is the backend's handle for the test; cpo_hal_close(hal) frees
 * both. */
CPO_MUST_USE cpo_status_t cpo_hal_mem_create(const cpo_config_t *cfg, uint32_t span_bytes,
                                             cpo_hal_mem_t **mem, cpo_hal_t **hal);

/** Set a register as the design would (no callback runs). */
void cpo_hal_mem_poke(cpo_hal_mem_t *mem, uint32_t addr, uint32_t value);
/** A register's value in the array (what the last write or poke left). */
uint32_t cpo_hal_mem_peek(const cpo_hal_mem_t *mem, uint32_t addr);

/** Route reads / writes of @p addr through @p fn (NULL: the array again). CPO_ERR_RANGE if
 * @p addr is outside the span or unaligned. */
CPO_MUST_USE cpo_status_t cpo_hal_mem_on_read(cpo_hal_mem_t *mem, uint32_t addr,
                                              cpo_hal_mem_read_fn fn, void *user);
CPO_MUST_USE cpo_status_t cpo_hal_mem_on_write(cpo_hal_mem_t *mem, uint32_t addr,
                                               cpo_hal_mem_write_fn fn, void *user);

/** End the run at @p cycle, as the rtl's BYE would: a sleep past it stops there and it and
 * every later call return CPO_ERR_SIM_ENDED. */
void cpo_hal_mem_end_at(cpo_hal_mem_t *mem, uint64_t cycle);

/** Register reads and writes made so far (failed ones included). */
uint64_t cpo_hal_mem_accesses(const cpo_hal_mem_t *mem);

#ifdef __cplusplus
}
#endif

#endif /* CPO_HAL_MEM_H */
