#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "roles.h"
#include "trace_file.h"
#include "verdict.h"

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
void cpo_supervisor_catch_stop_signals(void) {
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
static int s_report(const cpo_cli_t *cli, const cpo_run_summary_t *sum, int code,
                    const char *repro) {
  if (sum->cycles > 0 || code != 2)
    cpo_verdict_print(s_stdout_closed() ? stderr : stdout, sum, &cli->o.config);
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

/* The run's waveforms as one file: the model's folded into the RTL's, each lane split out,
 * with a GTKWave view beside it (after every role has closed its file, however the run ended). */
static void s_trace_finish(const cpo_cli_t *cli) {
  if (!cli->o.trace_path || access(cli->o.trace_path, R_OK) != 0)
    return;
  char why[400], gtkw[1100];
  if (cpo_trace_finish(cli->o.trace_path, cli->o.model_trace_path, cli->o.host_lanes,
                       cli->o.config.lanes, why, sizeof why) != CPO_OK) {
    fprintf(stderr, "cpoemu: warning: the waveforms stay as written (%s)\n", why);
    return;
  }
  cpo_trace_gtkw_path(cli->o.trace_path, gtkw, sizeof gtkw);
  if (!cli->o.quiet)
    fprintf(stderr, "cpoemu: waveforms in %s; view them with: gtkwave %s\n", cli->o.trace_path,
            gtkw);
}

int cpo_supervisor_run_inproc(cpo_cli_t *cli, const char *repro) {
  cpo_context_t *ctx = cpo_context_new();
  (void)cpo_placement_apply_context(&cli->placement, ctx);
  cli->o.context = ctx;
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
  cpo_context_destroy(&ctx);
  s_trace_finish(cli);
  /* The verdict covers every role: a run whose model or host failed did not pass. */
  const role_thread_t *failed = model.code ? &model : host.code ? &host : NULL;
  if (code < 2 && failed && !sum.interrupted) {
    sum.status = CPO_ERR_STATE;
    snprintf(sum.error, sizeof sum.error, "the %s role failed (see its messages above)",
             failed == &model ? "model" : "host");
    code = 3;
  }
  code = s_report(cli, &sum, code, repro);
  if (code == 1) /* as a run of processes says it (s_conclude) */
    fprintf(stderr, "cpoemu: run failed (exit 1); reproduce with:\n  %s\n", repro);
  atomic_store(&watch.done, true);
  pthread_join(tw, NULL);
  if (sum.interrupted) {
    char cause[100];
    s_stop_cause(cause, sizeof cause);
    fprintf(stderr, "cpoemu: interrupted (%s) at cycle %llu\n", cause,
            (unsigned long long)sum.cycles);
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
static int s_child_args(const cpo_cli_t *cli, const char *role, const char *endpoint, char **argv,
                        char buf[][CPO_PARAMS_ARG_MAX], char *placement) {
  const cpo_run_opts_t *o = &cli->o;
  int n = 0;
  argv[n++] = (char *)role;
  if (o->scenario[0])
    argv[n++] = (char *)o->scenario;
  argv[n++] = "--endpoint", argv[n++] = (char *)endpoint;
  n = cpo_cli_run_args(cli, argv, n, buf);
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
  pid_t pid;       /* 0: not started */
  int code;        /* exit code, 128 + signal if killed; -1 while running */
  long stopped_ms; /* how long it has been seen stopped (SIGSTOP, a debugger) */
  bool signalled;  /* we sent it SIGTERM or SIGKILL: its death by signal is not a cause */
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
static bool s_private_dir(char *dir, size_t len, char *endpoint, size_t ep_len, char *why,
                          size_t why_len) {
  const char *tmp = getenv("TMPDIR");
  if (!tmp || !tmp[0])
    tmp = "/tmp";
  snprintf(dir, len, "%s/cpoemu-XXXXXX", tmp);
  snprintf(endpoint, ep_len, "ipc://%s/bridge.sock", dir);
  const size_t max_path = 107; /* sockaddr_un.sun_path, less its NUL */
  if (strlen(endpoint) - strlen("ipc://") > max_path) {
    snprintf(why, why_len,
             "TMPDIR %s is too long for an ipc socket path (%zu bytes at most): set "
             "TMPDIR to a shorter directory",
             tmp, max_path - strlen("/cpoemu-XXXXXX/bridge.sock"));
    return false;
  }
  if (!mkdtemp(dir)) {
    snprintf(why, why_len, "cannot create a directory for the ipc socket in %s: %s", tmp,
             strerror(errno));
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

static bool s_running(const child_t *k) {
  return k->pid > 0 && k->code < 0;
}

/* Send @p sig to @p k, marking that its death by a signal is ours, not a cause. */
static void s_signal(child_t *k, int sig) {
  k->signalled = true;
  kill(k->pid, sig);
}

/* After the first cause or a stop, how long the other roles get to notice and end: 2 timeouts
 * (the rtl writes its result meanwhile). */
static long s_grace_ms(const cpo_cli_t *cli) {
  return 2L * cli->o.timeout_ms + 1000;
}

/* The roles share our stdout: one closed stops the run as a signal would. */
static void s_note_stdout_closed(void) {
  if (!s_stop && s_stdout_closed())
    s_stop = STOP_STDOUT_CLOSED;
}

/* Where the rtl binds: an ipc socket in a private directory, which a janitor removes however the
 * run ends, or tcp on a free port. */
typedef struct {
  bool ipc;
  char dir[600], sock[700];
  int janitor_hold; /* the janitor's pipe: closing it lets the janitor clean up */
  pid_t janitor;
} endpoint_dir_t;

/* The endpoint the rtl is to bind, in @p endpoint; false (said why) if there can be none. */
static bool s_endpoint_open(endpoint_dir_t *d, char *endpoint, size_t len) {
  if (!d->ipc) {
    snprintf(endpoint, len, "tcp://127.0.0.1:*");
    return true;
  }
  char why[400];
  if (!s_private_dir(d->dir, sizeof d->dir, endpoint, len, why, sizeof why)) {
    fprintf(stderr, "cpoemu: %s\n", why);
    return false;
  }
  snprintf(d->sock, sizeof d->sock, "%s/bridge.sock", d->dir);
  d->janitor = s_janitor(d->dir, d->sock, &d->janitor_hold);
  return true;
}

static void s_endpoint_close(endpoint_dir_t *d) {
  if (!d->ipc)
    return;
  unlink(d->sock); /* the rtl removes it, unless it was killed */
  rmdir(d->dir);
  if (d->janitor > 0) {
    close(d->janitor_hold);
    waitpid(d->janitor, NULL, 0);
  }
}

/* A multi-process run while its roles live: the children and what is known of its failure. */
typedef struct {
  const cpo_cli_t *cli;
  child_t kids[3];
  struct timespec t0; /* the run's start */
  char first[300];    /* the first cause of failure, named once */
  int first_role;     /* whose it is; -1 while there is none */
  bool first_killed;  /* the first cause is a role killed by a signal not ours */
  bool first_frozen;  /* the first cause is a role found stopped */
  long grace_ms;      /* time left for the roles to end before SIGTERM; -1 not counting */
  long since_term_ms; /* since that SIGTERM; SIGKILL after a second; -1 not sent */
  bool stop_sent;     /* a stop request was forwarded to the roles */
} procs_t;

/* Start the rtl role; it writes the endpoint it bound to @p ready_fd. */
static void s_spawn_rtl(procs_t *p, const char *self, const char *endpoint, int ready_fd) {
  const cpo_cli_t *cli = p->cli;
  char *argv[CPO_CLI_MAX_RUN_ARGS + 16], buf[CPO_PARAMS_N][CPO_PARAMS_ARG_MAX], fdbuf[16],
      placement[16];
  int n = 0;
  argv[n++] = (char *)self;
  n += s_child_args(cli, "rtl", endpoint, argv + n, buf, placement);
  snprintf(fdbuf, sizeof fdbuf, "%d", ready_fd);
  argv[n++] = "--ready-fd", argv[n++] = fdbuf;
  if (cli->o.json_path)
    argv[n++] = "--json", argv[n++] = (char *)cli->o.json_path;
  if (cli->o.trace_path)
    argv[n++] = "--trace", argv[n++] = (char *)cli->o.trace_path;
  argv[n] = NULL;
  p->kids[0].pid = s_spawn(self, argv, ready_fd);
}

/* Wait for the endpoint the rtl bound (tcp port * resolves to a real port), into @p bound; the
 * pipe ends without it if the rtl exits first (its status then says why). A loaded machine can
 * take seconds to start a large verilated design: a running rtl gets a generous limit, a stopped
 * one (frozen) the bridge timeout. True if the pipe ended unwritten: the rtl closes it only by
 * exiting. */
static bool s_wait_bound(const procs_t *p, int ready_fd, char *bound, size_t len) {
  unsigned bind_limit_ms = s_bind_limit_ms(p->cli->o.timeout_ms);
  struct pollfd pfd = {ready_fd, POLLIN, 0};
  for (unsigned waited_ms = 0, stopped_ms = 0;
       waited_ms < bind_limit_ms && stopped_ms < p->cli->o.timeout_ms; waited_ms += 100) {
    if (poll(&pfd, 1, 100) > 0) {
      ssize_t got = read(ready_fd, bound, len - 1);
      bound[got > 0 ? got : 0] = '\0';
      bound[strcspn(bound, "\n")] = '\0';
      return got <= 0;
    }
    stopped_ms = s_proc_state(p->kids[0].pid) == 'T' ? stopped_ms + 100 : 0;
  }
  return false;
}

/* The rtl bound nothing: if it still runs (neither exiting nor a zombie), that is the first
 * cause, and it is killed. */
static void s_rtl_unbound(procs_t *p, const char *endpoint, bool rtl_exiting) {
  child_t *rtl = &p->kids[0];
  if (rtl_exiting || kill(rtl->pid, 0) != 0 || s_proc_state(rtl->pid) == 'Z')
    return;
  snprintf(p->first, sizeof p->first, "the rtl process (pid %d) did not bind %s within %u ms%s",
           (int)rtl->pid, endpoint, s_bind_limit_ms(p->cli->o.timeout_ms),
           s_proc_state(rtl->pid) == 'T' ? " (it was stopped)" : "");
  p->first_role = 0;
  fprintf(stderr, "cpoemu: %s\n", p->first);
  s_signal(rtl, SIGKILL);
}

/* Start the model and host roles the run has, connecting to @p bound. */
static void s_spawn_peers(procs_t *p, const char *self, const char *bound) {
  const cpo_cli_t *cli = p->cli;
  char *argv[CPO_CLI_MAX_RUN_ARGS + 16], buf[CPO_PARAMS_N][CPO_PARAMS_ARG_MAX], placement[16];
  for (int r = 1; r < 3; r++) {
    if ((r == 2 && !cli->o.with_host) || (r == 1 && cli->o.direct_loopback))
      continue;
    int n = 0;
    argv[n++] = (char *)self;
    n += s_child_args(cli, s_names[r], bound, argv + n, buf, placement);
    if (r == 1 && cli->o.model_trace_path)
      argv[n++] = "--model-trace", argv[n++] = (char *)cli->o.model_trace_path;
    argv[n] = NULL;
    p->kids[r].pid = s_spawn(self, argv, -1);
  }
}

/* Role @p r, in state @p state, is frozen (stopped: SIGSTOP, a debugger): the first cause, named
 * and killed. @p stopped_ms how long it was seen stopped, or -1 if it was only found so. */
static void s_name_frozen(procs_t *p, int r, char state, long stopped_ms) {
  child_t *k = &p->kids[r];
  char for_ms[40] = "";
  if (stopped_ms >= 0)
    snprintf(for_ms, sizeof for_ms, " for %ld ms", stopped_ms);
  p->first_role = r;
  p->first_frozen = true;
  snprintf(p->first, sizeof p->first,
           "the %s process (pid %d) was frozen (stopped, state %c)%s, %.2f s into the run: killed",
           s_names[r], (int)k->pid, state, for_ms, s_since_s(&p->t0));
  fprintf(stderr, "cpoemu: %s\n", p->first);
  s_signal(k, SIGKILL);
  p->grace_ms = s_grace_ms(p->cli);
}

/* Role @p r ended, as @p line says, @p killed by a signal not ours: it becomes the first cause
 * unless there is one or a stop was asked. A role killed by a signal is a root cause; an exit
 * status often a consequence (the rtl saw its model's connection close): a kill found later
 * still comes first. */
static void s_take_cause(procs_t *p, int r, const char *line, bool killed) {
  if (killed && !p->first_killed && p->first_role >= 0 && !p->first_frozen && !s_stop) {
    p->first_role = -1;
    p->grace_ms = -1;
  }
  p->first_killed = p->first_killed || (killed && p->first_role < 0 && !s_stop);
  if (p->first_role >= 0 || s_stop)
    return;
  p->first_role = r;
  snprintf(p->first, sizeof p->first, "%s", line);
  p->grace_ms = s_grace_ms(p->cli);
  for (int o = 0; o < 3; o++) { /* a role stopped meanwhile is the cause, this the effect */
    char state = s_running(&p->kids[o]) ? s_proc_state(p->kids[o].pid) : '?';
    if (state == 'T' || state == 't')
      s_name_frozen(p, o, state, -1);
  }
}

/* What role @p r's end (wait status @p st) says went wrong, in @p what ("" if nothing): a death
 * by a signal not ours, or an exit status that is neither the rtl's verdict nor a stop. */
static void s_judge_end(const procs_t *p, int r, int st, char *what, size_t len) {
  const child_t *k = &p->kids[r];
  what[0] = '\0';
  if (WIFSIGNALED(st) && !(s_stop && k->signalled))
    snprintf(what, len, "was killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
  else if (WIFEXITED(st) && k->code != 0 && !(r == 0 && k->code == 1) && /* 1: a verdict */
           !(s_stop && k->code == 3))
    snprintf(what, len, "exited with status %d", k->code);
}

/* Reap role @p r if it ended, and judge its end; false while it runs. */
static bool s_reap(procs_t *p, int r) {
  child_t *k = &p->kids[r];
  int st;
  if (waitpid(k->pid, &st, WNOHANG) != k->pid)
    return false;
  k->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  s_note_stdout_closed(); /* one that saw it closed before we did stopped itself, as asked */
  char what[200];
  s_judge_end(p, r, st, what, sizeof what);
  if (!what[0])
    return true;
  char line[300];
  snprintf(line, sizeof line, "the %s process (pid %d) %s, %.2f s into the run", s_names[r],
           (int)k->pid, what, s_since_s(&p->t0));
  fprintf(stderr, "cpoemu: %s\n", line);
  s_take_cause(p, r, line, WIFSIGNALED(st) && !k->signalled);
  return true;
}

/* A role stopped (SIGSTOP, a debugger) for a timeout is frozen: named, ended. */
static void s_check_frozen(procs_t *p) {
  for (int r = 0; r < 3; r++) {
    child_t *k = &p->kids[r];
    if (!s_running(k))
      continue;
    char state = s_proc_state(k->pid);
    k->stopped_ms = state == 'T' || state == 't' ? k->stopped_ms + 100 : 0;
    if (k->stopped_ms >= (long)p->cli->o.timeout_ms && p->first_role < 0 && !s_stop)
      s_name_frozen(p, r, state, k->stopped_ms);
  }
}

/* A stop request (signal, closed stdout) goes to the roles at once as SIGTERM. */
static void s_forward_stop(procs_t *p) {
  if (!s_stop || p->stop_sent)
    return;
  char cause[100];
  s_stop_cause(cause, sizeof cause);
  fprintf(stderr, "cpoemu: interrupted (%s): stopping the roles\n", cause);
  p->stop_sent = true;
  p->grace_ms = p->grace_ms < 0 ? s_grace_ms(p->cli) : p->grace_ms;
  for (int r = 0; r < 3; r++) /* the rtl first: it then knows the model's end is a stop */
    if (s_running(&p->kids[r]))
      s_signal(&p->kids[r], SIGTERM);
}

/* End every role still running with @p sig, saying so (@p how). */
static void s_end_all(procs_t *p, int sig, const char *how) {
  for (int r = 0; r < 3; r++) {
    child_t *k = &p->kids[r];
    if (!s_running(k))
      continue;
    fprintf(stderr, "cpoemu: the %s process (pid %d) did not stop: %s\n", s_names[r], (int)k->pid,
            how);
    s_signal(k, sig);
    if (sig == SIGTERM)
      kill(k->pid, SIGCONT); /* a stopped role must run to hear it */
  }
}

/* Roles that did not end within the grace get SIGTERM, then a second later SIGKILL. */
static void s_escalate(procs_t *p, long tick_ms) {
  if (p->grace_ms == 0 && p->since_term_ms < 0) {
    p->since_term_ms = 0;
    s_end_all(p, SIGTERM, "terminated");
  }
  if (p->since_term_ms >= 0 && (p->since_term_ms += tick_ms) == 1000)
    s_end_all(p, SIGKILL, "killed");
  if (p->grace_ms > 0)
    p->grace_ms = p->grace_ms > tick_ms ? p->grace_ms - tick_ms : 0;
}

/* Reap until every role has ended. The first failure is named when it happens; the others then
 * get a grace to notice and stop, then SIGTERM, then SIGKILL. */
static void s_supervise(procs_t *p) {
  const long tick_ms = 5;
  long poll_ms = 0;
  for (;;) {
    int alive = 0;
    for (int r = 0; r < 3; r++)
      if (s_running(&p->kids[r]) && !s_reap(p, r))
        alive++;
    if (!alive)
      break;
    if ((poll_ms += tick_ms) >= 100) { /* every 100 ms */
      poll_ms = 0;
      s_check_frozen(p);
      s_note_stdout_closed();
    }
    s_forward_stop(p);
    s_escalate(p, tick_ms);
    nanosleep(&(struct timespec){0, tick_ms * 1000 * 1000}, NULL);
  }
}

/* The rtl's JSON says what it saw; the first cause (or the stop, @p cause) is what the run is
 * reported for: amended into it, or written anew if the rtl wrote none. */
static void s_amend_json(const procs_t *p, const char *cause, const char *repro) {
  const cpo_cli_t *cli = p->cli;
  bool rtl_reported = p->kids[0].code >= 0 && p->kids[0].code <= 3; /* its summary and JSON */
  char text[500];
  snprintf(text, sizeof text, "%s%s", s_stop ? "interrupted: " : "", s_stop ? cause : p->first);
  if (!rtl_reported ||
      cpo_result_amend_json(cli->o.json_path, s_stop ? "interrupted" : "error", text) != 0) {
    cpo_run_summary_t sum = {.status = CPO_ERR_STATE, .interrupted = s_stop != 0};
    snprintf(sum.error, sizeof sum.error, "%.399s", text);
    (void)cpo_result_write_json(cli->o.json_path, &cli->o, &sum, cli->transport, repro);
  }
}

/* The verdict: the rtl's (0 pass, 1 fail), unless something failed first or it was stopped. */
static int s_conclude(const procs_t *p, const char *repro) {
  int rc = cpo_verdict_code(p->kids[0].code, p->first_role >= 0, s_stop != 0);
  char cause[400] = "";
  if (s_stop)
    s_stop_cause(cause, sizeof cause);
  if (p->cli->o.json_path && (p->first_role >= 0 || s_stop))
    s_amend_json(p, cause, repro);
  if (s_stop)
    fprintf(stderr, "cpoemu: run interrupted (%s); exit 3\n", cause);
  else if (rc != 0 && p->first_role >= 0) {
    if (p->kids[0].code == 0 || p->kids[0].code == 1) /* the rtl said PASS or FAIL: not so */
      printf("  RESULT: ERROR (%s)\n", p->first);
    fprintf(stderr, "cpoemu: run failed (exit %d); the first cause: %s; reproduce with:\n  %s\n",
            rc, p->first, repro);
  } else if (rc != 0)
    fprintf(stderr, "cpoemu: run failed (exit %d); reproduce with:\n  %s\n", rc, repro);
  fflush(stdout);
  return rc;
}

int cpo_supervisor_run_processes(cpo_cli_t *cli, const char *self, const char *repro) {
  char endpoint[700], bound[600] = "";
  endpoint_dir_t dir = {
      .ipc = strcmp(cli->transport, "ipc") == 0, .janitor_hold = -1, .janitor = -1};
  if (!s_endpoint_open(&dir, endpoint, sizeof endpoint))
    return 2;
  procs_t p = {.cli = cli,
               .kids = {{0, -1, 0, false}, {0, -1, 0, false}, {0, -1, 0, false}},
               .first_role = -1,
               .grace_ms = -1,
               .since_term_ms = -1};
  clock_gettime(CLOCK_MONOTONIC, &p.t0);
  int ready[2];
  if (pipe(ready) != 0) {
    perror("cpoemu: pipe");
    return 2;
  }
  s_spawn_rtl(&p, self, endpoint, ready[1]);
  close(ready[1]);
  bool rtl_exiting = s_wait_bound(&p, ready[0], bound, sizeof bound);
  close(ready[0]);
  if (!bound[0])
    s_rtl_unbound(&p, endpoint, rtl_exiting);
  else
    s_spawn_peers(&p, self, bound);
  (void)cpo_placement_pin_others(&cli->placement); /* the supervisor: off the simulation's CPU */
  if (!cli->o.quiet)
    fprintf(stderr, "cpoemu: rtl pid %d, model pid %d, host pid %d on %s\n", (int)p.kids[0].pid,
            (int)p.kids[1].pid, (int)p.kids[2].pid, bound[0] ? bound : endpoint);
  s_supervise(&p);
  s_endpoint_close(&dir);
  s_trace_finish(cli);
  return s_conclude(&p, repro);
}

int cpo_supervisor_run_role(cpo_cli_t *cli, const char *cmd, const char *repro) {
  int rc;
  cli->o.stop = &s_stop;
  /* A role stops when its session ends; asked to stop, it gets a bound for that (its peers may
   * not hear of it: a role run alone). */
  watch_t watch = {.timeout_ms = cli->o.timeout_ms};
  atomic_init(&watch.done, false);
  pthread_t tw;
  pthread_create(&tw, NULL, s_watch, &watch);
  /* One role in this process: its ZeroMQ threads go beside the simulation, not onto it. */
  cpo_context_t *ctx = NULL;
  if (cli->placement.active && !cli->o.direct_loopback) {
    ctx = cpo_context_new();
    (void)cpo_placement_apply_context(&cli->placement, ctx);
    cli->o.context = ctx;
  }
  if (strcmp(cmd, "rtl") == 0) {
    (void)cpo_placement_pin_sim(&cli->placement);
    cpo_run_summary_t sum;
    rc = s_report(cli, &sum, cpo_role_rtl(&cli->o, &sum), repro);
    if (cli->o.ready_fd < 0) /* run alone; one that `run` started (ready_fd) leaves it to run */
      s_trace_finish(cli);
  } else {
    (void)cpo_placement_pin_others(&cli->placement);
    rc = strcmp(cmd, "model") == 0 ? cpo_role_model(&cli->o) : cpo_role_host(&cli->o);
  }
  cpo_context_destroy(&ctx); /* after the role closed its socket: waits for its bounded linger */
  atomic_store(&watch.done, true);
  pthread_join(tw, NULL);
  cpo_placement_release(&cli->placement);
  return rc;
}
