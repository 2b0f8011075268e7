/* cpoemu: one program, three roles (rtl, model, host), run together or one by one.
 *
 *   cpoemu run [SCENARIO] [--transport inproc|ipc|tcp] [--quantum N] [--seed N] ...
 *   cpoemu rtl|model|host --endpoint URL [SCENARIO] [options]
 *   cpoemu keygen FILE
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
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
#include "roles.h"
#include "scenario.h"

typedef struct {
  cpo_run_opts_t o;
  char transport[16];
  char json[1024];
  bool json_given;
  char trace[1024];
  char model_trace[1100];
  bool host_given; /* --with-host / --no-host said explicitly */
  char placement_spec[16]; /* --cpu-placement */
  cpo_placement_t placement;
} cli_t;

static void s_usage(FILE *f) {
  fputs("usage: cpoemu run [SCENARIO] [options]        run all roles (default scenario if none)\n"
        "       cpoemu rtl|model|host --endpoint URL [SCENARIO] [options]   run one role\n"
        "       cpoemu keygen FILE                       write a CURVE keypair (FILE, FILE.pub)\n"
        "options:\n"
        "  --transport inproc|ipc|tcp   how run connects the roles (default inproc)\n"
        "  --endpoint URL               rtl binds it, model and host connect to it\n"
        "  --quantum N --latency N      Q and L in datapath cycles (Q <= L)\n"
        "  --seed N --cycles N          random seed, simulated cycles\n"
        "  --profile NAME               model: loopback, or an engine profile (default mrm-els-8x200g)\n"
        "  --fidelity statistical|bit-true   engine profiles: errors drawn from exact probabilities,\n"
        "                               or noise on every symbol\n"
        "  --start calibrated|power-on  engine profiles: as a finished bring-up leaves it (default),\n"
        "                               or dark (lasers off) for firmware to bring up\n"
        "  --topology loopback|two-engines   engine profiles: each lane's light back to its own\n"
        "                               receiver (default), or lanes [0, N/2) and [N/2, N) as two\n"
        "                               engines facing each other over two fibres\n"
        "  --noise-sigma X              loopback profile: noise in eye units (0 = error-free)\n"
        "  --timeout-ms N               a silent peer is declared dead after N ms\n"
        "  --json FILE                  write the result as JSON\n"
        "  --trace FILE.fst             write FST waveforms of the RTL (slow); run also writes the\n"
        "                               model's (optical power, detuning, ...) to FILE.model.fst\n"
        "  --model-trace FILE.fst       model: write its waveforms to FILE.fst\n"
        "  --with-host | --no-host      whether a host drives the run (run: the built-in host)\n"
        "  --direct                     no model, RX = TX delayed by L (baseline); a host may drive it\n"
        "  --allow-attach               without a host: let one attach mid-run (else refused)\n"
        "  --quiet                      no progress lines\n"
        "  --cpu-placement auto|off|N   the rtl's simulation thread alone on CPU N, model, host and\n"
        "                               ZeroMQ threads on the other CPUs (auto: lowest CPU, if >= 2)\n"
        "  --curve-key F --curve-server-key F --curve-authorized F   CURVE for tcp\n",
        f);
}

enum {
  OPT_TRANSPORT = 256, OPT_ENDPOINT, OPT_QUANTUM, OPT_LATENCY, OPT_SEED, OPT_CYCLES, OPT_NOISE,
  OPT_TIMEOUT, OPT_JSON, OPT_TRACE, OPT_WITH_HOST, OPT_NO_HOST, OPT_DIRECT, OPT_QUIET,
  OPT_READY_FD, OPT_CURVE_KEY, OPT_CURVE_SERVER, OPT_CURVE_AUTH, OPT_HELP, OPT_PROFILE, OPT_FIDELITY, OPT_MODEL_TRACE,
  OPT_START, OPT_CPU_PLACEMENT, OPT_TOPOLOGY, OPT_ALLOW_ATTACH
};

static const struct option s_options[] = {
    {"transport", required_argument, 0, OPT_TRANSPORT}, {"endpoint", required_argument, 0, OPT_ENDPOINT},
    {"quantum", required_argument, 0, OPT_QUANTUM},     {"latency", required_argument, 0, OPT_LATENCY},
    {"seed", required_argument, 0, OPT_SEED},           {"cycles", required_argument, 0, OPT_CYCLES},
    {"noise-sigma", required_argument, 0, OPT_NOISE},   {"timeout-ms", required_argument, 0, OPT_TIMEOUT},
    {"json", required_argument, 0, OPT_JSON},           {"trace", required_argument, 0, OPT_TRACE},
    {"with-host", no_argument, 0, OPT_WITH_HOST},       {"no-host", no_argument, 0, OPT_NO_HOST},
    {"direct", no_argument, 0, OPT_DIRECT},             {"quiet", no_argument, 0, OPT_QUIET},
    {"ready-fd", required_argument, 0, OPT_READY_FD},   {"curve-key", required_argument, 0, OPT_CURVE_KEY},
    {"curve-server-key", required_argument, 0, OPT_CURVE_SERVER},
    {"curve-authorized", required_argument, 0, OPT_CURVE_AUTH},
    {"profile", required_argument, 0, OPT_PROFILE},     {"fidelity", required_argument, 0, OPT_FIDELITY},
    {"model-trace", required_argument, 0, OPT_MODEL_TRACE}, {"start", required_argument, 0, OPT_START},
    {"topology", required_argument, 0, OPT_TOPOLOGY},
    {"cpu-placement", required_argument, 0, OPT_CPU_PLACEMENT},
    {"allow-attach", no_argument, 0, OPT_ALLOW_ATTACH},
    {"help", no_argument, 0, OPT_HELP},                 {0, 0, 0, 0}};

static bool s_parse_u64(const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out) {
  if (!cpo_parse_u64(v, min, max, out)) {
    fprintf(stderr, "cpoemu: --%s %s: expected a whole number from %llu to %llu\n", opt, v,
            (unsigned long long)min, (unsigned long long)max);
    return false;
  }
  return true;
}

/* Options are read twice: first to find the scenario (positional), then to override it. */
/* The verdict on a two-word option (--fidelity, --start, --topology); names what it expects. */
static bool s_chosen(bool ok, const char *option, const char *value, const char *expected) {
  if (!ok)
    fprintf(stderr, "cpoemu: --%s %s: expected %s\n", option, value, expected);
  return ok;
}

static int s_parse(int argc, char **argv, cli_t *cli) {
  cpo_scenario_defaults(&cli->o);
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
      break;
    case OPT_ENDPOINT:
      snprintf(o->endpoint, sizeof o->endpoint, "%s", optarg);
      break;
    case OPT_QUANTUM:
      if (!s_parse_u64("quantum", optarg, 1, 1u << 20, &u))
        return 2;
      o->config.quantum_cycles = (uint32_t)u;
      break;
    case OPT_LATENCY:
      if (!s_parse_u64("latency", optarg, 1, 1u << 20, &u))
        return 2;
      o->config.latency_cycles = (uint32_t)u;
      break;
    case OPT_SEED:
      if (!s_parse_u64("seed", optarg, 0, UINT64_MAX, &u))
        return 2;
      o->config.seed = u;
      break;
    case OPT_CYCLES:
      if (!s_parse_u64("cycles", optarg, 1, UINT64_MAX / 2, &u))
        return 2;
      o->config.total_cycles = u;
      break;
    case OPT_NOISE: {
      double d;
      if (!cpo_parse_real(optarg, &d) || !(d >= 0 && d < 10)) {
        fprintf(stderr, "cpoemu: --noise-sigma %s: expected a number from 0 to 10\n", optarg);
        return 2;
      }
      o->noise_sigma = d;
      break;
    }
    case OPT_PROFILE:
      if (!cpo_scenario_set_profile(o, optarg)) {
        char known[200];
        cpo_scenario_profiles(known, sizeof known);
        fprintf(stderr, "cpoemu: --profile %s: expected one of %s\n", optarg, known);
        return 2;
      }
      break;
    case OPT_FIDELITY:
      if (!s_chosen(cpo_scenario_set_fidelity(o, optarg), "fidelity", optarg, "statistical or bit-true"))
        return 2;
      break;
    case OPT_START:
      if (!s_chosen(cpo_scenario_set_start(o, optarg), "start", optarg, "calibrated or power-on"))
        return 2;
      break;
    case OPT_TOPOLOGY:
      if (!s_chosen(cpo_scenario_set_topology(o, optarg), "topology", optarg, "loopback or two-engines"))
        return 2;
      break;
    case OPT_TIMEOUT:
      if (!s_parse_u64("timeout-ms", optarg, 10, 3600000, &u))
        return 2;
      o->timeout_ms = (uint32_t)u;
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
    case OPT_WITH_HOST:
    case OPT_NO_HOST:
      o->with_host = c == OPT_WITH_HOST;
      cli->host_given = true;
      break;
    case OPT_DIRECT:
      o->direct_loopback = true;
      break;
    case OPT_ALLOW_ATTACH:
      o->allow_attach = true;
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
      s_usage(stdout);
      exit(0);
    default:
      s_usage(stderr);
      return 2;
    }
  }
  if (cli->json_given)
    o->json_path = cli->json;
  char pwhy[200];
  if (cpo_placement_plan(cli->placement_spec, &cli->placement, pwhy, sizeof pwhy) != CPO_OK) {
    fprintf(stderr, "cpoemu: --cpu-placement %s: %s\n", cli->placement_spec, pwhy);
    return 2;
  }
  if (o->trace_path && !o->model_trace_path && strcmp(argv[1], "run") == 0) {
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
  if (o->two_engines && (strcmp(o->config.profile, "loopback") == 0 || o->config.lanes % 2 != 0)) {
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
  return 0;
}

/* The shortest decimal that reads back as exactly @p v. */
static void s_exact_double(double v, char *out, size_t len) {
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(out, len, "%.*g", prec, v);
    if (strtod(out, NULL) == v)
      return;
  }
}

/* The one line that reproduces this run. */
static void s_repro(const cli_t *cli, const char *self, char *out, size_t len) {
  const cpo_run_opts_t *o = &cli->o;
  const cpo_config_t *c = &o->config;
  char model[128];
  if (strcmp(c->profile, "loopback") == 0) {
    char sigma[32];
    s_exact_double(o->noise_sigma, sigma, sizeof sigma);
    snprintf(model, sizeof model, "--profile loopback --noise-sigma %s", sigma);
  } else {
    snprintf(model, sizeof model, "--profile %s --fidelity %s --start %s --topology %s", c->profile,
             cpo_scenario_fidelity(o), cpo_scenario_start(o), cpo_scenario_topology(o));
  }
  snprintf(out, len,
           "%s run %s%s--transport %s --quantum %u --latency %u --seed %llu --cycles %llu %s "
           "--timeout-ms %u%s",
           self, o->scenario, o->scenario[0] ? " " : "", cli->transport, c->quantum_cycles,
           c->latency_cycles, (unsigned long long)c->seed, (unsigned long long)c->total_cycles, model,
           o->timeout_ms, o->with_host ? (o->direct_loopback ? " --direct" : "") : o->direct_loopback ? " --no-host --direct" : " --no-host");
}

static void s_print_summary(const cpo_run_summary_t *s, const cpo_config_t *c) {
  uint64_t bits = 0, errors = 0;
  printf("cpoemu: %llu cycles (%.6f ms simulated) in %.2f s wall: %.2f Mcycles/s, %.3g simulated s per wall s\n",
         (unsigned long long)s->cycles, s->sim_time_s * 1e3, s->wall_s,
         s->wall_s > 0 ? (double)s->cycles / s->wall_s * 1e-6 : 0.0,
         s->wall_s > 0 ? s->sim_time_s / s->wall_s : 0.0);
  if (s->model_wait_s > 0) /* the lookahead's health: near 0 when the model keeps ahead */
    printf("  the design waited %.2f s (%.1f%%) for the model's RX\n", s->model_wait_s,
           100.0 * s->model_wait_s / s->wall_s);
  printf("  lane  locked          bits    errors       BER\n");
  for (uint32_t l = 0; l < s->lanes; l++) {
    bits += s->bits[l];
    errors += s->errors[l];
    printf("  %4u  %6s  %12llu  %8llu  %8.2e\n", l, s->locked[l] ? "yes" : "NO",
           (unsigned long long)s->bits[l], (unsigned long long)s->errors[l],
           s->bits[l] ? (double)s->errors[l] / (double)s->bits[l] : 0.0);
  }
  printf("  all   %6s  %12llu  %8llu  %8.2e\n", "", (unsigned long long)bits, (unsigned long long)errors,
         bits ? (double)errors / (double)bits : 0.0);
  printf("  event_hash 0x%016llx, %llu register accesses, %llu DAC writes, %llu ADC samples, %llu quanta,\n"
         "  seed %llu, Q %u, L %u\n",
         (unsigned long long)s->event_hash, (unsigned long long)s->reg_accesses,
         (unsigned long long)s->dac_writes, (unsigned long long)s->adc_samples, (unsigned long long)s->quanta,
         (unsigned long long)c->seed, c->quantum_cycles, c->latency_cycles);
  if (s->status != 0)
    printf("  RESULT: ERROR (%s)\n", s->error);
  else if (!s->expectations_met)
    printf("  RESULT: FAIL (%s)\n", s->expectation_failure);
  else
    printf("  RESULT: PASS\n");
  fflush(stdout);
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

static int s_run_rtl_and_report(cli_t *cli, const char *transport, const char *repro) {
  cpo_run_summary_t sum;
  int code = cpo_role_rtl(&cli->o, &sum);
  if (sum.cycles > 0 || code != 2)
    s_print_summary(&sum, &cli->o.config);
  if (cli->o.json_path && cpo_result_write_json(cli->o.json_path, &cli->o, &sum, transport, repro) != 0 && code == 0)
    code = 3;
  return code;
}

static int s_run_inproc(cli_t *cli, const char *repro) {
  void *ctx = zmq_ctx_new();
  (void)cpo_placement_apply_zmq(&cli->placement, ctx);
  cli->o.zmq_context = ctx;
  snprintf(cli->o.endpoint, sizeof cli->o.endpoint, "inproc://cpoemu-%d", (int)getpid());
  role_thread_t model = {.o = cli->o, .role = cpo_role_model, .placement = &cli->placement};
  role_thread_t host = {.o = cli->o, .role = cpo_role_host, .placement = &cli->placement};
  model.o.json_path = host.o.json_path = NULL;
  pthread_t tm, th;
  if (!cli->o.direct_loopback) /* --direct: the design alone, no model */
    pthread_create(&tm, NULL, s_role_thread, &model);
  if (cli->o.with_host)
    pthread_create(&th, NULL, s_role_thread, &host);
  (void)cpo_placement_pin_sim(&cli->placement);
  int code = s_run_rtl_and_report(cli, "inproc", repro);
  if (!cli->o.direct_loopback)
    pthread_join(tm, NULL);
  if (cli->o.with_host)
    pthread_join(th, NULL);
  zmq_ctx_term(ctx);
  if (code == 0 && (model.code || host.code))
    code = 3;
  return code;
}

/* ---- run, one process per role (ipc, tcp) --------------------------------------- */

static volatile sig_atomic_t s_stop_signal;
static void s_on_signal(int sig) {
  s_stop_signal = sig;
}

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
static int s_child_args(const cli_t *cli, const char *role, const char *endpoint, char **argv, char buf[][64]) {
  const cpo_run_opts_t *o = &cli->o;
  int n = 0, b = 0;
#define ARG(s) (argv[n++] = (char *)(s))
#define NUM(fmt, v) (snprintf(buf[b], 64, fmt, v), argv[n++] = buf[b++])
  ARG(role);
  if (o->scenario[0])
    ARG(o->scenario);
  ARG("--endpoint"), ARG(endpoint);
  ARG("--quantum"), NUM("%u", o->config.quantum_cycles);
  ARG("--latency"), NUM("%u", o->config.latency_cycles);
  ARG("--seed"), NUM("%llu", (unsigned long long)o->config.seed);
  ARG("--cycles"), NUM("%llu", (unsigned long long)o->config.total_cycles);
  ARG("--profile"), ARG(o->config.profile);
  ARG("--fidelity"), ARG(cpo_scenario_fidelity(o));
  ARG("--start"), ARG(cpo_scenario_start(o));
  ARG("--topology"), ARG(cpo_scenario_topology(o));
  ARG("--noise-sigma");
  s_exact_double(o->noise_sigma, buf[b], 64);
  argv[n++] = buf[b++];
  ARG("--timeout-ms"), NUM("%u", o->timeout_ms);
  ARG(o->with_host ? "--with-host" : "--no-host");
  if (o->direct_loopback || o->allow_attach) /* the rtl's; the others ignore them */
    ARG(o->direct_loopback ? "--direct" : "--allow-attach");
  /* The plan is made once, here: a child's own "auto" could see a different set of CPUs. */
  if (cli->placement.active)
    ARG("--cpu-placement"), NUM("%d", cli->placement.sim_cpu);
  else
    ARG("--cpu-placement"), ARG("off");
  if (o->quiet)
    ARG("--quiet");
  if (o->curve.key_file)
    ARG("--curve-key"), ARG(o->curve.key_file);
  if (o->curve.server_key_file)
    ARG("--curve-server-key"), ARG(o->curve.server_key_file);
  if (o->curve.authorized_file)
    ARG("--curve-authorized"), ARG(o->curve.authorized_file);
#undef ARG
#undef NUM
  return n;
}

static const char *s_names[3] = {"rtl", "model", "host"};

static int s_run_processes(cli_t *cli, const char *self, const char *repro) {
  char dir[] = "/tmp/cpoemu-XXXXXX";
  char endpoint[600];
  bool ipc = strcmp(cli->transport, "ipc") == 0;
  if (ipc) {
    if (!mkdtemp(dir)) {
      fprintf(stderr, "cpoemu: cannot create a directory for the ipc socket: %s\n", strerror(errno));
      return 2;
    }
    snprintf(endpoint, sizeof endpoint, "ipc://%s/bridge.sock", dir);
  } else {
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:*");
  }
  struct sigaction sa = {.sa_handler = s_on_signal};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  pid_t pids[3] = {0, 0, 0};
  int codes[3] = {-1, -1, -1};
  int ready[2];
  if (pipe(ready) != 0) {
    perror("cpoemu: pipe");
    return 2;
  }
  char *argv[48], buf[16][64], fdbuf[16];
  int n = 0;
  argv[n++] = (char *)self;
  n += s_child_args(cli, "rtl", endpoint, argv + n, buf);
  snprintf(fdbuf, sizeof fdbuf, "%d", ready[1]);
  argv[n++] = "--ready-fd", argv[n++] = fdbuf;
  if (cli->o.json_path)
    argv[n++] = "--json", argv[n++] = (char *)cli->o.json_path;
  if (cli->o.trace_path)
    argv[n++] = "--trace", argv[n++] = (char *)cli->o.trace_path;
  argv[n] = NULL;
  pids[0] = s_spawn(self, argv, ready[1]);
  close(ready[1]);

  /* The rtl reports the endpoint it bound (tcp port * resolves to a real port). */
  char bound[600] = "";
  struct pollfd pfd = {ready[0], POLLIN, 0};
  if (poll(&pfd, 1, (int)cli->o.timeout_ms) > 0) {
    ssize_t got = read(ready[0], bound, sizeof bound - 1);
    bound[got > 0 ? got : 0] = '\0';
    bound[strcspn(bound, "\n")] = '\0';
  }
  close(ready[0]);
  int rc = 0;
  if (!bound[0]) {
    fprintf(stderr, "cpoemu: the rtl process did not bind %s within %u ms\n", endpoint, cli->o.timeout_ms);
    rc = 3;
  } else {
    for (int r = 1; r < 3; r++) {
      if ((r == 2 && !cli->o.with_host) || (r == 1 && cli->o.direct_loopback))
        continue;
      n = 0;
      argv[n++] = (char *)self;
      n += s_child_args(cli, s_names[r], bound, argv + n, buf);
      if (r == 1 && cli->o.model_trace_path)
        argv[n++] = "--model-trace", argv[n++] = (char *)cli->o.model_trace_path;
      argv[n] = NULL;
      pids[r] = s_spawn(self, argv, -1);
    }
  }
  (void)cpo_placement_pin_others(&cli->placement); /* the supervisor: off the simulation's CPU */
  if (!cli->o.quiet)
    fprintf(stderr, "cpoemu: rtl pid %d, model pid %d, host pid %d on %s\n", (int)pids[0], (int)pids[1],
            (int)pids[2], bound[0] ? bound : endpoint);

  /* Reap. After the first failure, the others get 2 timeouts to notice and stop. */
  struct timespec tick = {0, 5 * 1000 * 1000};
  long grace_ticks = -1;
  for (;;) {
    int alive = 0;
    for (int r = 0; r < 3; r++) {
      if (pids[r] <= 0 || codes[r] >= 0)
        continue;
      int st;
      pid_t w = waitpid(pids[r], &st, WNOHANG);
      if (w == pids[r]) {
        codes[r] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (WIFSIGNALED(st))
          fprintf(stderr, "cpoemu: the %s process (pid %d) was killed by signal %d\n", s_names[r],
                  (int)pids[r], WTERMSIG(st));
        else if (codes[r] != 0 && r != 0)
          fprintf(stderr, "cpoemu: the %s process exited with status %d\n", s_names[r], codes[r]);
        if (codes[r] != 0 && grace_ticks < 0)
          grace_ticks = 2L * cli->o.timeout_ms / 5 + 200;
      } else {
        alive++;
      }
    }
    if (!alive)
      break;
    if (s_stop_signal && grace_ticks < 0) {
      for (int r = 0; r < 3; r++)
        if (pids[r] > 0 && codes[r] < 0)
          kill(pids[r], SIGTERM);
      grace_ticks = 400;
    }
    if (grace_ticks == 0) {
      for (int r = 0; r < 3; r++)
        if (pids[r] > 0 && codes[r] < 0) {
          fprintf(stderr, "cpoemu: the %s process (pid %d) did not stop: killed\n", s_names[r], (int)pids[r]);
          kill(pids[r], SIGKILL);
        }
    }
    if (grace_ticks > 0)
      grace_ticks--;
    nanosleep(&tick, NULL);
  }
  if (ipc) {
    char sock[700];
    snprintf(sock, sizeof sock, "%s/bridge.sock", dir);
    unlink(sock); /* the rtl removes it, unless it was killed */
    rmdir(dir);
  }
  if (rc == 0)
    for (int r = 0; r < 3; r++)
      if (codes[r] > 0) {
        rc = r == 0 ? codes[r] : (rc ? rc : 3);
      }
  if (rc != 0)
    fprintf(stderr, "cpoemu: run failed (exit %d); reproduce with:\n  %s\n", rc, repro);
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

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    s_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "keygen") == 0) {
    char why[300];
    if (argc != 3) {
      fprintf(stderr, "usage: cpoemu keygen FILE\n");
      return 2;
    }
    if (cpo_curve_keygen(argv[2], why, sizeof why) != CPO_OK) {
      fprintf(stderr, "cpoemu: %s\n", why);
      return 2;
    }
    printf("wrote %s (keypair) and %s.pub (public key)\n", argv[2], argv[2]);
    return 0;
  }
  bool is_run = strcmp(cmd, "run") == 0;
  bool is_role = !strcmp(cmd, "rtl") || !strcmp(cmd, "model") || !strcmp(cmd, "host");
  if (!is_run && !is_role) {
    fprintf(stderr, "cpoemu: unknown command '%s'\n", cmd);
    s_usage(stderr);
    return 2;
  }
  static cli_t cli;
  int rc = s_parse(argc, argv, &cli);
  if (rc)
    return rc;
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
    return rc;
  }
  if (!cli.o.endpoint[0] && !(strcmp(cmd, "rtl") == 0 && cli.o.direct_loopback && !cli.o.with_host && !cli.o.allow_attach)) {
    fprintf(stderr, "cpoemu %s: --endpoint URL is required\n", cmd);
    return 2;
  }
  /* One role in this process: its ZeroMQ threads go beside the simulation, not onto it. */
  void *ctx = NULL;
  if (cli.placement.active && !cli.o.direct_loopback) {
    ctx = zmq_ctx_new();
    (void)cpo_placement_apply_zmq(&cli.placement, ctx);
    cli.o.zmq_context = ctx;
  }
  if (strcmp(cmd, "rtl") == 0) {
    char transport[16] = "none"; /* the endpoint's scheme: inproc, ipc or tcp */
    const char *sep = strstr(cli.o.endpoint, "://");
    if (sep && sep - cli.o.endpoint < (long)sizeof transport)
      snprintf(transport, sizeof transport, "%.*s", (int)(sep - cli.o.endpoint), cli.o.endpoint);
    (void)cpo_placement_pin_sim(&cli.placement);
    rc = s_run_rtl_and_report(&cli, transport, repro);
  } else {
    (void)cpo_placement_pin_others(&cli.placement);
    rc = strcmp(cmd, "model") == 0 ? cpo_role_model(&cli.o) : cpo_role_host(&cli.o);
  }
  if (ctx)
    zmq_ctx_term(ctx); /* after the role closed its socket: waits for its bounded linger */
  return rc;
}
