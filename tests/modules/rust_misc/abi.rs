// SPDX-License-Identifier: GPL-2.0

//! The ABI of `/dev/rust-misc`: bindgen's translation of abi.h (hence of
//! modules/rust_misc/rust_misc.h, see build.sh), with the ioctl numbers
//! typed as the kernel takes them (32 bits).

/// The generated bindings of abi.h.
// Not all of it is used: bindgen adds an alias for the fields' type, and
// the constants are used through the typed ones below. Its layout checks
// of `rust_misc_stats` (size, alignment, each field's offset) are
// compile-time assertions (bindgen 0.71, the default generation's): a
// layout that does not match abi.h fails the build.
#[allow(dead_code, non_camel_case_types)]
mod bindings {
    include!(env!("RUST_MISC_ABI_RS"));
}

/// What `RUST_MISC_GET_STATS` stores.
pub use bindings::rust_misc_stats as Stats;

/// Size of the device's byte store.
pub const CAPACITY: usize = bindings::RUST_MISC_CAPACITY as usize;
pub const GET_LEN: u32 = bindings::RUST_MISC_ABI_GET_LEN as u32;
pub const CLEAR: u32 = bindings::RUST_MISC_ABI_CLEAR as u32;
pub const GET_STATS: u32 = bindings::RUST_MISC_ABI_GET_STATS as u32;
/// The ioctl type (magic) of the device's commands.
pub const MAGIC: u32 = bindings::RUST_MISC_IOC_MAGIC;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linux_abi::{ioc, IOC_NONE, IOC_READ};

    // The numbers clang computed from the header's _IOR()/_IO() are the
    // encoding the tests build their own numbers with (linux_abi.rs).
    #[test]
    fn header_ioctl_numbers_match_the_encoding() {
        let stats = std::mem::size_of::<Stats>() as u32;
        assert_eq!(GET_LEN, ioc(IOC_READ, MAGIC, 1, 8));
        assert_eq!(CLEAR, ioc(IOC_NONE, MAGIC, 2, 0));
        assert_eq!(GET_STATS, ioc(IOC_READ, MAGIC, 3, stats));
        assert_eq!(MAGIC, 0xba);
    }
}
