/*
 * viewerload: many LL-HLS readers of one stream, from one thread (epoll).
 *
 * Each viewer reads each track as a low-latency player does: a blocking playlist reload for
 * the next part (_HLS_msn/_HLS_part from the preload hint), then a GET of every part the
 * response lists that it has not fetched yet, then the next reload; one keep-alive connection
 * per track. It logs when each part had fully arrived, so the harness can tell how far behind
 * the publisher every viewer was.
 *
 * Written in C because the harness's Python reader costs ~150 us of CPU per request: at a few
 * hundred viewers (20 requests/s each) it would saturate its core before the server does, and
 * on a 2-core machine the load generator's CPU is taken from the server under test.
 *
 * usage: viewerload HOST PORT STREAM_PATH VIEWERS SECONDS RAMP_SECONDS OUT_FILE [TRACK...]
 * OUT_FILE gets one line per fetched part: "part VIEWER TRACK MSN PART T_DONE", then a summary
 * line "summary KEY=VALUE ...". T_DONE is CLOCK_MONOTONIC seconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_TRACKS 4
#define MAX_QUEUE 32
#define HEAD_MAX 4096
#define MAX_BODY (8 << 20)

enum phase { IDLE, PLAYLIST, PART };

struct part_ref { int msn, idx; };

struct conn {
    int fd;
    int viewer, track;
    enum phase phase;
    int started;          /* has had its first playlist */
    int next_msn, next_part; /* what the next blocking reload asks for; -1: plain reload */
    int last_msn, last_idx;  /* newest part fetched (or skipped at join) */
    struct part_ref queue[MAX_QUEUE];
    int qlen, qpos;
    char *buf; size_t len, cap; /* response bytes read so far */
    size_t head_len;      /* 0 until the header is complete */
    long body_len;
    int status;
    char out[512]; size_t out_len, out_off;
    double start_at;      /* when this viewer joins, or retries after an error status */
    char epoch[40];       /* publish epoch from the part URIs */
};

struct record { int viewer, track, msn, idx; double t; };

static const char *g_host, *g_path;
static int g_port;
static const char *g_tracks[MAX_TRACKS];
static int g_ntracks;
static struct record *g_rec; static size_t g_nrec, g_caprec;
static long g_requests, g_errors, g_status_errors, g_reconnects, g_playlists, g_parts;
static long long g_bytes;
static int g_epfd;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void record(struct conn *c, int msn, int idx) {
    if (g_nrec == g_caprec) {
        g_caprec = g_caprec ? g_caprec * 2 : 65536;
        g_rec = realloc(g_rec, g_caprec * sizeof *g_rec);
        if (!g_rec) { perror("realloc"); exit(2); }
    }
    g_rec[g_nrec++] = (struct record){c->viewer, c->track, msn, idx, now()};
}

static int connect_to(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { perror("socket"); exit(2); }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(g_port)};
    inet_pton(AF_INET, g_host, &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static void arm(struct conn *c, int want_write) {
    struct epoll_event ev = {.events = EPOLLIN | (want_write ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(g_epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
        ev.events = EPOLLIN | (want_write ? EPOLLOUT : 0);
        epoll_ctl(g_epfd, EPOLL_CTL_ADD, c->fd, &ev);
    }
}

static void flush_out(struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR || errno == ENOTCONN) { arm(c, 1); return; }
            return; /* the read side reports the error */
        }
        c->out_off += (size_t)n;
    }
    arm(c, 0);
}

static void send_request(struct conn *c, const char *target) {
    c->out_len = (size_t)snprintf(c->out, sizeof c->out, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n",
                                  target, g_host, g_port);
    c->out_off = 0;
    c->len = 0; c->head_len = 0; c->body_len = -1; c->status = 0;
    g_requests++;
    flush_out(c);
}

static void request_playlist(struct conn *c) {
    char target[300];
    const char *tr = g_tracks[c->track];
    if (c->next_msn >= 0)
        snprintf(target, sizeof target, "%s/%s.m3u8?_HLS_msn=%d&_HLS_part=%d", g_path, tr, c->next_msn, c->next_part);
    else
        snprintf(target, sizeof target, "%s/%s.m3u8", g_path, tr);
    c->phase = PLAYLIST;
    send_request(c, target);
}

static void request_next_part(struct conn *c) {
    if (c->qpos >= c->qlen) { request_playlist(c); return; }
    struct part_ref p = c->queue[c->qpos];
    char target[300];
    snprintf(target, sizeof target, "%s/%s/%s/%d.%d.m4s", g_path, g_tracks[c->track], c->epoch, p.msn, p.idx);
    c->phase = PART;
    send_request(c, target);
}

static void reconnect(struct conn *c) {
    if (c->fd >= 0) {
        epoll_ctl(g_epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        g_reconnects++;
    }
    c->fd = connect_to();
    if (c->fd < 0) { c->phase = IDLE; c->start_at = now() + 0.1; return; }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(g_epfd, EPOLL_CTL_ADD, c->fd, &ev);
    c->next_msn = -1;
    request_playlist(c);
}

/* Part URIs look like TRACK/EPOCH/MSN.PART.m4s. */
static int parse_part_uri(const char *s, const char *end, char *epoch, size_t ecap, int *msn, int *idx) {
    const char *slash1 = memchr(s, '/', (size_t)(end - s));
    if (!slash1) return 0;
    const char *e0 = slash1 + 1;
    const char *slash2 = memchr(e0, '/', (size_t)(end - e0));
    if (!slash2 || (size_t)(slash2 - e0) >= ecap) return 0;
    memcpy(epoch, e0, (size_t)(slash2 - e0));
    epoch[slash2 - e0] = 0;
    return sscanf(slash2 + 1, "%d.%d.m4s", msn, idx) == 2;
}

static void on_playlist(struct conn *c, char *body, size_t len) {
    body[len] = 0; /* buf has one spare byte */
    char epoch[64] = "";
    int hint_msn = -1, hint_idx = -1;
    int nparts = 0;
    struct part_ref parts[256];
    for (char *line = body; line && *line;) {
        char *nl = strchr(line, '\n');
        char *end = nl ? nl : line + strlen(line);
        if (!strncmp(line, "#EXT-X-PART:", 12) || !strncmp(line, "#EXT-X-PRELOAD-HINT:", 20)) {
            char *u = strstr(line, "URI=\"");
            if (u && u < end) {
                u += 5;
                char *q = memchr(u, '"', (size_t)(end - u));
                int msn, idx;
                if (q && parse_part_uri(u, q, epoch, sizeof epoch, &msn, &idx)) {
                    if (!strncmp(line, "#EXT-X-PART:", 12)) {
                        if (nparts < 256) parts[nparts++] = (struct part_ref){msn, idx};
                    } else {
                        hint_msn = msn; hint_idx = idx;
                    }
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    if (epoch[0]) snprintf(c->epoch, sizeof c->epoch, "%s", epoch);
    c->qlen = c->qpos = 0;
    if (!c->started) {
        /* Join at the live edge: the newest listed part is where reading starts. */
        c->started = 1;
        if (nparts) {
            c->last_msn = parts[nparts - 1].msn;
            c->last_idx = parts[nparts - 1].idx;
        }
    } else {
        for (int i = 0; i < nparts && c->qlen < MAX_QUEUE; i++) {
            struct part_ref p = parts[i];
            if (p.msn > c->last_msn || (p.msn == c->last_msn && p.idx > c->last_idx))
                c->queue[c->qlen++] = p;
        }
    }
    if (hint_msn >= 0) { c->next_msn = hint_msn; c->next_part = hint_idx; }
    else if (nparts) { c->next_msn = parts[nparts - 1].msn; c->next_part = parts[nparts - 1].idx + 1; }
    else c->next_msn = -1;
    g_playlists++;
    request_next_part(c);
}

static void on_response(struct conn *c) {
    char *body = c->buf + c->head_len;
    if (c->status != 200) {
        g_status_errors++;
        c->next_msn = -1;
        c->qlen = c->qpos = 0;
        c->phase = IDLE;
        c->start_at = now() + 0.05; /* retry with a plain reload shortly */
        return;
    }
    if (c->phase == PLAYLIST) {
        on_playlist(c, body, (size_t)c->body_len);
    } else {
        struct part_ref p = c->queue[c->qpos++];
        c->last_msn = p.msn; c->last_idx = p.idx;
        g_parts++;
        record(c, p.msn, p.idx);
        request_next_part(c);
    }
}

static int parse_head(struct conn *c) {
    char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end) return c->len > HEAD_MAX ? -1 : 0;
    c->head_len = (size_t)(end - c->buf) + 4;
    if (sscanf(c->buf, "HTTP/1.%*d %d", &c->status) != 1) return -1;
    c->body_len = 0;
    for (char *p = c->buf; p < end; p++) {
        if ((*p == 'C' || *p == 'c') && !strncasecmp(p, "Content-Length:", 15)) {
            c->body_len = strtol(p + 15, NULL, 10);
            break;
        }
    }
    if (c->body_len < 0 || c->body_len > MAX_BODY) return -1;
    return 1;
}

static void on_readable(struct conn *c) {
    for (;;) {
        if (c->cap - c->len < 65536) {
            size_t want = c->cap ? c->cap * 2 : 131072;
            char *nb = realloc(c->buf, want + 1);
            if (!nb) { perror("realloc"); exit(2); }
            c->buf = nb; c->cap = want;
        }
        ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            g_errors++;
            reconnect(c);
            return;
        }
        if (n < 0) return;
        c->len += (size_t)n;
        g_bytes += n;
        if (c->phase == IDLE) { c->len = 0; continue; }
        if (!c->head_len) {
            int r = parse_head(c);
            if (r < 0) { g_errors++; reconnect(c); return; }
            if (r == 0) continue;
        }
        if (c->len >= c->head_len + (size_t)c->body_len) {
            if (c->len > c->head_len + (size_t)c->body_len) { g_errors++; reconnect(c); return; }
            on_response(c);
            return;
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: %s HOST PORT STREAM_PATH VIEWERS SECONDS RAMP_SECONDS OUT_FILE [TRACK...]\n", argv[0]);
        return 2;
    }
    g_host = argv[1]; g_port = atoi(argv[2]); g_path = argv[3];
    int viewers = atoi(argv[4]);
    double seconds = atof(argv[5]), ramp = atof(argv[6]);
    const char *out_path = argv[7];
    for (int i = 8; i < argc && g_ntracks < MAX_TRACKS; i++) g_tracks[g_ntracks++] = argv[i];
    if (!g_ntracks) { g_tracks[0] = "video"; g_tracks[1] = "audio"; g_ntracks = 2; }

    struct rlimit rl = {65536, 65536};
    setrlimit(RLIMIT_NOFILE, &rl);
    g_epfd = epoll_create1(EPOLL_CLOEXEC);
    int nconn = viewers * g_ntracks;
    struct conn *conns = calloc((size_t)nconn, sizeof *conns);
    double t0 = now(), end = t0 + seconds;
    for (int i = 0; i < nconn; i++) {
        conns[i].fd = -1;
        conns[i].viewer = i / g_ntracks;
        conns[i].track = i % g_ntracks;
        conns[i].phase = IDLE;
        conns[i].next_msn = -1;
        conns[i].start_at = t0 + (viewers > 1 ? ramp * conns[i].viewer / viewers : 0);
    }
    struct epoll_event evs[256];
    double last_scan = 0;
    while (now() < end) {
        double t = now();
        if (t - last_scan >= 0.005) {
            /* Start viewers as the ramp reaches them, and retry connections parked after an
             * error status or a failed connect. */
            last_scan = t;
            for (int i = 0; i < nconn; i++) {
                struct conn *c = &conns[i];
                if (c->phase != IDLE || c->start_at > t) continue;
                if (c->fd < 0) reconnect(c);
                else request_playlist(c);
            }
        }
        int n = epoll_wait(g_epfd, evs, 256, 5);
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (evs[i].events & EPOLLOUT) flush_out(c);
            if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    FILE *f = fopen(out_path, "w");
    if (!f) { perror(out_path); return 2; }
    for (size_t i = 0; i < g_nrec; i++)
        fprintf(f, "part %d %s %d %d %.6f\n", g_rec[i].viewer, g_tracks[g_rec[i].track], g_rec[i].msn,
                g_rec[i].idx, g_rec[i].t);
    fprintf(f, "summary viewers=%d connections=%d requests=%ld playlists=%ld parts=%ld errors=%ld "
               "status_errors=%ld reconnects=%ld bytes=%lld cpu_user=%.3f cpu_sys=%.3f seconds=%.3f\n",
            viewers, nconn, g_requests, g_playlists, g_parts, g_errors, g_status_errors, g_reconnects, g_bytes,
            ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
            now() - t0);
    fclose(f);
    return 0;
}
