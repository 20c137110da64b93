// Linux calls that Swift's Glibc module does not export: epoll(7) and eventfd(2) (no sys/epoll.h or
// sys/eventfd.h in the module) and accept4(2) (declared only under _GNU_SOURCE). Thin wrappers, so Swift never
// sees struct epoll_event, which is packed on x86-64 and naturally aligned elsewhere.
#ifndef NEUVO_CLINUX_SHIM_H
#define NEUVO_CLINUX_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);

static inline int neuvo_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    return accept4(fd, address, length, flags);
}

static inline int neuvo_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

/// Adds `fd` to the set with `events` and a 64-bit token that `epoll_wait` reports back.
static inline int neuvo_epoll_add(int epfd, int fd, uint32_t events, uint64_t token) {
    struct epoll_event event;
    event.events = events;
    event.data.u64 = token;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

/// Room for `count` events, as bytes: allocated by the caller, read back with the two accessors below.
static inline size_t neuvo_epoll_event_size(void) { return sizeof(struct epoll_event); }

static inline int neuvo_epoll_wait(int epfd, void *events, int count, int milliseconds) {
    return epoll_wait(epfd, (struct epoll_event *)events, count, milliseconds);
}

static inline uint32_t neuvo_epoll_event_mask(const void *events, int index) {
    return ((const struct epoll_event *)events)[index].events;
}

static inline uint64_t neuvo_epoll_event_token(const void *events, int index) {
    return ((const struct epoll_event *)events)[index].data.u64;
}

static inline int neuvo_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

#endif
