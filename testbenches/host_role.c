/* The host role: the scenario's host program ([host] program), attached to the rtl as its host:
 * - firmware: the built-in firmware (host/fw: cpo_fw_identify_run: identify the engine, bring a
 *   dark one up, let the link run, read every lane);
 * - cmis: the CMIS bring-up alone (host/cmis: cpo_cmis_bringup: every lane to DPActivated, each
 *   wait bounded as the module advertises), then it detaches and the run goes on;
 * - cmis+firmware: a real board's flow from dark (s_board): the engine's firmware boots, the
 *   CMIS host brings the module up with the firmware answering DPInit (host/fw: cpo/fw_dpinit.h),
 *   then the firmware supervises to the end of the run, which ends with firmware's report;
 * - python: /usr/bin/python3 SCRIPT ENDPOINT, with the Python client on its path
 *   (host/python/cpoemu_client.py and the generated register modules), over ipc or tcp;
 * - none: no host (the rtl expects none: cpo_params_settle). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpo/cmis.h"
#include "cpo/fw_dpinit.h"
#include "cpo/fw_identify.h"
#include "cpo/hal.h"
#include "cpo/log.h"
#include "roles.h"

uint64_t cpo_role_host_min_cycles(const cpo_config_t *cfg) {
  return cpo_fw_identify_min_cycles(cfg);
}

/* The CMIS bring-up on AppSel 1, said in a line. */
static cpo_status_t s_cmis_bringup(cpo_hal_t *hal, char *why, size_t why_len) {
  cpo_cmis_t *c = NULL;
  cpo_status_t rc = cpo_cmis_create(hal, CPO_CMIS_ENGINE_BASE, &c);
  if (rc != CPO_OK) {
    snprintf(why, why_len, "CMIS: cannot create the driver");
    return rc;
  }
  const uint64_t t0 = cpo_hal_now_ns(hal);
  rc = cpo_cmis_bringup(c, 1);
  if (rc == CPO_OK)
    printf("cpoemu[host]: CMIS bring-up: %u lanes DPActivated on AppSel 1 in %.3f ms of simulated "
           "time\n",
           cpo_cmis_info(c)->lanes, (double)(cpo_hal_now_ns(hal) - t0) / 1e6);
  else
    snprintf(why, why_len, "CMIS bring-up: %s", cpo_cmis_error(c));
  fflush(stdout);
  cpo_cmis_destroy(&c);
  return rc;
}

/* The board's flow (cmis+firmware). The CMIS host and the engine's firmware share the one HAL
 * connection in virtual time, so they run cooperatively: the CMIS driver's wait loop calls the
 * firmware's service round at every poll (cpo_cmis_set_poll), which is where the firmware sees
 * CAL_REQ and calibrates; after the bring-up the firmware alone runs, supervising. The order of
 * every access is fixed by the simulated time alone: the same decisions on every transport. */
typedef struct {
  cpo_fw_dpinit_t *dp;
  uint64_t end_cycles; /* the firmware's work ends here: the end-of-run reads follow */
} board_t;

static cpo_status_t s_board_poll(void *arg, uint64_t next_poll_cycles) {
  (void)next_poll_cycles; /* a calibration takes as long as it takes; the wait sleeps the rest */
  const board_t *b = arg;
  return cpo_fw_dpinit_poll(b->dp, b->end_cycles);
}

/* Read and name the latched CMIS flags a host would see (clears them). */
static void s_print_flags(cpo_cmis_t *c) {
  cpo_cmis_flags_t f;
  char text[600];
  if (cpo_cmis_flags(c, &f) != CPO_OK)
    return;
  cpo_cmis_flags_describe(&f, text, sizeof text);
  printf("cpoemu[host]: CMIS flags: %s\n", text);
}

static cpo_status_t s_board(cpo_hal_t *hal, char *why, size_t why_len) {
  const cpo_config_t *cfg = cpo_hal_config(hal);
  const uint64_t reserve = 2 * cpo_fw_identify_min_cycles(cfg); /* end reads, with margin */
  board_t b = {.end_cycles = cfg->total_cycles > reserve ? cfg->total_cycles - reserve : 0};
  cpo_fw_t *fw = NULL;
  cpo_cmis_t *c = NULL;
  cpo_status_t rc = cpo_fw_create(hal, &fw);
  if (rc == CPO_OK)
    rc = cpo_fw_dpinit_create(fw, &b.dp);
  if (rc == CPO_OK)
    rc = cpo_cmis_create(hal, CPO_CMIS_ENGINE_BASE, &c);
  if (rc != CPO_OK) {
    snprintf(why, why_len, "cannot create the firmware or the CMIS driver: %s", cpo_status_str(rc));
    goto out;
  }
  if ((rc = cpo_fw_dpinit_boot(b.dp)) != CPO_OK) {
    snprintf(why, why_len, "firmware boot: %.300s", cpo_fw_dpinit_report(b.dp)->failure);
    goto out;
  }
  cpo_cmis_set_poll(c, s_board_poll, &b);
  const uint64_t t0 = cpo_hal_now_ns(hal);
  rc = cpo_cmis_bringup(c, 1);
  cpo_cmis_set_poll(c, NULL, NULL);
  if (rc == CPO_OK) {
    printf("cpoemu[host]: CMIS bring-up from dark: %u lanes DPActivated on AppSel 1 in %.3f ms of "
           "simulated time, DPInit answered by the firmware\n",
           cpo_cmis_info(c)->lanes, (double)(cpo_hal_now_ns(hal) - t0) / 1e6);
    fflush(stdout);
    rc = cpo_fw_dpinit_supervise(b.dp, b.end_cycles);
    if (rc != CPO_OK)
      snprintf(why, why_len, "firmware supervision: %s", cpo_hal_error(hal));
  } else {
    snprintf(why, why_len, "CMIS bring-up: %.200s%s%.180s", cpo_cmis_error(c),
             cpo_fw_dpinit_report(b.dp)->failure[0] ? "; firmware: " : "",
             cpo_fw_dpinit_report(b.dp)->failure);
    s_print_flags(c);
  }
  cpo_fw_dpinit_print(cpo_fw_dpinit_report(b.dp), stdout);
  if (rc == CPO_OK)
    rc = cpo_fw_identify_run(hal, stdout, why, why_len); /* the end-of-run tables */
out:
  fflush(stdout);
  cpo_cmis_destroy(&c);
  cpo_fw_dpinit_destroy(&b.dp);
  cpo_fw_destroy(&fw);
  return rc;
}

/* PYTHONPATH for the script: the client and the generated registers of this build, before
 * whatever the environment had. */
static void s_python_path(void) {
  char path[4096];
  const char *old = getenv("PYTHONPATH");
  snprintf(path, sizeof path, "%s/host/python:%s/host/python:%s/rtl/generated%s%s", CPO_SOURCE_DIR,
           CPO_BINARY_DIR, CPO_BINARY_DIR, old && *old ? ":" : "", old ? old : "");
  setenv("PYTHONPATH", path, 1);
}

/* Run the scenario's Python script against the rtl's endpoint; its exit code (0 done). */
static int s_python(const cpo_run_opts_t *o) {
  if (strncmp(o->endpoint, "inproc://", 9) == 0) {
    cpo_log(CPO_LOG_ERROR, "host", "a Python host needs the ipc or tcp transport, not inproc");
    return 3;
  }
  pid_t pid = fork();
  if (pid < 0) {
    cpo_log(CPO_LOG_ERROR, "host", "cannot start %s: %s", o->host_script, strerror(errno));
    return 3;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* the script dies with its run */
    s_python_path();
    execl("/usr/bin/python3", "python3", o->host_script, o->endpoint, (char *)NULL);
    fprintf(stderr, "cpoemu[host]: cannot run /usr/bin/python3 %s: %s\n", o->host_script,
            strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (!(o->stop && *o->stop))
    cpo_log(CPO_LOG_ERROR, "host", "the host script %s %s %d", o->host_script,
            WIFEXITED(status) ? "exited with" : "was killed by signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  return 3;
}

int cpo_role_host(const cpo_run_opts_t *o) {
  if (o->host_program == CPO_HOST_PYTHON)
    return s_python(o);
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
  cpo_status_t rc = o->host_program == CPO_HOST_CMIS ? s_cmis_bringup(hal, why, sizeof why)
                    : o->host_program == CPO_HOST_CMIS_FW
                        ? s_board(hal, why, sizeof why)
                        : cpo_fw_identify_run(hal, stdout, why, sizeof why);
  /* Quietly when the run is being stopped: a failing call is then what stopping looks like. */
  if (rc != CPO_OK && !(o->stop && *o->stop))
    cpo_log(CPO_LOG_ERROR, "host", "%s", why);
  cpo_hal_close(&hal);
  return rc == CPO_OK ? 0 : 3;
}
