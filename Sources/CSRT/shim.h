#ifndef WEIR_CSRT_SHIM_H
#define WEIR_CSRT_SHIM_H

#include <srt/srt.h>
#include <srt/access_control.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netdb.h>
#include <string.h>
#include <stdbool.h>

// Small wrappers for what does not import into Swift cleanly: enum flag unions, macros,
// and options whose value is passed by pointer and length.

/// The epoll events the server waits for on every socket: readable (or acceptable) and errors.
static inline int weir_srt_epoll_read_events(void) { return SRT_EPOLL_IN | SRT_EPOLL_ERR; }

static inline int weir_srt_epoll_in(void) { return SRT_EPOLL_IN; }

static inline int weir_srt_epoll_err(void) { return SRT_EPOLL_ERR; }

/// Sets an integer (int32_t) socket option.
static inline int weir_srt_set_int(SRTSOCKET socket, SRT_SOCKOPT option, int value) {
    return srt_setsockflag(socket, option, &value, (int)sizeof(value));
}

/// Sets a boolean socket option.
static inline int weir_srt_set_bool(SRTSOCKET socket, SRT_SOCKOPT option, int value) {
    bool flag = value != 0;
    return srt_setsockflag(socket, option, &flag, (int)sizeof(flag));
}

/// Sets a string socket option (passphrase, stream id); `length` excludes any terminator.
static inline int weir_srt_set_string(SRTSOCKET socket, SRT_SOCKOPT option, const char *value, int length) {
    return srt_setsockflag(socket, option, value, length);
}

/// Reads the stream id of a socket into `buffer` (at least 513 bytes); returns its length or -1.
static inline int weir_srt_get_stream_id(SRTSOCKET socket, char *buffer, int capacity) {
    int length = capacity;
    if (srt_getsockflag(socket, SRTO_STREAMID, buffer, &length) != 0) return -1;
    if (length < 0 || length > capacity) return -1;
    return length;
}

/// The code of the calling thread's last libsrt error.
static inline int weir_srt_last_error(void) { return srt_getlasterror(NULL); }

static inline int weir_srt_error_async_receive(void) { return SRT_EASYNCRCV; }

static inline int weir_srt_log_error(void) { return LOG_ERR; }
static inline int weir_srt_log_warning(void) { return LOG_WARNING; }
static inline int weir_srt_log_notice(void) { return LOG_NOTICE; }

#endif
