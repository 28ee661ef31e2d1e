//! `test`: run a release's test hooks and collect their logs.

use super::*;

/// `helm test NAME`: runs the newest revision's `test` hooks (only those named by `include`, none named
/// by `exclude`), records how they went, and calls `before_cleanup` (to read the pods' logs) before the
/// `hook-succeeded` policy deletes them. The release is returned with the error when a test fails.
pub fn run_tests(
    cluster: &dyn ClusterApi,
    storage: &Storage,
    name: &str,
    include: &[String],
    exclude: &[String],
    timeout: Duration,
    before_cleanup: &mut dyn FnMut(&Release),
) -> Result<Release, ActionError> {
    bound(cluster, timeout);
    if validate_release_name(name).is_err() {
        return Err(err(format!("releaseTest: Release name is invalid: {name}")));
    }
    let mut rel = storage.last(name)?;
    let all = std::mem::take(&mut rel.hooks);
    let (run, skipped): (Vec<Hook>, Vec<Hook>) = all.into_iter().partition(|h| {
        !exclude.contains(&h.name) && (include.is_empty() || include.contains(&h.name))
    });
    rel.hooks = run;
    let outcome = run_hooks_keeping(cluster, storage, &mut rel, "test", timeout);
    before_cleanup(&rel);
    let outcome = outcome.and_then(|done| delete_succeeded_hooks(cluster, &rel, done, timeout));
    let mut hooks = skipped;
    hooks.append(&mut rel.hooks);
    rel.hooks = hooks;
    let stored = storage.update(&rel);
    match outcome {
        Ok(()) => {
            stored?;
            Ok(rel)
        }
        Err(e) => Err(ActionError { message: e, release: Some(rel) }),
    }
}
