//! The crds/ rules (Helm's `rules.Crds`): plain YAML CustomResourceDefinitions only.

use super::k8s::decode_documents;
use super::{Linter, Severity};
use crate::chart::{Chart, File};

pub(super) fn crds(l: &mut Linter) {
    let dir = "crds/";
    let path = l.chart_dir.join("crds");
    match std::fs::metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            l.rule(Severity::Error, dir, Err(crate::chart::go_os_error("stat", &path, &e)));
            return;
        }
        Ok(md) if !md.is_dir() => {
            l.rule(Severity::Error, dir, Err("not a directory".into()));
            return;
        }
        Ok(_) => {}
    }
    let chart = match crate::chart::load(&l.chart_dir) {
        Ok(c) => {
            super::loader_log(&c, &mut l.log);
            c
        }
        Err(e) => {
            l.rule(Severity::Error, dir, Err(e.to_string()));
            return;
        }
    };
    let mut files = Vec::new();
    collect(&chart, &mut files);
    for f in files {
        for d in decode_documents(&f.data) {
            match d {
                Err(e) => {
                    l.rule(Severity::Error, &f.name, Err(format!("unable to parse YAML: {e}")));
                    return;
                }
                Ok(None) => {}
                Ok(Some(obj)) => {
                    let api = if obj.api_version.starts_with("apiextensions.k8s.io") {
                        Ok(())
                    } else {
                        Err("apiVersion is not in 'apiextensions.k8s.io'".to_string())
                    };
                    l.rule(Severity::Error, &f.name, api);
                    let kind = if obj.kind == "CustomResourceDefinition" {
                        Ok(())
                    } else {
                        Err("object kind is not 'CustomResourceDefinition'".to_string())
                    };
                    l.rule(Severity::Error, &f.name, kind);
                }
            }
        }
    }
}

/// `CRDObjects()` order: this chart's crds/ files, then each subchart's, depth first.
fn collect<'a>(c: &'a Chart, out: &mut Vec<&'a File>) {
    out.extend(c.own_crd_files());
    for d in &c.dependencies {
        collect(d, out);
    }
}
