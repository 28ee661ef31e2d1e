//! Hooks: running them by weight and event, waiting for Jobs and Pods, and Helm's delete policies.

use super::*;

pub(super) fn to_record_hooks(hooks: &[manifest::Hook]) -> Vec<Hook> {
    hooks
        .iter()
        .map(|h| Hook {
            name: h.name.clone(),
            kind: h.kind.clone(),
            path: h.path.clone(),
            manifest: h.manifest.clone(),
            events: h.events.clone(),
            last_run: Default::default(),
            weight: h.weight,
            delete_policies: h.delete_policies.clone(),
            output_log_policies: h.output_log_policies.clone(),
        })
        .collect()
}

/// Runs the hooks of one event: kind order, then weight, then name; each created and waited for (Jobs
/// complete, Pods succeed), with the delete policies applied.
pub(super) fn run_hooks(
    cluster: &dyn ClusterApi,
    storage: &Storage,
    rel: &mut Release,
    event: &str,
    timeout: Duration,
) -> Result<(), String> {
    let succeeded = run_hooks_keeping(cluster, storage, rel, event, timeout)?;
    delete_succeeded_hooks(cluster, rel, succeeded, timeout)
}

/// The hooks that ran and succeeded, with their objects, for their `hook-succeeded` policy.
pub(super) type Succeeded = Vec<(usize, Vec<Object>)>;

/// `hook-succeeded`: deletes the objects of the hooks that succeeded, the last one first.
pub(super) fn delete_succeeded_hooks(cluster: &dyn ClusterApi, rel: &Release, done: Succeeded, timeout: Duration) -> Result<(), String> {
    for (i, objs) in done.into_iter().rev() {
        if has_policy(&rel.hooks[i], "hook-succeeded") {
            delete_and_wait(cluster, &objs, &rel.namespace, timeout)?;
        }
    }
    Ok(())
}

/// [`run_hooks`] without the `hook-succeeded` deletions, which the caller does later (`test` reads
/// the pods' logs first).
pub(super) fn run_hooks_keeping(
    cluster: &dyn ClusterApi,
    storage: &Storage,
    rel: &mut Release,
    event: &str,
    timeout: Duration,
) -> Result<Succeeded, String> {
    let mut idx: Vec<usize> = (0..rel.hooks.len()).filter(|&i| rel.hooks[i].events.iter().any(|e| e == event)).collect();
    idx.sort_by(|&a, &b| {
        let (x, y) = (&rel.hooks[a], &rel.hooks[b]);
        x.weight.cmp(&y.weight).then_with(|| x.name.cmp(&y.name))
    });
    let ns = rel.namespace.clone();
    let mut done = Vec::new();
    for i in idx {
        if rel.hooks[i].delete_policies.is_empty() {
            rel.hooks[i].delete_policies.push("before-hook-creation".into());
        }
        let objs = objects_of(&rel.hooks[i].manifest).map_err(|e| {
            format!("unable to build kubernetes object for {event} hook {}: {e}", rel.hooks[i].path)
        })?;
        if has_policy(&rel.hooks[i], "before-hook-creation") {
            delete_and_wait(cluster, &objs, &ns, timeout)?;
        }
        rel.hooks[i].last_run = record::HookExecution {
            started_at: record::now_rfc3339(),
            completed_at: String::new(),
            phase: "Running".into(),
        };
        save_progress(storage, rel, timeout);
        rel.hooks[i].last_run.phase = "Unknown".into();
        for o in &objs {
            if let Err(e) = cluster.apply(&o.value, &ns, false) {
                rel.hooks[i].last_run.completed_at = record::now_rfc3339();
                rel.hooks[i].last_run.phase = "Failed".into();
                return Err(format!("warning: Hook {event} {} failed: {e}", rel.hooks[i].path));
            }
        }
        let waited = objs.iter().try_for_each(|o| wait_hook_ready(cluster, o, &ns, timeout));
        rel.hooks[i].last_run.completed_at = record::now_rfc3339();
        if let Err(e) = waited {
            rel.hooks[i].last_run.phase = "Failed".into();
            if has_policy(&rel.hooks[i], "hook-failed") {
                let _ = delete_and_wait(cluster, &objs, &ns, timeout);
            }
            return Err(e);
        }
        rel.hooks[i].last_run.phase = "Succeeded".into();
        done.push((i, objs));
    }
    Ok(done)
}

pub(super) fn has_policy(h: &Hook, p: &str) -> bool {
    h.kind != "CustomResourceDefinition" && h.delete_policies.iter().any(|x| x == p)
}

pub(super) fn delete_and_wait(cluster: &dyn ClusterApi, objs: &[Object], release_ns: &str, timeout: Duration) -> Result<(), String> {
    for o in objs {
        let ns = o.namespace_in(cluster, release_ns).map_err(|e| e.message)?;
        let existed = cluster.delete(&o.api_version, &o.kind, &o.name, &ns).map_err(|e| e.message)?;
        if existed {
            cluster
                .wait_for(&o.api_version, &o.kind, &o.name, &ns, timeout, &mut |live| Ok(live.is_none()))
                .map_err(|e| e.message)?;
        }
    }
    Ok(())
}

/// Helm's WatchUntilReady for hooks: Jobs must complete, Pods must succeed, other kinds just exist.
pub(super) fn wait_hook_ready(cluster: &dyn ClusterApi, o: &Object, release_ns: &str, timeout: Duration) -> Result<(), String> {
    let ns = o.namespace_in(cluster, release_ns).map_err(|e| e.message)?;
    match o.kind.as_str() {
        "Job" => cluster
            .wait_for(&o.api_version, &o.kind, &o.name, &ns, timeout, &mut |live| {
                let conds = live.and_then(|l| l.pointer("/status/conditions")).and_then(Value::as_array);
                for c in conds.into_iter().flatten() {
                    if c["status"] == "True" && c["type"] == "Complete" {
                        return Ok(true);
                    }
                    if c["status"] == "True" && c["type"] == "Failed" {
                        return Err(format!("job {} failed: {}", o.name, c["reason"].as_str().unwrap_or("")));
                    }
                }
                Ok(false)
            })
            .map_err(|e| e.message),
        "Pod" => cluster
            .wait_for(&o.api_version, &o.kind, &o.name, &ns, timeout, &mut |live| {
                match live.and_then(|l| l.pointer("/status/phase")).and_then(Value::as_str) {
                    Some("Succeeded") => Ok(true),
                    Some("Failed") => Err(format!("pod {} failed", o.name)),
                    _ => Ok(false),
                }
            })
            .map_err(|e| e.message),
        _ => Ok(()),
    }
}
