/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers of rust_misc for a kernel crate without kernel::uaccess and
 * kernel::sync::Mutex (Linux 6.1): functions for the kernel APIs that are
 * inline functions or macros there, which Rust cannot call. Kbuild
 * compiles helpers.c into the module and has bindgen read this header
 * (see ../../Kbuild); the safe Rust wrappers are mutex.rs and ../uaccess.rs.
 */
#ifndef RUST_MISC_HELPERS_H
#define RUST_MISC_HELPERS_H

#include <linux/compiler_types.h>
#include <linux/lockdep_types.h>

struct mutex;

/* __mutex_init(): a macro on PREEMPT_RT. */
void rust_misc_helper_mutex_init(struct mutex *lock, const char *name,
				 struct lock_class_key *key);
/* mutex_lock(): a macro with CONFIG_DEBUG_LOCK_ALLOC. */
void rust_misc_helper_mutex_lock(struct mutex *lock);

/* copy_from_user()/copy_to_user(): inline; they return the bytes not copied. */
unsigned long rust_misc_helper_copy_from_user(void *to, const void __user *from,
					      unsigned long n);
unsigned long rust_misc_helper_copy_to_user(void __user *to, const void *from,
					    unsigned long n);

#endif /* RUST_MISC_HELPERS_H */
