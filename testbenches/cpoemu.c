/* cpoemu: one program, three roles (rtl, model, host), run together or one by one.
 *
 *   cpoemu run [SCENARIO] [--transport inproc|ipc|tcp] [--quantum N] [--seed N] ...
 *   cpoemu rtl|model|host --endpoint URL [SCENARIO] [options]
 *   cpoemu keygen [--force] FILE
 *   cpoemu regress [LIST] [-j N] [--shard K/N] ...   (regress.c)
 *
 * Exit codes, whatever happens: 0 pass, 1 the run missed its expectations, 2 bad usage or
 * configuration (found before anything starts), 3 a peer or protocol failure, or interrupted.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "regress.h"
#include "roles.h"
#include "supervisor.h"

/* ---- entry ---------------------------------------------------------------------- */

static const char *s_self(const char *argv0) {
  static char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0)
    return argv0;
  path[n] = '\0';
  return path;
}

/* cpoemu keygen [--force] FILE */
static int s_keygen(int argc, char **argv) {
  bool force = false;
  const char *path = NULL;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      cpo_cli_usage(stdout, "keygen");
      return 0;
    }
    if (strcmp(argv[i], "--version") == 0) {
      cpo_cli_version();
      return 0;
    }
    if (strcmp(argv[i], "--force") == 0)
      force = true;
    else if (argv[i][0] == '-' || path) { /* a file named like an option: `./--x` says it is one */
      fprintf(stderr, "cpoemu keygen: unexpected '%s'; see `cpoemu keygen --help`\n", argv[i]);
      return 2;
    } else
      path = argv[i];
  }
  if (!path) {
    cpo_cli_usage(stderr, "keygen");
    return 2;
  }
  if (force) {
    char pub[4200];
    snprintf(pub, sizeof pub, "%s.pub", path);
    unlink(path);
    unlink(pub);
  }
  char why[300];
  if (cpo_curve_keygen(path, why, sizeof why) != CPO_OK) {
    fprintf(stderr, "cpoemu keygen: %s%s\n", why, force ? "" : " (--force replaces it)");
    return 2;
  }
  printf("wrote %s (keypair, owner only) and %s.pub (public key)\n", path, path);
  return 0;
}

/* Descriptors 0-2 open, so that no file this process opens becomes its stdout by accident. */
static void s_std_fds(void) {
  for (int fd = 0; fd < 3; fd++)
    if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
      return;
}

/* --print-scenario: the reproduce line and the parameters as a scenario file, with the timeline's
 * events; runs nothing. */
static int s_print_scenario(const cpo_cli_t *cli, const char *self) {
  char repro[6144];
  cpo_cli_repro(cli, self, repro, sizeof repro);
  printf("; reproduce with: %s\n", repro);
  cpo_params_write_ini(&cli->o, stdout);
  cpo_timeline_write_ini(&cli->o.timeline, stdout);
  return 0;
}

/* A role run alone needs an endpoint (an rtl on --direct with nobody to serve excepted), and
 * CURVE off the loopback: found here, not when the bind or connect fails, since a configuration
 * error is exit 2. 0 or 2. */
static int s_check_endpoint(const cpo_cli_t *cli, const char *cmd) {
  if (!cli->o.endpoint[0] && !(strcmp(cmd, "rtl") == 0 && cli->o.direct_loopback &&
                               !cli->o.with_host && !cli->o.allow_attach)) {
    fprintf(stderr, "cpoemu %s: --endpoint URL is required\n", cmd);
    return 2;
  }
  if (cli->o.endpoint[0] && !cli->o.curve.key_file && !cpo_endpoint_is_local(cli->o.endpoint)) {
    fprintf(stderr,
            "cpoemu %s: %s is not a loopback address: CURVE is required (--curve-key, and "
            "--curve-authorized on the rtl or --curve-server-key on the others)\n",
            cmd, cli->o.endpoint);
    return 2;
  }
  return 0;
}

/* Run @p cmd as parsed into @p cli: all roles (run), or the one named; the exit code. */
static int s_start(cpo_cli_t *cli, const char *cmd, const char *self) {
  cpo_supervisor_catch_stop_signals(); /* a run asked to stop ends its session and reports
                                          "interrupted" */
  char repro[6144];
  cpo_cli_repro(cli, self, repro, sizeof repro);
  if (!cli->o.quiet) {
    char where[200];
    cpo_placement_describe(&cli->placement, where, sizeof where);
    fprintf(stderr, "cpoemu[%s]: CPU placement: %s\n", cmd, where);
  }
  if (strcmp(cmd, "run") != 0)
    return cpo_supervisor_run_role(cli, cmd, repro);
  printf("cpoemu: reproduce with: %s\n", repro);
  fflush(stdout);
  int rc = strcmp(cli->transport, "inproc") == 0 ? cpo_supervisor_run_inproc(cli, repro)
                                                 : cpo_supervisor_run_processes(cli, self, repro);
  cpo_placement_release(&cli->placement);
  return rc;
}

int main(int argc, char **argv) {
  s_std_fds();
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    cpo_cli_usage(argc < 2 ? stderr : stdout, NULL);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    cpo_cli_version();
    return 0;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "keygen") == 0)
    return s_keygen(argc, argv);
  if (strcmp(cmd, "cmis") == 0)
    return cpo_cmis_cmd(argc, argv);
  if (strcmp(cmd, "regress") == 0)
    return cpo_regress_main(argc, argv, s_self(argv[0]));
  bool is_run = strcmp(cmd, "run") == 0;
  bool is_role = !strcmp(cmd, "rtl") || !strcmp(cmd, "model") || !strcmp(cmd, "host");
  if (!is_run && !is_role) {
    fprintf(stderr, "cpoemu: unknown command '%s'\n", cmd);
    cpo_cli_usage(stderr, NULL);
    return 2;
  }
  static cpo_cli_t cli;
  int rc = cpo_cli_parse(argc, argv, &cli);
  if (rc)
    return rc;
  if (cli.print_scenario)
    return s_print_scenario(&cli, s_self(argv[0]));
  if (!is_run && s_check_endpoint(&cli, cmd) != 0)
    return 2;
  return s_start(&cli, cmd, s_self(argv[0]));
}
