#include "obs_http.h"

#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* libcurl's ABI (curl/curl.h, stable since libcurl 7.x's SONAME 4): the option and info
 * numbers are part of it, so the few this file uses are spelled here rather than needing the
 * -dev package at build time. */
typedef void CURL;
struct curl_slist;
enum {
    OBS_CURLOPT_WRITEDATA = 10001,
    OBS_CURLOPT_URL = 10002,
    OBS_CURLOPT_ERRORBUFFER = 10010,
    OBS_CURLOPT_POSTFIELDS = 10015,
    OBS_CURLOPT_HTTPHEADER = 10023,
    OBS_CURLOPT_HEADERDATA = 10029,
    OBS_CURLOPT_POST = 47,
    OBS_CURLOPT_NOSIGNAL = 99,
    OBS_CURLOPT_TIMEOUT_MS = 155,
    OBS_CURLOPT_WRITEFUNCTION = 20011,
    OBS_CURLOPT_HEADERFUNCTION = 20079,
    OBS_CURLOPT_POSTFIELDSIZE_LARGE = 30120,
    OBS_CURLINFO_RESPONSE_CODE = 0x200002,
    OBS_CURL_GLOBAL_DEFAULT = 3,
    OBS_CURL_ERROR_SIZE = 256,
};

static struct {
    int (*global_init)(long);
    CURL *(*easy_init)(void);
    int (*easy_setopt)(CURL *, int, ...);
    int (*easy_perform)(CURL *);
    int (*easy_getinfo)(CURL *, int, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(int);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    char failure[256];
} curl;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void load_curl(void)
{
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(curl.failure, sizeof(curl.failure), "%s", dlerror());
        return;
    }
#define OBS_SYM(field, name)                                                                                 \
    do {                                                                                                     \
        *(void **)&curl.field = dlsym(lib, name);                                                            \
        if (!curl.field) {                                                                                   \
            snprintf(curl.failure, sizeof(curl.failure), "libcurl.so.4 has no %s", name);                    \
            return;                                                                                          \
        }                                                                                                    \
    } while (0)
    OBS_SYM(global_init, "curl_global_init");
    OBS_SYM(easy_init, "curl_easy_init");
    OBS_SYM(easy_setopt, "curl_easy_setopt");
    OBS_SYM(easy_perform, "curl_easy_perform");
    OBS_SYM(easy_getinfo, "curl_easy_getinfo");
    OBS_SYM(easy_cleanup, "curl_easy_cleanup");
    OBS_SYM(easy_strerror, "curl_easy_strerror");
    OBS_SYM(slist_append, "curl_slist_append");
    OBS_SYM(slist_free_all, "curl_slist_free_all");
#undef OBS_SYM
    /* Not thread-safe in libcurl before 7.84: done once, here, under pthread_once. */
    if (curl.global_init(OBS_CURL_GLOBAL_DEFAULT) != 0) {
        snprintf(curl.failure, sizeof(curl.failure), "curl_global_init failed");
        curl.easy_init = NULL;
    }
}

struct answer {
    char *retry_after;
    size_t cap;
};

/* Keeps the Retry-After header's value; other headers are skipped. */
static size_t on_header(char *line, size_t size, size_t count, void *data)
{
    struct answer *a = data;
    size_t len = size * count;
    static const char name[] = "retry-after:";
    if (len > sizeof(name) - 1 && strncasecmp(line, name, sizeof(name) - 1) == 0) {
        const char *v = line + sizeof(name) - 1;
        const char *end = line + len;
        while (v < end && isspace((unsigned char)*v))
            v++;
        while (end > v && isspace((unsigned char)end[-1]))
            end--;
        size_t n = (size_t)(end - v) < a->cap - 1 ? (size_t)(end - v) : a->cap - 1;
        memcpy(a->retry_after, v, n);
        a->retry_after[n] = 0;
    }
    return len;
}

/* The response body is not used: an OTLP partial-success message is only advisory. */
static size_t on_body(char *data, size_t size, size_t count, void *unused)
{
    (void)data;
    (void)unused;
    return size * count;
}

int obs_http_post(const char *url, const char *const *headers, size_t header_count, const void *body,
                  size_t body_len, long timeout_ms, long *status, char *retry_after, size_t retry_after_cap,
                  char *error, size_t error_cap)
{
    if (retry_after_cap)
        retry_after[0] = 0;
    if (error_cap)
        error[0] = 0;
    pthread_once(&curl_once, load_curl);
    if (!curl.easy_init) {
        snprintf(error, error_cap, "libcurl could not be loaded: %s", curl.failure);
        return OBS_HTTP_NO_LIBCURL;
    }
    CURL *h = curl.easy_init();
    if (!h) {
        snprintf(error, error_cap, "curl_easy_init failed");
        return OBS_HTTP_NO_ANSWER;
    }
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++)
        list = curl.slist_append(list, headers[i]);
    char message[OBS_CURL_ERROR_SIZE] = {0};
    struct answer answer = {.retry_after = retry_after, .cap = retry_after_cap};
    curl.easy_setopt(h, OBS_CURLOPT_URL, url);
    curl.easy_setopt(h, OBS_CURLOPT_POST, 1L);
    curl.easy_setopt(h, OBS_CURLOPT_POSTFIELDS, body);
    curl.easy_setopt(h, OBS_CURLOPT_POSTFIELDSIZE_LARGE, (long long)body_len);
    curl.easy_setopt(h, OBS_CURLOPT_HTTPHEADER, list);
    curl.easy_setopt(h, OBS_CURLOPT_TIMEOUT_MS, timeout_ms);
    curl.easy_setopt(h, OBS_CURLOPT_NOSIGNAL, 1L); /* no SIGALRM for timeouts: other threads run */
    curl.easy_setopt(h, OBS_CURLOPT_ERRORBUFFER, message);
    curl.easy_setopt(h, OBS_CURLOPT_HEADERFUNCTION, on_header);
    curl.easy_setopt(h, OBS_CURLOPT_HEADERDATA, &answer);
    curl.easy_setopt(h, OBS_CURLOPT_WRITEFUNCTION, on_body);
    curl.easy_setopt(h, OBS_CURLOPT_WRITEDATA, NULL);
    int rc = curl.easy_perform(h);
    int result = OBS_HTTP_ANSWERED;
    if (rc != 0) {
        snprintf(error, error_cap, "%s", message[0] ? message : curl.easy_strerror(rc));
        result = OBS_HTTP_NO_ANSWER;
    } else {
        long code = 0;
        curl.easy_getinfo(h, OBS_CURLINFO_RESPONSE_CODE, &code);
        *status = code;
    }
    curl.slist_free_all(list);
    curl.easy_cleanup(h);
    return result;
}
