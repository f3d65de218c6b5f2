// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of rust_misc for a kernel crate without kernel::uaccess and
 * kernel::sync::Mutex (see helpers.h): each one is the C API it is named
 * after, made callable from Rust.
 */
#include <linux/mutex.h>
#include <linux/uaccess.h>

#include "helpers.h"

void rust_misc_helper_mutex_init(struct mutex *lock, const char *name,
				 struct lock_class_key *key)
{
	__mutex_init(lock, name, key);
}

void rust_misc_helper_mutex_lock(struct mutex *lock)
{
	mutex_lock(lock);
}

unsigned long rust_misc_helper_copy_from_user(void *to, const void __user *from,
					      unsigned long n)
{
	return copy_from_user(to, from, n);
}

unsigned long rust_misc_helper_copy_to_user(void __user *to, const void *from,
					    unsigned long n)
{
	return copy_to_user(to, from, n);
}
