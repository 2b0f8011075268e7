/* The reports of a regression, all from its summary: summary.json (what a merge reads back),
 * junit.xml (one testsuite per scenario, one testcase per run) and report.md (for a person).
 * A local run and a merge of its shards write the same files from the same summary; only the
 * times and the artefacts' paths differ (README, "Regressions"). */
#include <stdio.h>
#include <string.h>

#include "regress.h"

static const char *s_str(const json_t *o, const char *key) {
  const char *v = json_string_value(json_object_get(o, key));
  return v ? v : "";
}

json_t *cpo_regress_summary(json_t *records, const char *matrix_id, size_t matrix_runs,
                            unsigned shard_k, unsigned shard_n) {
  static const char *words[] = {"pass", "fail", "error", "hung", "interrupted"};
  json_t *totals = json_pack("{s:I}", "runs", (json_int_t)json_array_size(records));
  for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
    size_t i, count = 0;
    json_t *r;
    json_array_foreach(records, i, r) count += strcmp(s_str(r, "status"), words[w]) == 0;
    json_object_set_new(totals, words[w], json_integer((json_int_t)count));
  }
  return json_pack("{s:s, s:{s:s, s:I}, s:{s:i, s:i}, s:o, s:o}", "format", CPO_REGRESS_FORMAT,
                   "matrix", "id", matrix_id, "runs", (json_int_t)matrix_runs, "shard", "k",
                   (int)shard_k, "n", (int)shard_n, "totals", totals, "runs", records);
}

int cpo_regress_exit_code(const json_t *summary) {
  const json_t *t = json_object_get(summary, "totals");
  json_int_t all = json_integer_value(json_object_get(t, "runs"));
  if (json_integer_value(json_object_get(t, "interrupted")))
    return 3;
  return json_integer_value(json_object_get(t, "pass")) == all ? 0 : 1;
}

/* @p text with XML's five special characters escaped (and other control characters dropped). */
static void s_xml(FILE *f, const char *text) {
  for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
    switch (*c) {
    case '&':
      fputs("&amp;", f);
      break;
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    case '\'':
      fputs("&apos;", f);
      break;
    default:
      if (*c >= 0x20 || *c == '\n' || *c == '\t')
        fputc(*c, f);
    }
  }
}

/* A run's name within its scenario's suite: its seed and its options. */
static void s_case_name(const json_t *r, char *out, size_t len) {
  size_t n = (size_t)snprintf(out, len, "seed %lld",
                              (long long)json_integer_value(json_object_get(r, "seed")));
  size_t i;
  json_t *arg;
  json_array_foreach(json_object_get(r, "args"), i, arg) if (n < len) n +=
      (size_t)snprintf(out + n, len - n, " %s", json_string_value(arg));
}

static double s_real(const json_t *r, const char *key) {
  return json_number_value(json_object_get(r, key));
}

/* The suites in the order their scenarios first appear, each listing the runs of that name. */
static int s_write_junit(const json_t *summary, const char *path, double wall_s) {
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  const json_t *runs = json_object_get(summary, "runs");
  const json_t *t = json_object_get(summary, "totals");
  json_int_t errors = json_integer_value(json_object_get(t, "error")) +
                      json_integer_value(json_object_get(t, "hung")) +
                      json_integer_value(json_object_get(t, "interrupted"));
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(f,
          "<testsuites name=\"cpoemu regress\" tests=\"%lld\" failures=\"%lld\" errors=\"%lld\" "
          "time=\"%.3f\">\n",
          (long long)json_array_size(runs),
          (long long)json_integer_value(json_object_get(t, "fail")), (long long)errors, wall_s);
  size_t n = json_array_size(runs);
  for (size_t i = 0; i < n; i++) {
    const char *scenario = s_str(json_array_get(runs, i), "scenario");
    bool seen = false;
    for (size_t k = 0; k < i && !seen; k++)
      seen = strcmp(s_str(json_array_get(runs, k), "scenario"), scenario) == 0;
    if (seen)
      continue;
    size_t tests = 0, failures = 0, errs = 0;
    double time_s = 0;
    for (size_t k = i; k < n; k++) {
      const json_t *r = json_array_get(runs, k);
      if (strcmp(s_str(r, "scenario"), scenario) != 0)
        continue;
      tests++, time_s += s_real(r, "wall_s");
      failures += strcmp(s_str(r, "status"), "fail") == 0;
      errs += strcmp(s_str(r, "status"), "pass") != 0 && strcmp(s_str(r, "status"), "fail") != 0;
    }
    fputs("  <testsuite name=\"", f);
    s_xml(f, scenario);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"%.3f\">\n",
            tests, failures, errs, time_s);
    for (size_t k = i; k < n; k++) {
      const json_t *r = json_array_get(runs, k);
      if (strcmp(s_str(r, "scenario"), scenario) != 0)
        continue;
      char name[1024];
      s_case_name(r, name, sizeof name);
      fputs("    <testcase classname=\"cpoemu.regress.", f);
      s_xml(f, scenario);
      fputs("\" name=\"", f);
      s_xml(f, name);
      fprintf(f, "\" time=\"%.3f\">\n", s_real(r, "wall_s"));
      const char *status = s_str(r, "status");
      if (strcmp(status, "pass") != 0) {
        const char *tag = strcmp(status, "fail") == 0 ? "failure" : "error";
        fprintf(f, "      <%s type=\"%s\" message=\"", tag, status);
        s_xml(f, s_str(r, "message"));
        fputs("\">", f);
        s_xml(f, s_str(r, "detail"));
        fprintf(f, "</%s>\n", tag);
      }
      fputs("      <system-out>reproduce: ", f);
      s_xml(f, s_str(r, "reproduce"));
      fputs("\nartefacts: ", f);
      s_xml(f, s_str(json_object_get(r, "artefacts"), "dir"));
      fputs("</system-out>\n    </testcase>\n", f);
    }
    fputs("  </testsuite>\n", f);
  }
  fputs("</testsuites>\n", f);
  return fclose(f) == 0 ? 0 : -1;
}

/* Simulated time for a person: in the unit that fits. */
static void s_sim_time(double s, char *out, size_t len) {
  if (s <= 0)
    snprintf(out, len, "-");
  else if (s < 1e-3)
    snprintf(out, len, "%.3f us", s * 1e6);
  else if (s < 1)
    snprintf(out, len, "%.3f ms", s * 1e3);
  else
    snprintf(out, len, "%.3f s", s);
}

static void s_md_cell(FILE *f, const char *text) { /* a table cell: no '|' or newline */
  for (const char *c = text; *c; c++)
    fputs(*c == '|' ? "\\|" : *c == '\n' ? " " : (char[2]){*c, 0}, f);
}

static int s_write_markdown(const json_t *summary, const char *path, double wall_s) {
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  const json_t *runs = json_object_get(summary, "runs");
  const json_t *t = json_object_get(summary, "totals");
  const json_t *m = json_object_get(summary, "matrix");
  const json_t *sh = json_object_get(summary, "shard");
  long long all = json_integer_value(json_object_get(t, "runs"));
  long long pass = json_integer_value(json_object_get(t, "pass"));
  fprintf(f, "# cpoemu regress: %s, %lld of %lld passed", pass == all ? "PASS" : "FAIL", pass, all);
  static const char *words[] = {"fail", "hung", "error", "interrupted"};
  for (size_t w = 0; w < 4; w++)
    if (json_integer_value(json_object_get(t, words[w])))
      fprintf(f, ", %lld %s", (long long)json_integer_value(json_object_get(t, words[w])),
              words[w]);
  fprintf(f, "\n\nMatrix %s: %lld runs", s_str(m, "id"),
          (long long)json_integer_value(json_object_get(m, "runs")));
  if (json_integer_value(json_object_get(sh, "n")) > 1)
    fprintf(f, "; this is shard %lld of %lld",
            (long long)json_integer_value(json_object_get(sh, "k")),
            (long long)json_integer_value(json_object_get(sh, "n")));
  fprintf(f,
          ". Wall time %.1f s. Machine-readable: [summary.json](summary.json), "
          "[junit.xml](junit.xml).\n\n",
          wall_s);
  fputs("| # | scenario | seed | options | result | wall | simulated | cycles | event_hash | "
        "artefacts |\n|---|---|---|---|---|---|---|---|---|---|\n",
        f);
  size_t i;
  json_t *r;
  json_array_foreach(runs, i, r) {
    char sim[32], name[1024];
    s_sim_time(s_real(r, "sim_time_s"), sim, sizeof sim);
    s_case_name(r, name, sizeof name);
    const char *opts = strchr(strchr(name, ' ') + 1, ' ');
    const char *status = s_str(r, "status");
    fprintf(f, "| %lld | %s | %lld | ", (long long)json_integer_value(json_object_get(r, "index")),
            s_str(r, "scenario"), (long long)json_integer_value(json_object_get(r, "seed")));
    s_md_cell(f, opts ? opts + 1 : "");
    fprintf(f, strcmp(status, "pass") == 0 ? " | pass | " : " | **%s**: ", status);
    if (strcmp(status, "pass") != 0) {
      s_md_cell(f, s_str(r, "message"));
      fputs(" | ", f);
    }
    fprintf(f, "%.1f s | %s | %lld | `%s` |", s_real(r, "wall_s"), sim,
            (long long)json_integer_value(json_object_get(r, "cycles")), s_str(r, "event_hash"));
    size_t a;
    json_t *file;
    json_array_foreach(json_object_get(json_object_get(r, "artefacts"), "files"), a, file) {
      const char *base = strrchr(json_string_value(file), '/');
      fprintf(f, " [%s](%s)", base ? base + 1 : json_string_value(file), json_string_value(file));
    }
    fputs(" |\n", f);
  }
  bool heading = false;
  json_array_foreach(runs, i, r) {
    if (strcmp(s_str(r, "status"), "pass") == 0)
      continue;
    if (!heading)
      fputs("\n## Runs that did not pass\n", f), heading = true;
    fprintf(f, "\n### #%lld %s seed %lld: %s\n\n%s\n\n",
            (long long)json_integer_value(json_object_get(r, "index")), s_str(r, "scenario"),
            (long long)json_integer_value(json_object_get(r, "seed")), s_str(r, "status"),
            s_str(r, "message"));
    if (json_string_length(json_object_get(r, "detail")))
      fprintf(f, "All reasons: %s\n\n", s_str(r, "detail"));
    fprintf(f, "Reproduce:\n\n```sh\n%s\n```\n\nOutput: [%s/output.log](%s/output.log)\n",
            s_str(r, "reproduce"), s_str(json_object_get(r, "artefacts"), "dir"),
            s_str(json_object_get(r, "artefacts"), "dir"));
  }
  fputs("\n## Per lane\n", f);
  json_array_foreach(runs, i, r) {
    const json_t *lanes = json_object_get(r, "lanes");
    if (!json_array_size(lanes))
      continue;
    fprintf(f,
            "\n### #%lld %s seed %lld (%s)\n\n| lane | locked | bits | errors | BER |\n"
            "|---|---|---|---|---|\n",
            (long long)json_integer_value(json_object_get(r, "index")), s_str(r, "scenario"),
            (long long)json_integer_value(json_object_get(r, "seed")), s_str(r, "status"));
    size_t l;
    json_t *lane;
    json_array_foreach(lanes, l, lane) {
      json_int_t bits = json_integer_value(json_object_get(lane, "bits"));
      json_int_t errors = json_integer_value(json_object_get(lane, "errors"));
      fprintf(f, "| %lld | %s | %lld | %lld | %.2e |\n",
              (long long)json_integer_value(json_object_get(lane, "lane")),
              json_is_true(json_object_get(lane, "locked")) ? "yes" : "**no**", (long long)bits,
              (long long)errors, bits ? (double)errors / (double)bits : 0.0);
    }
  }
  return fclose(f) == 0 ? 0 : -1;
}

int cpo_regress_write_reports(const json_t *summary, const char *out_dir, double wall_s, char *why,
                              size_t why_len) {
  char path[4200];
  snprintf(path, sizeof path, "%s/summary.json", out_dir);
  json_t *copy = json_deep_copy(summary);
  json_object_set_new(copy, "wall_s", json_real(wall_s));
  int rc = json_dump_file(copy, path, JSON_INDENT(2));
  json_decref(copy);
  if (rc == 0) {
    snprintf(path, sizeof path, "%s/junit.xml", out_dir);
    rc = s_write_junit(summary, path, wall_s);
  }
  if (rc == 0) {
    snprintf(path, sizeof path, "%s/report.md", out_dir);
    rc = s_write_markdown(summary, path, wall_s);
  }
  if (rc != 0)
    snprintf(why, why_len, "cannot write %s", path);
  return rc;
}
