// The floor for relay_bench: the least a userspace UDP relay can do per packet here. No
// RTP awareness, no learning, no statistics: each call is two sockets on 127.0.0.1, X and
// Y; what arrives at X leaves from Y to the call's B, what arrives at Y leaves from X to
// its A. Reading is batched and sending uses UDP GSO, as our daemon does.
//
//   bare_relay epoll A:B ...   epoll + recvmmsg, one sendmsg (GSO) per batch
//   bare_relay uring A:B ...   io_uring multishot recvmsg into a provided buffer ring
//                              (built with -DHAVE_LIBURING -luring), sending as above
//
// A and B are the peers' ports. It prints the two ports of each call ("X Y"), then "ready",
// and relays until killed. relay_bench.py builds and runs it (see t/bench/README.md).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

enum { kMaxWays = 1024, kBatch = 32, kPacket = 2048 };

// One direction of one call: read from `in`, send from `out` to `to`.
struct way {
    int in, out;
    struct sockaddr_in to;
};
static struct way ways[kMaxWays];
static int way_count;

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int bound_socket(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in any = loopback(0);
    if (fd < 0 || bind(fd, (struct sockaddr*)&any, sizeof any) != 0) {
        perror("bare_relay: socket");
        exit(1);
    }
    return fd;
}

static int port_of(int fd) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr*)&a, &len);
    return ntohs(a.sin_port);
}

// Sends n datagrams on way w: one GSO message when all but the last have the first's size
// and the last is no longer, else one by one.
static void send_batch(const struct way* w, struct iovec* iov, int n) {
    if (n <= 0)
        return;
    int one_message = n > 1 && iov[n - 1].iov_len <= iov[0].iov_len;
    for (int i = 1; one_message && i < n - 1; i++)
        one_message = iov[i].iov_len == iov[0].iov_len;
    struct msghdr h = {.msg_name = (void*)&w->to, .msg_namelen = sizeof w->to};
    if (one_message) {
        char control[CMSG_SPACE(sizeof(uint16_t))] = {0};
        h.msg_iov = iov;
        h.msg_iovlen = (size_t)n;
        h.msg_control = control;
        h.msg_controllen = sizeof control;
        struct cmsghdr* c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        const uint16_t segment = (uint16_t)iov[0].iov_len;
        memcpy(CMSG_DATA(c), &segment, sizeof segment);
        sendmsg(w->out, &h, MSG_DONTWAIT);
        return;
    }
    for (int i = 0; i < n; i++) {
        h.msg_iov = &iov[i];
        h.msg_iovlen = 1;
        sendmsg(w->out, &h, MSG_DONTWAIT);
    }
}

static void relay_with_epoll(void) {
    static unsigned char data[kBatch][kPacket];
    static struct mmsghdr in[kBatch];
    static struct iovec in_iov[kBatch], out_iov[kBatch];
    static struct sockaddr_storage sources[kBatch];
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    for (int k = 0; k < way_count; k++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)k};
        epoll_ctl(epoll, EPOLL_CTL_ADD, ways[k].in, &ev);
    }
    for (;;) {
        struct epoll_event events[64];
        const int n = epoll_wait(epoll, events, 64, -1);
        for (int e = 0; e < n; e++) {
            const struct way* w = &ways[events[e].data.u32];
            for (int i = 0; i < kBatch; i++) {
                in_iov[i] = (struct iovec){data[i], kPacket};
                // Sources are fetched: a relay that checks or learns them needs them.
                in[i].msg_hdr = (struct msghdr){.msg_name = &sources[i], .msg_namelen = sizeof sources[i],
                                                .msg_iov = &in_iov[i], .msg_iovlen = 1};
            }
            const int got = recvmmsg(w->in, in, kBatch, MSG_DONTWAIT, NULL);
            for (int i = 0; i < got; i++)
                out_iov[i] = (struct iovec){data[i], in[i].msg_len};
            send_batch(w, out_iov, got);
        }
    }
}

#ifdef HAVE_LIBURING
enum { kBuffers = 1024, kGroup = 1 };

static void arm(struct io_uring* ring, const struct msghdr* shape, int k) {
    struct io_uring_sqe* sqe = io_uring_get_sqe(ring);
    io_uring_prep_recvmsg_multishot(sqe, ways[k].in, (struct msghdr*)shape, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kGroup;
    sqe->user_data = (uint64_t)k;
}

static void relay_with_uring(void) {
    struct io_uring ring;
    struct io_uring_params params = {.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN};
    struct io_uring_buf_ring* buffers_ring;
    unsigned char* buffers = malloc((size_t)kBuffers * kPacket);
    if (io_uring_queue_init_params(4096, &ring, &params) != 0 ||
        posix_memalign((void**)&buffers_ring, 4096, kBuffers * sizeof(struct io_uring_buf)) != 0 || !buffers) {
        fprintf(stderr, "bare_relay: no io_uring here\n");
        exit(1);
    }
    io_uring_buf_ring_init(buffers_ring);
    struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)buffers_ring, .ring_entries = kBuffers, .bgid = kGroup};
    if (io_uring_register_buf_ring(&ring, &reg, 0) != 0) {
        fprintf(stderr, "bare_relay: no provided buffer rings here\n");
        exit(1);
    }
    for (int i = 0; i < kBuffers; i++)
        io_uring_buf_ring_add(buffers_ring, buffers + (size_t)i * kPacket, kPacket, (unsigned short)i,
                              io_uring_buf_ring_mask(kBuffers), i);
    io_uring_buf_ring_advance(buffers_ring, kBuffers);
    // Multishot recvmsg takes the sizes of name and control from this: the source, as above.
    static const struct msghdr shape = {.msg_namelen = sizeof(struct sockaddr_in)};
    for (int k = 0; k < way_count; k++)
        arm(&ring, &shape, k);
    static struct iovec pending[kMaxWays][kBatch];
    static int pending_count[kMaxWays];
    static unsigned short used[kBuffers];
    for (;;) {
        io_uring_submit_and_wait(&ring, 1);
        struct io_uring_cqe* cqe;
        unsigned head, seen = 0, used_count = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            ++seen;
            const int k = (int)cqe->user_data;
            if (!(cqe->flags & IORING_CQE_F_MORE))
                arm(&ring, &shape, k);  // ended (out of buffers): ask again
            if (cqe->res <= 0 || !(cqe->flags & IORING_CQE_F_BUFFER))
                continue;
            const unsigned short id = (unsigned short)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
            used[used_count++] = id;
            struct io_uring_recvmsg_out* out =
                io_uring_recvmsg_validate(buffers + (size_t)id * kPacket, cqe->res, (struct msghdr*)&shape);
            if (!out)
                continue;
            if (pending_count[k] == kBatch) {
                send_batch(&ways[k], pending[k], kBatch);
                pending_count[k] = 0;
            }
            pending[k][pending_count[k]++] = (struct iovec){
                io_uring_recvmsg_payload(out, (struct msghdr*)&shape),
                io_uring_recvmsg_payload_length(out, cqe->res, (struct msghdr*)&shape)};
        }
        io_uring_cq_advance(&ring, seen);
        for (int k = 0; k < way_count; k++)
            if (pending_count[k]) {
                send_batch(&ways[k], pending[k], pending_count[k]);
                pending_count[k] = 0;
            }
        // Sent: the buffers can take packets again.
        for (unsigned i = 0; i < used_count; i++)
            io_uring_buf_ring_add(buffers_ring, buffers + (size_t)used[i] * kPacket, kPacket, used[i],
                                  io_uring_buf_ring_mask(kBuffers), (int)i);
        io_uring_buf_ring_advance(buffers_ring, (int)used_count);
    }
}
#endif

int main(int argc, char** argv) {
    if (argc < 3 || (strcmp(argv[1], "epoll") != 0 && strcmp(argv[1], "uring") != 0)) {
        fprintf(stderr, "usage: bare_relay epoll|uring A:B ...\n");
        return 2;
    }
    for (int i = 2; i < argc && way_count + 2 <= kMaxWays; i++) {
        int a, b;
        if (sscanf(argv[i], "%d:%d", &a, &b) != 2) {
            fprintf(stderr, "bare_relay: not A:B: %s\n", argv[i]);
            return 2;
        }
        const int x = bound_socket(), y = bound_socket();
        ways[way_count++] = (struct way){x, y, loopback(b)};
        ways[way_count++] = (struct way){y, x, loopback(a)};
        printf("%d %d\n", port_of(x), port_of(y));
    }
    printf("ready\n");
    fflush(stdout);
    if (strcmp(argv[1], "uring") == 0) {
#ifdef HAVE_LIBURING
        relay_with_uring();
#else
        fprintf(stderr, "bare_relay: built without liburing\n");
        return 1;
#endif
    }
    relay_with_epoll();
    return 0;
}
