//! `kubectl chart create NAME [-p/--starter NAME|PATH]`: argument parsing and output for Helm's `create`.

use clap::Args;

/// Create a new chart with the given name, as `helm create` does.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Where to create the chart: its last path element is the chart's name.
    name: String,
    /// The name (under $HELM_DATA_HOME/starters) or absolute path of a starter scaffold.
    #[arg(short = 'p', long)]
    starter: Option<String>,
}

pub fn run(a: CreateArgs) -> Result<(), (String, bool)> {
    // Helm prints this first, and its overwrite warnings on the same stream.
    println!("Creating {}", a.name);
    let mut out = std::io::stdout();
    kubehelm::chart::create::run_create(&a.name, a.starter.as_deref(), &mut out).map_err(|e| (e.to_string(), false))
}
