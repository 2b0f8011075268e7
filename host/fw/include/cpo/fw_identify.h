/* The built-in host firmware: identify the engine, let the link run until just before the end
 * of the run, then read every lane's lock state, error counters and monitor ADCs, exactly as
 * board firmware would. It sees the engine only through the HAL, so it runs the same on the
 * bridge and on the in-memory backend. */
#ifndef CPO_FW_IDENTIFY_H
#define CPO_FW_IDENTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpo/hal.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The fewest cycles of a run the program can do its work in (identify, read every lane). */
uint64_t cpo_fw_identify_min_cycles(const cpo_config_t *cfg);

/** Run the program on @p hal, printing its report ("host: ..." lines) to @p out. CPO_OK, or the
 * failing call's status with @p why saying what failed and the HAL's reason ("identification
 * failed: ..."). The HAL stays open. */
CPO_MUST_USE cpo_status_t cpo_fw_identify_run(cpo_hal_t *hal, FILE *out, char *why, size_t why_len);

#ifdef __cplusplus
}
#endif

#endif /* CPO_FW_IDENTIFY_H */
