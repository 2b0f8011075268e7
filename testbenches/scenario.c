#include "scenario.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- reading a file ---------------------------------------------------------------- */

typedef struct {
  cpo_run_opts_t *o;
  /* the reader's side: the text, where it is, which line it gave inih last */
  const char *text, *at, *end;
  int line;
  /* the first error (later ones are consequences or can wait) */
  int err_line;
  char why[400];
  /* which keys were given, and on which line */
  int given[CPO_PARAMS_N];
  int n_given;
} load_t;

static void s_error(load_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_error(load_t *l, const char *fmt, ...) {
  if (l->err_line)
    return;
  l->err_line = l->line;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(l->why, sizeof l->why, fmt, ap);
  va_end(ap);
}

/* inih's reader: one line per call, so inih's line numbers are ours. Lines inih would
 * misread are refused here, by name: a line longer than its buffer (inih splits it and
 * counts the rest as more lines), a NUL byte (inih stops the line there), an indented line
 * (inih appends it to the previous value). Comments and blank lines go to inih empty. */
static char *s_read_line(char *str, int num, void *stream) {
  load_t *l = stream;
  if (l->at >= l->end)
    return NULL;
  const char *nl = memchr(l->at, '\n', (size_t)(l->end - l->at));
  const char *line = l->at, *stop = nl ? nl : l->end;
  l->at = nl ? nl + 1 : l->end;
  l->line++;
  size_t len = (size_t)(stop - line);
  if (len && line[len - 1] == '\r')
    len--;
  size_t lead = 0;
  while (lead < len && (line[lead] == ' ' || line[lead] == '\t'))
    lead++;
  const char *poison = "=\n"; /* a line inih hands to the handler, which then refuses it */
  if (memchr(line, '\0', len)) {
    s_error(l, "a NUL byte: this is not a text file");
    return strcpy(str, poison);
  }
  if (lead == len || line[lead] == ';' || line[lead] == '#')
    return strcpy(str, "\n");
  if (lead > 0) {
    s_error(l, "an indented line: INI reads it as more of the previous line's value, which a "
               "scenario may not do; remove the indentation");
    return strcpy(str, poison);
  }
  if (len + 2 > (size_t)num) {
    s_error(l, "a line longer than %d characters (comment lines may be longer)", num - 2);
    return strcpy(str, poison);
  }
  memcpy(str, line, len);
  str[len] = '\n';
  str[len + 1] = '\0';
  return str;
}

static int s_handler(void *user, const char *section, const char *name, const char *value) {
  load_t *l = user;
  if (l->err_line)
    return 0;
  if (!section[0]) {
    s_error(l, "'%s' is outside a section (a [run], [link], ... line comes first)", name);
    return 0;
  }
  const cpo_param_t *key = cpo_params_find(section, name);
  if (!key) {
    s_error(l, "unknown key '%s' in section [%s]", name, section);
    return 0;
  }
  size_t k = cpo_params_index(key);
  if (l->given[k]) {
    s_error(l, "[%s] %s given twice: here and on line %d", section, name, l->given[k]);
    return 0;
  }
  l->given[k] = l->line;
  l->n_given++;
  char refused[300];
  if (!cpo_params_set(l->o, key, value, refused, sizeof refused)) {
    s_error(l, "[%s] %s = %s", section, name, refused);
    return 0;
  }
  return 1;
}

/* Parse @p text (@p len bytes) over @p o; @p path names it in errors. */
static cpo_status_t s_load_text(const char *text, size_t len, const char *path, cpo_run_opts_t *o,
                                load_t *l, char *why, size_t why_len) {
  memset(l, 0, sizeof *l);
  l->o = o;
  l->text = l->at = text;
  l->end = text + len;
  int line = ini_parse_stream(s_read_line, l, s_handler, l);
  if (line < 0) {
    snprintf(why, why_len, "cannot read scenario %s", path);
    return CPO_ERR_IO;
  }
  if (line > 0) {
    /* inih's first error is ours if we saw one there; earlier, it is a syntax error of its own */
    if (l->err_line == line)
      snprintf(why, why_len, "%s:%d: %s", path, line, l->why);
    else
      snprintf(why, why_len, "%s:%d: expected '[section]' or 'key = value'", path, line);
    return CPO_ERR_PARSE;
  }
  if (l->n_given == 0) {
    snprintf(why, why_len, "%s: no settings in it: not a scenario", path);
    return CPO_ERR_PARSE;
  }
  return CPO_OK;
}

#define MAX_SCENARIO_BYTES (1u << 20)

cpo_status_t cpo_scenario_load(const char *path, cpo_run_opts_t *o, char *why, size_t why_len) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(why, why_len, "cannot open scenario %s: %s", path, strerror(errno));
    return CPO_ERR_IO;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_SCENARIO_BYTES) {
    snprintf(why, why_len, "scenario %s: %s", path,
             S_ISDIR(st.st_mode)    ? "is a directory, not a file"
             : !S_ISREG(st.st_mode) ? "is not a regular file"
                                    : "is over 1 MiB: not a scenario");
    fclose(f);
    return CPO_ERR_PARSE;
  }
  char *text = malloc((size_t)st.st_size + 1);
  size_t len = text ? fread(text, 1, (size_t)st.st_size, f) : 0;
  bool bad = !text || ferror(f);
  fclose(f);
  if (bad) {
    snprintf(why, why_len, "cannot read scenario %s", path);
    free(text);
    return CPO_ERR_IO;
  }
  load_t *l = malloc(sizeof *l);
  cpo_status_t rc = l ? s_load_text(text, len, path, o, l, why, why_len) : CPO_ERR_NO_MEMORY;
  free(l);
  free(text);
  if (rc == CPO_OK)
    snprintf(o->scenario, sizeof o->scenario, "%s", path);
  return rc;
}
