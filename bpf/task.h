/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The current task, for a program whose context does not pass it (failed execs). */
#ifndef BOOTSTRAP_TASK_H
#define BOOTSTRAP_TASK_H

#include "maps.h"
#include <bpf/bpf_core_read.h>

/*
 * The current task, as the record code reads a task: its own fields loaded directly, pointers
 * followed with CO-RE reads. From 5.11 that is the task itself (bpf_get_current_task_btf). Before,
 * a program knows only its address, as a number it may not load from: the task is copied into this
 * CPU's task_copy entry, where the same code loads its fields. The copy is taken at once, of the
 * running task's own fields, and its pointers lead to the kernel's objects as the task's do. NULL
 * if the copy fails.
 */
static __always_inline struct task_struct *current_task(void)
{
	u32 cpu = bpf_get_smp_processor_id();
	u64 size = bpf_core_type_size(struct task_struct);
	void *copy;

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return bpf_get_current_task_btf();
	copy = bpf_map_lookup_elem(&task_copy, &cpu);
	if (!copy || size > BOOTSTRAP_TASK_COPY_BYTES)
		return 0;
	if (bpf_probe_read_kernel(copy, size, (void *)bpf_get_current_task()))
		return 0;
	return copy;
}

#endif /* BOOTSTRAP_TASK_H */
