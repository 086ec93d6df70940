/* JNI shim between dev.tapio.ebpf.KernelNative and libbpf: open (load and attach the programs of
 * tapio.bpf.c), poll (copy what the kernel wrote into a Java direct buffer), detach and drain (stop the
 * programs, then take what they left), stats (exact loss), close.
 * No allocation per event: records are copied into the caller's direct buffer as
 *   [u32 length][length bytes: struct tapio_event][padding to 8]
 * and the Java side decodes them in place. A poll stops taking records when the next one might not fit
 * (the rest waits in the kernel's buffer for the next poll), so none is ever dropped here.
 * One thread calls poll, detach and drain; stats may run on any thread. */
#include <errno.h>
#include <jni.h>
#include <linux/membarrier.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tapio.skel.h"
#include "tapio_events.h"

struct handle {
    struct tapio *skel;
    struct perf_buffer *pb;
    struct ring_buffer *rb;
    int wakeup_events;
    char *out;             /* the direct buffer of the poll in progress */
    size_t cap;
    size_t len;
    bool full;             /* the poll in progress stopped because the next record might not fit */
    bool lost_format;      /* perf: the events count their own lost samples (PERF_FORMAT_LOST, Linux 6.0) */
    volatile __u64 received;
    volatile __u64 lost;       /* perf: PERF_RECORD_LOST totals */
    volatile __u64 overflow;   /* records that did not fit the caller's buffer (none: a poll stops before) */
};

/* The most one record takes in the caller's buffer. */
#define SLOT_MAX ((4 + sizeof(struct tapio_event) + 7) & ~(size_t)7)

static char last_log[512];

static int on_libbpf_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
    if (level == LIBBPF_DEBUG)
        return 0;
    char line[512];
    int n = vsnprintf(line, sizeof(line), fmt, args);
    if (n > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        const char *text = strncmp(line, "libbpf: ", 8) == 0 ? line + 8 : line;   /* throw_io says "libbpf: " */
        if (*text)
            snprintf(last_log, sizeof(last_log), "%s", text);
    }
    return 0;
}

static void throw_io(JNIEnv *env, const char *what, int err)
{
    char msg[1024];
    if (err < 0)
        err = -err;
    snprintf(msg, sizeof(msg), "%s: %s (errno %d)%s%s", what, strerror(err), err,
        last_log[0] ? "; libbpf: " : "", last_log);
    jclass c = (*env)->FindClass(env, "java/io/IOException");
    if (c)
        (*env)->ThrowNew(env, c, msg);
}

/* Copies one record; false when the buffer cannot take another one of the largest size, so the caller
 * stops consuming (libbpf has already consumed the record it handed over, hence "after", not "before"). */
static bool append(struct handle *h, const void *data, __u32 size)
{
    size_t need = ((size_t)4 + size + 7) & ~(size_t)7;
    if (h->len + need > h->cap) {
        h->overflow++;
    } else {
        memcpy(h->out + h->len, &size, 4);
        memcpy(h->out + h->len + 4, data, size);
        h->len += need;
        h->received++;
    }
    if (h->cap - h->len < SLOT_MAX) {
        h->full = true;
        return false;
    }
    return true;
}

struct perf_sample_raw {
    struct perf_event_header header;
    __u32 size;
    char data[];
};

struct perf_lost {
    struct perf_event_header header;
    __u64 id;
    __u64 lost;
};

static enum bpf_perf_event_ret on_perf_event(void *ctx, int cpu, struct perf_event_header *event)
{
    struct handle *h = ctx;
    if (event->type == PERF_RECORD_SAMPLE) {
        struct perf_sample_raw *s = (struct perf_sample_raw *)event;
        if (!append(h, s->data, s->size < sizeof(struct tapio_event) ? s->size : sizeof(struct tapio_event)))
            return LIBBPF_PERF_EVENT_ERROR;   /* stops the poll; this record is taken, the rest waits */
    } else if (event->type == PERF_RECORD_LOST) {
        h->lost += ((struct perf_lost *)event)->lost;
    }
    return LIBBPF_PERF_EVENT_CONT;
}

static int on_ring_event(void *ctx, void *data, size_t size)
{
    return append(ctx, data, (__u32)size) ? 0 : -ENOBUFS;   /* < 0 stops the poll; this record is taken */
}

static void set_autoload(struct tapio *s, bool btf, jint kinds)
{
    bool exec = kinds & (1 << TAPIO_EXEC), exit_ = kinds & (1 << TAPIO_EXIT), oom = kinds & (1 << TAPIO_OOM_KILL);
    bool rt = kinds & (1 << TAPIO_RETRANSMIT), rst = kinds & (1 << TAPIO_RESET);
    bpf_program__set_autoload(s->progs.exec_tp, !btf && exec);
    bpf_program__set_autoload(s->progs.exec_btf, btf && exec);
    bpf_program__set_autoload(s->progs.exit_tp, !btf && exit_);
    bpf_program__set_autoload(s->progs.exit_btf, btf && exit_);
    bpf_program__set_autoload(s->progs.oom_tp, !btf && oom);
    bpf_program__set_autoload(s->progs.oom_btf, btf && oom);
    bpf_program__set_autoload(s->progs.retransmit_tp, !btf && rt);
    bpf_program__set_autoload(s->progs.retransmit_btf, btf && rt);
    bpf_program__set_autoload(s->progs.reset_tp, !btf && rst);
    bpf_program__set_autoload(s->progs.reset_btf, btf && rst);
}

static void destroy(struct handle *h)
{
    if (!h)
        return;
    if (h->pb)
        perf_buffer__free(h->pb);
    if (h->rb)
        ring_buffer__free(h->rb);
    if (h->skel)
        tapio__destroy(h->skel);
    free(h);
}

JNIEXPORT jlong JNICALL Java_dev_tapio_ebpf_KernelNative_open(JNIEnv *env, jclass cls, jboolean ringbuf,
    jboolean btf, jint perf_pages, jint wakeup_events, jint ringbuf_bytes, jint kinds)
{
    last_log[0] = 0;
    libbpf_set_print(on_libbpf_log);
    struct handle *h = calloc(1, sizeof(*h));
    if (!h) {
        throw_io(env, "allocating the handle", ENOMEM);
        return 0;
    }
    h->wakeup_events = wakeup_events < 1 ? 1 : wakeup_events;
    h->skel = tapio__open();
    if (!h->skel) {
        int err = errno;
        destroy(h);
        throw_io(env, "opening the BPF object", err);
        return 0;
    }
    h->skel->rodata->use_ringbuf = ringbuf;
    bpf_map__set_max_entries(h->skel->maps.rb, ringbuf ? (__u32)ringbuf_bytes : (__u32)getpagesize());
    set_autoload(h->skel, btf, kinds);
    int err = tapio__load(h->skel);
    if (err) {
        destroy(h);
        throw_io(env, "loading the BPF programs", err);
        return 0;
    }
    /* The output buffer exists before any program runs, so nothing is emitted into the void. */
    if (ringbuf) {
        h->rb = ring_buffer__new(bpf_map__fd(h->skel->maps.rb), on_ring_event, h, NULL);
        if (!h->rb) {
            err = errno;
            destroy(h);
            throw_io(env, "creating the BPF ring buffer", err);
            return 0;
        }
    } else {
        struct perf_event_attr attr = {};
        attr.type = PERF_TYPE_SOFTWARE;
        attr.config = PERF_COUNT_SW_BPF_OUTPUT;
        attr.sample_type = PERF_SAMPLE_RAW;
        attr.sample_period = 1;
        attr.wakeup_events = h->wakeup_events;
        /* Each event also counts the samples it dropped, including those no PERF_RECORD_LOST reported yet. */
        attr.read_format = PERF_FORMAT_LOST;
        h->lost_format = true;
        h->pb = perf_buffer__new_raw(bpf_map__fd(h->skel->maps.events), (size_t)perf_pages, &attr,
            on_perf_event, h, NULL);
        if (!h->pb && errno == EINVAL) {   /* before Linux 6.0 */
            attr.read_format = 0;
            h->lost_format = false;
            h->pb = perf_buffer__new_raw(bpf_map__fd(h->skel->maps.events), (size_t)perf_pages, &attr,
                on_perf_event, h, NULL);
        }
        if (!h->pb) {
            err = errno;
            destroy(h);
            throw_io(env, "creating the perf buffers", err);
            return 0;
        }
    }
    err = tapio__attach(h->skel);
    if (err) {
        destroy(h);
        throw_io(env, btf ? "attaching the tp_btf programs" : "attaching the tracepoint programs", err);
        return 0;
    }
    return (jlong)(intptr_t)h;
}

static bool begin(JNIEnv *env, struct handle *h, jobject buffer)
{
    h->out = (*env)->GetDirectBufferAddress(env, buffer);
    jlong cap = (*env)->GetDirectBufferCapacity(env, buffer);
    h->cap = cap > 0 ? (size_t)cap : 0;
    h->len = 0;
    h->full = false;
    return h->out != NULL && h->cap >= SLOT_MAX;
}

/* The bytes written, or a negative errno; a poll cut short by a full buffer is a success. */
static jint finish(struct handle *h, int n)
{
    if (n < 0 && n != -EINTR && !h->full)
        return n;
    return (jint)h->len;
}

JNIEXPORT jint JNICALL Java_dev_tapio_ebpf_KernelNative_poll(JNIEnv *env, jclass cls, jlong handle, jobject buffer,
    jint timeout_ms)
{
    struct handle *h = (struct handle *)(intptr_t)handle;
    if (!begin(env, h, buffer))
        return -EINVAL;
    int n;
    if (h->rb) {
        n = ring_buffer__poll(h->rb, timeout_ms);
    } else {
        n = perf_buffer__poll(h->pb, timeout_ms);
        /* With wake-ups batched, records below the mark wait on the CPUs that did not wake us (on a busy
         * machine another CPU always does, so "only on a quiet poll" left them for seconds): take them too. */
        if (n >= 0 && h->wakeup_events > 1 && !h->full) {
            int m = perf_buffer__consume(h->pb);
            if (m < 0)
                n = m;
        }
    }
    return finish(h, n);
}

/* Takes what waits in the buffers without waiting for a wake-up: after detach, until it returns 0. */
JNIEXPORT jint JNICALL Java_dev_tapio_ebpf_KernelNative_drain(JNIEnv *env, jclass cls, jlong handle, jobject buffer)
{
    struct handle *h = (struct handle *)(intptr_t)handle;
    if (!begin(env, h, buffer))
        return -EINVAL;
    return finish(h, h->rb ? ring_buffer__consume(h->rb) : perf_buffer__consume(h->pb));
}

/* Detaches every program, then waits until none still runs: a program runs under RCU (a tracepoint with
 * preemption off, BPF in rcu_read_lock), and MEMBARRIER_CMD_GLOBAL returns after synchronize_rcu(). After
 * this the kernel's counters no longer move, so a drain then stats is exact. */
JNIEXPORT jint JNICALL Java_dev_tapio_ebpf_KernelNative_detach(JNIEnv *env, jclass cls, jlong handle)
{
    struct handle *h = (struct handle *)(intptr_t)handle;
    tapio__detach(h->skel);
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0)
        return -errno;
    return 0;
}

JNIEXPORT void JNICALL Java_dev_tapio_ebpf_KernelNative_stats(JNIEnv *env, jclass cls, jlong handle, jlongArray out)
{
    struct handle *h = (struct handle *)(intptr_t)handle;
    jlong v[4 + TAPIO_COUNTERS] = {0};
    v[0] = (jlong)h->received;
    v[1] = (jlong)h->lost;
    v[2] = (jlong)h->overflow;
    v[3] = -1;
    if (h->pb && h->lost_format) {
        /* read_format PERF_FORMAT_LOST: { u64 value; u64 lost; } */
        v[3] = 0;
        size_t bufs = perf_buffer__buffer_cnt(h->pb);
        for (size_t i = 0; i < bufs; i++) {
            __u64 r[2];
            int fd = perf_buffer__buffer_fd(h->pb, i);
            if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
                v[3] = -1;
                break;
            }
            v[3] += (jlong)r[1];
        }
    }
    int ncpu = libbpf_num_possible_cpus();
    __u64 *values = ncpu > 0 ? calloc((size_t)ncpu, sizeof(__u64)) : NULL;
    if (values) {
        int fd = bpf_map__fd(h->skel->maps.counters);
        for (__u32 k = 0; k < TAPIO_COUNTERS; k++) {
            if (bpf_map_lookup_elem(fd, &k, values) == 0) {
                __u64 sum = 0;
                for (int c = 0; c < ncpu; c++)
                    sum += values[c];
                v[4 + k] = (jlong)sum;
            }
        }
        free(values);
    }
    jsize n = (*env)->GetArrayLength(env, out);
    (*env)->SetLongArrayRegion(env, out, 0, n < 4 + TAPIO_COUNTERS ? n : 4 + TAPIO_COUNTERS, v);
}

JNIEXPORT void JNICALL Java_dev_tapio_ebpf_KernelNative_close(JNIEnv *env, jclass cls, jlong handle)
{
    destroy((struct handle *)(intptr_t)handle);
}
