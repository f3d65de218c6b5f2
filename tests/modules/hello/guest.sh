# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Guest test of modules/hello: the greeting on load, the goodbye on unload.

after_load() {
	expect_log "hello: Hello from Rust in the kernel!"
}

after_unload() {
	expect_log "hello: Goodbye from Rust"
}
