/* cpoemu: one program, three roles (rtl, model, host), run together or one by one.
 *
 *   cpoemu run [SCENARIO] [--transport inproc|ipc|tcp] [--quantum N] [--seed N] ...
 *   cpoemu rtl|model|host --endpoint URL [SCENARIO] [options]
 *   cpoemu keygen [--force] FILE
 *
 * Exit codes, whatever happens: 0 pass, 1 the run missed its expectations, 2 bad usage or
 * configuration (found before anything starts), 3 a peer or protocol failure, or interrupted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "cpo/placement.h"
#include "cpo_version.h"
#include "roles.h"
#include "params.h"
#include "scenario.h"

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
} cli_t;

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

static void s_usage(FILE *f, const char *cmd) {
  if (!cmd) {
    fputs("usage: cpoemu run [SCENARIO] [options]          run all roles (default scenario if none)\n"
          "       cpoemu rtl|model|host --endpoint URL [SCENARIO] [options]   run one role\n"
          "       cpoemu keygen [--force] FILE             write a CURVE keypair (FILE, FILE.pub)\n"
          "       cpoemu --version                         the version and git revision\n"
          "`cpoemu COMMAND --help` lists a command's options.\n"
          "Exit codes: 0 pass, 1 expectations missed, 2 bad usage or configuration, 3 a peer or\n"
          "protocol failure, or interrupted.\n",
          f);
  } else if (strcmp(cmd, "run") == 0) {
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
  } else if (strcmp(cmd, "rtl") == 0) {
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
  } else if (strcmp(cmd, "model") == 0) {
    fputs("usage: cpoemu model --endpoint URL [SCENARIO] [options]\n"
          "The engine's analog world (lasers, modulators, fibre, receivers) beside an rtl.\n"
          "  --endpoint URL               the rtl's endpoint to connect to\n",
          f);
    s_help_config(f);
    fputs("  --model-trace FILE.fst       write the model's waveforms to FILE.fst\n"
          "  --curve-key F --curve-server-key F   CURVE for tcp: our keypair, the rtl's public key\n",
          f);
    fputs(s_help_common, f);
  } else if (strcmp(cmd, "host") == 0) {
    fputs("usage: cpoemu host --endpoint URL [options]\n"
          "The built-in host firmware: identifies the engine, lets the link run, reads every\n"
          "lane's counters and monitors. It adopts the rtl's configuration.\n"
          "  --endpoint URL               the rtl's endpoint to connect to\n"
          "  --timeout-ms N               a silent rtl is declared dead after N ms\n"
          "  --curve-key F --curve-server-key F   CURVE for tcp: our keypair, the rtl's public key\n",
          f);
    fputs(s_help_common, f);
  } else if (strcmp(cmd, "keygen") == 0) {
    fputs("usage: cpoemu keygen [--force] FILE\n"
          "Writes a CURVE keypair: FILE (public and secret key, mode 0600) and FILE.pub.\n"
          "  --force                      replace FILE and FILE.pub if they exist\n",
          f);
  }
}

static void s_version(void) {
  printf("cpoemu %s (git %s)\n", CPO_VERSION, CPO_GIT_REVISION);
}

enum {
  OPT_TRANSPORT = 256, OPT_ENDPOINT, OPT_JSON, OPT_TRACE, OPT_DIRECT, OPT_QUIET, OPT_READY_FD,
  OPT_CURVE_KEY, OPT_CURVE_SERVER, OPT_CURVE_AUTH, OPT_HELP, OPT_MODEL_TRACE, OPT_CPU_PLACEMENT,
  OPT_ALLOW_ATTACH, OPT_VERSION, OPT_PRINT_SCENARIO,
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
      s_options[n++] = (struct option){name + 2, p->kind == CPO_PARAM_BOOL ? no_argument : required_argument,
                                       0, OPT_PARAM + 2 * (int)i + no};
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

/* Options are read twice: first to find the scenario (positional), then to override it. */
static int s_parse(int argc, char **argv, cli_t *cli) {
  s_options_init();
  cpo_params_defaults(&cli->o);
  snprintf(cli->transport, sizeof cli->transport, "inproc");
  snprintf(cli->placement_spec, sizeof cli->placement_spec, "auto");
  const char *scenario = NULL;
  for (int i = 2; i < argc; i++) {
    if (argv[i][0] != '-') {
      const struct option *o = NULL;
      if (i > 2 && argv[i - 1][0] == '-' && argv[i - 1][1] == '-')
        for (o = s_options; o->name && strcmp(o->name, argv[i - 1] + 2) != 0; o++)
          ;
      if (!o || !o->name || o->has_arg == no_argument) {
        if (scenario) {
          fprintf(stderr, "cpoemu: two scenarios given: %s and %s\n", scenario, argv[i]);
          return 2;
        }
        scenario = argv[i];
      }
    }
  }
  if (scenario) {
    char why[600];
    if (cpo_scenario_load(scenario, &cli->o, why, sizeof why) != CPO_OK) {
      fprintf(stderr, "cpoemu: %s\n", why);
      return 2;
    }
  }
  optind = 2;
  int c;
  uint64_t u;
  cpo_run_opts_t *o = &cli->o;
  while ((c = getopt_long(argc, argv, "", s_options, NULL)) != -1) {
    switch (c) {
    case OPT_TRANSPORT:
      if (strcmp(optarg, "inproc") && strcmp(optarg, "ipc") && strcmp(optarg, "tcp")) {
        fprintf(stderr, "cpoemu: --transport %s: expected inproc, ipc or tcp\n", optarg);
        return 2;
      }
      snprintf(cli->transport, sizeof cli->transport, "%s", optarg);
      cli->transport_given = true;
      break;
    case OPT_ENDPOINT:
      snprintf(o->endpoint, sizeof o->endpoint, "%s", optarg);
      break;
    case OPT_JSON:
      snprintf(cli->json, sizeof cli->json, "%s", optarg);
      cli->json_given = true;
      break;
    case OPT_TRACE:
      snprintf(cli->trace, sizeof cli->trace, "%s", optarg);
      o->trace_path = cli->trace;
      break;
    case OPT_MODEL_TRACE:
      snprintf(cli->model_trace, sizeof cli->model_trace, "%s", optarg);
      o->model_trace_path = cli->model_trace;
      break;
    case OPT_DIRECT:
      o->direct_loopback = true;
      break;
    case OPT_ALLOW_ATTACH:
      o->allow_attach = true;
      break;
    case OPT_PRINT_SCENARIO:
      cli->print_scenario = true;
      break;
    case OPT_QUIET:
      o->quiet = true;
      break;
    case OPT_READY_FD:
      if (!s_parse_u64("ready-fd", optarg, 0, 1024, &u))
        return 2;
      o->ready_fd = (int)u;
      break;
    case OPT_CURVE_KEY:
      o->curve.key_file = optarg;
      break;
    case OPT_CURVE_SERVER:
      o->curve.server_key_file = optarg;
      break;
    case OPT_CURVE_AUTH:
      o->curve.authorized_file = optarg;
      break;
    case OPT_CPU_PLACEMENT:
      snprintf(cli->placement_spec, sizeof cli->placement_spec, "%s", optarg);
      break;
    case OPT_HELP:
      s_usage(stdout, argv[1]);
      exit(0);
    case OPT_VERSION:
      s_version();
      exit(0);
    default:
      if (c >= OPT_PARAM && c < OPT_PARAM + 2 * CPO_PARAMS_N) {
        if (!s_set_param(o, c, optarg))
          return 2;
        break;
      }
      fprintf(stderr, "cpoemu %s: see `cpoemu %s --help`\n", argv[1], argv[1]);
      return 2;
    }
  }
  cpo_params_settle(o);
  if (cli->print_scenario) /* the parameters as read, before they are checked together */
    return 0;
  const char *cmd = argv[1];
  bool is_run = strcmp(cmd, "run") == 0;
  if (cli->json_given)
    o->json_path = cli->json;
  if (o->trace_path && !o->model_trace_path && is_run) {
    size_t n = strlen(cli->trace);
    int stem = n > 4 && strcmp(cli->trace + n - 4, ".fst") == 0 ? (int)(n - 4) : (int)n;
    snprintf(cli->model_trace, sizeof cli->model_trace, "%.*s.model.fst", stem, cli->trace);
    o->model_trace_path = cli->model_trace;
  }
  char why[300];
  if (cpo_config_validate(&o->config, why, sizeof why) != CPO_OK) {
    fprintf(stderr, "cpoemu: invalid configuration: %s\n", why);
    return 2;
  }
  if (o->topology == CPO_TOPOLOGY_TWO_ENGINES && (strcmp(o->config.profile, "loopback") == 0 || o->config.lanes % 2 != 0)) {
    fprintf(stderr, "cpoemu: topology two-engines needs an engine profile and an even number of lanes "
                    "(here: profile %s, %u lanes)\n", o->config.profile, o->config.lanes);
    return 2;
  }
  /* The verilated RTL is built with a fixed shape: say so now, not after peers have started. */
  bool has_rtl = strcmp(argv[1], "run") == 0 || strcmp(argv[1], "rtl") == 0;
  if (has_rtl && (o->config.lanes != CPO_LANES_NUM_LANES ||
                  o->config.symbols_per_cycle * o->config.bits_per_symbol != CPO_LANES_WORD_BITS)) {
    fprintf(stderr,
            "cpoemu: this build's RTL has %d lanes of %d bits per cycle; the configuration asks for %u lanes of "
            "%u (rebuild with -DCPO_LANES_NUM_LANES=%u, or change [link])\n",
            CPO_LANES_NUM_LANES, CPO_LANES_WORD_BITS, o->config.lanes,
            o->config.symbols_per_cycle * o->config.bits_per_symbol, o->config.lanes);
    return 2;
  }
  /* One quantum travels as one message: it must fit the protocol's size limit. */
  uint64_t quantum_bytes = 8ull + (uint64_t)cpo_proto_word_bytes(&o->config) * o->config.quantum_cycles * o->config.lanes;
  if (quantum_bytes > CPO_PROTO_MAX_PAYLOAD_BYTES) {
    fprintf(stderr, "cpoemu: --quantum %u with %u lanes makes %llu-byte messages, over the %u-byte limit\n",
            o->config.quantum_cycles, o->config.lanes, (unsigned long long)quantum_bytes,
            CPO_PROTO_MAX_PAYLOAD_BYTES);
    return 2;
  }
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
    fprintf(stderr, "cpoemu: run connects its roles over %s on this machine, where CURVE does not "
                    "apply; for CURVE run the roles one by one (cpoemu rtl|model|host --help)\n",
            strcmp(cli->transport, "tcp") == 0 ? "tcp://127.0.0.1" : cli->transport);
    return 2;
  }
  /* Where results go: writable now, not found out at the end of the run. */
  bool writes_rtl = is_run || strcmp(cmd, "rtl") == 0;
  if (writes_rtl && o->json_path && !s_writable("json", o->json_path))
    return 2;
  if (writes_rtl && o->trace_path && !s_writable("trace", o->trace_path))
    return 2;
  if ((is_run || strcmp(cmd, "model") == 0) && o->model_trace_path &&
      !s_writable(o->trace_path && is_run ? "trace (its model part)" : "model-trace", o->model_trace_path))
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

/* The options of a run's configuration: the transport, every parameter, --direct and
 * --allow-attach; from @p argv[@p n] on, with values in @p buf. The new count. */
static int s_run_args(const cli_t *cli, char **argv, int n, char buf[][64]) {
  const cpo_run_opts_t *o = &cli->o;
  argv[n++] = "--transport", argv[n++] = (char *)cli->transport;
  n = cpo_params_to_argv(o, argv, n, buf);
  if (o->direct_loopback)
    argv[n++] = "--direct";
  if (o->allow_attach)
    argv[n++] = "--allow-attach";
  return n;
}

#define MAX_RUN_ARGS (2 * CPO_PARAMS_N + 8)

/* The one line that reproduces this run: its scenario and its configuration in full. */
static void s_repro(const cli_t *cli, const char *self, char *out, size_t len) {
  char *argv[MAX_RUN_ARGS], buf[CPO_PARAMS_N][64];
  int n = 0;
  if (cli->o.scenario[0])
    argv[n++] = (char *)cli->o.scenario;
  n = s_run_args(cli, argv, n, buf);
  size_t at = (size_t)snprintf(out, len, "%s run", self);
  for (int i = 0; i < n && at < len; i++)
    at += (size_t)snprintf(out + at, len - at, " %s", argv[i]);
}

static void s_print_summary(FILE *f, const cpo_run_summary_t *s, const cpo_config_t *c) {
  uint64_t bits = 0, errors = 0;
  fprintf(f, "cpoemu: %llu cycles (%.6f ms simulated) in %.2f s wall: %.2f Mcycles/s, %.3g simulated s per wall s\n",
         (unsigned long long)s->cycles, s->sim_time_s * 1e3, s->wall_s,
         s->wall_s > 0 ? (double)s->cycles / s->wall_s * 1e-6 : 0.0,
         s->wall_s > 0 ? s->sim_time_s / s->wall_s : 0.0);
  if (s->model_wait_s > 0) /* the lookahead's health: near 0 when the model keeps ahead */
    fprintf(f, "  the design waited %.2f s (%.1f%%) for the model's RX\n", s->model_wait_s,
           100.0 * s->model_wait_s / s->wall_s);
  fprintf(f, "  lane  locked          bits    errors       BER\n");
  for (uint32_t l = 0; l < s->lanes; l++) {
    bits += s->bits[l];
    errors += s->errors[l];
    fprintf(f, "  %4u  %6s  %12llu  %8llu  %8.2e\n", l, s->locked[l] ? "yes" : "NO",
           (unsigned long long)s->bits[l], (unsigned long long)s->errors[l],
           s->bits[l] ? (double)s->errors[l] / (double)s->bits[l] : 0.0);
  }
  fprintf(f, "  all   %6s  %12llu  %8llu  %8.2e\n", "", (unsigned long long)bits, (unsigned long long)errors,
         bits ? (double)errors / (double)bits : 0.0);
  fprintf(f, "  event_hash 0x%016llx, %llu register accesses, %llu DAC writes, %llu ADC samples, %llu quanta,\n"
         "  seed %llu, Q %u, L %u\n",
         (unsigned long long)s->event_hash, (unsigned long long)s->reg_accesses,
         (unsigned long long)s->dac_writes, (unsigned long long)s->adc_samples, (unsigned long long)s->quanta,
         (unsigned long long)c->seed, c->quantum_cycles, c->latency_cycles);
  if (s->interrupted)
    fprintf(f, "  RESULT: INTERRUPTED (%s)\n", s->error);
  else if (s->status != 0)
    fprintf(f, "  RESULT: ERROR (%s)\n", s->error);
  else if (!s->expectations_met)
    fprintf(f, "  RESULT: FAIL (%s)\n", s->expectation_failure);
  else
    fprintf(f, "  RESULT: PASS\n");
  fflush(f);
}

/* ---- stopping a run early: a signal, a closed stdout ------------------------------ */

#define STOP_STDOUT_CLOSED 1000 /* s_stop when stdout was closed; otherwise the signal */
static volatile sig_atomic_t s_stop;

static void s_on_stop(int sig) {
  if (!s_stop)
    s_stop = sig;
}

/* SIGINT, SIGTERM and SIGHUP stop the run as "interrupted", with its results written; a second
 * one ends the process at once. SIGPIPE is ignored: a closed stdout is noticed (s_stdout_closed)
 * and stops the run the same way. */
static void s_catch_stop_signals(void) {
  struct sigaction sa = {.sa_handler = s_on_stop, .sa_flags = SA_RESETHAND};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

/* True if nobody reads stdout any more (a pipe's reader gone, a terminal hung up). */
static bool s_stdout_closed(void) {
  struct pollfd p = {STDOUT_FILENO, 0, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

static void s_stop_cause(char *out, size_t len) {
  if (s_stop == STOP_STDOUT_CLOSED)
    snprintf(out, len, "stdout was closed");
  else
    snprintf(out, len, "signal %d (%s)", (int)s_stop, strsignal((int)s_stop));
}

/* Print the summary (to stderr when stdout is gone) and write the JSON; the exit code. */
static int s_report(const cli_t *cli, const cpo_run_summary_t *sum, int code, const char *repro) {
  if (sum->cycles > 0 || code != 2)
    s_print_summary(s_stdout_closed() ? stderr : stdout, sum, &cli->o.config);
  if (cli->o.json_path &&
      cpo_result_write_json(cli->o.json_path, &cli->o, sum, cli->transport, repro) != 0 && code < 2)
    code = 3;
  return code;
}

/* ---- run, all roles in one process (inproc) ------------------------------------- */

typedef struct {
  cpo_run_opts_t o;
  int (*role)(const cpo_run_opts_t *);
  const cpo_placement_t *placement;
  int code;
} role_thread_t;

static void *s_role_thread(void *arg) {
  role_thread_t *t = arg;
  (void)cpo_placement_pin_others(t->placement);
  t->code = t->role(&t->o);
  return NULL;
}

typedef struct {
  atomic_bool done;
  uint32_t timeout_ms;
} watch_t;

/* Watches stdout while the roles run; after a stop, bounds how long they may take to end. */
static void *s_watch(void *arg) {
  watch_t *w = arg;
  long stopping_ms = 0, bound_ms = 2L * w->timeout_ms + 1000;
  while (!atomic_load(&w->done)) {
    if (!s_stop) {
      struct pollfd p = {STDOUT_FILENO, 0, 0};
      if (poll(&p, 1, 100) == 1 && (p.revents & (POLLERR | POLLHUP)))
        s_stop = STOP_STDOUT_CLOSED;
      continue;
    }
    nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    if ((stopping_ms += 100) > bound_ms) {
      fprintf(stderr, "cpoemu: the roles did not stop within %ld ms of the interruption: exiting\n",
              bound_ms);
      _exit(3);
    }
  }
  return NULL;
}

static int s_run_inproc(cli_t *cli, const char *repro) {
  void *ctx = zmq_ctx_new();
  (void)cpo_placement_apply_zmq(&cli->placement, ctx);
  cli->o.zmq_context = ctx;
  cli->o.stop = &s_stop;
  snprintf(cli->o.endpoint, sizeof cli->o.endpoint, "inproc://cpoemu-%d", (int)getpid());
  role_thread_t model = {.o = cli->o, .role = cpo_role_model, .placement = &cli->placement};
  role_thread_t host = {.o = cli->o, .role = cpo_role_host, .placement = &cli->placement};
  model.o.json_path = host.o.json_path = NULL;
  watch_t watch = {.timeout_ms = cli->o.timeout_ms};
  atomic_init(&watch.done, false);
  pthread_t tm, th, tw;
  pthread_create(&tw, NULL, s_watch, &watch);
  if (!cli->o.direct_loopback) /* --direct: the RTL alone, RX = TX delayed by L */
    pthread_create(&tm, NULL, s_role_thread, &model);
  if (cli->o.with_host)
    pthread_create(&th, NULL, s_role_thread, &host);
  (void)cpo_placement_pin_sim(&cli->placement);
  cpo_run_summary_t sum;
  int code = cpo_role_rtl(&cli->o, &sum);
  if (!cli->o.direct_loopback)
    pthread_join(tm, NULL);
  if (cli->o.with_host)
    pthread_join(th, NULL);
  zmq_ctx_term(ctx);
  /* The verdict covers every role: a run whose model or host failed did not pass. */
  const role_thread_t *failed = model.code ? &model : host.code ? &host : NULL;
  if (code < 2 && failed && !sum.interrupted) {
    sum.status = CPO_ERR_STATE;
    snprintf(sum.error, sizeof sum.error, "the %s role failed (see its messages above)",
             failed == &model ? "model" : "host");
    code = 3;
  }
  code = s_report(cli, &sum, code, repro);
  atomic_store(&watch.done, true);
  pthread_join(tw, NULL);
  if (sum.interrupted) {
    char cause[100];
    s_stop_cause(cause, sizeof cause);
    fprintf(stderr, "cpoemu: interrupted (%s) at cycle %llu\n", cause, (unsigned long long)sum.cycles);
  }
  return code;
}

/* ---- run, one process per role (ipc, tcp) --------------------------------------- */

static pid_t s_spawn(const char *self, char *const argv[], int keep_fd) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0)
    return pid;
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* no orphans if the supervisor dies */
  if (getppid() != parent)
    _exit(127);
  for (int fd = 3; fd < 256; fd++)
    if (fd != keep_fd)
      close(fd);
  execv(self, argv);
  fprintf(stderr, "cpoemu: cannot run %s: %s\n", self, strerror(errno));
  _exit(127);
}

/* Arguments shared by the three child roles: the effective configuration, in full. */
static int s_child_args(const cli_t *cli, const char *role, const char *endpoint, char **argv,
                        char buf[][64], char *placement) {
  const cpo_run_opts_t *o = &cli->o;
  int n = 0;
  argv[n++] = (char *)role;
  if (o->scenario[0])
    argv[n++] = (char *)o->scenario;
  argv[n++] = "--endpoint", argv[n++] = (char *)endpoint;
  n = s_run_args(cli, argv, n, buf);
  /* The plan is made once, here: a child's own "auto" could see a different set of CPUs. */
  snprintf(placement, 16, cli->placement.active ? "%d" : "off", cli->placement.sim_cpu);
  argv[n++] = "--cpu-placement", argv[n++] = placement;
  if (o->quiet)
    argv[n++] = "--quiet";
  if (o->curve.key_file)
    argv[n++] = "--curve-key", argv[n++] = (char *)o->curve.key_file;
  if (o->curve.server_key_file)
    argv[n++] = "--curve-server-key", argv[n++] = (char *)o->curve.server_key_file;
  if (o->curve.authorized_file)
    argv[n++] = "--curve-authorized", argv[n++] = (char *)o->curve.authorized_file;
  return n;
}

static const char *s_names[3] = {"rtl", "model", "host"};

typedef struct {
  pid_t pid;           /* 0: not started */
  int code;            /* exit code, 128 + signal if killed; -1 while running */
  long stopped_ms;     /* how long it has been seen stopped (SIGSTOP, a debugger) */
  bool signalled;      /* we sent it SIGTERM or SIGKILL: its death by signal is not a cause */
} child_t;

/* The state letter of process @p pid (R, S, D, T, t, Z, ...), '?' if it cannot be read. */
static char s_proc_state(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f)
    fclose(f);
  buf[n] = '\0';
  const char *paren = strrchr(buf, ')'); /* the name may hold anything but ends with ')' */
  return paren && paren[1] == ' ' ? paren[2] : '?';
}

/* Fork a janitor that removes @p sock and @p dir once this process has ended, however it ended
 * (SIGKILL included): it waits for the end of a pipe only this process holds. Returns its pid
 * and the pipe's write end in @p hold (close it and reap the pid to clean up now). */
static pid_t s_janitor(const char *dir, const char *sock, int *hold) {
  int p[2];
  if (pipe(p) != 0)
    return -1;
  fcntl(p[1], F_SETFD, FD_CLOEXEC); /* the roles exec'd later must not hold it */
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGINT, SIG_IGN); /* a terminal's ^C or hang-up is for the run, not for this */
    signal(SIGHUP, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 256; fd++) /* hold nothing of the run's: no pipe stays open for us */
      if (fd != p[0] && fd != null)
        close(fd);
    for (int fd = 0; fd < 3 && null >= 0; fd++)
      dup2(null, fd);
    char c;
    while (read(p[0], &c, 1) < 0 && errno == EINTR)
      ;
    unlink(sock);
    rmdir(dir);
    _exit(0);
  }
  close(p[0]);
  if (pid < 0) {
    close(p[1]);
    return -1;
  }
  *hold = p[1];
  return pid;
}

/* A private directory for the ipc socket, in TMPDIR (or /tmp); @p why on failure. */
static bool s_private_dir(char *dir, size_t len, char *endpoint, size_t ep_len, char *why, size_t why_len) {
  const char *tmp = getenv("TMPDIR");
  if (!tmp || !tmp[0])
    tmp = "/tmp";
  snprintf(dir, len, "%s/cpoemu-XXXXXX", tmp);
  snprintf(endpoint, ep_len, "ipc://%s/bridge.sock", dir);
  const size_t max_path = 107; /* sockaddr_un.sun_path, less its NUL */
  if (strlen(endpoint) - strlen("ipc://") > max_path) {
    snprintf(why, why_len, "TMPDIR %s is too long for an ipc socket path (%zu bytes at most): set "
                           "TMPDIR to a shorter directory", tmp, max_path - strlen("/cpoemu-XXXXXX/bridge.sock"));
    return false;
  }
  if (!mkdtemp(dir)) {
    snprintf(why, why_len, "cannot create a directory for the ipc socket in %s: %s", tmp, strerror(errno));
    return false;
  }
  snprintf(endpoint, ep_len, "ipc://%s/bridge.sock", dir);
  return true;
}

static double s_since_s(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* How long a starting rtl process may take to bind: the bridge timeout, and never less than a
 * minute, which a busy machine may need to load and construct the design. */
static unsigned s_bind_limit_ms(uint32_t timeout_ms) {
  return timeout_ms > 60000u ? timeout_ms : 60000u;
}

static int s_run_processes(cli_t *cli, const char *self, const char *repro) {
  char dir[600] = "", sock[700] = "", endpoint[700], why[400];
  bool ipc = strcmp(cli->transport, "ipc") == 0;
  int janitor_hold = -1;
  pid_t janitor = -1;
  if (ipc) {
    if (!s_private_dir(dir, sizeof dir, endpoint, sizeof endpoint, why, sizeof why)) {
      fprintf(stderr, "cpoemu: %s\n", why);
      return 2;
    }
    snprintf(sock, sizeof sock, "%s/bridge.sock", dir);
    janitor = s_janitor(dir, sock, &janitor_hold);
  } else {
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:*");
  }
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);

  child_t kids[3] = {{0, -1, 0, false}, {0, -1, 0, false}, {0, -1, 0, false}};
  int ready[2];
  if (pipe(ready) != 0) {
    perror("cpoemu: pipe");
    return 2;
  }
  char *argv[MAX_RUN_ARGS + 16], buf[CPO_PARAMS_N][64], fdbuf[16], placement[16];
  int n = 0;
  argv[n++] = (char *)self;
  n += s_child_args(cli, "rtl", endpoint, argv + n, buf, placement);
  snprintf(fdbuf, sizeof fdbuf, "%d", ready[1]);
  argv[n++] = "--ready-fd", argv[n++] = fdbuf;
  if (cli->o.json_path)
    argv[n++] = "--json", argv[n++] = (char *)cli->o.json_path;
  if (cli->o.trace_path)
    argv[n++] = "--trace", argv[n++] = (char *)cli->o.trace_path;
  argv[n] = NULL;
  kids[0].pid = s_spawn(self, argv, ready[1]);
  close(ready[1]);

  /* The rtl reports the endpoint it bound (tcp port * resolves to a real port); the pipe ends
   * without it if the rtl exits first (its status then says why). */
  char bound[600] = "";
  bool rtl_exiting = false; /* the pipe ended unwritten: the rtl closes it only by exiting */
  unsigned bind_limit_ms = s_bind_limit_ms(cli->o.timeout_ms);
  struct pollfd pfd = {ready[0], POLLIN, 0};
  /* A loaded machine can take seconds to start a large verilated design: a running rtl gets a
   * generous limit, a stopped one (frozen) the bridge timeout. */
  for (unsigned waited_ms = 0, stopped_ms = 0; waited_ms < bind_limit_ms && stopped_ms < cli->o.timeout_ms;
       waited_ms += 100) {
    if (poll(&pfd, 1, 100) > 0) {
      ssize_t got = read(ready[0], bound, sizeof bound - 1);
      bound[got > 0 ? got : 0] = '\0';
      bound[strcspn(bound, "\n")] = '\0';
      rtl_exiting = got <= 0;
      break;
    }
    stopped_ms = s_proc_state(kids[0].pid) == 'T' ? stopped_ms + 100 : 0;
  }
  close(ready[0]);
  char first[300] = ""; /* the first cause of failure, named once */
  int first_role = -1;
  bool first_killed = false, first_frozen = false; /* what the first cause is */
  if (!bound[0]) {
    if (!rtl_exiting && kill(kids[0].pid, 0) == 0 && s_proc_state(kids[0].pid) != 'Z') {
      snprintf(first, sizeof first, "the rtl process (pid %d) did not bind %s within %u ms%s",
               (int)kids[0].pid, endpoint, bind_limit_ms,
               s_proc_state(kids[0].pid) == 'T' ? " (it was stopped)" : "");
      first_role = 0;
      fprintf(stderr, "cpoemu: %s\n", first);
      kids[0].signalled = true;
      kill(kids[0].pid, SIGKILL);
    }
  } else {
    for (int r = 1; r < 3; r++) {
      if ((r == 2 && !cli->o.with_host) || (r == 1 && cli->o.direct_loopback))
        continue;
      n = 0;
      argv[n++] = (char *)self;
      n += s_child_args(cli, s_names[r], bound, argv + n, buf, placement);
      if (r == 1 && cli->o.model_trace_path)
        argv[n++] = "--model-trace", argv[n++] = (char *)cli->o.model_trace_path;
      argv[n] = NULL;
      kids[r].pid = s_spawn(self, argv, -1);
    }
  }
  (void)cpo_placement_pin_others(&cli->placement); /* the supervisor: off the simulation's CPU */
  if (!cli->o.quiet)
    fprintf(stderr, "cpoemu: rtl pid %d, model pid %d, host pid %d on %s\n", (int)kids[0].pid,
            (int)kids[1].pid, (int)kids[2].pid, bound[0] ? bound : endpoint);

  /* Reap. The first failure is named when it happens; the others then get 2 timeouts to notice
   * and stop (the rtl writes its result meanwhile), then SIGTERM, then SIGKILL. A stop request
   * (signal, closed stdout) goes to the roles at once as SIGTERM. */
  const long tick_ms = 5;
  long grace_ms = -1, since_term_ms = -1, poll_ms = 0;
  bool stop_sent = false;
  for (;;) {
    int alive = 0;
    for (int r = 0; r < 3; r++) {
      child_t *k = &kids[r];
      if (k->pid <= 0 || k->code >= 0)
        continue;
      int st;
      if (waitpid(k->pid, &st, WNOHANG) != k->pid) {
        alive++;
        continue;
      }
      k->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      char what[200] = "";
      if (WIFSIGNALED(st) && !(s_stop && k->signalled))
        snprintf(what, sizeof what, "was killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
      else if (WIFEXITED(st) && k->code != 0 && !(r == 0 && k->code == 1) && /* 1: a verdict */
               !(s_stop && k->code == 3))
        snprintf(what, sizeof what, "exited with status %d", k->code);
      if (!what[0])
        continue;
      char line[300];
      snprintf(line, sizeof line, "the %s process (pid %d) %s, %.2f s into the run", s_names[r],
               (int)k->pid, what, s_since_s(&t0));
      fprintf(stderr, "cpoemu: %s\n", line);
      /* A role killed by a signal (not ours) is a root cause; an exit status often a consequence
       * (the rtl saw its model's connection close): a kill found later still comes first. */
      bool killed = WIFSIGNALED(st) && !k->signalled;
      if (killed && !first_killed && first_role >= 0 && !first_frozen && !s_stop) {
        first_role = -1;
        grace_ms = -1;
      }
      first_killed = first_killed || (killed && first_role < 0 && !s_stop);
      if (first_role < 0 && !s_stop) {
        first_role = r;
        snprintf(first, sizeof first, "%s", line);
        grace_ms = 2L * cli->o.timeout_ms + 1000;
        for (int o = 0; o < 3; o++) { /* a role stopped meanwhile is the cause, this the effect */
          char state = kids[o].pid > 0 && kids[o].code < 0 ? s_proc_state(kids[o].pid) : '?';
          if (state == 'T' || state == 't') {
            first_role = o;
            first_frozen = true;
            snprintf(first, sizeof first, "the %s process (pid %d) was frozen (stopped, state %c), "
                     "%.2f s into the run: killed", s_names[o], (int)kids[o].pid, state, s_since_s(&t0));
            fprintf(stderr, "cpoemu: %s\n", first);
            kids[o].signalled = true;
            kill(kids[o].pid, SIGKILL);
          }
        }
      }
    }
    if (!alive)
      break;
    /* Every 100 ms: a role stopped (SIGSTOP, a debugger) for a timeout is frozen: named, ended. */
    if ((poll_ms += tick_ms) >= 100) {
      poll_ms = 0;
      for (int r = 0; r < 3; r++) {
        child_t *k = &kids[r];
        if (k->pid <= 0 || k->code >= 0)
          continue;
        char state = s_proc_state(k->pid);
        k->stopped_ms = state == 'T' || state == 't' ? k->stopped_ms + 100 : 0;
        if (k->stopped_ms >= (long)cli->o.timeout_ms && first_role < 0 && !s_stop) {
          first_role = r;
          first_frozen = true;
          snprintf(first, sizeof first, "the %s process (pid %d) was frozen (stopped, state %c) for %ld ms, "
                   "%.2f s into the run: killed", s_names[r], (int)k->pid, state, k->stopped_ms, s_since_s(&t0));
          fprintf(stderr, "cpoemu: %s\n", first);
          k->signalled = true;
          kill(k->pid, SIGKILL);
          grace_ms = 2L * cli->o.timeout_ms + 1000;
        }
      }
      if (!s_stop && s_stdout_closed())
        s_stop = STOP_STDOUT_CLOSED;
    }
    if (s_stop && !stop_sent) {
      char cause[100];
      s_stop_cause(cause, sizeof cause);
      fprintf(stderr, "cpoemu: interrupted (%s): stopping the roles\n", cause);
      stop_sent = true;
      grace_ms = grace_ms < 0 ? 2L * cli->o.timeout_ms + 1000 : grace_ms;
      for (int r = 0; r < 3; r++) /* the rtl first: it then knows the model's end is a stop */
        if (kids[r].pid > 0 && kids[r].code < 0) {
          kids[r].signalled = true;
          kill(kids[r].pid, SIGTERM);
        }
    }
    if (grace_ms == 0 && since_term_ms < 0) {
      since_term_ms = 0;
      for (int r = 0; r < 3; r++)
        if (kids[r].pid > 0 && kids[r].code < 0) {
          fprintf(stderr, "cpoemu: the %s process (pid %d) did not stop: terminated\n", s_names[r],
                  (int)kids[r].pid);
          kids[r].signalled = true;
          kill(kids[r].pid, SIGTERM);
          kill(kids[r].pid, SIGCONT);
        }
    }
    if (since_term_ms >= 0 && (since_term_ms += tick_ms) == 1000) {
      for (int r = 0; r < 3; r++)
        if (kids[r].pid > 0 && kids[r].code < 0) {
          fprintf(stderr, "cpoemu: the %s process (pid %d) did not stop: killed\n", s_names[r],
                  (int)kids[r].pid);
          kids[r].signalled = true;
          kill(kids[r].pid, SIGKILL);
        }
    }
    if (grace_ms > 0)
      grace_ms = grace_ms > tick_ms ? grace_ms - tick_ms : 0;
    nanosleep(&(struct timespec){0, tick_ms * 1000 * 1000}, NULL);
  }
  if (ipc) {
    unlink(sock); /* the rtl removes it, unless it was killed */
    rmdir(dir);
    if (janitor > 0) {
      close(janitor_hold);
      waitpid(janitor, NULL, 0);
    }
  }

  /* The verdict: the rtl's (0 pass, 1 fail), unless something failed first or it was stopped. */
  int rc = kids[0].code >= 0 && kids[0].code <= 3 ? kids[0].code : 3;
  if (first_role >= 0 || s_stop)
    rc = rc == 2 ? 2 : 3;
  bool rtl_reported = kids[0].code >= 0 && kids[0].code <= 3; /* it wrote its summary and JSON */
  char cause[400];
  if (s_stop)
    s_stop_cause(cause, sizeof cause);
  if (cli->o.json_path && (first_role >= 0 || s_stop)) {
    /* The rtl's JSON says what it saw; the first cause is what the run is reported for. */
    char text[500];
    snprintf(text, sizeof text, "%s%s", s_stop ? "interrupted: " : "", s_stop ? cause : first);
    if (!rtl_reported || cpo_result_amend_json(cli->o.json_path, s_stop ? "interrupted" : "error", text) != 0) {
      cpo_run_summary_t sum = {.status = CPO_ERR_STATE, .interrupted = s_stop != 0};
      snprintf(sum.error, sizeof sum.error, "%.399s", text);
      (void)cpo_result_write_json(cli->o.json_path, &cli->o, &sum, cli->transport, repro);
    }
  }
  if (s_stop)
    fprintf(stderr, "cpoemu: run interrupted (%s); exit 3\n", cause);
  else if (rc != 0 && first_role >= 0) {
    if (kids[0].code == 0 || kids[0].code == 1) /* the rtl's summary said PASS or FAIL: not the verdict */
      printf("  RESULT: ERROR (%s)\n", first);
    fprintf(stderr, "cpoemu: run failed (exit %d); the first cause: %s; reproduce with:\n  %s\n", rc, first, repro);
  } else if (rc != 0)
    fprintf(stderr, "cpoemu: run failed (exit %d); reproduce with:\n  %s\n", rc, repro);
  fflush(stdout);
  return rc;
}

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
      s_usage(stdout, "keygen");
      return 0;
    }
    if (strcmp(argv[i], "--version") == 0) {
      s_version();
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
    s_usage(stderr, "keygen");
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

int main(int argc, char **argv) {
  s_std_fds();
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    s_usage(argc < 2 ? stderr : stdout, NULL);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    s_version();
    return 0;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "keygen") == 0)
    return s_keygen(argc, argv);
  bool is_run = strcmp(cmd, "run") == 0;
  bool is_role = !strcmp(cmd, "rtl") || !strcmp(cmd, "model") || !strcmp(cmd, "host");
  if (!is_run && !is_role) {
    fprintf(stderr, "cpoemu: unknown command '%s'\n", cmd);
    s_usage(stderr, NULL);
    return 2;
  }
  static cli_t cli;
  int rc = s_parse(argc, argv, &cli);
  if (rc)
    return rc;
  if (cli.print_scenario) {
    char repro[6144];
    s_repro(&cli, s_self(argv[0]), repro, sizeof repro);
    printf("; reproduce with: %s\n", repro);
    cpo_params_write_ini(&cli.o, stdout);
    return 0;
  }
  if (!is_run && !cli.o.endpoint[0] &&
      !(strcmp(cmd, "rtl") == 0 && cli.o.direct_loopback && !cli.o.with_host && !cli.o.allow_attach)) {
    fprintf(stderr, "cpoemu %s: --endpoint URL is required\n", cmd);
    return 2;
  }
  /* Found here, not when the bind or connect fails: a configuration error is exit 2. */
  if (!is_run && cli.o.endpoint[0] && !cli.o.curve.key_file && !cpo_endpoint_is_local(cli.o.endpoint)) {
    fprintf(stderr, "cpoemu %s: %s is not a loopback address: CURVE is required (--curve-key, and "
                    "--curve-authorized on the rtl or --curve-server-key on the others)\n", cmd, cli.o.endpoint);
    return 2;
  }
  s_catch_stop_signals(); /* a run asked to stop ends its session and reports "interrupted" */
  const char *self = s_self(argv[0]);
  char repro[6144];
  s_repro(&cli, self, repro, sizeof repro);
  if (!cli.o.quiet) {
    char where[200];
    cpo_placement_describe(&cli.placement, where, sizeof where);
    fprintf(stderr, "cpoemu[%s]: CPU placement: %s\n", cmd, where);
  }
  if (is_run) {
    printf("cpoemu: reproduce with: %s\n", repro);
    fflush(stdout);
    rc = strcmp(cli.transport, "inproc") == 0 ? s_run_inproc(&cli, repro) : s_run_processes(&cli, self, repro);
    cpo_placement_release(&cli.placement);
    return rc;
  }
  cli.o.stop = &s_stop;
  /* A role stops when its session ends; asked to stop, it gets a bound for that (its peers may
   * not hear of it: a role run alone). */
  watch_t watch = {.timeout_ms = cli.o.timeout_ms};
  atomic_init(&watch.done, false);
  pthread_t tw;
  pthread_create(&tw, NULL, s_watch, &watch);
  /* One role in this process: its ZeroMQ threads go beside the simulation, not onto it. */
  void *ctx = NULL;
  if (cli.placement.active && !cli.o.direct_loopback) {
    ctx = zmq_ctx_new();
    (void)cpo_placement_apply_zmq(&cli.placement, ctx);
    cli.o.zmq_context = ctx;
  }
  if (strcmp(cmd, "rtl") == 0) {
    (void)cpo_placement_pin_sim(&cli.placement);
    cpo_run_summary_t sum;
    rc = s_report(&cli, &sum, cpo_role_rtl(&cli.o, &sum), repro);
  } else {
    (void)cpo_placement_pin_others(&cli.placement);
    rc = strcmp(cmd, "model") == 0 ? cpo_role_model(&cli.o) : cpo_role_host(&cli.o);
  }
  if (ctx)
    zmq_ctx_term(ctx); /* after the role closed its socket: waits for its bounded linger */
  atomic_store(&watch.done, true);
  pthread_join(tw, NULL);
  cpo_placement_release(&cli.placement);
  return rc;
}
