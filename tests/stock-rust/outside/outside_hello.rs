// SPDX-License-Identifier: GPL-2.0

//! A module that lives outside the workspace: one file that uses only the
//! kernel crate's prelude, and a one-line Kbuild.
//!
//! tests/stock-rust-cases.sh copies this folder elsewhere and builds it as
//! an unprivileged user against Debian's stock 7.3 headers with the Rust
//! metadata package installed, with nothing but
//! `make -C /usr/src/linux-headers-RELEASE M=$PWD` and Debian 13's own
//! rustc, as a Debian user would; then Debian's own vmlinuz loads it.

use kernel::prelude::*;

module! {
    type: OutsideHello,
    name: "outside_hello",
    authors: ["rust-oot-modules contributors"],
    description: "A Rust module built outside the workspace against Debian's headers",
    license: "GPL",
}

struct OutsideHello;

impl kernel::Module for OutsideHello {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("built against Debian's headers, loaded\n");
        Ok(OutsideHello)
    }
}

impl Drop for OutsideHello {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
