/* Strict INI reading; see cpo/ini.h. */
#include "cpo/ini.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
  cpo_ini_key_fn fn;
  void *user;
  /* the reader's side: where it is in the text, which line it gave inih last */
  const char *at, *end;
  int line;
  /* the first error (later ones are consequences or can wait) */
  int err_line;
  char why[400];
} reader_t;

static void s_error(reader_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_error(reader_t *r, const char *fmt, ...) {
  if (r->err_line)
    return;
  r->err_line = r->line;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->why, sizeof r->why, fmt, ap);
  va_end(ap);
}

/* inih's reader: one line per call, so inih's line numbers are ours. Lines inih would misread
 * are refused here, by name. Comments and blank lines go to inih empty. */
static char *s_read_line(char *str, int num, void *stream) {
  reader_t *r = stream;
  if (r->at >= r->end)
    return NULL;
  const char *nl = memchr(r->at, '\n', (size_t)(r->end - r->at));
  const char *line = r->at, *stop = nl ? nl : r->end;
  r->at = nl ? nl + 1 : r->end;
  r->line++;
  size_t len = (size_t)(stop - line);
  if (len && line[len - 1] == '\r')
    len--;
  size_t lead = 0;
  while (lead < len && (line[lead] == ' ' || line[lead] == '\t'))
    lead++;
  const char *poison = "=\n"; /* a line inih hands to the handler, which then refuses it */
  if (memchr(line, '\0', len)) {
    s_error(r, "a NUL byte: this is not a text file");
    return strcpy(str, poison);
  }
  if (lead == len || line[lead] == ';' || line[lead] == '#')
    return strcpy(str, "\n");
  if (lead > 0) {
    s_error(r, "an indented line: INI reads it as more of the previous line's value, which "
               "this file may not do; remove the indentation");
    return strcpy(str, poison);
  }
  if (len + 2 > (size_t)num) {
    s_error(r, "a line longer than %d characters (comment lines may be longer)", num - 2);
    return strcpy(str, poison);
  }
  memcpy(str, line, len);
  str[len] = '\n';
  str[len + 1] = '\0';
  return str;
}

static int s_handler(void *user, const char *section, const char *name, const char *value) {
  reader_t *r = user;
  if (r->err_line)
    return 0;
  if (!section[0]) {
    s_error(r, "'%s' is outside a section (a [section] line comes first)", name);
    return 0;
  }
  char why[400];
  if (!r->fn(r->user, r->line, section, name, value, why, sizeof why)) {
    s_error(r, "%s", why);
    return 0;
  }
  return 1;
}

cpo_status_t cpo_ini_parse(const char *text, size_t len, const char *path, cpo_ini_key_fn fn,
                           void *user, char *why, size_t why_len) {
  reader_t r = {.fn = fn, .user = user, .at = text, .end = text + len};
  int line = ini_parse_stream(s_read_line, &r, s_handler, &r);
  if (line < 0) {
    snprintf(why, why_len, "cannot read %s", path);
    return CPO_ERR_IO;
  }
  if (line == 0)
    return CPO_OK;
  /* inih's first error is ours if we saw one there; earlier, it is a syntax error of its own */
  if (r.err_line == line)
    snprintf(why, why_len, "%s:%d: %s", path, line, r.why);
  else
    snprintf(why, why_len, "%s:%d: expected '[section]' or 'key = value'", path, line);
  return CPO_ERR_PARSE;
}

cpo_status_t cpo_ini_read_file(const char *path, const char *what, size_t max_bytes, char **text,
                               size_t *len, char *why, size_t why_len) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(why, why_len, "cannot open %s %s: %s", what, path, strerror(errno));
    return CPO_ERR_IO;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max_bytes) {
    snprintf(why, why_len, "%s %s: %s", what, path,
             S_ISDIR(st.st_mode)    ? "is a directory, not a file"
             : !S_ISREG(st.st_mode) ? "is not a regular file"
                                    : "is over the size limit");
    fclose(f);
    return CPO_ERR_PARSE;
  }
  char *buf = malloc((size_t)st.st_size + 1);
  size_t n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
  bool bad = !buf || ferror(f);
  fclose(f);
  if (bad) {
    snprintf(why, why_len, "cannot read %s %s", what, path);
    free(buf);
    return buf ? CPO_ERR_IO : CPO_ERR_NO_MEMORY;
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return CPO_OK;
}
