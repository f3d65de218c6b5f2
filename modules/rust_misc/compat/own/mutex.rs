// SPDX-License-Identifier: GPL-2.0

//! A kernel mutex (`struct mutex`) guarding a value.
//!
//! Made by [`new_mutex!`] in its own pinned allocation, because a
//! `struct mutex` must not move once initialized; `lock()` sleeps until the
//! mutex is free and returns a guard that unlocks when dropped. Each
//! `new_mutex!` call site has its own lockdep class, as each `mutex_init()`
//! call site of C has.

use super::{CStr, Opaque};
use crate::{bindings, common::prelude::*};
use core::{
    cell::UnsafeCell,
    marker::PhantomData,
    ops::{Deref, DerefMut},
};

/// A lockdep class: static storage whose address identifies the class.
pub(crate) struct LockClassKey(Opaque<bindings::lock_class_key>);

// SAFETY: the key is only handed to C by address, and lockdep does its own
// locking for what it stores there.
unsafe impl Sync for LockClassKey {}

impl LockClassKey {
    /// A key, for a `static`.
    pub(crate) const fn new() -> Self {
        Self(Opaque::uninit())
    }
}

/// A mutex guarding a `T`.
///
/// # Invariants
///
/// `mutex` was initialized by `__mutex_init()` in [`Mutex::new_pinned`],
/// and does not move (the value is pinned): `new_pinned` is the only
/// constructor and returns it pinned, and `Opaque` makes it `!Unpin`.
/// `data` is only accessed by the holder of the mutex.
pub(crate) struct Mutex<T> {
    mutex: Opaque<bindings::mutex>,
    data: UnsafeCell<T>,
}

// SAFETY: moving the mutex moves the `T` it owns: sound if `T` is `Send`.
unsafe impl<T: Send> Send for Mutex<T> {}

// SAFETY: through `&Mutex<T>`, the `T` is only reached by one task at a
// time, by the holder of the mutex: sound if `T` can move between tasks.
unsafe impl<T: Send> Sync for Mutex<T> {}

/// A new [`Mutex`] holding `$value`, pinned in its own allocation: a
/// `Result<Pin<KBox<Mutex<T>>>>`. `$name` names its lockdep class.
macro_rules! new_mutex {
    ($value:expr, $name:literal) => {{
        static KEY: $crate::compat::LockClassKey = $crate::compat::LockClassKey::new();
        $crate::compat::Mutex::new_pinned($value, $crate::compat::c_str!($name), &KEY)
    }};
}
pub(crate) use new_mutex;

impl<T> Mutex<T> {
    /// A new mutex holding `value`, of the lockdep class `key` named `name`
    /// (use [`new_mutex!`], which makes one key per call site).
    pub(crate) fn new_pinned(
        value: T,
        name: &'static CStr,
        key: &'static LockClassKey,
    ) -> Result<Pin<KBox<Self>>> {
        let mutex = try_pin_box(Self {
            mutex: Opaque::uninit(),
            data: UnsafeCell::new(value),
        })?;
        // SAFETY: `mutex.mutex` is valid for writes and pinned, so it stays
        // where it is initialized; `name` and `key` are static.
        unsafe {
            bindings::rust_misc_helper_mutex_init(
                mutex.mutex.get(),
                name.as_char_ptr(),
                key.0.get(),
            )
        };
        // INVARIANT: initialized just above, and returned pinned.
        Ok(mutex)
    }

    /// Waits until the mutex is free and takes it.
    pub(crate) fn lock(&self) -> Guard<'_, T> {
        // SAFETY: the mutex is initialized and in place (type invariant).
        unsafe { bindings::rust_misc_helper_mutex_lock(self.mutex.get()) };
        // INVARIANT: this task holds the mutex.
        Guard {
            mutex: self,
            _not_send: PhantomData,
        }
    }
}

/// The held mutex; gives access to the value, unlocks when dropped.
///
/// # Invariants
///
/// The task that owns the guard holds `mutex`. The guard is not `Send`: the
/// task that locked a mutex must unlock it.
pub(crate) struct Guard<'a, T> {
    mutex: &'a Mutex<T>,
    _not_send: PhantomData<*mut ()>,
}

// SAFETY: `&Guard` only gives `&T`, which may be shared between tasks if
// `T` is `Sync`.
unsafe impl<T: Sync> Sync for Guard<'_, T> {}

impl<T> Deref for Guard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the mutex is held (type invariant), so nobody else
        // accesses the value.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the mutex is held (type invariant), and `&mut self`
        // excludes other borrows through this guard.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this task holds the mutex (type invariant); the borrows of
        // the value through the guard have ended.
        unsafe { bindings::mutex_unlock(self.mutex.mutex.get()) };
    }
}
