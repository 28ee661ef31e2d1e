//! A revision's life in storage: its creation (the point of conflict between two writers), the lease a
//! pending revision carries, progress saves, the end of an upgrade or rollback, and taking over or
//! recovering a revision a dead client left pending.

use super::*;

/// How long a dead client's pending revision stays claimed beyond its own timeout
/// (`KUBECTL_RELEASE_LEASE_GRACE`, seconds; 60 by default).
pub(super) fn lease_grace() -> i64 {
    std::env::var("KUBECTL_RELEASE_LEASE_GRACE").ok().and_then(|s| s.parse().ok()).unwrap_or(60)
}

/// A claim on a pending revision for this process, long enough for one step bounded by `timeout`; it is
/// renewed at every step (each hook, the apply, the wait).
pub(super) fn new_lease(timeout: Duration) -> record::Lease {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    record::Lease {
        holder: format!("{host}/{}", std::process::id()),
        expires: record::now_unix() + timeout.as_secs() as i64 + lease_grace(),
    }
}

/// Renews the lease and stores the revision's progress.
pub(super) fn save_progress(storage: &Storage, rel: &mut Release, timeout: Duration) {
    if rel.lease.is_some() {
        rel.lease = Some(new_lease(timeout));
    }
    let _ = storage.update(rel);
}

pub(super) fn lease_time(unix: i64) -> String {
    record::go_time_string(&record::rfc3339(unix, 0))
}

/// The release's newest revision must not be pending. One left by a client whose lease has expired is
/// taken over: marked `failed` (saying so), and the caller goes on. A live lease, or a pending revision
/// with no lease at all (Helm's own, or one from before leases), is an error that explains what to do.
pub fn take_over_pending(storage: &Storage, last: &mut Release) -> Result<Option<String>, ActionError> {
    if !record::is_pending(&last.info.status) {
        return Ok(None);
    }
    let (name, rev, status) = (last.name.clone(), last.version, last.info.status.clone());
    match last.lease.clone() {
        Some(lease) if lease.expires > record::now_unix() => Err(err(format!(
            "another operation (install/upgrade/rollback) is in progress: revision {rev} of {name:?} is {status}, worked on by {} until {} at the latest. Wait for it, or if that client is gone, run `kubectl release recover {name} --force`",
            lease.holder,
            lease_time(lease.expires)
        ))),
        Some(lease) => {
            let note = format!(
                "revision {rev} of {name:?} was left {status} by {}, whose lease expired at {}; it is now marked failed",
                lease.holder,
                lease_time(lease.expires)
            );
            last.lease = None;
            last.set_status(record::STATUS_FAILED, format!("Interrupted: {note}"));
            storage.update(last)?;
            Ok(Some(note))
        }
        None => Err(err(format!(
            "another operation (install/upgrade/rollback) is in progress: revision {rev} of {name:?} is {status} and carries no lease (Helm, or a client without leases, wrote it). If no client is working on it any more, run `kubectl release recover {name}` to mark it failed"
        ))),
    }
}

/// `kubectl release recover NAME`: marks a pending newest revision `failed` so that upgrade and rollback
/// work again. A revision whose lease is still running needs `force`.
pub fn recover(storage: &Storage, name: &str, force: bool) -> Result<Release, ActionError> {
    validate_release_name(name)?;
    let mut last = storage.last(name).map_err(|e| match e {
        StorageError::NotFound => err(format!("release: not found: {name}")),
        e => err(e),
    })?;
    if !record::is_pending(&last.info.status) {
        return Err(err(format!(
            "release {name:?} needs no recovery: its newest revision {} is {}",
            last.version, last.info.status
        )));
    }
    if let Some(lease) = &last.lease {
        if lease.expires > record::now_unix() && !force {
            return Err(err(format!(
                "revision {} of {name:?} is claimed by {} until {}; pass --force if that client is gone",
                last.version,
                lease.holder,
                lease_time(lease.expires)
            )));
        }
    }
    let was = last.info.status.clone();
    last.lease = None;
    last.set_status(record::STATUS_FAILED, format!("Marked failed by recover: the {was} operation did not finish"));
    storage.update(&last)?;
    Ok(last)
}

/// The revision a conflicting writer got to first: creating it failed because it exists.
pub(super) fn create_revision(storage: &Storage, rel: &Release) -> Result<(), ActionError> {
    storage.create(rel).map_err(|e| match e {
        StorageError::Exists => err(format!(
            "another operation (install/upgrade/rollback) is in progress: revision {} of {:?} was just created by another client; nothing was changed",
            rel.version, rel.name
        )),
        e => err(e),
    })
}

/// Marks the new revision deployed and the previous deployed one superseded, or the new one failed.
pub(super) fn finish_change(
    storage: &Storage,
    mut rel: Release,
    previous: &Release,
    outcome: Result<(), String>,
    description: &str,
    verb: &str,
) -> Result<Release, ActionError> {
    rel.lease = None;
    trace("finishing");
    match outcome {
        Ok(()) => {
            if previous.info.status == record::STATUS_DEPLOYED {
                // Helm changes only the status here (the description stays "Install complete" etc.)
                let mut prev = storage.get(&previous.name, previous.version)?;
                prev.info.status = record::STATUS_SUPERSEDED.into();
                storage.update(&prev)?;
            }
            rel.set_status(record::STATUS_DEPLOYED, description);
            storage.update(&rel)?;
            trace("done");
            Ok(rel)
        }
        Err(e) => {
            rel.set_status(record::STATUS_FAILED, format!("{verb} {:?} failed: {e}", rel.name));
            let _ = storage.update(&rel);
            Err(ActionError { message: e, release: Some(rel) })
        }
    }
}
