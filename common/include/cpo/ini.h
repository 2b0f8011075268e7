/* Strict INI reading (libinih underneath) for the project's data files: scenarios and engine
 * profiles. A file is refused, naming its line and why ("FILE:LINE: reason"), for anything inih
 * would read differently from what it says: an indented line (inih appends it to the previous
 * value), a line over inih's length (inih splits it), a NUL byte (inih stops the line there), a
 * key outside a section. Comment (';', '#') and blank lines are free. */
#ifndef CPO_INI_H
#define CPO_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "cpo/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One `key = value` of [section] on @p line. Return false, with @p why saying what is wrong
 *  (without the file and line, which the reader adds), to refuse the file there. */
typedef bool (*cpo_ini_key_fn)(void *user, int line, const char *section, const char *key,
                               const char *value, char *why, size_t why_len);

/** Read @p len bytes of @p text, calling @p fn for each key in order; @p path names the text in
 *  errors. @return CPO_OK; CPO_ERR_PARSE (@p why: "path:line: reason") */
CPO_MUST_USE cpo_status_t cpo_ini_parse(const char *text, size_t len, const char *path,
                                        cpo_ini_key_fn fn, void *user, char *why, size_t why_len);

/** Read the whole regular file @p path (at most @p max_bytes) into @p *text (NUL-terminated,
 *  the caller frees it), naming it as @p what in errors ("cannot open scenario x: ...").
 *  @return CPO_OK; CPO_ERR_IO; CPO_ERR_PARSE (not a regular file, too large) */
CPO_MUST_USE cpo_status_t cpo_ini_read_file(const char *path, const char *what, size_t max_bytes,
                                            char **text, size_t *len, char *why, size_t why_len);

#ifdef __cplusplus
}
#endif

#endif
