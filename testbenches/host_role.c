/* The host role: attach to the rtl through the HAL's bridge backend and run the built-in
 * firmware (host/fw: identify the engine, let the link run, read every lane). */
#include <stdio.h>

#include "cpo/fw_identify.h"
#include "cpo/hal.h"
#include "cpo/log.h"
#include "roles.h"

uint64_t cpo_role_host_min_cycles(const cpo_config_t *cfg) {
  return cpo_fw_identify_min_cycles(cfg);
}

int cpo_role_host(const cpo_run_opts_t *o) {
  char why[400];
  cpo_bridge_cfg_t bc = {.endpoint = o->endpoint,
                         .role = CPO_ROLE_HOST,
                         .adopt_config = true,
                         .timeout_ms = o->timeout_ms,
                         .context = o->context,
                         .curve = o->curve};
  cpo_hal_t *hal = NULL;
  if (cpo_hal_open(&bc, &hal, why, sizeof why) != CPO_OK) {
    cpo_log(CPO_LOG_ERROR, "host", "cannot attach: %s", why);
    return 3;
  }
  cpo_status_t rc = cpo_fw_identify_run(hal, stdout, why, sizeof why);
  /* Quietly when the run is being stopped: a failing call is then what stopping looks like. */
  if (rc != CPO_OK && !(o->stop && *o->stop))
    cpo_log(CPO_LOG_ERROR, "host", "%s", why);
  cpo_hal_close(&hal);
  return rc == CPO_OK ? 0 : 3;
}
