//! Shell completion for the plugins: Cobra's `__complete` protocol (what kubectl ≥ 1.26 reads from the
//! `kubectl_complete-<plugin>` executables) computed from the clap command tree, dynamic values from the
//! binaries (release names) and from here (namespaces, contexts, repositories, charts from Helm's repository
//! cache), the `completion bash|zsh|fish` scripts for the binaries used directly, and the
//! `kubectl_complete-*` script with its installer (krew cannot install it).
//!
//! The protocol: the completer gets the words after the plugin name, the last one being the word under the
//! cursor (empty for a new word); it prints one candidate per line (`value<TAB>description`), then
//! `:<directive>` (a bit set: 1 error, 2 no space, 4 no file completion, 8 filter file extensions, 16
//! directories only, 32 keep order; 0 = the shell's default, file names when there are no candidates).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use clap::{Arg, ArgAction, Args, Command, Subcommand, ValueHint};

use crate::repo::paths::{cache_charts_file, cache_index_file, Settings};

/// Cobra's `ShellCompDirective` bits.
pub mod directive {
    pub const DEFAULT: u32 = 0;
    pub const ERROR: u32 = 1;
    pub const NO_SPACE: u32 = 2;
    pub const NO_FILE_COMP: u32 = 4;
    pub const FILTER_FILE_EXT: u32 = 8;
    pub const FILTER_DIRS: u32 = 16;
    pub const KEEP_ORDER: u32 = 32;
}

/// Candidates (value, description) and the directive for the shell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completions {
    pub items: Vec<(String, String)>,
    pub directive: u32,
}

impl Completions {
    pub fn new(directive: u32) -> Self {
        Completions {
            items: Vec::new(),
            directive,
        }
    }

    /// Plain values without descriptions, no file completion.
    pub fn values<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> Self {
        Completions {
            items: values
                .into_iter()
                .map(|v| (v.into(), String::new()))
                .collect(),
            directive: directive::NO_FILE_COMP,
        }
    }

    pub fn push(&mut self, value: impl Into<String>, description: impl Into<String>) {
        self.items.push((value.into(), description.into()));
    }

    /// Keeps the candidates that start with `prefix`.
    pub fn filter(mut self, prefix: &str) -> Self {
        self.items.retain(|(v, _)| v.starts_with(prefix));
        self
    }

    /// The protocol's text: one `value<TAB>description` line per candidate, then `:<directive>`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for (v, d) in &self.items {
            s.push_str(v);
            let d = d.lines().next().unwrap_or("").trim();
            if !d.is_empty() {
                s.push('\t');
                s.push_str(d);
            }
            s.push('\n');
        }
        s.push_str(&format!(":{}\n", self.directive));
        s
    }
}

/// What is being completed: the subcommand, the flag whose value is asked for, what was given before.
#[derive(Debug, Clone, Default)]
pub struct Position {
    /// Subcommand names from the root, e.g. `["get", "manifest"]`.
    pub path: Vec<String>,
    /// The long name (or id) of the flag whose value is completed; `None` for a positional argument.
    pub flag: Option<String>,
    /// The positional arguments given so far to the innermost subcommand.
    pub positionals: Vec<String>,
    /// The values of the flags given so far, by long name (or id); `""` for flags without a value.
    pub flags: BTreeMap<String, Vec<String>>,
    /// The word under the cursor (after `--flag=` when completing such a value).
    pub to_complete: String,
}

impl Position {
    /// The subcommand path joined with spaces, e.g. `"get manifest"`.
    pub fn command(&self) -> String {
        self.path.join(" ")
    }

    /// The last value given for a flag.
    pub fn flag_value(&self, long: &str) -> Option<&str> {
        self.flags
            .get(long)
            .and_then(|v| v.last())
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// kubectl's connection flags given on the line (`--kubeconfig`, `--context`, …), to pass on to
    /// `kubectl` when completing cluster values.
    pub fn kubectl_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in ["kubeconfig", "context", "cluster", "user", "as"] {
            if let Some(v) = self.flag_value(f) {
                out.push(format!("--{f}={v}"));
            }
        }
        out
    }
}

/// A source of dynamic candidates: `None` lets the command tree answer (subcommands, possible values, files).
pub type Provider<'a> = &'a dyn Fn(&Position) -> Option<Completions>;

fn arg_key(a: &Arg) -> String {
    a.get_long()
        .map(str::to_string)
        .unwrap_or_else(|| a.get_id().to_string())
}

fn takes_value(a: &Arg) -> bool {
    a.get_action().takes_values() && a.get_num_args().is_none_or(|r| r.takes_values())
}

/// A value that may be left out (`--wait`, `--dry-run`): the next word is never taken as its value.
fn optional_value(a: &Arg) -> bool {
    a.is_require_equals_set() || a.get_num_args().is_some_and(|r| r.min_values() == 0)
}

fn find_long<'c>(cmd: &'c Command, name: &str) -> Option<&'c Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|al| al.contains(&name))
    })
}

fn find_short(cmd: &Command, c: char) -> Option<&Arg> {
    cmd.get_arguments().find(|a| {
        a.get_short() == Some(c) || a.get_all_short_aliases().is_some_and(|al| al.contains(&c))
    })
}

fn find_sub<'c>(cmd: &'c Command, name: &str) -> Option<&'c Command> {
    cmd.get_subcommands()
        .find(|s| s.get_name() == name || s.get_all_aliases().any(|a| a == name))
}

fn help_of(a: &Arg) -> String {
    a.get_help().map(|h| h.to_string()).unwrap_or_default()
}

/// Completes `words` (the words after the plugin name; the last one is the word under the cursor) against
/// the command tree `root`, asking `provider` first for positional arguments and flag values.
pub fn complete(mut root: Command, words: &[String], provider: Provider) -> Completions {
    root.build();
    let (to_complete, given) = match words.split_last() {
        Some((last, rest)) => (last.clone(), rest),
        None => (String::new(), &[][..]),
    };
    let mut cur: &Command = &root;
    let mut pos = Position::default();
    let mut pending: Option<&Arg> = None;
    let mut only_positional = false;
    let record = |pos: &mut Position, a: &Arg, v: &str| {
        pos.flags.entry(arg_key(a)).or_default().push(v.to_string())
    };
    for w in given {
        if let Some(a) = pending.take() {
            record(&mut pos, a, w);
            continue;
        }
        if only_positional {
            pos.positionals.push(w.clone());
            continue;
        }
        if w == "--" {
            only_positional = true;
            continue;
        }
        if let Some(long) = w.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            if let Some(a) = find_long(cur, name) {
                match value {
                    Some(v) => record(&mut pos, a, v),
                    None if takes_value(a) && !optional_value(a) => pending = Some(a),
                    None => record(&mut pos, a, ""),
                }
            }
            continue;
        }
        if let Some(shorts) = w.strip_prefix('-').filter(|s| !s.is_empty()) {
            for (i, c) in shorts.char_indices() {
                let Some(a) = find_short(cur, c) else { break };
                if takes_value(a) {
                    let rest = &shorts[i + c.len_utf8()..];
                    let rest = rest.strip_prefix('=').unwrap_or(rest);
                    if !rest.is_empty() {
                        record(&mut pos, a, rest);
                    } else if !optional_value(a) {
                        pending = Some(a);
                    } else {
                        record(&mut pos, a, "");
                    }
                    break;
                }
                record(&mut pos, a, "");
            }
            continue;
        }
        if pos.positionals.is_empty() {
            if let Some(sub) = find_sub(cur, w) {
                cur = sub;
                pos.path.push(sub.get_name().to_string());
                continue;
            }
        }
        pos.positionals.push(w.clone());
    }
    pos.to_complete = to_complete.clone();

    if let Some(a) = pending {
        pos.flag = Some(arg_key(a));
        return flag_value(a, &pos, provider);
    }
    if !only_positional && to_complete.starts_with('-') {
        if let Some((name, value)) = to_complete
            .strip_prefix("--")
            .and_then(|l| l.split_once('='))
        {
            let Some(a) = find_long(cur, name) else {
                return Completions::new(directive::NO_FILE_COMP);
            };
            pos.flag = Some(arg_key(a));
            pos.to_complete = value.to_string();
            let mut c = flag_value(a, &pos, provider);
            for (v, _) in c.items.iter_mut() {
                *v = format!("--{name}={v}");
            }
            return c;
        }
        let mut c = Completions::new(directive::NO_FILE_COMP);
        for a in cur
            .get_arguments()
            .filter(|a| !a.is_positional() && !a.is_hide_set())
        {
            let repeatable = matches!(a.get_action(), ArgAction::Append | ArgAction::Count);
            if !repeatable && pos.flags.contains_key(&arg_key(a)) {
                continue;
            }
            if let Some(l) = a.get_long() {
                c.push(format!("--{l}"), help_of(a));
            }
            if let Some(s) = a.get_short() {
                if !to_complete.starts_with("--") {
                    c.push(format!("-{s}"), help_of(a));
                }
            }
        }
        return c.filter(&to_complete);
    }
    if let Some(c) = provider(&pos) {
        return c;
    }
    let subs: Vec<&Command> = cur.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    if !subs.is_empty() && pos.positionals.is_empty() {
        let mut c = Completions::new(directive::NO_FILE_COMP);
        for s in subs {
            c.push(
                s.get_name(),
                s.get_about().map(|a| a.to_string()).unwrap_or_default(),
            );
        }
        return c.filter(&to_complete);
    }
    // a positional with a fixed set of values
    let positional = cur
        .get_arguments()
        .filter(|a| a.is_positional())
        .nth(pos.positionals.len());
    if let Some(a) = positional {
        let values: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        if !values.is_empty() {
            return Completions::values(values).filter(&to_complete);
        }
        if a.get_value_hint() == ValueHint::DirPath {
            return Completions::new(directive::FILTER_DIRS);
        }
    }
    Completions::new(directive::DEFAULT)
}

fn flag_value(a: &Arg, pos: &Position, provider: Provider) -> Completions {
    if let Some(c) = provider(pos) {
        return c;
    }
    match pos.flag.as_deref() {
        Some("namespace") => return Completions::values(namespaces(pos)).filter(&pos.to_complete),
        Some("context") => return Completions::values(contexts(pos)).filter(&pos.to_complete),
        _ => {}
    }
    let values: Vec<(String, String)> = a
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| {
            (
                v.get_name().to_string(),
                v.get_help().map(|h| h.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    if !values.is_empty() {
        return Completions {
            items: values,
            directive: directive::NO_FILE_COMP,
        }
        .filter(&pos.to_complete);
    }
    match a.get_value_hint() {
        ValueHint::DirPath => Completions::new(directive::FILTER_DIRS),
        ValueHint::FilePath | ValueHint::AnyPath | ValueHint::Unknown => {
            Completions::new(directive::DEFAULT)
        }
        _ => Completions::new(directive::NO_FILE_COMP),
    }
}

/// Runs `kubectl ARGS` for a completion, giving up after a few seconds; the words of its output.
fn kubectl_words(args: &[String]) -> Vec<String> {
    let kubectl = std::env::var_os("KUBECTL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("kubectl"));
    let out = Process::new(kubectl)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The cluster's namespaces (through `kubectl`, with the connection flags on the line).
pub fn namespaces(pos: &Position) -> Vec<String> {
    let mut args = vec![
        "get".to_string(),
        "namespaces".into(),
        "-o".into(),
        "jsonpath={.items[*].metadata.name}".into(),
    ];
    args.push("--request-timeout=5s".into());
    args.extend(pos.kubectl_args());
    kubectl_words(&args)
}

/// The kubeconfig's context names.
pub fn contexts(pos: &Position) -> Vec<String> {
    let mut args = vec![
        "config".to_string(),
        "get-contexts".into(),
        "-o".into(),
        "name".into(),
    ];
    if let Some(k) = pos.flag_value("kubeconfig") {
        args.push(format!("--kubeconfig={k}"));
    }
    kubectl_words(&args)
}

/// Helm's settings with the `--repository-config`/`--repository-cache` flags given on the line.
pub fn settings(pos: &Position) -> Settings {
    let mut s = Settings::from_env();
    if let Some(p) = pos.flag_value("repository-config") {
        s.repository_config = PathBuf::from(p);
    }
    if let Some(p) = pos.flag_value("repository-cache") {
        s.repository_cache = PathBuf::from(p);
    }
    s
}

/// The configured repositories (name, URL) from `repositories.yaml`.
pub fn repositories(settings: &Settings) -> Vec<(String, String)> {
    match crate::repo::RepoFile::load_or_empty(&settings.repository_config) {
        Ok(f) => f
            .repositories
            .into_iter()
            .map(|e| (e.name, e.url))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Chart names of one repository from the cache: `NAME-charts.txt`, else `NAME-index.yaml`.
pub fn charts_of_repo(settings: &Settings, repo: &str) -> Vec<String> {
    if let Ok(text) =
        std::fs::read_to_string(settings.repository_cache.join(cache_charts_file(repo)))
    {
        return text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
    }
    match crate::repo::IndexFile::load_file(&settings.repository_cache.join(cache_index_file(repo)))
    {
        Ok(idx) => idx.entries.keys().cloned().collect(),
        Err(_) => Vec::new(),
    }
}

/// Repository names (`NAME`, with their URL) for `repo remove/update`-style arguments.
pub fn repository_names(settings: &Settings, to_complete: &str) -> Completions {
    let mut c = Completions::new(directive::NO_FILE_COMP);
    for (name, url) in repositories(settings) {
        c.push(name, url);
    }
    c.filter(to_complete)
}

/// A chart argument, as Helm completes one: `repo/` prefixes (then `repo/chart` from the cache), URL
/// prefixes, and with `include_files` the hints `./` and `/` (typing a path then falls back to file names).
pub fn charts(settings: &Settings, to_complete: &str, include_files: bool) -> Completions {
    let mut c = Completions::new(directive::DEFAULT);
    let (mut no_space, mut no_file) = (false, false);
    for (repo, url) in repositories(settings) {
        let with_slash = format!("{repo}/");
        if to_complete.starts_with(&with_slash) {
            c.items.clear();
            for chart in charts_of_repo(settings, &repo) {
                let full = format!("{repo}/{chart}");
                if full.starts_with(to_complete) {
                    c.push(full, "");
                }
            }
            no_file = true;
            no_space = false;
            break;
        }
        if with_slash.starts_with(to_complete) {
            c.push(with_slash, url);
            no_space = true;
        }
    }
    if !no_file {
        for (prefix, what) in [
            ("oci://", "Chart OCI prefix"),
            ("https://", "Chart URL prefix"),
            ("http://", "Chart URL prefix"),
        ] {
            if to_complete.starts_with(prefix) {
                no_file = true;
                no_space = true;
            } else if prefix.starts_with(to_complete) {
                c.push(prefix, what);
                no_space = true;
            }
        }
        if include_files && to_complete.is_empty() {
            c.push("./", "Relative path prefix");
            c.push("/", "Absolute path prefix");
        }
    }
    if no_file || !include_files {
        c.directive |= directive::NO_FILE_COMP;
    }
    if no_space {
        c.directive |= directive::NO_SPACE;
    }
    c
}

/// Answers `PROGRAM __complete WORDS…` when that is how the binary was called: prints the completions and
/// exits. Call it first thing in `main`, before parsing the arguments.
pub fn run_if_requested(command: impl FnOnce() -> Command, provider: Provider) {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    let no_desc = match first.as_deref() {
        Some("__complete") => false,
        Some("__completeNoDesc") => true,
        _ => return,
    };
    let words: Vec<String> = args.collect();
    let mut c = complete(command(), &words, provider);
    if no_desc {
        for (_, d) in c.items.iter_mut() {
            d.clear();
        }
    }
    let mut so = std::io::stdout().lock();
    let _ = so.write_all(c.render().as_bytes());
    let _ = so.flush();
    std::process::exit(0);
}

/// `completion`: the shell scripts and the kubectl completion executable.
#[derive(Args, Debug, Clone)]
pub struct CompletionArgs {
    #[command(subcommand)]
    pub what: CompletionCommand,
}

#[derive(Subcommand, Debug, Clone)]
pub enum CompletionCommand {
    /// Print the bash completion script for the plugin binary (`source <(kubectl-PLUGIN completion bash)`).
    Bash,
    /// Print the zsh completion script for the plugin binary (`source <(kubectl-PLUGIN completion zsh)`).
    Zsh,
    /// Print the fish completion script (`kubectl-PLUGIN completion fish | source`).
    Fish,
    /// Print the `kubectl_complete-PLUGIN` script kubectl (1.26 or newer) runs for `kubectl PLUGIN <TAB>`.
    Kubectl,
    /// Write `kubectl_complete-PLUGIN` beside the plugin (krew's bin folder for a krew install), so that
    /// `kubectl PLUGIN <TAB>` completes in kubectl's own shell completion.
    Install {
        /// The folder to write it into (it must be on PATH).
        #[arg(long, value_hint = ValueHint::DirPath)]
        dir: Option<PathBuf>,
    },
}

/// Runs `completion …` for the plugin `plugin` (`chart`, `release`, `repo`).
pub fn run_completion(plugin: &str, a: &CompletionArgs) -> Result<(), String> {
    let text = match &a.what {
        CompletionCommand::Bash => bash_script(plugin),
        CompletionCommand::Zsh => zsh_script(plugin),
        CompletionCommand::Fish => fish_script(plugin),
        CompletionCommand::Kubectl => kubectl_complete_script(plugin),
        CompletionCommand::Install { dir } => {
            let dir = match dir {
                Some(d) => d.clone(),
                None => default_install_dir()?,
            };
            let path = install(plugin, &dir)?;
            eprintln!(
                "wrote {}: kubectl completes `kubectl {plugin} …` when this folder is on PATH",
                path.display()
            );
            return Ok(());
        }
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| format!("writing output: {e}"))
}

/// The folder `completion install` writes into: krew's `bin` for a krew install (the binary lives under
/// `$KREW_ROOT/store`), else the binary's own folder.
pub fn default_install_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("finding the plugin binary: {e}"))?;
    let krew_root = std::env::var_os("KREW_ROOT")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".krew")));
    if let Some(root) = krew_root {
        let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        if canon(&exe).starts_with(canon(&root.join("store"))) {
            return Ok(root.join("bin"));
        }
    }
    exe.parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("{} has no folder", exe.display()))
}

/// Writes `DIR/kubectl_complete-PLUGIN` (mode 0755), atomically; its path.
pub fn install(plugin: &str, dir: &Path) -> Result<PathBuf, String> {
    let path = dir.join(format!("kubectl_complete-{plugin}"));
    let tmp = dir.join(format!(".kubectl_complete-{plugin}.{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(&tmp, kubectl_complete_script(plugin))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
        }
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("writing {}: {e}", path.display())
    })?;
    Ok(path)
}

/// The `kubectl_complete-PLUGIN` executable: runs the plugin beside it (or on PATH) with `__complete`.
pub fn kubectl_complete_script(plugin: &str) -> String {
    format!(
        r#"#!/bin/sh
# kubectl (1.26 or newer) runs this for `kubectl {plugin} <TAB>`; the plugin answers Cobra's __complete protocol.
dir=$(dirname "$0")
if [ -x "$dir/kubectl-{plugin}" ]; then
  exec "$dir/kubectl-{plugin}" __complete "$@"
fi
exec kubectl-{plugin} __complete "$@"
"#
    )
}

fn ident(plugin: &str) -> String {
    plugin.replace(['-', '.'], "_")
}

/// bash: completes the `kubectl-PLUGIN` command.
pub fn bash_script(plugin: &str) -> String {
    let f = format!("__kubectl_{}_complete", ident(plugin));
    let body = r#"# bash completion for kubectl-@P@ (`source <(kubectl-@P@ completion bash)`)
@F@() {
    local line="${COMP_LINE:0:COMP_POINT}" cur out last directive l
    local -a words lines cands
    read -ra words <<< "$line"
    if [[ -z "$line" || "$line" == *[[:space:]] ]]; then
        cur=""
    else
        cur="${words[${#words[@]}-1]}"
        unset 'words[${#words[@]}-1]'
    fi
    out=$("${words[0]}" __complete "${words[@]:1}" "$cur" 2>/dev/null) || return 0
    while IFS= read -r l; do lines+=("$l"); done <<< "$out"
    last="${lines[${#lines[@]}-1]}"
    directive=0
    if [[ "$last" == :* ]]; then
        directive="${last:1}"
        unset 'lines[${#lines[@]}-1]'
    fi
    (( directive & 1 )) && return 0
    for l in "${lines[@]}"; do
        [[ -n "$l" ]] && cands+=("${l%%$'\t'*}")
    done
    COMPREPLY=()
    if (( directive & 8 )); then
        compopt -o filenames 2>/dev/null
        local ext f
        for ext in "${cands[@]}"; do
            while IFS= read -r f; do [[ -n "$f" ]] && COMPREPLY+=("$f"); done < <(compgen -f -X "!*.$ext" -- "$cur")
        done
        while IFS= read -r f; do [[ -n "$f" ]] && COMPREPLY+=("$f"); done < <(compgen -d -- "$cur")
        return 0
    fi
    if (( directive & 16 )); then
        compopt -o filenames 2>/dev/null
        while IFS= read -r f; do [[ -n "$f" ]] && COMPREPLY+=("$f"); done < <(compgen -d -- "$cur")
        return 0
    fi
    if (( ${#cands[@]} == 0 )); then
        if (( (directive & 4) == 0 )); then
            compopt -o filenames 2>/dev/null
            while IFS= read -r l; do [[ -n "$l" ]] && COMPREPLY+=("$l"); done < <(compgen -f -- "$cur")
        fi
        return 0
    fi
    for l in "${cands[@]}"; do
        [[ "$l" == "$cur"* ]] && COMPREPLY+=("$l")
    done
    # bash splits words at '=': complete only what follows it
    if [[ "$cur" == --*=* && "$COMP_WORDBREAKS" == *=* ]]; then
        local i
        for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]="${COMPREPLY[i]#"${cur%%=*}="}"; done
    fi
    (( directive & 2 )) && compopt -o nospace 2>/dev/null
    return 0
}
complete -F @F@ kubectl-@P@
"#;
    body.replace("@F@", &f).replace("@P@", plugin)
}

/// zsh: completes the `kubectl-PLUGIN` command.
pub fn zsh_script(plugin: &str) -> String {
    let f = format!("__kubectl_{}_complete", ident(plugin));
    let body = r#"#compdef kubectl-@P@
# zsh completion for kubectl-@P@ (`source <(kubectl-@P@ completion zsh)`)
@F@() {
    local out last directive l
    local -a lines cands exts
    out=$(${words[1]} __complete "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null) || return 1
    lines=("${(@f)out}")
    last=${lines[-1]}
    directive=0
    if [[ $last == :* ]]; then
        directive=${last#:}
        lines[-1]=()
    fi
    (( directive & 1 )) && return 1
    if (( directive & 8 )); then
        for l in $lines; do exts+=("${l%%$'\t'*}"); done
        _files -g "*.(${(j:|:)exts})"
        return
    fi
    if (( directive & 16 )); then
        _files -/
        return
    fi
    for l in $lines; do
        [[ -z $l ]] && continue
        if [[ $l == *$'\t'* ]]; then
            cands+=("${${l%%$'\t'*}//:/\\:}:${l#*$'\t'}")
        else
            cands+=("${l//:/\\:}")
        fi
    done
    if (( ${#cands} == 0 )); then
        (( directive & 4 )) || _files
        return
    fi
    if (( directive & 2 )); then
        _describe -t values 'completions' cands -S ''
    else
        _describe -t values 'completions' cands
    fi
}
compdef @F@ kubectl-@P@
"#;
    body.replace("@F@", &f).replace("@P@", plugin)
}

/// fish: completes the `kubectl-PLUGIN` command.
pub fn fish_script(plugin: &str) -> String {
    let f = format!("__kubectl_{}_complete", ident(plugin));
    let body = r#"# fish completion for kubectl-@P@ (`kubectl-@P@ completion fish | source`)
function @F@
    set -l args (commandline -opc)
    set -e args[1]
    set -l cur (commandline -ct)
    set -l out (kubectl-@P@ __complete $args "$cur" 2>/dev/null)
    set -l directive 0
    if test (count $out) -gt 0; and string match -qr '^:[0-9]+$' -- $out[-1]
        set directive (string sub -s 2 -- $out[-1])
        set -e out[-1]
    end
    if test (math "bitand($directive, 1)") -ne 0
        return
    end
    if test (math "bitand($directive, 8)") -ne 0
        for ext in $out
            __fish_complete_suffix "$cur" ".$ext"
        end
        return
    end
    if test (math "bitand($directive, 16)") -ne 0
        __fish_complete_directories "$cur"
        return
    end
    if test (count $out) -eq 0
        if test (math "bitand($directive, 4)") -eq 0
            __fish_complete_path "$cur"
        end
        return
    end
    printf '%s\n' $out
end
complete -c kubectl-@P@ -f -a '(@F@)'
"#;
    body.replace("@F@", &f).replace("@P@", plugin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    #[command(name = "kubectl demo")]
    struct Cli {
        #[arg(short = 'n', long, global = true)]
        namespace: Option<String>,
        #[command(subcommand)]
        cmd: Cmd,
    }

    #[derive(clap::Subcommand)]
    enum Cmd {
        /// Install a chart.
        Install {
            args: Vec<String>,
            #[arg(short = 'o', long, value_parser = ["table", "json", "yaml"])]
            output: Option<String>,
            #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "watcher")]
            wait: Option<String>,
            #[arg(long)]
            set: Vec<String>,
        },
        /// Show things.
        #[command(subcommand)]
        Get(Get),
    }

    #[derive(clap::Subcommand)]
    enum Get {
        /// The manifest.
        Manifest { release: String },
        /// The values.
        Values { release: String },
    }

    fn run(words: &[&str], provider: Provider) -> Completions {
        let words: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        complete(<Cli as clap::CommandFactory>::command(), &words, provider)
    }

    fn names(c: &Completions) -> Vec<&str> {
        c.items.iter().map(|(v, _)| v.as_str()).collect()
    }

    #[test]
    fn subcommands_flags_and_values() {
        let none: Provider = &|_| None;
        let c = run(&[""], none);
        assert_eq!(names(&c), ["install", "get", "help"]);
        assert_eq!(c.directive, directive::NO_FILE_COMP);
        assert_eq!(c.items[0].1, "Install a chart");
        assert_eq!(names(&run(&["g"], none)), ["get"]);
        assert_eq!(
            names(&run(&["get", ""], none)),
            ["manifest", "values", "help"]
        );
        assert_eq!(names(&run(&["install", "--o"], none)), ["--output"]);
        assert_eq!(
            names(&run(&["install", "-o", ""], none)),
            ["table", "json", "yaml"]
        );
        assert_eq!(names(&run(&["install", "--output", "j"], none)), ["json"]);
        assert_eq!(
            names(&run(&["install", "--output=y"], none)),
            ["--output=yaml"]
        );
        assert!(run(&["install", "-oj"], none).items.is_empty());
        assert_eq!(
            run(&["install", "-oj", ""], none).directive,
            directive::DEFAULT,
            "-oj took its value"
        );
        // a flag already given is not offered again, a repeatable one is; globals reach subcommands
        let flags = run(&["install", "-o", "json", "--"], none);
        assert!(
            !names(&flags).contains(&"--output")
                && names(&flags).contains(&"--set")
                && names(&flags).contains(&"--namespace"),
            "{flags:?}"
        );
        // an optional value never takes the next word
        let p: Provider = &|p| {
            Some(Completions::values([format!(
                "{}|{:?}|{}",
                p.command(),
                p.positionals,
                p.to_complete
            )]))
        };
        assert_eq!(
            names(&run(&["install", "--wait", "x", "y"], p)),
            ["install|[\"x\"]|y"]
        );
        // the provider sees the flag being completed and the flags given
        let p: Provider = &|p| {
            p.flag.as_ref().map(|f| {
                Completions::values([format!("{f}:{}", p.flag_value("namespace").unwrap_or(""))])
            })
        };
        assert_eq!(
            names(&run(
                &["-n", "ns1", "get", "manifest", "--namespace", ""],
                p
            )),
            ["namespace:ns1"]
        );
        assert_eq!(
            run(&["get", "manifest", "x", ""], none).directive,
            directive::DEFAULT
        );
    }

    #[test]
    fn rendered_protocol() {
        let mut c = Completions::new(directive::NO_SPACE | directive::NO_FILE_COMP);
        c.push("stable/", "https://charts.example.com\nmore");
        c.push("web", "");
        assert_eq!(c.render(), "stable/\thttps://charts.example.com\nweb\n:6\n");
    }

    #[test]
    fn charts_from_the_repository_cache() {
        let dir = std::env::temp_dir().join(format!("kubehelm-complete-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("cache")).unwrap();
        std::fs::write(
            dir.join("repositories.yaml"),
            "apiVersion: \"\"\ngenerated: \"0001-01-01T00:00:00Z\"\nrepositories:\n- name: stable\n  url: https://charts.example.com\n- name: other\n  url: https://other.example.com\n",
        )
        .unwrap();
        std::fs::write(dir.join("cache/stable-charts.txt"), "nginx\nredis\n").unwrap();
        std::fs::write(
            dir.join("cache/other-index.yaml"),
            "apiVersion: v1\nentries:\n  web:\n  - name: web\n    version: 1.0.0\n    urls: [web-1.0.0.tgz]\n",
        )
        .unwrap();
        let s = Settings {
            repository_config: dir.join("repositories.yaml"),
            repository_cache: dir.join("cache"),
            ..Settings::from_env()
        };
        let c = charts(&s, "", true);
        assert_eq!(
            names(&c),
            ["stable/", "other/", "oci://", "https://", "http://", "./", "/"]
        );
        assert_eq!(c.directive, directive::NO_SPACE);
        let c = charts(&s, "stable/r", true);
        assert_eq!(
            (names(&c), c.directive),
            (vec!["stable/redis"], directive::NO_FILE_COMP)
        );
        assert_eq!(names(&charts(&s, "other/", false)), ["other/web"]);
        // a path: nothing to offer, the shell completes file names
        let c = charts(&s, "./my", true);
        assert_eq!((c.items.len(), c.directive), (0, directive::DEFAULT));
        assert_eq!(names(&repository_names(&s, "o")), ["other"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
