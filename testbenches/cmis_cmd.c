/* cpoemu cmis SUBCOMMAND --endpoint URL ...: the CMIS host driver (host/cmis) as a tool,
 * attached as the host to a running `cpoemu rtl --with-host` (or --allow-attach). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cpo/cmis.h"
#include "cpo/hal.h"

static void s_usage(FILE *f) {
  fputs(
      "usage: cpoemu cmis SUBCOMMAND --endpoint URL [options] [ARGS]\n"
      "The CMIS host driver, attached as the host to `cpoemu rtl --with-host`; CMIS at the\n"
      "engine's CMIS window (ENGINE_OE + 0x800000). Bytes and pages: decimal, 0x.. or ..h.\n"
      "  bringup [--app N]             deinit, leave low power, AppSel N (default 1), DPInit,\n"
      "                                activate every lane, each wait bounded as advertised\n"
      "    --then-low-power            then back to ModuleLowPwr (every lane deactivated)\n"
      "  power low|high                enter / leave low power, wait as advertised\n"
      "  dump                          the memory map decoded (as `ethtool -m`); clears flags\n"
      "  peek BANK PAGE BYTE [COUNT]   read bytes (BYTE < 128: the lower page)\n"
      "  peek --linear ADDR [COUNT]    by linear address (bank * 256 + page) * 128 + byte\n"
      "  poke BANK PAGE BYTE VALUE...  write bytes\n"
      "  poke --linear ADDR VALUE...\n"
      "  watch [--interval-ms N] [--count N]   read the latched flags N times (default 10,\n"
      "                                every 100 ms of simulated time), print those set\n"
      "  cdb                           CDB Query Status and Get Firmware Info\n"
      "  reset                         software reset, wait for ModuleLowPwr\n"
      "  --endpoint URL                the rtl's endpoint\n"
      "  --hold-to-end                 then sleep to the run's last cycle: the rtl skips a parked\n"
      "                                tail while its host sleeps (alone, it clocks it)\n"
      "  --trace FILE                  write every register access and sleep to FILE\n"
      "                                (the format cpoemu_cmis.TracingClient writes)\n"
      "  --timeout-ms N                a silent rtl is declared dead after N ms (10000)\n"
      "  --curve-key F --curve-server-key F   CURVE for tcp: our keypair, the rtl's key\n"
      "Exit codes: 0 done; 1 the module did not do what was asked (the error says what); 2 bad\n"
      "usage (every argument is checked before attaching); 3 cannot attach, or the run ended\n"
      "or its rtl went silent (--timeout-ms) or away (the error names the cause).\n",
      f);
}

typedef struct {
  const char *endpoint, *trace;
  cpo_curve_cfg_t curve;
  uint64_t timeout_ms, app, interval_ms, count;
  bool linear, then_low_power, hold_to_end;
  bool app_given, interval_given, count_given;
  char **args; /* positional arguments after the subcommand */
  int nargs;
  /* what the positional arguments say, checked before attaching */
  uint32_t addr;       /* peek, poke: the first linear address */
  size_t n;            /* peek: the count; poke: the values */
  uint8_t values[256]; /* poke */
  bool low;            /* power low */
} s_opts_t;

/* A number: as the run's (cpo_parse_u64: decimal, never octal, or 0x hex), or hex with an h
 * suffix (CMIS writes pages as 11h). */
static bool s_num(const char *text, uint64_t max, uint64_t *out) {
  const size_t n = strlen(text);
  if (n < 2 || (text[n - 1] != 'h' && text[n - 1] != 'H'))
    return cpo_parse_u64(text, 0, max, out);
  char *end;
  errno = 0;
  const unsigned long long v = strtoull(text, &end, 16);
  if (errno || end != text + n - 1 || text[0] == '-' || v > max)
    return false;
  *out = v;
  return true;
}

static int s_parse(int argc, char **argv, s_opts_t *o) {
  enum {
    O_ENDPOINT = 256,
    O_TIMEOUT,
    O_KEY,
    O_SERVER,
    O_APP,
    O_LINEAR,
    O_INTERVAL,
    O_COUNT,
    O_TRACE,
    O_THEN_LOW,
    O_HOLD,
    O_HELP
  };
  static const struct option opts[] = {{"endpoint", required_argument, 0, O_ENDPOINT},
                                       {"timeout-ms", required_argument, 0, O_TIMEOUT},
                                       {"curve-key", required_argument, 0, O_KEY},
                                       {"curve-server-key", required_argument, 0, O_SERVER},
                                       {"app", required_argument, 0, O_APP},
                                       {"linear", no_argument, 0, O_LINEAR},
                                       {"interval-ms", required_argument, 0, O_INTERVAL},
                                       {"count", required_argument, 0, O_COUNT},
                                       {"trace", required_argument, 0, O_TRACE},
                                       {"then-low-power", no_argument, 0, O_THEN_LOW},
                                       {"hold-to-end", no_argument, 0, O_HOLD},
                                       {"help", no_argument, 0, O_HELP},
                                       {0, 0, 0, 0}};
  *o = (s_opts_t){.timeout_ms = 10000, .app = 1, .interval_ms = 100, .count = 10};
  optind = 3;
  for (int ch; (ch = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
    uint64_t *num = NULL, max = 0, min = 0;
    switch (ch) {
    case O_ENDPOINT:
      o->endpoint = optarg;
      break;
    case O_KEY:
      o->curve.key_file = optarg;
      break;
    case O_SERVER:
      o->curve.server_key_file = optarg;
      break;
    case O_LINEAR:
      o->linear = true;
      break;
    case O_TRACE:
      o->trace = optarg;
      break;
    case O_THEN_LOW:
      o->then_low_power = true;
      break;
    case O_HOLD:
      o->hold_to_end = true;
      break;
    case O_TIMEOUT:
      num = &o->timeout_ms, min = 10, max = 3600000;
      break;
    case O_APP:
      num = &o->app, min = 1, max = CPO_CMIS_MAX_APPS, o->app_given = true;
      break;
    case O_INTERVAL:
      num = &o->interval_ms, min = 1, max = 3600000, o->interval_given = true;
      break;
    case O_COUNT:
      num = &o->count, min = 1, max = 1000000, o->count_given = true;
      break;
    case O_HELP:
      s_usage(stdout);
      exit(0);
    default:
      if (optopt >= '0' && optopt <= '9') /* "-1": getopt took a negative number for options */
        fprintf(stderr,
                "cpoemu cmis: -%c...: a negative number; addresses, counts and byte values are 0 "
                "or more\n",
                optopt);
      fprintf(stderr, "cpoemu cmis: see `cpoemu cmis --help`\n");
      return 2;
    }
    if (num && (!s_num(optarg, max, num) || *num < min)) {
      fprintf(stderr,
              "cpoemu cmis: --%s %s: expected a whole number from %" PRIu64 " to %" PRIu64 "\n",
              argv[optind - 2] + 2, optarg, min, max);
      return 2;
    }
  }
  o->args = argv + optind;
  o->nargs = argc - optind;
  if (!o->endpoint) {
    fprintf(stderr, "cpoemu cmis: --endpoint URL is required\n");
    return 2;
  }
  if (strncmp(o->endpoint, "ipc://", 6) && strncmp(o->endpoint, "tcp://", 6)) {
    fprintf(stderr,
            "cpoemu cmis: --endpoint %s: expected ipc://PATH or tcp://HOST:PORT (a run's)\n",
            o->endpoint);
    return 2;
  }
  if (!o->curve.key_file && !cpo_endpoint_is_local(o->endpoint)) {
    fprintf(stderr,
            "cpoemu cmis: %s is not a loopback address: CURVE is required (--curve-key, "
            "--curve-server-key)\n",
            o->endpoint);
    return 2;
  }
  if (!o->curve.key_file != !o->curve.server_key_file) {
    fprintf(stderr, "cpoemu cmis: --curve-key and --curve-server-key go together\n");
    return 2;
  }
  const char *keys[2][2] = {{"--curve-key", o->curve.key_file},
                            {"--curve-server-key", o->curve.server_key_file}};
  for (int k = 0; k < 2; k++) {
    FILE *f = keys[k][1] ? fopen(keys[k][1], "r") : NULL;
    if (keys[k][1] && !f) {
      fprintf(stderr, "cpoemu cmis: %s %s: %s\n", keys[k][0], keys[k][1], strerror(errno));
      return 2;
    }
    if (f)
      fclose(f);
  }
  return 0;
}

/* An option that @p cmd does not take, named; NULL if none. */
static const char *s_misplaced(const s_opts_t *o, const char *cmd) {
  bool peek_poke = !strcmp(cmd, "peek") || !strcmp(cmd, "poke"), bringup = !strcmp(cmd, "bringup"),
       watch = !strcmp(cmd, "watch");
  if (o->linear && !peek_poke)
    return "--linear (peek and poke only)";
  if (o->then_low_power && !bringup)
    return "--then-low-power (bringup only)";
  if (o->app_given && !bringup)
    return "--app (bringup only)";
  if ((o->interval_given || o->count_given) && !watch)
    return o->interval_given ? "--interval-ms (watch only)" : "--count (watch only)";
  return NULL;
}

/* The (bank, page, byte) or linear address at the front of the arguments, as a linear address;
 * the arguments used, or -1 (the argument named on stderr). */
static int s_where(const s_opts_t *o, const char *cmd, uint32_t *linear) {
  static const char *const names[3] = {"BANK", "PAGE", "BYTE"};
  const uint32_t last = CPO_CMIS_LINEAR(255, 255, 255);
  uint64_t v[3];
  int need = o->linear ? 1 : 3;
  if (o->nargs < need) {
    fprintf(stderr, "cpoemu cmis %s: expected %s\n", cmd,
            o->linear ? "a linear address" : "BANK PAGE BYTE");
    return -1;
  }
  for (int k = 0; k < need; k++)
    if (!s_num(o->args[k], o->linear ? last : 255, &v[k])) {
      if (o->linear)
        fprintf(stderr, "cpoemu cmis %s: ADDR %s: expected a linear address 0-%u\n", cmd,
                o->args[k], (unsigned)last);
      else
        fprintf(stderr, "cpoemu cmis %s: %s %s: expected a number 0-255 (decimal, 0x.. or ..h)\n",
                cmd, names[k], o->args[k]);
      return -1;
    }
  if (o->linear) {
    *linear = (uint32_t)v[0];
  } else if (v[2] < 128) {
    *linear = (uint32_t)v[2]; /* the lower page, whatever bank and page say */
  } else if (v[0] != 0 && v[1] < CPO_CMIS_PAGE_P10) {
    fprintf(stderr,
            "cpoemu cmis %s: BANK %s: page %02" PRIx64 "h is not banked (CMIS banks pages 10h-FFh "
            "only): bank 0\n",
            cmd, o->args[0], v[1]);
    return -1;
  } else {
    *linear = CPO_CMIS_LINEAR(v[0], v[1], v[2]);
  }
  return need;
}

/* The positional arguments of @p cmd, checked (before attaching); 0, or 2 naming the argument. */
static int s_check_args(s_opts_t *o, const char *cmd) {
  const char *opt = s_misplaced(o, cmd);
  if (opt) {
    fprintf(stderr, "cpoemu cmis %s: %s does not apply\n", cmd, opt);
    return 2;
  }
  bool peek = !strcmp(cmd, "peek"), poke = !strcmp(cmd, "poke");
  if (!strcmp(cmd, "power")) {
    o->low = o->nargs == 1 && !strcmp(o->args[0], "low");
    if (o->nargs != 1 || (!o->low && strcmp(o->args[0], "high"))) {
      fprintf(stderr, "cpoemu cmis power: %s%s: expected low or high\n",
              o->nargs ? o->args[0] : "no argument", o->nargs > 1 ? " ..." : "");
      return 2;
    }
    return 0;
  }
  if (!peek && !poke) {
    if (o->nargs) {
      fprintf(stderr, "cpoemu cmis %s: %s: takes no arguments\n", cmd, o->args[0]);
      return 2;
    }
    return 0;
  }
  int used = s_where(o, cmd, &o->addr);
  if (used < 0)
    return 2;
  uint64_t v;
  o->n = 1;
  if (poke) {
    o->n = (size_t)(o->nargs - used);
    if (o->n == 0 || o->n > sizeof o->values) {
      fprintf(stderr, "cpoemu cmis poke: expected 1-256 values after the address (got %zu)\n",
              o->n);
      return 2;
    }
    for (size_t k = 0; k < o->n; k++) {
      if (!s_num(o->args[used + (int)k], 255, &v)) {
        fprintf(stderr, "cpoemu cmis poke: VALUE %s: expected a byte 0-255\n",
                o->args[used + (int)k]);
        return 2;
      }
      o->values[k] = (uint8_t)v;
    }
  } else if (o->nargs > used) {
    if (o->nargs > used + 1) {
      fprintf(stderr, "cpoemu cmis peek: %s: unexpected after COUNT\n", o->args[used + 1]);
      return 2;
    }
    if (!s_num(o->args[used], 256, &v) || v == 0) {
      fprintf(stderr, "cpoemu cmis peek: COUNT %s: expected a count 1-256\n", o->args[used]);
      return 2;
    }
    o->n = (size_t)v;
  }
  const uint32_t last = CPO_CMIS_LINEAR(255, 255, 255);
  if (o->n - 1 > last - o->addr) {
    fprintf(stderr,
            "cpoemu cmis %s: %zu bytes from linear address %u run beyond the CMIS space (last "
            "address %u)\n",
            cmd, o->n, (unsigned)o->addr, (unsigned)last);
    return 2;
  }
  /* a linear address in bank 1 or above of a page below 10h names the same byte as bank 0's:
   * refused as BANK PAGE BYTE are, not silently read or written in bank 0 */
  for (size_t k = 0; o->linear && k < o->n; k++) {
    unsigned bank, page, byte;
    if (cpo_cmis_linear_split(o->addr + (uint32_t)k, &bank, &page, &byte) == 0 && bank != 0 &&
        page < CPO_CMIS_PAGE_P10) {
      fprintf(stderr,
              "cpoemu cmis %s: linear address %u is bank %u page %02xh byte %u, and page %02xh "
              "is not banked (CMIS banks pages 10h-FFh only): bank 0 is %u\n",
              cmd, (unsigned)o->addr + (unsigned)k, bank, page, byte, page,
              (unsigned)CPO_CMIS_LINEAR(0, page, byte));
      return 2;
    }
  }
  return 0;
}

static void s_print_bytes(uint32_t linear, const uint8_t *buf, size_t n) {
  for (size_t k = 0; k < n; k++) {
    unsigned bank = 0, page = 0, byte = 0;
    (void)cpo_cmis_linear_split(linear + (uint32_t)k, &bank, &page, &byte);
    if (byte < 128)
      printf("lower %3u (linear %7u): 0x%02x\n", byte, linear + (unsigned)k, buf[k]);
    else
      printf("bank %u page %02xh byte %3u (linear %7u): 0x%02x\n", bank, page, byte,
             linear + (unsigned)k, buf[k]);
  }
}

static cpo_status_t s_peek_poke(cpo_cmis_t *c, const s_opts_t *o, bool poke) {
  uint8_t buf[256];
  if (poke)
    CPO_TRY(cpo_cmis_write_linear(c, o->addr, o->values, o->n));
  else
    CPO_TRY(cpo_cmis_read_linear(c, o->addr, buf, o->n));
  s_print_bytes(o->addr, poke ? o->values : buf, o->n);
  return CPO_OK;
}

/* A sleep of the tool's own: a failure is the transport's or the run's, said in @p why. */
static cpo_status_t s_sleep(cpo_hal_t *hal, uint64_t cycles, const char *what, char *why,
                            size_t why_len) {
  cpo_status_t rc = cpo_hal_sleep_cycles(hal, cycles);
  if (rc != CPO_OK)
    snprintf(why, why_len, "%s: %s", what, cpo_hal_error(hal));
  return rc;
}

static cpo_status_t s_watch(cpo_cmis_t *c, const s_opts_t *o, char *why, size_t why_len) {
  cpo_hal_t *hal = cpo_cmis_hal(c);
  char text[4096];
  unsigned set = 0;
  for (uint64_t k = 0; k < o->count; k++) {
    if (k)
      CPO_TRY(s_sleep(hal, cpo_hal_ns_to_cycles(hal, o->interval_ms * 1000000u),
                      "sleeping between reads", why, why_len));
    cpo_cmis_flags_t f;
    CPO_TRY(cpo_cmis_flags(c, &f));
    if (cpo_cmis_flags_any(&f)) {
      set++;
      cpo_cmis_flags_describe(&f, text, sizeof text);
      printf("t = %.3f ms: %s\n", (double)cpo_hal_now_ns(hal) / 1e6, text);
    }
  }
  printf("watched %" PRIu64 " times every %" PRIu64 " ms: flags set %u times\n", o->count,
         o->interval_ms, set);
  return CPO_OK;
}

static cpo_status_t s_cdb(cpo_cmis_t *c) {
  uint8_t lock;
  cpo_cmis_fw_info_t fw;
  CPO_TRY(cpo_cmis_cdb_query_status(c, &lock));
  printf("CDB Query Status: 0x%02x\n", lock);
  CPO_TRY(cpo_cmis_cdb_fw_info(c, &fw));
  printf("CDB Get Firmware Info: image status 0x%02x, image info 0x%02x, image A %u.%u build %u\n",
         fw.image_status, fw.image_info, fw.a_major, fw.a_minor, fw.a_build);
  return CPO_OK;
}

static cpo_status_t s_bringup(cpo_cmis_t *c, const s_opts_t *o) {
  cpo_hal_t *hal = cpo_cmis_hal(c);
  uint64_t t0 = cpo_hal_now_ns(hal);
  CPO_TRY(cpo_cmis_bringup(c, (unsigned)o->app));
  printf("bring-up: %u lanes DPActivated on AppSel %u in %.3f ms of simulated time\n",
         cpo_cmis_info(c)->lanes, (unsigned)o->app, (double)(cpo_hal_now_ns(hal) - t0) / 1e6);
  fflush(stdout); /* the moment of the bring-up, for whoever watches the pipe */
  if (!o->then_low_power)
    return CPO_OK;
  t0 = cpo_hal_now_ns(hal);
  CPO_TRY(cpo_cmis_set_low_power(c, true));
  printf("low power: ModuleLowPwr in %.3f ms of simulated time\n",
         (double)(cpo_hal_now_ns(hal) - t0) / 1e6);
  return CPO_OK;
}

static cpo_status_t s_power(cpo_cmis_t *c, const s_opts_t *o) {
  CPO_TRY(cpo_cmis_set_low_power(c, o->low));
  printf("module: %s\n", o->low ? "ModuleLowPwr" : "ModuleReady");
  return CPO_OK;
}

/* Sleep to the run's last cycle, so that the host detaches only then. */
static cpo_status_t s_hold(cpo_hal_t *hal, char *why, size_t why_len) {
  uint64_t last = cpo_hal_config(hal)->total_cycles - 1, now = cpo_hal_now_cycles(hal);
  return now < last ? s_sleep(hal, last - now, "sleeping to the run's last cycle", why, why_len)
                    : CPO_OK;
}

/* @p cmd; a failure of the tool's own sleeps is said in @p why, the driver's by cpo_cmis_error. */
static cpo_status_t s_run(cpo_cmis_t *c, const char *cmd, const s_opts_t *o, char *why,
                          size_t why_len) {
  uint8_t id;
  cpo_status_t rc = cpo_cmis_present(c, &id);
  if (rc == CPO_ERR_BUS) {
    fprintf(stderr,
            "cpoemu cmis: the engine has no CMIS block: byte 0 at 0x%08x answers a bus error\n",
            (unsigned)CPO_CMIS_ENGINE_BASE);
    return rc;
  }
  CPO_TRY(rc);
  if (!strcmp(cmd, "bringup"))
    return s_bringup(c, o);
  if (!strcmp(cmd, "dump"))
    return cpo_cmis_dump(c, stdout);
  if (!strcmp(cmd, "peek") || !strcmp(cmd, "poke"))
    return s_peek_poke(c, o, cmd[1] == 'o');
  if (!strcmp(cmd, "power"))
    return s_power(c, o);
  if (!strcmp(cmd, "watch"))
    return s_watch(c, o, why, why_len);
  if (!strcmp(cmd, "cdb"))
    return s_cdb(c);
  if (!strcmp(cmd, "reset"))
    return cpo_cmis_reset(c);
  return CPO_ERR_INVALID_ARG;
}

int cpo_cmis_cmd(int argc, char **argv) {
  static const char *const cmds[] = {"bringup", "dump",  "peek", "poke",
                                     "power",   "watch", "cdb",  "reset"};
  const char *cmd = argc > 2 ? argv[2] : "";
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    s_usage(stdout);
    return 0;
  }
  bool known = false;
  for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++)
    known |= !strcmp(cmd, cmds[k]);
  if (!known) {
    fprintf(stderr,
            "cpoemu cmis: %s%s: expected bringup, dump, peek, poke, power, watch, cdb or "
            "reset\n",
            *cmd ? "unknown subcommand " : "no subcommand", cmd);
    s_usage(stderr);
    return 2;
  }
  s_opts_t o;
  int rc = s_parse(argc, argv, &o);
  if (rc == 0)
    rc = s_check_args(&o, cmd);
  if (rc)
    return rc;
  /* Everything the arguments can get wrong is found before attaching (exit 2); after it, a
   * failure is the transport's or the run's (exit 3) or the module's answer (exit 1). */
  FILE *trace = NULL;
  if (o.trace && !(trace = fopen(o.trace, "w"))) {
    fprintf(stderr, "cpoemu cmis: --trace %s: %s\n", o.trace, strerror(errno));
    return 2;
  }
  char why[400];
  cpo_bridge_cfg_t bc = {.endpoint = o.endpoint,
                         .role = CPO_ROLE_HOST,
                         .adopt_config = true,
                         .timeout_ms = (uint32_t)o.timeout_ms,
                         .curve = o.curve};
  cpo_hal_t *hal = NULL;
  if (cpo_hal_open(&bc, &hal, why, sizeof why) != CPO_OK) {
    fprintf(stderr, "cpoemu cmis: cannot attach to %s: %s\n", o.endpoint, why);
    if (trace)
      fclose(trace);
    return 3;
  }
  cpo_hal_t *traced = NULL;
  cpo_cmis_t *c = NULL;
  cpo_status_t st = trace ? cpo_cmis_trace_hal(hal, trace, &traced) : CPO_OK;
  if (st == CPO_OK)
    st = cpo_cmis_create(traced ? traced : hal, CPO_CMIS_ENGINE_BASE, &c);
  why[0] = '\0'; /* from here: a failure of the tool's own sleeps */
  if (st == CPO_OK)
    st = s_run(c, cmd, &o, why, sizeof why);
  if (st == CPO_OK && o.hold_to_end)
    st = s_hold(cpo_cmis_hal(c), why, sizeof why);
  int exit_code = 0;
  if (st != CPO_OK) {
    /* the run silent, ended or gone (the cause named) is 3; the module's answer 1 */
    bool transport = why[0] || (c && cpo_cmis_error_is_transport(c));
    fprintf(stderr, "cpoemu cmis %s: %s\n", cmd,
            why[0] ? why
            : c    ? cpo_cmis_error(c)
                   : cpo_status_str(st));
    exit_code = transport ? 3 : 1;
  }
  cpo_cmis_destroy(&c);
  cpo_hal_close(&traced);
  if (trace && fclose(trace) != 0 && exit_code == 0) {
    fprintf(stderr, "cpoemu cmis: --trace %s: %s\n", o.trace, strerror(errno));
    exit_code = 1;
  }
  cpo_hal_close(&hal);
  return exit_code;
}
