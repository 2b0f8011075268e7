/* CPU placement (see cpo/placement.h). Linux: sched_getaffinity / pthread_setaffinity_np. */
#define _GNU_SOURCE
#include "cpo/placement.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <zmq.h>

#include "bridge_internal.h"

static bool s_allowed(cpu_set_t *set) {
  CPU_ZERO(set);
  return sched_getaffinity(0, sizeof *set, set) == 0;
}

/* Claim @p cpu for this process's simulation: bind the abstract socket naming it. The fd, or -1
 * if another process holds it (or sockets are unavailable: then nobody can claim, all share). */
static int s_claim(int cpu) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  int n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "cpoemu-cpu-%d", cpu);
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
  if (bind(fd, (struct sockaddr *)&a, len) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void cpo_placement_release(cpo_placement_t *p) {
  if (p && p->claim_fd >= 0) {
    close(p->claim_fd);
    p->claim_fd = -1;
  }
}

cpo_status_t cpo_placement_plan(const char *spec, cpo_placement_t *out, char *why, size_t why_len) {
  memset(out, 0, sizeof *out);
  out->sim_cpu = -1;
  out->claim_fd = -1;
  if (!spec)
    spec = "auto";
  if (strcmp(spec, "off") == 0)
    return CPO_OK;
  bool automatic = strcmp(spec, "auto") == 0;
  long want = -1;
  if (!automatic) {
    char *end;
    errno = 0;
    want = strtol(spec, &end, 10);
    if (errno || end == spec || *end || want < 0 || want >= CPO_PLACEMENT_MAX_CPUS) {
      cpo_whyf(why, why_len, "'%s': expected auto, off or a CPU number", spec);
      return CPO_ERR_INVALID_ARG;
    }
  }
  cpu_set_t set;
  if (!s_allowed(&set)) {
    if (automatic)
      return CPO_OK; /* cannot tell which CPUs we have: leave it to the OS */
    cpo_whyf(why, why_len, "cannot read this process's CPUs: %s", strerror(errno));
    return CPO_ERR_INVALID_ARG;
  }
  int n = CPU_COUNT(&set);
  if (!automatic && (want >= CPU_SETSIZE || !CPU_ISSET((int)want, &set))) {
    cpo_whyf(why, why_len, "CPU %ld is not one this process may use", want);
    return CPO_ERR_INVALID_ARG;
  }
  if (n < 2) {
    if (automatic)
      return CPO_OK; /* one CPU: nothing to separate */
    cpo_whyf(why, why_len, "only CPU %ld is available, nothing to put beside it", want);
    return CPO_ERR_INVALID_ARG;
  }
  if (automatic) { /* the lowest CPU no other run's simulation holds */
    for (int c = 0; c < CPU_SETSIZE && c < CPO_PLACEMENT_MAX_CPUS && want < 0; c++)
      if (CPU_ISSET(c, &set) && (out->claim_fd = s_claim(c)) >= 0)
        want = c;
    if (want < 0)
      return CPO_OK; /* every CPU already runs a simulation: pinning would only stack them */
  }
  for (int c = 0; c < CPU_SETSIZE && c < CPO_PLACEMENT_MAX_CPUS; c++) {
    if (!CPU_ISSET(c, &set))
      continue;
    if (c == want)
      out->sim_cpu = c;
    else
      out->others[out->n_others++] = c;
  }
  out->active = true;
  return CPO_OK;
}

static cpo_status_t s_pin(const int *cpus, int n) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int i = 0; i < n; i++)
    CPU_SET(cpus[i], &set);
  int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  if (rc != 0) {
    cpo_log(CPO_LOG_WARN, "placement", "CPU placement refused (%s); running unpinned",
            strerror(rc));
    return CPO_ERR_STATE;
  }
  return CPO_OK;
}

cpo_status_t cpo_placement_pin_sim(const cpo_placement_t *p) {
  return p && p->active ? s_pin(&p->sim_cpu, 1) : CPO_OK;
}

cpo_status_t cpo_placement_pin_others(const cpo_placement_t *p) {
  return p && p->active ? s_pin(p->others, p->n_others) : CPO_OK;
}

cpo_status_t cpo_placement_apply_context(const cpo_placement_t *p, cpo_context_t *context) {
  if (!p || !p->active)
    return CPO_OK;
  for (int i = 0; i < p->n_others; i++)
    if (zmq_ctx_set(context, ZMQ_THREAD_AFFINITY_CPU_ADD, p->others[i]) != 0) {
      cpo_log(CPO_LOG_WARN, "placement", "ZeroMQ refused the I/O threads' CPU placement: %s",
              zmq_strerror(errno));
      return CPO_ERR_STATE;
    }
  return CPO_OK;
}

void cpo_placement_describe(const cpo_placement_t *p, char *out, size_t len) {
  if (!p->active) {
    snprintf(out, len, "off");
    return;
  }
  size_t at = (size_t)snprintf(out, len, "simulation on CPU %d, others on CPU", p->sim_cpu);
  for (int i = 0; i < p->n_others && at < len; i++) {
    int start = p->others[i];
    while (i + 1 < p->n_others && p->others[i + 1] == p->others[i] + 1)
      i++;
    const char *sep = start == p->others[0] ? " " : ",";
    if (start == p->others[i])
      at += (size_t)snprintf(out + at, len - at, "%s%d", sep, start);
    else
      at += (size_t)snprintf(out + at, len - at, "%s%d-%d", sep, start, p->others[i]);
  }
}
