/* Running the matrix: each run a child `cpoemu run` in a process group of its own, up to -j at
 * once, with two watchdogs. Wall time: a run still going after --wall-timeout is hung. Simulated
 * time: the run's progress lines ("cpoemu: cycle N/M", one per wall second while it simulates)
 * are read from its log; a run whose cycle has not advanced for --stall-timeout (deadlocked,
 * stopped by SIGSTOP or a debugger) is hung. A hung run's whole group is killed (SIGKILL works on
 * a stopped process too), and it is reported as "hung", not "failed". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "regress.h"

#define MAX_ARGS 160

typedef struct {
  json_t *record;             /* the run's record, being filled; NULL: the slot is free */
  pid_t pid;                  /* also its process group */
  double start_s, advanced_s; /* when it started; when its simulated time last advanced */
  unsigned long long cycle, total;
  off_t log_read; /* how far the progress lines were read */
  char dir[4096]; /* its artefacts */
  char rel_dir[512];
  char hung[300]; /* why the watchdog killed it, or "" */
} slot_t;

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig) {
  (void)sig;
  s_stop = 1;
}

static double s_now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Start @p slot's run: fork, own process group, output to its log, exec cpoemu run. */
static int s_start(slot_t *slot, const cpo_regress_exec_cfg_t *cfg) {
  json_t *r = slot->record;
  long long index = json_integer_value(json_object_get(r, "index"));
  long long seed = json_integer_value(json_object_get(r, "seed"));
  snprintf(slot->rel_dir, sizeof slot->rel_dir, "runs/%04lld-%s-s%lld", index,
           json_string_value(json_object_get(r, "scenario")), seed);
  snprintf(slot->dir, sizeof slot->dir, "%s/%s", cfg->out_dir, slot->rel_dir);
  char runs[4200], log[4200], result[4200], seed_text[24];
  snprintf(runs, sizeof runs, "%s/runs", cfg->out_dir);
  mkdir(runs, 0755);
  if (mkdir(slot->dir, 0755) != 0 && errno != EEXIST)
    return -1;
  snprintf(log, sizeof log, "%s/output.log", slot->dir);
  snprintf(result, sizeof result, "%s/result.json", slot->dir);
  unlink(result); /* a stale result from an earlier regress must not pass for this run's */
  snprintf(seed_text, sizeof seed_text, "%lld", seed);
  const char *argv[MAX_ARGS + 12];
  int n = 0;
  argv[n++] = cfg->self, argv[n++] = "run",
  argv[n++] = json_string_value(json_object_get(r, "file"));
  argv[n++] = "--seed", argv[n++] = seed_text, argv[n++] = "--json", argv[n++] = result;
  argv[n++] = "--cpu-placement", argv[n++] = cfg->placement;
  json_t *args = json_object_get(r, "args");
  for (size_t i = 0; i < json_array_size(args) && n < MAX_ARGS + 10; i++)
    argv[n++] = json_string_value(json_array_get(args, i));
  argv[n] = NULL;
  int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -1;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* no run outlives regress */
    if (getppid() != parent)
      _exit(127);
    signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL), signal(SIGHUP, SIG_DFL);
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0), dup2(fd, 1), dup2(fd, 2);
    execv(cfg->self, (char *const *)argv);
    fprintf(stderr, "cpoemu regress: cannot run %s: %s\n", cfg->self, strerror(errno));
    _exit(127);
  }
  close(fd);
  if (pid < 0)
    return -1;
  setpgid(pid, pid); /* also here: no window in which a kill of the group misses it */
  slot->pid = pid;
  slot->start_s = slot->advanced_s = s_now_s();
  slot->cycle = slot->total = 0;
  slot->log_read = 0;
  slot->hung[0] = '\0';
  return 0;
}

/* Read the run's new progress lines; note when its simulated time advanced. */
static void s_read_progress(slot_t *slot, double now) {
  char path[4200], buf[8192];
  snprintf(path, sizeof path, "%s/output.log", slot->dir);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  ssize_t n = pread(fd, buf, sizeof buf - 1, slot->log_read);
  close(fd);
  if (n <= 0)
    return;
  buf[n] = '\0';
  char *last_nl = strrchr(buf, '\n');
  if (!last_nl) { /* a line still being written: read it whole next time; an endless one: skip */
    if ((size_t)n == sizeof buf - 1)
      slot->log_read += n;
    return;
  }
  slot->log_read += last_nl + 1 - buf;
  *last_nl = '\0';
  char *save = NULL;
  for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    unsigned long long cycle, total;
    if (sscanf(line, "cpoemu: cycle %llu/%llu", &cycle, &total) == 2) {
      if (cycle > slot->cycle)
        slot->advanced_s = now;
      slot->cycle = cycle, slot->total = total;
    }
  }
}

/* The watchdogs: kill the run's group if it is hung. */
static void s_watch(slot_t *slot, const cpo_regress_exec_cfg_t *cfg, double now) {
  if (slot->hung[0])
    return;
  s_read_progress(slot, now);
  char where[80] = "before its first progress line";
  if (slot->total)
    snprintf(where, sizeof where, "at cycle %llu of %llu", slot->cycle, slot->total);
  if (now - slot->start_s > cfg->wall_timeout_s)
    snprintf(slot->hung, sizeof slot->hung,
             "hung: still running after the wall-time watchdog's %g s (%s); killed",
             cfg->wall_timeout_s, where);
  else if (now - slot->advanced_s > cfg->stall_timeout_s)
    snprintf(slot->hung, sizeof slot->hung,
             "hung: simulated time did not advance for the stall watchdog's %g s (%s); killed",
             cfg->stall_timeout_s, where);
  else
    return;
  kill(-slot->pid, SIGKILL);
}

/* The last line of @p log holding @p what (its text from there), else its last non-empty line. */
static void s_log_line(const char *log, const char *what, char *out, size_t len) {
  out[0] = '\0';
  FILE *f = fopen(log, "r");
  if (!f)
    return;
  char line[1024], last[1024] = "";
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    const char *at = strstr(line, what);
    if (at)
      snprintf(out, len, "%s", at);
    if (line[0] && !strstr(line, "cpoemu: cycle "))
      snprintf(last, sizeof last, "%s", line);
  }
  fclose(f);
  if (!out[0])
    snprintf(out, len, "%s", last);
}

/* The files of the run's directory, relative to the output directory, in name order. */
static json_t *s_artefacts(const slot_t *slot) {
  json_t *files = json_array();
  struct dirent **names;
  int n = scandir(slot->dir, &names, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    if (names[i]->d_name[0] != '.') {
      char rel[1024];
      snprintf(rel, sizeof rel, "%s/%s", slot->rel_dir, names[i]->d_name);
      json_array_append_new(files, json_string(rel));
    }
    free(names[i]);
  }
  if (n >= 0)
    free(names);
  return json_pack("{s:s, s:o}", "dir", slot->rel_dir, "files", files);
}

/* The run ended with wait status @p status (its leader reaped, the rest of its group killed):
 * fill its record from its exit, JSON and log. */
static void s_finish(slot_t *slot, int status, double now) {
  json_t *r = slot->record;
  char path[4200], line[1024];
  snprintf(path, sizeof path, "%s/result.json", slot->dir);
  json_t *res = json_load_file(path, 0, NULL);
  const char *word = "error";
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  char message[1024] = "", detail[1024] = "";
  const char *err = res ? json_string_value(json_object_get(res, "error")) : NULL;
  snprintf(detail, sizeof detail, "%s", err ? err : "");
  if (slot->hung[0]) {
    word = "hung";
    snprintf(message, sizeof message, "%s", slot->hung);
  } else if (s_stop) {
    word = "interrupted";
    snprintf(message, sizeof message, "regress was interrupted; the run was killed");
  } else if (code == 0) {
    word = "pass";
  } else if (code == 1) {
    word = "fail"; /* the first failed expectation: the JSON's reasons are "; "-separated */
    if (err && err[0])
      snprintf(message, sizeof message, "%.*s", (int)strcspn(err, ";"), err);
    else {
      snprintf(path, sizeof path, "%s/output.log", slot->dir);
      s_log_line(path, "RESULT: FAIL (", line, sizeof line);
      char *start = strstr(line, "FAIL (");
      snprintf(message, sizeof message, "%.*s", start ? (int)strcspn(start + 6, ";)") : 1000,
               start ? start + 6 : line);
    }
  } else {
    snprintf(path, sizeof path, "%s/output.log", slot->dir);
    s_log_line(path, "RESULT: ", line, sizeof line);
    if (WIFSIGNALED(status))
      snprintf(message, sizeof message, "killed by signal %d (%s)", WTERMSIG(status),
               strsignal(WTERMSIG(status)));
    else
      snprintf(message, sizeof message, "exit %d: %.1000s", code, err && err[0] ? err : line);
  }
  json_object_set_new(r, "status", json_string(word));
  json_object_set_new(r, "message", json_string(message));
  json_object_set_new(r, "detail", json_string(detail));
  json_object_set_new(r, "exit_code", json_integer(code));
  static const char *copied[] = {"result", "cycles", "sim_time_s", "event_hash", "lanes"};
  for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
    json_t *v = res ? json_object_get(res, copied[i]) : NULL;
    json_object_set(r, copied[i], v ? v : json_null());
  }
  json_object_set_new(r, "wall_s", json_real(now - slot->start_s));
  json_object_set_new(r, "artefacts", s_artefacts(slot));
  json_decref(res);
  slot->record = NULL;
}

json_t *cpo_regress_exec(const json_t *runs, const cpo_regress_exec_cfg_t *cfg) {
  struct sigaction sa = {.sa_handler = s_on_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL), sigaction(SIGTERM, &sa, NULL), sigaction(SIGHUP, &sa, NULL);
  size_t n = json_array_size(runs), next = 0, done = 0, finished = 0;
  json_t *records = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *r = json_deep_copy(json_array_get(runs, i));
    char repro[8192];
    cpo_regress_reproduce(r, cfg->self, repro, sizeof repro);
    json_object_set_new(r, "reproduce", json_string(repro));
    json_array_append_new(records, r);
  }
  unsigned jobs = cfg->jobs ? cfg->jobs : 1;
  slot_t *slots = calloc(jobs, sizeof *slots);
  unsigned running = 0;
  while (done < n) {
    for (unsigned j = 0; j < jobs && !s_stop && next < n; j++) {
      if (slots[j].record)
        continue;
      slots[j].record = json_array_get(records, next++);
      if (s_start(&slots[j], cfg) != 0) {
        json_object_set_new(slots[j].record, "status", json_string("error"));
        json_object_set_new(
            slots[j].record, "message",
            json_sprintf("cannot start the run in %s: %s", slots[j].dir, strerror(errno)));
        slots[j].record = NULL;
        done++;
      } else
        running++;
    }
    if (s_stop && next < n) { /* interrupted: what has not started never will */
      for (; next < n; next++, done++) {
        json_t *r = json_array_get(records, next);
        json_object_set_new(r, "status", json_string("interrupted"));
        json_object_set_new(r, "message", json_string("not started: regress was interrupted"));
      }
    }
    if (running == 0)
      continue;
    double now = s_now_s();
    for (unsigned j = 0; j < jobs; j++) {
      if (!slots[j].record)
        continue;
      if (s_stop)
        kill(-slots[j].pid, SIGKILL);
      /* Ended? Seen without reaping it: while it is a zombie its group's id cannot be reused,
       * so what is left of the group (the ipc roles) is killed before the id is freed. */
      siginfo_t info = {0};
      int status = 0;
      if (waitid(P_PID, (id_t)slots[j].pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == slots[j].pid) {
        kill(-slots[j].pid, SIGKILL);
        waitpid(slots[j].pid, &status, 0);
        json_t *r = slots[j].record;
        s_finish(&slots[j], status, now);
        running--, done++, finished++;
        printf("regress: [%zu/%zu] %s seed %lld: %s (%.1f s)%s%s\n", finished, n,
               json_string_value(json_object_get(r, "scenario")),
               json_integer_value(json_object_get(r, "seed")),
               json_string_value(json_object_get(r, "status")),
               json_real_value(json_object_get(r, "wall_s")),
               json_string_length(json_object_get(r, "message")) ? ": " : "",
               json_string_value(json_object_get(r, "message")));
        fflush(stdout);
      } else
        s_watch(&slots[j], cfg, now);
    }
    struct timespec tick = {0, 50 * 1000 * 1000};
    nanosleep(&tick, NULL);
  }
  free(slots);
  return records;
}
