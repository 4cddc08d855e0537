//! The crate's error type. Its `Display` is what a user reads in a log line or an
//! `ovs-vsctl` error column, so it names the interface and the operation.

use std::io;

/// Result alias.
pub type Result<T> = std::result::Result<T, NetdevError>;

/// Why a port operation failed.
#[derive(Debug, thiserror::Error)]
pub enum NetdevError {
    /// The interface does not exist (never did, or was deleted while open).
    #[error("{name}: no such device")]
    NoSuchDevice {
        /// Interface name.
        name: String,
    },
    /// A system call failed.
    #[error("{name}: {op} failed ({source})")]
    Io {
        /// Interface name.
        name: String,
        /// What was being done, e.g. "set MTU".
        op: &'static str,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A caller-supplied value was rejected before reaching the kernel.
    #[error("{0}")]
    InvalidArgument(String),
    /// The port type does not support the operation.
    #[error("{name}: {op} is not supported by {kind} ports")]
    Unsupported {
        /// Interface name.
        name: String,
        /// The operation.
        op: &'static str,
        /// Port type.
        kind: &'static str,
    },
}

impl NetdevError {
    /// Wraps an OS error, turning "no such device" errnos into [`NetdevError::NoSuchDevice`].
    pub(crate) fn io(name: &str, op: &'static str, source: io::Error) -> NetdevError {
        if is_gone(&source) {
            NetdevError::NoSuchDevice {
                name: name.to_string(),
            }
        } else {
            NetdevError::Io {
                name: name.to_string(),
                op,
                source,
            }
        }
    }

    /// Whether the error means the interface no longer exists.
    pub fn is_no_such_device(&self) -> bool {
        matches!(self, NetdevError::NoSuchDevice { .. })
    }
}

/// Errnos the kernel uses for "that interface is gone": ENODEV (ioctl by name), ENXIO (send on
/// an AF_PACKET socket whose device vanished), EBADFD (tap whose device was deleted).
pub(crate) fn is_gone(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ENODEV) | Some(libc::ENXIO) | Some(libc::EBADFD)
    )
}
