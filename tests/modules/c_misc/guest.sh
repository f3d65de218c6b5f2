# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Guest test of modules/c_misc, the C twin of rust_misc: the same steps,
# with the same test programs (tests/modules/rust_misc/), against
# /dev/c-misc: misc_store_* in tests/guest/lib.sh.

DEVICE=/dev/c-misc

after_load() {
	misc_store_after_load "$DEVICE"
}

after_unload() {
	misc_store_after_unload "$DEVICE"
}

# In each load/unload cycle of the debug tests: a write and a read.
use_module() {
	misc_store_use "$DEVICE" "$1"
}
