/* Merging shards: the summaries of the shards of one matrix (each shard once, all of them)
 * become the summary of the whole matrix, runs in matrix order, so its reports are those a
 * single local run of the matrix writes (times and artefact paths aside). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regress.h"

void cpo_regress_relpath(const char *path, const char *from_dir, const char *to_dir, char *out,
                         size_t len) {
  char from[4096], to[4096], abs[8300];
  if (!realpath(from_dir, from) || !realpath(to_dir, to)) {
    snprintf(out, len, "%s", path);
    return;
  }
  if (path[0] == '/')
    snprintf(abs, sizeof abs, "%s", path);
  else
    snprintf(abs, sizeof abs, "%s/%s", from, path);
  /* The longest common prefix of whole components, then one ".." per component of `to` left. */
  size_t common = 0;
  for (size_t i = 0;; i++) {
    bool end_to = to[i] == '\0', end_abs = abs[i] == '\0' || abs[i] == '/';
    if ((end_to || to[i] == '/') && end_abs)
      common = i;
    if (end_to || abs[i] != to[i])
      break;
  }
  size_t n = 0;
  out[0] = '\0';
  for (const char *c = to + common; *c; c++)
    if (*c == '/' && n + 4 < len)
      n += (size_t)snprintf(out + n, len - n, "../");
  const char *rest = abs + common + (abs[common] == '/');
  snprintf(out + n, len - n, "%s", rest[0] || n == 0 ? rest : ".");
  if (!out[0])
    snprintf(out, len, ".");
}

static int s_by_index(const void *a, const void *b) {
  json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "index"));
  json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "index"));
  return (x > y) - (x < y);
}

/* Make @p run's artefact paths (relative to @p dir) relative to @p out_dir. */
static void s_rebase(json_t *run, const char *dir, const char *out_dir) {
  json_t *a = json_object_get(run, "artefacts");
  char rel[8300];
  if (json_is_string(json_object_get(a, "dir"))) {
    cpo_regress_relpath(json_string_value(json_object_get(a, "dir")), dir, out_dir, rel,
                        sizeof rel);
    json_object_set_new(a, "dir", json_string(rel));
  }
  size_t i;
  json_t *file;
  json_array_foreach(json_object_get(a, "files"), i, file) {
    cpo_regress_relpath(json_string_value(file), dir, out_dir, rel, sizeof rel);
    json_string_set(file, rel);
  }
}

json_t *cpo_regress_merge(char *const *dirs, int n_dirs, const char *out_dir, char *why,
                          size_t why_len) {
  json_t *runs = json_array();
  char id[64] = "";
  long long n_shards = 0, matrix_runs = 0;
  bool seen[1024] = {false};
  for (int d = 0; d < n_dirs; d++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", dirs[d]);
    json_error_t err;
    json_t *s = json_load_file(path, 0, &err);
    const json_t *m = json_object_get(s, "matrix"), *sh = json_object_get(s, "shard");
    long long k = json_integer_value(json_object_get(sh, "k"));
    long long n = json_integer_value(json_object_get(sh, "n"));
    const char *sid = json_string_value(json_object_get(m, "id"));
    if (!s)
      snprintf(why, why_len, "%s: %s", path, err.text);
    else if (strcmp(json_string_value(json_object_get(s, "format")) ?: "", CPO_REGRESS_FORMAT) ||
             !sid || n < 1 || n > 1024 || k < 1 || k > n)
      snprintf(why, why_len, "%s: not a cpoemu regress summary (%s)", path, CPO_REGRESS_FORMAT);
    else if (d > 0 && (strcmp(sid, id) != 0 || n != n_shards))
      snprintf(why, why_len, "%s: matrix %s in %lld shards, but %s has matrix %s in %lld", path,
               sid, n, dirs[0], id, n_shards);
    else if (seen[k - 1])
      snprintf(why, why_len, "%s: shard %lld/%lld is given twice", path, k, n);
    else {
      snprintf(id, sizeof id, "%s", sid);
      n_shards = n, seen[k - 1] = true;
      matrix_runs = json_integer_value(json_object_get(m, "runs"));
      size_t i;
      json_t *run;
      json_array_foreach(json_object_get(s, "runs"), i, run) {
        json_t *copy = json_deep_copy(run);
        s_rebase(copy, dirs[d], out_dir);
        json_array_append_new(runs, copy);
      }
      json_decref(s);
      continue;
    }
    json_decref(s);
    json_decref(runs);
    return NULL;
  }
  for (long long k = 0; k < n_shards; k++)
    if (!seen[k]) {
      snprintf(why, why_len, "shard %lld/%lld is missing", k + 1, n_shards);
      json_decref(runs);
      return NULL;
    }
  size_t n = json_array_size(runs);
  json_t **sorted = malloc((n ? n : 1) * sizeof *sorted);
  for (size_t i = 0; i < n; i++)
    sorted[i] = json_incref(json_array_get(runs, i));
  qsort(sorted, n, sizeof *sorted, s_by_index);
  json_array_clear(runs);
  for (size_t i = 0; i < n; i++)
    json_array_append_new(runs, sorted[i]);
  free(sorted);
  bool whole = (long long)n == matrix_runs;
  for (size_t i = 0; i < n && whole; i++)
    whole = json_integer_value(json_object_get(json_array_get(runs, i), "index")) == (json_int_t)i;
  if (!whole) {
    snprintf(why, why_len,
             "the shards hold %zu runs, not the matrix's %lld runs once each (a shard cut short?)",
             n, matrix_runs);
    json_decref(runs);
    return NULL;
  }
  return cpo_regress_summary(runs, id, (size_t)matrix_runs, 1, 1);
}
