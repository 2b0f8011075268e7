/* The regression matrix: a list file of scenarios and seeds, expanded in order into planned
 * runs, each line checked by cpoemu itself before anything runs; shards and fingerprints.
 *
 * A list line: `SCENARIO [seeds=1,2,5-8] [--option value ...]`; '#' starts a comment. A
 * relative SCENARIO is found beside the list, else in the scenario library (`default` or
 * `default.ini`). The options are `cpoemu run`'s (e.g. --cycles 60000), whitespace-separated. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "regress.h"

#define MAX_SEEDS 4096
#define MAX_TOKENS 128

int cpo_regress_seeds_parse(const char *text, uint64_t *out, int max, char *why, size_t why_len) {
  int n = 0;
  const char *p = text;
  while (*p) {
    char *end;
    errno = 0;
    if (*p < '0' || *p > '9')
      goto bad;
    unsigned long long lo = strtoull(p, &end, 10), hi = lo;
    if (errno)
      goto bad;
    if (*end == '-') {
      p = end + 1;
      if (*p < '0' || *p > '9')
        goto bad;
      hi = strtoull(p, &end, 10);
      if (errno || hi < lo)
        goto bad;
    }
    for (unsigned long long s = lo;; s++) {
      if (n == max) {
        snprintf(why, why_len, "seeds '%s': more than %d runs", text, max);
        return -1;
      }
      out[n++] = s;
      if (s == hi)
        break;
    }
    if (*end == ',' && end[1])
      end++;
    else if (*end)
      goto bad;
    p = end;
  }
  if (n == 0)
    goto bad;
  return n;
bad:
  snprintf(why, why_len,
           "bad seeds '%s': expected a list of seeds and ranges, e.g. 1,2,5-8 (ranges low-high)",
           text);
  return -1;
}

/* Ask @p self whether `run FILE --seed S ARGS` is a valid run (it prints its scenario and runs
 * nothing); 0, or -1 with cpoemu's own complaint in @p why. */
static int s_check_run(const char *self, const char *file, uint64_t seed, const json_t *args,
                       char *why, size_t why_len) {
  char seed_text[24];
  snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)seed);
  const char *argv[MAX_TOKENS + 8];
  int n = 0;
  argv[n++] = self, argv[n++] = "run", argv[n++] = file, argv[n++] = "--seed",
  argv[n++] = seed_text;
  for (size_t i = 0; i < json_array_size(args); i++)
    argv[n++] = json_string_value(json_array_get(args, i));
  argv[n++] = "--print-scenario";
  argv[n] = NULL;
  int p[2];
  if (pipe(p) != 0) {
    snprintf(why, why_len, "pipe: %s", strerror(errno));
    return -1;
  }
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0), dup2(null, 1), dup2(p[1], 2);
    close(p[0]);
    execv(self, (char *const *)argv);
    fprintf(stderr, "cannot run %s: %s\n", self, strerror(errno));
    _exit(127);
  }
  close(p[1]);
  char text[2048];
  size_t got = 0;
  ssize_t r;
  while ((r = read(p[0], text + got, sizeof text - 1 - got)) > 0 || (r < 0 && errno == EINTR))
    got += r > 0 ? (size_t)r : 0;
  close(p[0]);
  text[got] = '\0';
  int status = 0;
  while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  char *nl = strchr(text, '\n');
  if (nl)
    *nl = '\0';
  snprintf(why, why_len, "%.*s", (int)why_len - 1,
           text[0] ? text : "cpoemu run refuses it (no reason given)");
  return -1;
}

/* The scenario @p name of a list in @p list_dir: beside the list, else in the library. */
static int s_find_scenario(const char *name, const char *list_dir, const char *library_dir,
                           char *out, size_t len) {
  char path[4096];
  if (name[0] == '/')
    snprintf(path, sizeof path, "%s", name);
  else
    snprintf(path, sizeof path, "%s/%s", list_dir, name);
  if (access(path, R_OK) != 0 && !strchr(name, '/')) {
    size_t n = strlen(name);
    bool has_ini = n > 4 && strcmp(name + n - 4, ".ini") == 0;
    snprintf(path, sizeof path, "%s/%s%s", library_dir, name, has_ini ? "" : ".ini");
  }
  if (!realpath(path, out) || strlen(out) >= len)
    return -1;
  return 0;
}

/* The scenario's name: its file's base name without ".ini". */
static void s_stem(const char *file, char *out, size_t len) {
  const char *base = strrchr(file, '/');
  snprintf(out, len, "%.*s", (int)len - 1, base ? base + 1 : file);
  size_t n = strlen(out);
  if (n > 4 && strcmp(out + n - 4, ".ini") == 0)
    out[n - 4] = '\0';
}

/* Options a list line may not give: regress sets them itself, or they would run nothing. */
static const char *s_reserved[] = {"--json",    "--seed",          "--print-scenario", "--help",
                                   "--version", "--cpu-placement", "--quiet"};

/* Expand one list line (its tokens) into the matrix; 0 or -1 with @p why (without FILE:LINE). */
static int s_add_line(json_t *matrix, char **tok, int n_tok, const char *list_dir,
                      const char *library_dir, const char *default_seeds, char *const *extra,
                      int n_extra, const char *self, char *why, size_t why_len) {
  char file[4096];
  if (s_find_scenario(tok[0], list_dir, library_dir, file, sizeof file) != 0) {
    snprintf(why, why_len, "scenario '%s' not found (beside the list, or %s/%s.ini)", tok[0],
             library_dir, tok[0]);
    return -1;
  }
  const char *seeds = default_seeds;
  int t = 1;
  if (t < n_tok && strncmp(tok[t], "seeds=", 6) == 0)
    seeds = tok[t++] + 6;
  json_t *args = json_array();
  for (; t < n_tok; t++) {
    if (json_array_size(args) == 0 && strncmp(tok[t], "--", 2) != 0) {
      snprintf(why, why_len, "unexpected '%s': expected seeds=LIST or --option value", tok[t]);
      json_decref(args);
      return -1;
    }
    for (size_t r = 0; r < sizeof s_reserved / sizeof s_reserved[0]; r++)
      if (strcmp(tok[t], s_reserved[r]) == 0) {
        snprintf(why, why_len, "'%s' is set by regress itself%s", tok[t],
                 strcmp(tok[t], "--seed") == 0 ? " (use seeds=LIST)" : "");
        json_decref(args);
        return -1;
      }
    json_array_append_new(args, json_string(tok[t]));
  }
  for (int i = 0; i < n_extra; i++)
    json_array_append_new(args, json_string(extra[i]));
  static uint64_t list[MAX_SEEDS];
  int n = cpo_regress_seeds_parse(seeds, list, MAX_SEEDS, why, why_len);
  if (n < 0 || s_check_run(self, file, list[0], args, why, why_len) != 0) {
    json_decref(args);
    return -1;
  }
  char stem[256];
  s_stem(file, stem, sizeof stem);
  for (int i = 0; i < n; i++)
    json_array_append_new(matrix,
                          json_pack("{s:I, s:s, s:s, s:I, s:O}", "index",
                                    (json_int_t)json_array_size(matrix), "scenario", stem, "file",
                                    file, "seed", (json_int_t)list[i], "args", args));
  json_decref(args);
  return 0;
}

static int s_visible(const struct dirent *e) {
  return e->d_name[0] != '.';
}

/* Every *.ini under @p dir (subdirectories too), each directory in name order, into @p matrix;
 * the count found, or -1 with @p why. */
static int s_add_library(json_t *matrix, const char *dir, const char *library_dir,
                         const char *default_seeds, char *const *extra, int n_extra,
                         const char *self, char *why, size_t why_len) {
  struct dirent **names;
  int n = scandir(dir, &names, s_visible, alphasort), found = 0;
  if (n < 0) {
    snprintf(why, why_len, "cannot read the scenario library %s: %s", dir, strerror(errno));
    return -1;
  }
  for (int i = 0; i < n; i++) {
    char path[4096], line_why[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
    size_t len = strlen(names[i]->d_name);
    struct stat st;
    int got = 0;
    if (found < 0 || stat(path, &st) != 0)
      ;
    else if (S_ISDIR(st.st_mode))
      got = s_add_library(matrix, path, library_dir, default_seeds, extra, n_extra, self, why,
                          why_len);
    else if (len > 4 && strcmp(names[i]->d_name + len - 4, ".ini") == 0) {
      char *tok[1] = {path};
      got = 1;
      if (s_add_line(matrix, tok, 1, dir, library_dir, default_seeds, extra, n_extra, self,
                     line_why, sizeof line_why) != 0) {
        snprintf(why, why_len, "%s: %s", path, line_why);
        got = -1;
      }
    }
    found = got < 0 ? -1 : found < 0 ? found : found + got;
    free(names[i]);
  }
  free(names);
  return found;
}

json_t *cpo_regress_matrix_load(const char *list, const char *library_dir,
                                const char *default_seeds, char *const *extra_args, int n_extra,
                                const char *self, char *why, size_t why_len) {
  json_t *matrix = json_array();
  char line_why[1024];
  if (!list) { /* the scenario library */
    int n = s_add_library(matrix, library_dir, library_dir, default_seeds, extra_args, n_extra,
                          self, why, why_len);
    if (n <= 0) {
      if (n == 0)
        snprintf(why, why_len, "the scenario library %s has no *.ini", library_dir);
      json_decref(matrix);
      return NULL;
    }
    return matrix;
  }
  FILE *f = fopen(list, "r");
  if (!f) {
    snprintf(why, why_len, "%s: cannot read: %s", list, strerror(errno));
    json_decref(matrix);
    return NULL;
  }
  char dir_buf[4096];
  snprintf(dir_buf, sizeof dir_buf, "%s", list);
  const char *list_dir = dirname(dir_buf);
  char line[4096];
  int lineno = 0, rc = 0;
  while (rc == 0 && fgets(line, sizeof line, f)) {
    lineno++;
    if (!strchr(line, '\n') && !feof(f)) {
      snprintf(why, why_len, "%s:%d: line longer than %zu characters", list, lineno,
               sizeof line - 2);
      rc = -1;
      break;
    }
    char *hash = strchr(line, '#');
    if (hash)
      *hash = '\0';
    char *tok[MAX_TOKENS], *save = NULL;
    int n_tok = 0;
    for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
      if (n_tok == MAX_TOKENS) {
        snprintf(why, why_len, "%s:%d: more than %d words", list, lineno, MAX_TOKENS);
        rc = -1;
        break;
      }
      tok[n_tok++] = t;
    }
    if (rc == 0 && n_tok > 0 &&
        s_add_line(matrix, tok, n_tok, list_dir, library_dir, default_seeds, extra_args, n_extra,
                   self, line_why, sizeof line_why) != 0) {
      snprintf(why, why_len, "%s:%d: %s", list, lineno, line_why);
      rc = -1;
    }
  }
  fclose(f);
  if (rc == 0 && json_array_size(matrix) == 0) {
    snprintf(why, why_len, "%s: no runs (a line is `SCENARIO [seeds=LIST] [--option value ...]`)",
             list);
    rc = -1;
  }
  if (rc != 0) {
    json_decref(matrix);
    return NULL;
  }
  return matrix;
}

static uint64_t s_fnv(uint64_t h, const char *s) {
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  return (h ^ 0xff) * 0x100000001b3ull; /* a separator, so "ab","c" differs from "a","bc" */
}

void cpo_regress_matrix_id(const json_t *matrix, char out[19]) {
  uint64_t h = 0xcbf29ce484222325ull;
  size_t i;
  json_t *run;
  json_array_foreach(matrix, i, run) {
    char seed[24];
    snprintf(seed, sizeof seed, "%lld",
             (long long)json_integer_value(json_object_get(run, "seed")));
    h = s_fnv(h, json_string_value(json_object_get(run, "file")));
    h = s_fnv(h, seed);
    size_t a;
    json_t *arg;
    json_array_foreach(json_object_get(run, "args"), a, arg) h = s_fnv(h, json_string_value(arg));
  }
  snprintf(out, 19, "0x%016llx", (unsigned long long)h);
}

bool cpo_regress_in_shard(size_t index, unsigned k, unsigned n) {
  return n > 0 && index % n == k - 1;
}

/* Append @p word to @p out, single-quoted if the shell would read it otherwise. */
static void s_append_quoted(char *out, size_t len, const char *word) {
  size_t n = strlen(out);
  bool plain = word[0] != '\0';
  for (const char *c = word; *c; c++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-@%", *c))
      plain = false;
  if (plain) {
    snprintf(out + n, len - n, "%s%s", n ? " " : "", word);
    return;
  }
  n += (size_t)snprintf(out + n, len - n, "%s'", n ? " " : "");
  for (const char *c = word; *c && n + 5 < len; c++)
    n += (size_t)snprintf(out + n, len - n, *c == '\'' ? "'\\''" : "%c", *c);
  snprintf(out + n, len - n, "'");
}

void cpo_regress_reproduce(const json_t *run, const char *self, char *out, size_t len) {
  out[0] = '\0';
  char seed[24];
  snprintf(seed, sizeof seed, "%lld", (long long)json_integer_value(json_object_get(run, "seed")));
  const char *head[] = {self, "run", json_string_value(json_object_get(run, "file")), "--seed",
                        seed};
  for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
    s_append_quoted(out, len, head[i]);
  size_t a;
  json_t *arg;
  json_array_foreach(json_object_get(run, "args"), a, arg)
      s_append_quoted(out, len, json_string_value(arg));
}
