//! `helm show chart|values|readme|crds|all`: a loaded chart's parts printed as Helm prints them.

use super::{Chart, File};

/// Which part of the chart to print (Helm's `ShowOutputFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowFormat {
    All,
    Chart,
    Values,
    Readme,
    Crds,
}

/// The names `show readme` looks for, compared case-insensitively, in this order per file.
const README_NAMES: &[&str] = &["readme.md", "readme.txt", "readme"];

/// Chart.yaml as `sigs.k8s.io/yaml.Marshal(metadata)` writes it: keys sorted, empty fields left out.
pub fn chart_yaml(chart: &Chart) -> String {
    match serde_json::to_value(&chart.metadata) {
        Ok(v) => goyaml::to_string(&v),
        Err(_) => "{}\n".to_string(),
    }
}

/// The whole output of `helm show <format>` for a loaded chart (Helm's `Show.Run`). Bytes, because
/// files are printed exactly as they are, valid UTF-8 or not.
pub fn show(chart: &Chart, format: ShowFormat) -> Vec<u8> {
    let all = format == ShowFormat::All;
    let mut out = Vec::new();
    if all || format == ShowFormat::Chart {
        out.extend_from_slice(chart_yaml(chart).as_bytes());
        out.push(b'\n');
    }
    if all || format == ShowFormat::Values {
        // Helm prints values only when the chart has a values.yaml (its Values map is nil otherwise),
        // and then the file exactly as it was read.
        if let Some(values) = &chart.raw_values {
            if all {
                out.extend_from_slice(b"---\n");
            }
            out.extend_from_slice(values);
            out.push(b'\n');
        }
    }
    if all || format == ShowFormat::Readme {
        if let Some(readme) = find_readme(&chart.files) {
            if all {
                out.extend_from_slice(b"---\n");
            }
            out.extend_from_slice(&readme.data);
            out.push(b'\n');
        }
    }
    if all || format == ShowFormat::Crds {
        for (_, f) in chart.crd_files() {
            if !f.data.starts_with(b"---") {
                out.extend_from_slice(b"---\n");
            }
            out.extend_from_slice(&f.data);
            out.push(b'\n');
        }
    }
    out
}

/// Helm's `findReadme`: the first file (in load order) whose whole name matches a README name,
/// ignoring case as Go's `strings.EqualFold` does.
fn find_readme(files: &[File]) -> Option<&File> {
    files.iter().find(|f| README_NAMES.iter().any(|n| equal_fold(&f.name, n)))
}

/// Go's `strings.EqualFold` for the ASCII names compared here: simple Unicode case folding.
fn equal_fold(a: &str, b: &str) -> bool {
    let fold = |s: &str| -> Vec<char> { s.chars().flat_map(char::to_lowercase).collect() };
    // U+212A KELVIN SIGN folds to 'k' and U+017F LONG S to 's', as in Go.
    let norm = |c: char| match c {
        '\u{212A}' => 'k',
        '\u{017F}' => 's',
        other => other,
    };
    let fa: Vec<char> = fold(a).into_iter().map(norm).collect();
    let fb: Vec<char> = fold(b).into_iter().map(norm).collect();
    fa == fb
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, data: &str) -> File {
        File { name: name.into(), data: data.as_bytes().into() }
    }

    #[test]
    fn readme_is_found_case_insensitively_at_the_top_only() {
        let files = vec![file("docs/README.md", "no"), file("README.MD", "yes"), file("readme", "later")];
        assert_eq!(find_readme(&files).map(|f| f.name.as_str()), Some("README.MD"));
        assert!(find_readme(&[file("readme.rst", "")]).is_none());
        assert!(equal_fold("\u{212A}", "k"));
    }

    #[test]
    fn values_crds_and_readme_sections() {
        let chart = Chart {
            raw_names: vec!["Chart.yaml".into(), "values.yaml".into()],
            raw_values: Some(b"a: 1\n".to_vec()),
            files: vec![
                file("README.md", "# Hi"),
                file("crds/a.yaml", "kind: A\n"),
                file("crds/b.yaml", "---\nkind: B\n"),
            ],
            ..Default::default()
        };
        assert_eq!(show(&chart, ShowFormat::Values), b"a: 1\n\n");
        assert_eq!(show(&chart, ShowFormat::Readme), b"# Hi\n");
        assert_eq!(show(&chart, ShowFormat::Crds), b"---\nkind: A\n\n---\nkind: B\n\n");
        let no_values = Chart::default();
        assert_eq!(show(&no_values, ShowFormat::Values), b"");
    }
}
