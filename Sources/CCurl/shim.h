#ifndef NEUVO_CCURL_SHIM_H
#define NEUVO_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic C functions, which Swift does not import.
// One typed wrapper per argument type keeps every call site type-checked.
static inline CURLcode neuvo_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode neuvo_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode neuvo_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode neuvo_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*neuvo_curl_io_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode neuvo_curl_setopt_io_callback(CURL *handle, CURLoption option, neuvo_curl_io_callback value) {
    return curl_easy_setopt(handle, option, value);
}

typedef int (*neuvo_curl_seek_callback)(void *userdata, curl_off_t offset, int origin);

// Lets libcurl rewind an upload to resend it on a fresh connection when a kept-alive one was closed under it.
static inline CURLcode neuvo_curl_setopt_seek_callback(CURL *handle, CURLoption option, neuvo_curl_seek_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode neuvo_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

// curl_multi_setopt is variadic too.
static inline CURLMcode neuvo_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

// CURLVERSION_NOW is a macro.
static inline const char *neuvo_curl_version_string(void) {
    return curl_version_info(CURLVERSION_NOW)->version;
}

#endif
