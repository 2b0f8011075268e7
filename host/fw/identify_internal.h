/* What the built-in host firmware's two reports share (identify.c: the lanes design and the
 * dispatch; identify_engine.c: the engine). Not an interface: firmware-internal. */
#ifndef CPO_FW_IDENTIFY_INTERNAL_H
#define CPO_FW_IDENTIFY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpo/hal.h"

/** Fail with @p rc, @p why saying what failed and the HAL's reason. */
cpo_status_t cpo_fw_fail(cpo_hal_t *hal, cpo_status_t rc, const char *what, char *why,
                         size_t why_len);
/** Sleep until @p reserve_cycles before the end of the run (at once if that has passed). */
CPO_MUST_USE cpo_status_t cpo_fw_sleep_until_end(cpo_hal_t *hal, uint64_t reserve_cycles);
/** Print the monitor ADCs of @p lanes lanes from the ADC window at address @p window. */
CPO_MUST_USE cpo_status_t cpo_fw_print_monitors(cpo_hal_t *hal, uint32_t lanes, uint32_t window,
                                                FILE *out);

/** The engine's report (address 0 is its ASIC D2D endpoint). */
CPO_MUST_USE cpo_status_t cpo_fw_identify_engine(cpo_hal_t *hal, FILE *out, char *why,
                                                 size_t why_len);
/** The cycles the engine's end-of-run reads need, for @p media_lanes media lanes. */
uint64_t cpo_fw_engine_reserve_cycles(uint32_t media_lanes);

#endif /* CPO_FW_IDENTIFY_INTERNAL_H */
