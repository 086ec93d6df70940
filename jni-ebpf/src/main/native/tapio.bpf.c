// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Tapio's kernel programs (libbpf CO-RE). Each kernel event becomes one struct tapio_event in a perf
 * buffer (BPF_MAP_TYPE_PERF_EVENT_ARRAY, the default) or a BPF ring buffer (use_ringbuf). Every program
 * exists twice: a classic tracepoint ("tp/...", needs tracefs) and a BTF-typed one ("tp_btf/...", works
 * without tracefs); the loader autoloads one set. Every emit is counted in "counters" (seen per kind,
 * output failures), so user space can state its loss exactly: seen = received + lost. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "tapio_events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile bool use_ringbuf = false;

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096 * 64);   /* set by the loader */
} rb SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, TAPIO_COUNTERS);
    __type(key, __u32);
    __type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 index)
{
    __u64 *c = bpf_map_lookup_elem(&counters, &index);
    if (c)
        *c += 1;
}

static __always_inline void emit(void *ctx, struct tapio_event *e)
{
    long err;
    count(e->kind);
    if (use_ringbuf)
        err = bpf_ringbuf_output(&rb, e, sizeof(*e), 0);
    else
        err = bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, e, sizeof(*e));
    if (err)
        count(TAPIO_CTR_OUTPUT_FAILED);
}

/* pid, tid, ppid, uid, time, cgroup and comm of the current task. */
static __always_inline void fill_current(struct tapio_event *e, __u32 kind)
{
    struct task_struct *task = bpf_get_current_task_btf();
    __u64 id = bpf_get_current_pid_tgid();
    e->kind = kind;
    e->pid = id >> 32;
    e->tid = (__u32)id;
    e->ppid = BPF_CORE_READ(task, real_parent, tgid);
    e->uid = (__u32)bpf_get_current_uid_gid();
    e->ts_ns = bpf_ktime_get_ns();
    e->cgroup_id = bpf_get_current_cgroup_id();
    bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* ---- exec ---------------------------------------------------------------------------------------- */

SEC("tp/sched/sched_process_exec")
int exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
    struct tapio_event e = {};
    unsigned int loc = BPF_CORE_READ(ctx, __data_loc_filename) & 0xFFFF;
    fill_current(&e, TAPIO_EXEC);
    bpf_probe_read_kernel_str(e.u.filename, sizeof(e.u.filename), (void *)ctx + loc);
    emit(ctx, &e);
    return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
    struct tapio_event e = {};
    fill_current(&e, TAPIO_EXEC);
    bpf_probe_read_kernel_str(e.u.filename, sizeof(e.u.filename), BPF_CORE_READ(bprm, filename));
    emit(ctx, &e);
    return 0;
}

/* ---- exit: thread-group leaders only, so one event per process -------------------------------------- */

static __always_inline int on_exit(void *ctx)
{
    struct task_struct *task = bpf_get_current_task_btf();
    __u64 id = bpf_get_current_pid_tgid();
    if ((id >> 32) != (__u32)id)
        return 0;
    struct tapio_event e = {};
    fill_current(&e, TAPIO_EXIT);
    int code = BPF_CORE_READ(task, exit_code);
    e.exit_code = (code >> 8) & 0xff;
    e.aux = code & 0x7f;
    emit(ctx, &e);
    return 0;
}

SEC("tp/sched/sched_process_exit")
int exit_tp(void *ctx)
{
    return on_exit(ctx);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *p)
{
    return on_exit(ctx);
}

/* ---- OOM kill: the victim, not the current task --------------------------------------------------------- */

static __always_inline void fill_victim(struct tapio_event *e, struct task_struct *victim)
{
    e->kind = TAPIO_OOM_KILL;
    e->pid = BPF_CORE_READ(victim, tgid);
    e->tid = BPF_CORE_READ(victim, pid);
    e->ppid = BPF_CORE_READ(victim, real_parent, tgid);
    e->uid = BPF_CORE_READ(victim, cred, uid.val);
    e->ts_ns = bpf_ktime_get_ns();
    e->cgroup_id = BPF_CORE_READ(victim, cgroups, dfl_cgrp, kn, id);
    BPF_CORE_READ_STR_INTO(&e->comm, victim, comm);
}

/* The tracepoint carries the victim's thread id, command, uid and RSS, but not the task. The OOM killer runs in
 * the task whose allocation failed; when that task is the victim itself (the usual memory cgroup OOM: one
 * process over its limit), its process id, parent and cgroup come from it. Otherwise they stay unknown
 * (ppid 0, cgroup 0) and pid is the victim's thread id. */
SEC("tp/oom/mark_victim")
int oom_tp(struct trace_event_raw_mark_victim *ctx)
{
    struct tapio_event e = {};
    __u32 victim = BPF_CORE_READ(ctx, pid);
    __u64 id = bpf_get_current_pid_tgid();
    if ((__u32)id == victim) {
        fill_current(&e, TAPIO_OOM_KILL);
    } else {
        e.kind = TAPIO_OOM_KILL;
        e.pid = victim;
        e.tid = victim;
        e.ts_ns = bpf_ktime_get_ns();
    }
    if (bpf_core_field_exists(ctx->anon_rss))
        e.aux = BPF_CORE_READ(ctx, anon_rss);
    if (bpf_core_field_exists(ctx->uid))
        e.uid = BPF_CORE_READ(ctx, uid);
    if (bpf_core_field_exists(ctx->__data_loc_comm)) {
        unsigned int loc = BPF_CORE_READ(ctx, __data_loc_comm) & 0xFFFF;
        bpf_probe_read_kernel_str(e.comm, sizeof(e.comm), (void *)ctx + loc);
    }
    emit(ctx, &e);
    return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(oom_btf, struct task_struct *victim, uid_t uid)
{
    struct tapio_event e = {};
    fill_victim(&e, victim);
    /* anon RSS in KiB: the mm's MM_ANONPAGES counter is a percpu_counter on 6.x; leave it to the tracepoint. */
    emit(ctx, &e);
    return 0;
}

/* ---- TCP: retransmits and resets --------------------------------------------------------------------- */

static __always_inline void fill_sock(struct tapio_event *e, const struct sock *sk)
{
    e->u.net.family = BPF_CORE_READ(sk, __sk_common.skc_family);
    e->u.net.sport = BPF_CORE_READ(sk, __sk_common.skc_num);
    e->u.net.dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
    e->aux = BPF_CORE_READ(sk, __sk_common.skc_state);
    if (e->u.net.family == 10) {
        BPF_CORE_READ_INTO(&e->u.net.saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
        BPF_CORE_READ_INTO(&e->u.net.daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
    } else {
        BPF_CORE_READ_INTO((__u32 *)e->u.net.saddr, sk, __sk_common.skc_rcv_saddr);
        BPF_CORE_READ_INTO((__u32 *)e->u.net.daddr, sk, __sk_common.skc_daddr);
    }
}

/* The cgroup v2 id of the socket (the cgroup of the task that created it); 0 where the kernel lacks it. */
static __always_inline __u64 sock_cgroup_id(const struct sock *sk)
{
    if (!bpf_core_field_exists(sk->sk_cgrp_data.cgroup))
        return 0;
    return BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
}

/* TCP runs in softirqs and timers on whatever task the CPU happened to be running (a retransmit fires from
 * the timer, usually on the idle task), so the current task is the socket's only while it owns the socket's
 * lock: its own system call, or release_sock() running the backlog and the timers deferred to the owner
 * (a loopback connect() handles the peer's reset there). Otherwise the process is unknown (pid 0). The uid
 * and the cgroup are always the socket's, so the event is attributed to the right container either way. */
static __always_inline int on_tcp(void *ctx, const struct sock *sk, __u32 kind)
{
    struct tapio_event e = {};
    if (BPF_CORE_READ(sk, sk_lock.owned)) {
        fill_current(&e, kind);
    } else {
        e.kind = kind;
        e.ts_ns = bpf_ktime_get_ns();
    }
    e.uid = BPF_CORE_READ(sk, sk_uid.val);
    __u64 cgroup = sock_cgroup_id(sk);
    if (cgroup)
        e.cgroup_id = cgroup;
    fill_sock(&e, sk);
    emit(ctx, &e);
    return 0;
}

SEC("tp/tcp/tcp_retransmit_skb")
int retransmit_tp(struct trace_event_raw_tcp_retransmit_skb *ctx)
{
    return on_tcp(ctx, (const struct sock *)BPF_CORE_READ(ctx, skaddr), TAPIO_RETRANSMIT);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(retransmit_btf, const struct sock *sk, const struct sk_buff *skb)
{
    return on_tcp(ctx, sk, TAPIO_RETRANSMIT);
}

SEC("tp/tcp/tcp_receive_reset")
int reset_tp(struct trace_event_raw_tcp_event_sk *ctx)
{
    return on_tcp(ctx, (const struct sock *)BPF_CORE_READ(ctx, skaddr), TAPIO_RESET);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(reset_btf, struct sock *sk)
{
    return on_tcp(ctx, sk, TAPIO_RESET);
}
