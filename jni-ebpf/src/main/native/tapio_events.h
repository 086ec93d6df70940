/* The record every Tapio BPF program emits, shared by the BPF side (tapio.bpf.c), the JNI shim
 * (tapio_jni.c) and the Java decoder (dev.tapio.ebpf.KernelRecord, which mirrors these offsets).
 * Little-endian, fixed size, 8-byte aligned fields: no per-record parsing beyond reading at offsets. */
#ifndef TAPIO_EVENTS_H
#define TAPIO_EVENTS_H

#define TAPIO_COMM_LEN 16
#define TAPIO_PATH_LEN 128

enum tapio_kind {
    TAPIO_EXEC = 1,        /* sched:sched_process_exec */
    TAPIO_EXIT = 2,        /* sched:sched_process_exit, thread-group leaders */
    TAPIO_OOM_KILL = 3,    /* oom:mark_victim */
    TAPIO_RETRANSMIT = 4,  /* tcp:tcp_retransmit_skb */
    TAPIO_RESET = 5,       /* tcp:tcp_receive_reset (a refused connect is a reset in SYN_SENT) */
    TAPIO_KINDS = 6
};

/* Counters (a per-CPU array map "counters"): seen[kind] = times a program tried to emit a record of that
 * kind; TAPIO_CTR_OUTPUT_FAILED = emits the output map refused (full). */
#define TAPIO_CTR_OUTPUT_FAILED 0
#define TAPIO_COUNTERS 8

struct tapio_net {
    __u16 family;          /* AF_INET 2, AF_INET6 10 */
    __u16 sport;
    __u16 dport;
    __u16 pad;
    __u8 saddr[16];        /* IPv4 in the first 4 bytes */
    __u8 daddr[16];
};

struct tapio_event {
    __u32 kind;            /*  0 enum tapio_kind */
    __u32 pid;             /*  4 process (thread group) id; the victim for OOM; 0 unknown (TCP in softirq) */
    __u32 tid;             /*  8 thread id */
    __u32 ppid;            /* 12 parent's process id */
    __u32 uid;             /* 16 */
    __s32 exit_code;       /* 20 exit: the status byte (exit(3) -> 3); 0 otherwise */
    __u64 ts_ns;           /* 24 CLOCK_MONOTONIC (bpf_ktime_get_ns) */
    __u64 cgroup_id;       /* 32 cgroup v2 id: the task's; the victim's for OOM (0 unknown); the socket's for TCP */
    __s64 aux;             /* 40 exit: terminating signal; OOM: anon RSS in KiB; TCP: socket state */
    char comm[TAPIO_COMM_LEN];          /* 48 */
    union {                             /* 64 */
        char filename[TAPIO_PATH_LEN];  /* exec */
        struct tapio_net net;           /* retransmit, reset */
    } u;
};                                      /* 192 bytes */

#endif
