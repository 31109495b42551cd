/* One HTTP POST through libcurl, loaded with dlopen at first use. */
#ifndef OBS_HTTP_H
#define OBS_HTTP_H

#include <stddef.h>

/*
 * Why dlopen: linking libcurl (directly, or through FoundationNetworking's URLSession) loads it
 * and its ~30 libraries (TLS, Kerberos, LDAP…) into every process that links the OTLP exporter,
 * and runs their initialisers: about 7 ms of CPU at each obsctl start on this VM, paid by runs
 * that never export. Loaded here, they cost only the process that sends.
 */

/// What one POST came to.
enum obs_http_result {
    OBS_HTTP_ANSWERED = 0,    /* the server answered: status (and retry_after) are set */
    OBS_HTTP_NO_ANSWER = 1,   /* no answer (refused, timed out, TLS…): error says why */
    OBS_HTTP_NO_LIBCURL = 2,  /* libcurl.so.4 could not be loaded: error says why */
};

/// POSTs `body` to `url` with the `header_count` headers ("Name: value") in `headers`, giving up
/// after `timeout_ms`. On OBS_HTTP_ANSWERED, `*status` is the HTTP status and `retry_after` the
/// Retry-After header's value (empty when absent); otherwise `error` says what failed. Thread-safe.
int obs_http_post(const char *url, const char *const *headers, size_t header_count, const void *body,
                  size_t body_len, long timeout_ms, long *status, char *retry_after, size_t retry_after_cap,
                  char *error, size_t error_cap);

#endif
