/* cpoemu's command line: the usage text, the options (the run's parameters from params.def,
 * and the process options: transport, endpoint, outputs, CPU placement, CURVE), the checks
 * made before anything starts (exit 2), and the reproduce line. */
#ifndef CPO_CLI_H
#define CPO_CLI_H

#include <stdio.h>

#include "cpo/placement.h"
#include "params.h"

/** The parsed command line. */
typedef struct {
  cpo_run_opts_t o;
  char transport[16];
  bool transport_given;
  char json[1024];
  bool json_given;
  char trace[1024];
  char model_trace[1100];
  char placement_spec[16]; /* --cpu-placement */
  cpo_placement_t placement;
  bool print_scenario; /* print the parameters as a scenario and the reproduce line; run nothing */
} cpo_cli_t;

/** The most arguments cpo_cli_run_args adds. */
#define CPO_CLI_MAX_RUN_ARGS (2 * CPO_PARAMS_N + 8)

/** `cpoemu cmis SUBCOMMAND ...` (cmis_cmd.c): the CMIS host driver as a tool; the exit code. */
int cpo_cmis_cmd(int argc, char **argv);
/** The usage of @p cmd (NULL: of cpoemu) to @p f. */
void cpo_cli_usage(FILE *f, const char *cmd);
/** Print the version and git revision. */
void cpo_cli_version(void);
/** Parse argv[2..] of `cpoemu argv[1]` into @p cli (the scenario, then the options over it) and
 * check the configuration; 0, or 2 with the problem named on stderr (--help, --version: exit 0). */
int cpo_cli_parse(int argc, char **argv, cpo_cli_t *cli);
/** Append a run's configuration as options (the transport, every parameter, --direct,
 * --allow-attach) to @p argv from index @p n, values in @p buf; the new count. */
int cpo_cli_run_args(const cpo_cli_t *cli, char **argv, int n, char buf[][CPO_PARAMS_ARG_MAX]);
/** The one line that reproduces this run, as `@p self run ...`. */
void cpo_cli_repro(const cpo_cli_t *cli, const char *self, char *out, size_t len);

#endif
