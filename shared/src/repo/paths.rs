//! Where Helm keeps its files (`pkg/helmpath`, `pkg/cli/environment.go`): HELM_*_HOME, then XDG_*_HOME,
//! then ~/.config, ~/.cache, ~/.local/share, each with a `helm` folder; the cache file names.

use std::path::{Path, PathBuf};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn home() -> PathBuf {
    // client-go's homedir.HomeDir on unix: $HOME (empty when unset, as Go's filepath.Join then gives
    // a relative path).
    PathBuf::from(std::env::var("HOME").unwrap_or_default())
}

fn lazy_path(helm_var: &str, xdg_var: &str, default: &[&str], elem: &str) -> PathBuf {
    if let Some(base) = env(helm_var) {
        return join(Path::new(&base), elem);
    }
    let base = match env(xdg_var) {
        Some(b) => PathBuf::from(b),
        None => default.iter().fold(home(), |p, e| p.join(e)),
    };
    join(&base.join("helm"), elem)
}

fn join(base: &Path, elem: &str) -> PathBuf {
    if elem.is_empty() {
        base.to_path_buf()
    } else {
        base.join(elem)
    }
}

/// `helmpath.ConfigPath(elem)`: `$HELM_CONFIG_HOME/elem`, else `$XDG_CONFIG_HOME/helm/elem`, else
/// `~/.config/helm/elem`.
pub fn config_path(elem: &str) -> PathBuf {
    lazy_path("HELM_CONFIG_HOME", "XDG_CONFIG_HOME", &[".config"], elem)
}

/// `helmpath.CachePath(elem)`.
pub fn cache_path(elem: &str) -> PathBuf {
    lazy_path("HELM_CACHE_HOME", "XDG_CACHE_HOME", &[".cache"], elem)
}

/// `helmpath.DataPath(elem)`.
pub fn data_path(elem: &str) -> PathBuf {
    lazy_path("HELM_DATA_HOME", "XDG_DATA_HOME", &[".local", "share"], elem)
}

/// `helmpath.CacheIndexFile`: `<name>-index.yaml` (`index.yaml` for an empty name).
pub fn cache_index_file(name: &str) -> String {
    if name.is_empty() {
        "index.yaml".into()
    } else {
        format!("{name}-index.yaml")
    }
}

/// `helmpath.CacheChartsFile`: `<name>-charts.txt`.
pub fn cache_charts_file(name: &str) -> String {
    if name.is_empty() {
        "charts.txt".into()
    } else {
        format!("{name}-charts.txt")
    }
}

/// The file locations Helm's `EnvSettings` resolves from the environment; the binaries override each
/// with their `--repository-config`, `--repository-cache`, `--registry-config`, `--content-cache` flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// HELM_REPOSITORY_CONFIG, default `config_path("repositories.yaml")`.
    pub repository_config: PathBuf,
    /// HELM_REPOSITORY_CACHE, default `cache_path("repository")`.
    pub repository_cache: PathBuf,
    /// HELM_REGISTRY_CONFIG, default `config_path("registry/config.json")`.
    pub registry_config: PathBuf,
    /// HELM_CONTENT_CACHE, default `cache_path("content")`.
    pub content_cache: PathBuf,
    /// HELM_DEBUG.
    pub debug: bool,
}

impl Settings {
    /// The settings as Helm reads them from the environment.
    pub fn from_env() -> Settings {
        let or = |var: &str, def: PathBuf| env(var).map(PathBuf::from).unwrap_or(def);
        Settings {
            repository_config: or("HELM_REPOSITORY_CONFIG", config_path("repositories.yaml")),
            repository_cache: or("HELM_REPOSITORY_CACHE", cache_path("repository")),
            registry_config: or("HELM_REGISTRY_CONFIG", config_path("registry/config.json")),
            content_cache: or("HELM_CONTENT_CACHE", cache_path("content")),
            debug: env("HELM_DEBUG").is_some_and(|v| go_parse_bool(&v) == Some(true)),
        }
    }
}

/// Go's `strconv.ParseBool`.
pub fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names() {
        assert_eq!(cache_index_file("stable"), "stable-index.yaml");
        assert_eq!(cache_index_file(""), "index.yaml");
        assert_eq!(cache_charts_file("stable"), "stable-charts.txt");
    }
}
