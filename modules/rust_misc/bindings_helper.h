/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What rust_misc needs from C that the kernel crate's own bindings lack:
 * Kbuild runs bindgen on this header (see Kbuild) and the module includes
 * the result from its build output.
 */
#include <linux/miscdevice.h>

#include "rust_misc.h"

/*
 * bindgen cannot expand function-like macros such as _IOR(), but it does
 * evaluate the initializer of a constant: these carry the ioctl numbers of
 * rust_misc.h into Rust.
 */
const unsigned int RUST_MISC_IOCTL_GET_LEN = RUST_MISC_GET_LEN;
const unsigned int RUST_MISC_IOCTL_CLEAR = RUST_MISC_CLEAR;
const unsigned int RUST_MISC_IOCTL_GET_STATS = RUST_MISC_GET_STATS;
