# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Guest test of modules/hello_c: the greeting on load, the goodbye on unload.

after_load() {
	expect_log "hello_c: Hello from C in the kernel!"
}

after_unload() {
	expect_log "hello_c: Goodbye from C"
}
