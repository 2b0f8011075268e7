#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpo_version.h"
#include "roles.h"
#include "sc_design.h"
#include "scenario.h"

/* The run's configuration, read by every role: the parameters, each overriding a scenario key. */
static void s_help_config(FILE *f) {
  fputs("  SCENARIO                     an INI file of the keys below (default: their defaults,\n"
        "                               as testbenches/scenarios/default.ini writes them)\n",
        f);
  cpo_params_usage(f);
}
static const char s_help_common[] =
    "  --quiet                      no progress lines\n"
    "  --cpu-placement auto|off|N   the rtl's simulation thread alone on CPU N, model, host and\n"
    "                               ZeroMQ threads on the other CPUs (auto: a CPU no other\n"
    "                               cpoemu run's simulation holds, if >= 2 CPUs; else off)\n"
    "  --print-scenario             print the parameters as read (the scenario, then the\n"
    "                               options) as a scenario file, and the reproduce line; run\n"
    "                               nothing\n"
    "  --help, --version            this text; the version and git revision\n";
static const char s_help_result[] =
    "  --json FILE                  write the result as JSON\n"
    "  --trace FILE.fst             write FST waveforms of the RTL (slow); run also writes the\n"
    "                               model's (optical power, detuning, ...) to FILE.model.fst\n";

static void s_usage_cpoemu(FILE *f) {
  fputs("usage: cpoemu run [SCENARIO] [options]          run all roles (default scenario if none)\n"
        "       cpoemu rtl|model|host --endpoint URL [SCENARIO] [options]   run one role\n"
        "       cpoemu cmis SUBCOMMAND --endpoint URL    CMIS host tools (bringup, dump, ...)\n"
        "       cpoemu keygen [--force] FILE             write a CURVE keypair (FILE, FILE.pub)\n"
        "       cpoemu regress [LIST] [-j N] [--shard K/N]   a matrix of scenarios x seeds\n"
        "       cpoemu --version                         the version and git revision\n"
        "`cpoemu COMMAND --help` lists a command's options.\n"
        "Exit codes: 0 pass, 1 expectations missed, 2 bad usage or configuration, 3 a peer or\n"
        "protocol failure, or interrupted.\n",
        f);
}

static void s_usage_run(FILE *f) {
  fputs("usage: cpoemu run [SCENARIO] [options]\n"
        "Runs the rtl, the model and the built-in host together, and says PASS or FAIL.\n"
        "  --transport inproc|ipc|tcp   threads of one process (default), or three processes\n"
        "                               over a private ipc socket or tcp://127.0.0.1\n",
        f);
  s_help_config(f);
  fputs("  --direct                     no model: RX = TX delayed by L (baseline)\n"
        "  --allow-attach               without the host: let one attach mid-run (else refused)\n",
        f);
  fputs(s_help_result, f);
  fputs(s_help_common, f);
}

static void s_usage_rtl(FILE *f) {
  fputs("usage: cpoemu rtl --endpoint URL [SCENARIO] [options]\n"
        "The verilated lane RTL and the bridge server: binds URL, waits for its peers.\n"
        "  --endpoint URL               ipc://PATH or tcp://HOST:PORT to bind\n",
        f);
  s_help_config(f);
  fputs("  --direct                     no model: RX = TX delayed by L (baseline); a host may\n"
        "                               drive it\n"
        "  --allow-attach               without a host: let one attach mid-run (else refused)\n"
        "  --curve-key F --curve-authorized F   CURVE for tcp: our keypair, the client keys\n",
        f);
  fputs(s_help_result, f);
  fputs(s_help_common, f);
}

static void s_usage_model(FILE *f) {
  fputs("usage: cpoemu model --endpoint URL [SCENARIO] [options]\n"
        "The engine's analog world (lasers, modulators, fibre, receivers) beside an rtl.\n"
        "  --endpoint URL               the rtl's endpoint to connect to\n",
        f);
  s_help_config(f);
  fputs("  --model-trace FILE.fst       write the model's waveforms to FILE.fst\n"
        "  --curve-key F --curve-server-key F   CURVE for tcp: our keypair, the rtl's public key\n",
        f);
  fputs(s_help_common, f);
}

static void s_usage_host(FILE *f) {
  fputs("usage: cpoemu host --endpoint URL [options]\n"
        "The built-in host firmware: identifies the engine, lets the link run, reads every\n"
        "lane's counters and monitors. It adopts the rtl's configuration.\n"
        "  --endpoint URL               the rtl's endpoint to connect to\n"
        "  --timeout-ms N               a silent rtl is declared dead after N ms\n"
        "  --curve-key F --curve-server-key F   CURVE for tcp: our keypair, the rtl's public key\n",
        f);
  fputs(s_help_common, f);
}

static void s_usage_keygen(FILE *f) {
  fputs("usage: cpoemu keygen [--force] FILE\n"
        "Writes a CURVE keypair: FILE (public and secret key, mode 0600) and FILE.pub.\n"
        "  --force                      replace FILE and FILE.pub if they exist\n",
        f);
}

void cpo_cli_usage(FILE *f, const char *cmd) {
  static const struct {
    const char *cmd;
    void (*usage)(FILE *);
  } usages[] = {{"run", s_usage_run},
                {"rtl", s_usage_rtl},
                {"model", s_usage_model},
                {"host", s_usage_host},
                {"keygen", s_usage_keygen}};
  if (!cmd) {
    s_usage_cpoemu(f);
    return;
  }
  for (size_t i = 0; i < sizeof usages / sizeof usages[0]; i++)
    if (strcmp(cmd, usages[i].cmd) == 0)
      usages[i].usage(f);
}

void cpo_cli_version(void) {
  printf("cpoemu %s (git %s)\n", CPO_VERSION, CPO_GIT_REVISION);
}

enum {
  OPT_TRANSPORT = 256,
  OPT_ENDPOINT,
  OPT_JSON,
  OPT_TRACE,
  OPT_DIRECT,
  OPT_QUIET,
  OPT_READY_FD,
  OPT_CURVE_KEY,
  OPT_CURVE_SERVER,
  OPT_CURVE_AUTH,
  OPT_HELP,
  OPT_MODEL_TRACE,
  OPT_CPU_PLACEMENT,
  OPT_ALLOW_ATTACH,
  OPT_VERSION,
  OPT_PRINT_SCENARIO,
  OPT_PARAM = 1024 /* + 2 i: the i-th parameter's option; + 1: a BOOL's --no- option */
};

static const struct option s_fixed_options[] = {
    {"transport", required_argument, 0, OPT_TRANSPORT},
    {"endpoint", required_argument, 0, OPT_ENDPOINT},
    {"json", required_argument, 0, OPT_JSON},
    {"trace", required_argument, 0, OPT_TRACE},
    {"direct", no_argument, 0, OPT_DIRECT},
    {"quiet", no_argument, 0, OPT_QUIET},
    {"ready-fd", required_argument, 0, OPT_READY_FD},
    {"curve-key", required_argument, 0, OPT_CURVE_KEY},
    {"curve-server-key", required_argument, 0, OPT_CURVE_SERVER},
    {"curve-authorized", required_argument, 0, OPT_CURVE_AUTH},
    {"model-trace", required_argument, 0, OPT_MODEL_TRACE},
    {"cpu-placement", required_argument, 0, OPT_CPU_PLACEMENT},
    {"allow-attach", no_argument, 0, OPT_ALLOW_ATTACH},
    {"help", no_argument, 0, OPT_HELP},
    {"version", no_argument, 0, OPT_VERSION},
    {"print-scenario", no_argument, 0, OPT_PRINT_SCENARIO}};
#define N_FIXED (sizeof s_fixed_options / sizeof s_fixed_options[0])

/* getopt's table: the fixed options, then each parameter's (a BOOL's two), then the end. */
static struct option s_options[N_FIXED + 2 * CPO_PARAMS_N + 1];
static char s_option_names[2 * CPO_PARAMS_N][64];

static void s_options_init(void) {
  memcpy(s_options, s_fixed_options, sizeof s_fixed_options);
  size_t n = N_FIXED;
  for (size_t i = 0; i < cpo_params_count(); i++) {
    const cpo_param_t *p = cpo_params_at(i);
    for (int no = 0; no < (p->kind == CPO_PARAM_BOOL ? 2 : 1); no++) {
      char *name = s_option_names[2 * i + (size_t)no];
      cpo_params_option(p, !no, name, sizeof s_option_names[0]);
      s_options[n++] =
          (struct option){name + 2, p->kind == CPO_PARAM_BOOL ? no_argument : required_argument, 0,
                          OPT_PARAM + 2 * (int)i + no};
    }
  }
  s_options[n] = (struct option){0, 0, 0, 0};
}

/* Set the parameter of option @p c (OPT_PARAM + ...) from @p arg, as a scenario key would be. */
static bool s_set_param(cpo_run_opts_t *o, int c, const char *arg) {
  const cpo_param_t *p = cpo_params_at((size_t)(c - OPT_PARAM) / 2);
  const char *text = p->kind != CPO_PARAM_BOOL ? arg : (c - OPT_PARAM) % 2 ? "false" : "true";
  char why[300], expected[300];
  if (cpo_params_set(o, p, text, why, sizeof why))
    return true;
  cpo_params_expected(p, expected, sizeof expected);
  fprintf(stderr, "cpoemu: --%s %s: expected %s\n", p->option, text, expected);
  return false;
}

static bool s_parse_u64(const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out) {
  if (!cpo_parse_u64(v, min, max, out)) {
    fprintf(stderr, "cpoemu: --%s %s: expected a whole number from %llu to %llu\n", opt, v,
            (unsigned long long)min, (unsigned long long)max);
    return false;
  }
  return true;
}

/* True if @p path can be written: it is opened for writing now (and removed again if that made
 * it), so that a run never finds out at its end that it cannot keep its result. */
static bool s_writable(const char *opt, const char *path) {
  struct stat st;
  bool existed = stat(path, &st) == 0;
  if (existed && S_ISDIR(st.st_mode)) {
    fprintf(stderr, "cpoemu: --%s %s: is a directory; expected a file name\n", opt, path);
    return false;
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr, "cpoemu: --%s %s: cannot write it: %s\n", opt, path, strerror(errno));
    return false;
  }
  close(fd);
  if (!existed)
    unlink(path);
  return true;
}

/* The scenario of argv[2..] (a positional argument, not an option's value) into @p scenario,
 * NULL if none; 0, or 2 if two are given. */
static int s_find_scenario(int argc, char **argv, const char **scenario) {
  *scenario = NULL;
  for (int i = 2; i < argc; i++) {
    if (argv[i][0] == '-')
      continue;
    const struct option *o = NULL;
    if (i > 2 && argv[i - 1][0] == '-' && argv[i - 1][1] == '-')
      for (o = s_options; o->name && strcmp(o->name, argv[i - 1] + 2) != 0; o++)
        ;
    if (!o || !o->name || o->has_arg == no_argument) {
      if (*scenario) {
        fprintf(stderr, "cpoemu: two scenarios given: %s and %s\n", *scenario, argv[i]);
        return 2;
      }
      *scenario = argv[i];
    }
  }
  return 0;
}

/* Apply option @p c that only records a value or a flag; false if it is not one of those. */
static bool s_record_option(cpo_cli_t *cli, int c) {
  cpo_run_opts_t *o = &cli->o;
  switch (c) {
  case OPT_ENDPOINT:
    snprintf(o->endpoint, sizeof o->endpoint, "%s", optarg);
    return true;
  case OPT_DIRECT:
    o->direct_loopback = true;
    return true;
  case OPT_ALLOW_ATTACH:
    o->allow_attach = true;
    return true;
  case OPT_PRINT_SCENARIO:
    cli->print_scenario = true;
    return true;
  case OPT_QUIET:
    o->quiet = true;
    return true;
  case OPT_CURVE_KEY:
    o->curve.key_file = optarg;
    return true;
  case OPT_CURVE_SERVER:
    o->curve.server_key_file = optarg;
    return true;
  case OPT_CURVE_AUTH:
    o->curve.authorized_file = optarg;
    return true;
  case OPT_CPU_PLACEMENT:
    snprintf(cli->placement_spec, sizeof cli->placement_spec, "%s", optarg);
    return true;
  default:
    return false;
  }
}

/* Apply option @p c of command @p cmd (its argument in optarg); 0, or 2 if it is wrong. */
static int s_apply_option(cpo_cli_t *cli, int c, const char *cmd) {
  cpo_run_opts_t *o = &cli->o;
  uint64_t u;
  if (s_record_option(cli, c))
    return 0;
  switch (c) {
  case OPT_TRANSPORT:
    if (strcmp(optarg, "inproc") && strcmp(optarg, "ipc") && strcmp(optarg, "tcp")) {
      fprintf(stderr, "cpoemu: --transport %s: expected inproc, ipc or tcp\n", optarg);
      return 2;
    }
    snprintf(cli->transport, sizeof cli->transport, "%s", optarg);
    cli->transport_given = true;
    return 0;
  case OPT_JSON:
    snprintf(cli->json, sizeof cli->json, "%s", optarg);
    cli->json_given = true;
    return 0;
  case OPT_TRACE:
    snprintf(cli->trace, sizeof cli->trace, "%s", optarg);
    o->trace_path = cli->trace;
    return 0;
  case OPT_MODEL_TRACE:
    snprintf(cli->model_trace, sizeof cli->model_trace, "%s", optarg);
    o->model_trace_path = cli->model_trace;
    return 0;
  case OPT_READY_FD:
    if (!s_parse_u64("ready-fd", optarg, 0, 1024, &u))
      return 2;
    o->ready_fd = (int)u;
    return 0;
  case OPT_HELP:
    cpo_cli_usage(stdout, cmd);
    exit(0);
  case OPT_VERSION:
    cpo_cli_version();
    exit(0);
  default:
    if (c >= OPT_PARAM && c < OPT_PARAM + 2 * CPO_PARAMS_N)
      return s_set_param(o, c, optarg) ? 0 : 2;
    fprintf(stderr, "cpoemu %s: see `cpoemu %s --help`\n", cmd, cmd);
    return 2;
  }
}

/* What follows from the options: the JSON path, and run's model trace beside its RTL trace. */
static void s_derive_paths(cpo_cli_t *cli, bool is_run) {
  cpo_run_opts_t *o = &cli->o;
  if (cli->json_given)
    o->json_path = cli->json;
  if (o->trace_path && !o->model_trace_path && is_run) {
    size_t n = strlen(cli->trace);
    int stem = n > 4 && strcmp(cli->trace + n - 4, ".fst") == 0 ? (int)(n - 4) : (int)n;
    snprintf(cli->model_trace, sizeof cli->model_trace, "%.*s.model.fst", stem, cli->trace);
    o->model_trace_path = cli->model_trace;
  }
}

/* The configuration checked as a whole, and against this build's RTL and the protocol; 0 or 2. */
static int s_check_shape(const cpo_run_opts_t *o, const char *cmd) {
  char why[300];
  if (cpo_config_validate(&o->config, why, sizeof why) != CPO_OK) {
    fprintf(stderr, "cpoemu: invalid configuration: %s\n", why);
    return 2;
  }
  if (o->topology == CPO_TOPOLOGY_TWO_ENGINES &&
      (strcmp(o->config.profile, "loopback") == 0 || o->config.lanes % 2 != 0)) {
    fprintf(stderr,
            "cpoemu: topology two-engines needs an engine profile and an even number of lanes "
            "(here: profile %s, %u lanes)\n",
            o->config.profile, o->config.lanes);
    return 2;
  }
  /* The verilated designs have fixed shapes: say so now, not after peers have started. */
  bool has_rtl = strcmp(cmd, "run") == 0 || strcmp(cmd, "rtl") == 0;
  char dwhy[600];
  const cpo_design_info_t *design = has_rtl ? cpo_run_design(o, dwhy, sizeof dwhy) : NULL;
  if (has_rtl && (!design || (o->harness == CPO_HARNESS_SYSTEMC &&
                              !cpo_systemc_has_design(design, dwhy, sizeof dwhy)))) {
    fprintf(stderr, "cpoemu: %s\n", dwhy);
    return 2;
  }
  /* One quantum travels as one message: it must fit the protocol's size limit. */
  uint64_t quantum_bytes = 8ull + (uint64_t)cpo_proto_word_bytes(&o->config) *
                                      o->config.quantum_cycles * o->config.lanes;
  if (quantum_bytes > CPO_PROTO_MAX_PAYLOAD_BYTES) {
    fprintf(stderr,
            "cpoemu: --quantum %u with %u lanes makes %llu-byte messages, over the %u-byte limit\n",
            o->config.quantum_cycles, o->config.lanes, (unsigned long long)quantum_bytes,
            CPO_PROTO_MAX_PAYLOAD_BYTES);
    return 2;
  }
  return 0;
}

/* The configuration checked against the roles that will run: the model's world, the built-in
 * host's needs, CURVE; 0 or 2. */
static int s_check_roles(const cpo_cli_t *cli, const char *cmd, bool is_run) {
  const cpo_run_opts_t *o = &cli->o;
  /* The world the model would build: a profile that does not fit, or L beyond the physics. */
  if ((is_run || strcmp(cmd, "model") == 0) && !o->direct_loopback) {
    char mwhy[400];
    if (cpo_role_model_check(o, mwhy, sizeof mwhy) != CPO_OK) {
      fprintf(stderr, "cpoemu: invalid configuration: %s\n", mwhy);
      return 2;
    }
  }
  /* The built-in host identifies the engine and reads every lane: a run must leave it time. */
  if (is_run && o->with_host && o->config.total_cycles < cpo_role_host_min_cycles(&o->config)) {
    fprintf(stderr,
            "cpoemu: --cycles %llu is too short for the built-in host, which needs %llu cycles to "
            "identify the engine and read every lane (give more, or --no-host)\n",
            (unsigned long long)o->config.total_cycles,
            (unsigned long long)cpo_role_host_min_cycles(&o->config));
    return 2;
  }
  /* run connects its own roles on this machine: CURVE is for roles run one by one. */
  if (is_run && (o->curve.key_file || o->curve.server_key_file || o->curve.authorized_file)) {
    fprintf(stderr,
            "cpoemu: run connects its roles over %s on this machine, where CURVE does not "
            "apply; for CURVE run the roles one by one (cpoemu rtl|model|host --help)\n",
            strcmp(cli->transport, "tcp") == 0 ? "tcp://127.0.0.1" : cli->transport);
    return 2;
  }
  return 0;
}

/* Where results go: writable now, not found out at the end of the run; 0 or 2. */
static int s_check_outputs(const cpo_run_opts_t *o, const char *cmd, bool is_run) {
  bool writes_rtl = is_run || strcmp(cmd, "rtl") == 0;
  if (writes_rtl && o->json_path && !s_writable("json", o->json_path))
    return 2;
  if (writes_rtl && o->trace_path && !s_writable("trace", o->trace_path))
    return 2;
  if ((is_run || strcmp(cmd, "model") == 0) && o->model_trace_path &&
      !s_writable(o->trace_path && is_run ? "trace (its model part)" : "model-trace",
                  o->model_trace_path))
    return 2;
  return 0;
}

/* Options are read twice: first to find the scenario (positional), then to override it. */
int cpo_cli_parse(int argc, char **argv, cpo_cli_t *cli) {
  s_options_init();
  char why[600];
  if (!cpo_params_defaults(&cli->o, why, sizeof why)) {
    fprintf(stderr, "cpoemu: internal error: %s\n", why);
    return 2;
  }
  snprintf(cli->transport, sizeof cli->transport, "inproc");
  snprintf(cli->placement_spec, sizeof cli->placement_spec, "auto");
  const char *scenario, *cmd = argv[1];
  if (s_find_scenario(argc, argv, &scenario) != 0)
    return 2;
  if (scenario && cpo_scenario_load(scenario, &cli->o, why, sizeof why) != CPO_OK) {
    fprintf(stderr, "cpoemu: %s\n", why);
    return 2;
  }
  optind = 2;
  for (int c; (c = getopt_long(argc, argv, "", s_options, NULL)) != -1;)
    if (s_apply_option(cli, c, cmd) != 0)
      return 2;
  cpo_run_opts_t *o = &cli->o;
  if (cli->print_scenario) /* the parameters as read, before they are checked together */
    return 0;
  if (!cpo_params_settle(o, why, sizeof why)) {
    fprintf(stderr, "cpoemu: %s\n", why);
    return 2;
  }
  bool is_run = strcmp(cmd, "run") == 0;
  if (is_run && o->host_program == CPO_HOST_PYTHON && !cli->transport_given)
    snprintf(cli->transport, sizeof cli->transport, "ipc"); /* python3 cannot reach inproc */
  s_derive_paths(cli, is_run);
  if (s_check_shape(o, cmd) != 0 || s_check_roles(cli, cmd, is_run) != 0 ||
      s_check_outputs(o, cmd, is_run) != 0)
    return 2;
  /* A role's results name the transport it serves: the endpoint's scheme. */
  const char *sep = strstr(o->endpoint, "://");
  if (!cli->transport_given && !is_run && sep && sep - o->endpoint < (long)sizeof cli->transport)
    snprintf(cli->transport, sizeof cli->transport, "%.*s", (int)(sep - o->endpoint), o->endpoint);
  /* Last: an automatic plan claims a CPU for this run's simulation. */
  char pwhy[200];
  if (cpo_placement_plan(cli->placement_spec, &cli->placement, pwhy, sizeof pwhy) != CPO_OK) {
    fprintf(stderr, "cpoemu: --cpu-placement %s: %s\n", cli->placement_spec, pwhy);
    return 2;
  }
  return 0;
}

int cpo_cli_run_args(const cpo_cli_t *cli, char **argv, int n, char buf[][CPO_PARAMS_ARG_MAX]) {
  const cpo_run_opts_t *o = &cli->o;
  argv[n++] = "--transport", argv[n++] = (char *)cli->transport;
  n = cpo_params_to_argv(o, argv, n, buf);
  if (o->direct_loopback)
    argv[n++] = "--direct";
  if (o->allow_attach)
    argv[n++] = "--allow-attach";
  return n;
}

void cpo_cli_repro(const cpo_cli_t *cli, const char *self, char *out, size_t len) {
  char *argv[CPO_CLI_MAX_RUN_ARGS], buf[CPO_PARAMS_N][CPO_PARAMS_ARG_MAX];
  int n = 0;
  if (cli->o.scenario[0])
    argv[n++] = (char *)cli->o.scenario;
  n = cpo_cli_run_args(cli, argv, n, buf);
  size_t at = (size_t)snprintf(out, len, "%s run", self);
  for (int i = 0; i < n && at < len; i++) {
    /* a word a shell reads back as it is (a path with a space, a script's name): quoted */
    const char *w = argv[i];
    if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=+,-") ==
                  strlen(w)) {
      at += (size_t)snprintf(out + at, len - at, " %s", w);
      continue;
    }
    at += (size_t)snprintf(out + at, len - at, " '");
    for (; *w && at < len; w++)
      at += (size_t)snprintf(out + at, len - at, *w == '\'' ? "'\\''" : "%c", *w);
    if (at < len)
      at += (size_t)snprintf(out + at, len - at, "'");
  }
}
