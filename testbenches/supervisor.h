/* The supervisor of a run's roles: as threads of this process (inproc) or as one process each
 * (ipc, tcp), spawned with the run's configuration in full. It names the first cause of a
 * failure once, ends roles that froze (stopped for a timeout) or do not stop, stops the roles on
 * a signal or a closed stdout (the run is then "interrupted"), and returns the exit code: 0 pass,
 * 1 expectations missed, 2 bad configuration, 3 a peer or protocol failure, or interrupted. */
#ifndef CPO_SUPERVISOR_H
#define CPO_SUPERVISOR_H

#include "cli.h"

/** SIGINT, SIGTERM and SIGHUP stop the run as "interrupted", with its results written; a second
 * one ends the process at once. A closed stdout stops it the same way (SIGPIPE is ignored). */
void cpo_supervisor_catch_stop_signals(void);
/** Run all roles as threads of this process; the exit code. */
int cpo_supervisor_run_inproc(cpo_cli_t *cli, const char *repro);
/** Run all roles as processes of @p self (this program) over cli->transport; the exit code. */
int cpo_supervisor_run_processes(cpo_cli_t *cli, const char *self, const char *repro);
/** Run the one role @p cmd ("rtl", "model", "host") in this process; the exit code. */
int cpo_supervisor_run_role(cpo_cli_t *cli, const char *cmd, const char *repro);

#endif
